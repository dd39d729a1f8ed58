"""Bug-detector throughput: functions per second through `detect`, batched vs one at a time,
and the seconds the product's detector needs for a 1,000-changed-line diff.

    python -m benchmarks.bugmodel [--functions 200] [--repeats 3] [--model-dir DIR] [--threads N]

(run as a module: as a script, this file would shadow the `bugmodel` package).

Part 1 (the from-scratch model alone): the baseline, measured in the same run, is the same model
scoring one function per forward pass (batch size 1); the ratio is what batching buys. Also
reports the share of time spent enumerating candidates (pure Python).

Part 2 (what a review runs: the detector SQUIGGLE_BUG_DETECTOR chooses, the line ranker by
default, with the LM choosing the repair of each unit with a finding): real stdlib files whose
functions are marked changed, whole, until at least 1,000 lines changed (a diff of new code:
every function is scored, the worst case); seconds for that detector against the from-scratch
model alone on the same changed lines, and the ratio; the LM's loading apart (once per
process), and the seconds when every unit has a finding (the LM then reads each one).
Writes benchmarks/results/bugmodel.json.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import platform
import statistics
import sys
import sysconfig
import time
from pathlib import Path

import torch

from bugmodel.detection import detect_files
from bugmodel.detector import chosen_head, load_detector
from bugmodel.model import count_parameters
from bugmodel.repair_choice import lm_chooses_repairs
from inference.engine import get_engine
from synthdata.corpus import iter_functions
from synthdata.rewrites import enumerate_candidates

MODULES = ["textwrap", "difflib", "calendar", "shlex", "argparse", "csv", "pprint", "heapq"]
RESULTS = Path(__file__).parent / "results" / "bugmodel.json"


def sample_functions(n: int) -> list[tuple[str, str]]:
    """n standalone functions from stdlib modules, each as its own (path, source) file."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    out: list[tuple[str, str]] = []
    for module in MODULES:
        text = (stdlib / f"{module}.py").read_text()
        lines = text.split("\n")
        for func, _ in iter_functions(ast.parse(text)):
            if func.col_offset:
                continue  # methods would need their class to be valid on their own
            body = "\n".join(lines[func.lineno - 1 : func.end_lineno]) + "\n"
            out.append((f"{module}/{func.name}.py", body))
            if len(out) == n:
                return out
    return out


def changed_diff(target_lines: int = 1000) -> tuple[list[tuple[str, str]], dict[str, set[int]]]:
    """Whole stdlib files, with whole functions marked changed until `target_lines` changed."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files, changed, total = [], {}, 0
    for module in MODULES:
        text = (stdlib / f"{module}.py").read_text()
        files.append((f"{module}.py", text))
        lines: set[int] = set()
        for func, _ in iter_functions(ast.parse(text)):
            lines.update(range(func.lineno, func.end_lineno + 1))
            if total + len(lines) >= target_lines:
                break
        changed[f"{module}.py"] = lines
        total += len(lines)
        if total >= target_lines:
            break
    return files, changed


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model-dir", default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    detector = load_detector(args.model_dir)
    files = sample_functions(args.functions)
    lines = sum(text.count("\n") for _, text in files)

    scratch_only = dataclasses.replace(detector, ranker=None)

    def run(batch_size: int) -> None:
        detect_files(files, threshold=1.1, batch_size=batch_size, detector=scratch_only)

    run(32)  # warm-up
    enumerate_s = timed(lambda: [enumerate_candidates(text) for _, text in files], args.repeats)
    batched_s = timed(lambda: run(32), args.repeats)
    single_s = timed(lambda: run(1), args.repeats)
    result = {
        "device": str(detector.device),
        "cpu": platform.processor() or platform.machine(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "parameters": count_parameters(detector.model),
        "functions": len(files),
        "lines": lines,
        "repeats": args.repeats,
        "batched_32": {"seconds": round(batched_s, 3),
                       "functions_per_s": round(len(files) / batched_s, 1)},
        "one_at_a_time": {"seconds": round(single_s, 3),
                          "functions_per_s": round(len(files) / single_s, 1)},
        "speedup_batched_vs_one_at_a_time": round(single_s / batched_s, 2),
        "candidate_enumeration_share_of_batched": round(enumerate_s / batched_s, 2),
    }
    diff_files, changed = changed_diff()
    units = len(detect_files(diff_files, changed, threshold=0.0, detector=scratch_only,
                             file_checks=False, lm_repairs=False).findings)
    lm_load_s = timed(get_engine, 1) if lm_chooses_repairs() else 0.0
    product_s = timed(lambda: detect_files(diff_files, changed, detector=detector), 1)
    scratch_s = timed(lambda: detect_files(diff_files, changed, detector=scratch_only,
                                           lm_repairs=False), 1)
    # The worst case of the LM's choice of repair: every unit has a finding.
    every_s = (timed(lambda: detect_files(diff_files, changed, threshold=0.0, detector=detector),
                     1) if lm_chooses_repairs() else None)
    name = chosen_head() or "scratch"
    result["diff_1000_changed_lines"] = {
        "changed_lines": sum(len(v) for v in changed.values()), "units_scored": units,
        "detector": name, "lm_chooses_repairs": lm_chooses_repairs(),
        "lm_load_seconds": round(lm_load_s, 2), "detector_seconds": round(product_s, 2),
        "scratch_only_seconds": round(scratch_s, 2),
        "detector_vs_scratch": round(product_s / scratch_s, 2),
        "every_unit_with_a_finding_seconds": None if every_s is None else round(every_s, 2)}
    print(f"1,000-changed-line diff: {name} {product_s:.1f} s, from-scratch model alone "
          f"{scratch_s:.2f} s ({units} units); LM loaded in {lm_load_s:.1f} s; with a finding "
          f"in every unit {every_s or 0:.1f} s", file=sys.stderr)
    print(f"batched: {result['batched_32']['functions_per_s']} functions/s, one at a time: "
          f"{result['one_at_a_time']['functions_per_s']} functions/s, ratio "
          f"{result['speedup_batched_vs_one_at_a_time']}x; enumeration is "
          f"{result['candidate_enumeration_share_of_batched']:.0%} of batched time",
          file=sys.stderr)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
