"""Inference benchmark: decoding speed, Apply exact match, Tab exact match — one run, one model.

    nice -n 10 python benchmarks/inference.py [--skip-decoding] [--model-cases 8]
        [--tab-model-cases 8]

1. Decoding: runs ``benchmarks/inference_decoding.py`` (greedy vs Hugging Face prompt lookup vs
   our speculative edits on Apply-style rewrites; cold vs warm first-token latency) and folds
   its results in (``--skip-decoding`` reuses its last results file).
2. Apply on the dev set (``benchmarks/data/apply_dev.jsonl.gz``, real version-to-version edits)
   and on a held-out set built the same way after the rules were tuned (``apply_heldout``):
   exact match of the merged file for the deterministic path alone, the model alone (it writes
   the merged file, speculative decoding; on the ``--model-cases`` smallest files, since each
   costs minutes on a shared CPU) and the combined pipeline; every Python result must parse or
   fail with a clear error.
3. Tab on edit sequences from the same real changes: exact match of the next edit for the
   pattern rules, and for the model on ``--tab-model-cases`` cases where no rule applies; and
   the pattern rules on refactors (rename, added argument) made line by line in real stdlib
   modules.

Writes ``benchmarks/results/inference.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from inference_devset import (  # noqa: E402
    APPLY_FILE,
    APPLY_HELDOUT_FILE,
    TAB_FILE,
    TAB_REFACTOR_FILE,
    load_cases,
)

from inference.apply import (  # noqa: E402
    ApplyFailed,
    apply_sketch,
    parses,
    stream_generated_merge,
)
from inference.merge import deterministic_merge  # noqa: E402
from inference.sketch import parse_sketch  # noqa: E402
from inference.tab import TabPredictor  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
DECODING_SCRIPT = ROOT / "benchmarks" / "inference_decoding.py"
DECODING_RESULTS = RESULTS / "inference_decoding.json"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def decoding_section(skip: bool) -> dict:
    """Run (or reuse) the decoding benchmark and return its results."""
    if not DECODING_SCRIPT.exists():
        return {"error": f"{DECODING_SCRIPT.relative_to(ROOT)} not found"}
    if not skip:
        log("decoding: running benchmarks/inference_decoding.py")
        done = subprocess.run([sys.executable, str(DECODING_SCRIPT)], cwd=ROOT)
        if done.returncode != 0:
            return {"error": f"inference_decoding.py exited {done.returncode}"}
    if not DECODING_RESULTS.exists():
        return {"error": "no decoding results file"}
    return json.loads(DECODING_RESULTS.read_text())


def apply_section(engine, model_cases: int, path: Path = APPLY_FILE) -> dict:
    cases = load_cases(path)
    rows = []
    for case in cases:
        row = {"id": case["id"], "lines": case["original"].count("\n")}
        merged = deterministic_merge(case["original"], parse_sketch(case["sketch"])).text
        row["deterministic"] = merged == case["expected"] and parses(merged)
        try:  # everything but the model: deterministic, then the fuzzy placement rules
            result = apply_sketch(case["original"], case["sketch"], path=case["path"])
            row["no_model"] = result.text == case["expected"]
        except ApplyFailed:
            row["no_model"] = False
        started = time.perf_counter()
        try:
            result = apply_sketch(case["original"], case["sketch"], path=case["path"],
                                  engine=engine)
            row.update(combined=result.text == case["expected"], path=result.path,
                       method=result.method, parses=parses(result.text))
        except ApplyFailed as error:
            row.update(combined=False, path="failed", method=None, parses=None,
                       failure=str(error))
        row["combined_s"] = round(time.perf_counter() - started, 3)
        rows.append(row)
        log(f"apply {case['id']}: deterministic={row['deterministic']} "
            f"combined={row['combined']} via {row['path']}/{row['method']}")

    smallest = sorted(cases, key=lambda c: len(c["original"]))[:model_cases]
    model_rows = []
    for case in smallest:
        started = time.perf_counter()
        merge = stream_generated_merge(engine, case["original"], case["sketch"],
                                       path=case["path"])
        try:
            while True:
                next(merge)
        except StopIteration as finished:
            text, why, stats = finished.value
        model_rows.append({"id": case["id"], "exact": text == case["expected"],
                           "failure": why or None, "parses": parses(text) if text else None,
                           "seconds": round(time.perf_counter() - started, 2),
                           "generation": stats})
        log(f"apply model-only {case['id']}: exact={model_rows[-1]['exact']} {why}")

    n = len(rows)
    returned = [r for r in rows if r["path"] != "failed"]
    subset = {r["id"] for r in model_rows}
    return {
        "cases": n,
        "deterministic_exact": sum(r["deterministic"] for r in rows) / n,
        "without_model_exact": sum(r["no_model"] for r in rows) / n,
        "combined_exact": sum(r["combined"] for r in rows) / n,
        "combined_paths": {p: sum(r["path"] == p for r in rows)
                           for p in ("deterministic", "fuzzy", "model", "failed")},
        "combined_returned_parse_rate": (sum(bool(r["parses"]) for r in returned) / len(returned)
                                         if returned else None),
        "combined_wrong_but_returned": sum(not r["combined"] for r in returned),
        "model_only_cases": len(model_rows),
        "model_only_exact": (sum(r["exact"] for r in model_rows) / len(model_rows)
                             if model_rows else None),
        "deterministic_exact_on_model_subset": (
            sum(r["deterministic"] for r in rows if r["id"] in subset) / len(subset)
            if subset else None),
        "combined_exact_on_model_subset": (
            sum(r["combined"] for r in rows if r["id"] in subset) / len(subset)
            if subset else None),
        "rows": rows,
        "model_only_rows": model_rows,
    }


def tab_section(engine, model_cases: int, path: Path = TAB_FILE) -> dict:
    cases = load_cases(path)
    patterns = TabPredictor()
    rows = []
    for case in cases:
        started = time.perf_counter()
        suggestion = patterns.predict(case["file"], case["cursor_line"], case["diff"])
        got = suggestion.edit.to_json() if suggestion.edit else None
        rows.append({"id": case["id"], "expected_null": case["expected"] is None,
                     "pattern_exact": got == case["expected"], "predicted": got is not None,
                     "rule": suggestion.rule, "next_precomputed": suggestion.next is not None,
                     "ms": round((time.perf_counter() - started) * 1000, 2)})
    with_model = TabPredictor(engine)
    model_rows = []
    for case, row in zip(cases, rows, strict=True):
        if len(model_rows) >= model_cases or row["predicted"]:
            continue
        started = time.perf_counter()
        suggestion = with_model.predict(case["file"], case["cursor_line"], case["diff"])
        got = suggestion.edit.to_json() if suggestion.edit else None
        model_rows.append({"id": case["id"], "exact": got == case["expected"],
                           "null_was_exact": row["pattern_exact"], "predicted": got is not None,
                           "seconds": round(time.perf_counter() - started, 2)})
        log(f"tab model {case['id']}: exact={model_rows[-1]['exact']} "
            f"predicted={model_rows[-1]['predicted']}")
    n = len(rows)
    predicted = [r for r in rows if r["predicted"]]
    return {
        "cases": n,
        "pattern_exact": sum(r["pattern_exact"] for r in rows) / n,
        "pattern_predictions": len(predicted),
        "pattern_precision": (sum(r["pattern_exact"] for r in predicted) / len(predicted)
                              if predicted else None),
        "expected_null": sum(r["expected_null"] for r in rows),
        "pattern_median_ms": sorted(r["ms"] for r in rows)[n // 2],
        "model_cases": len(model_rows),
        "model_exact": (sum(r["exact"] for r in model_rows) / len(model_rows)
                        if model_rows else None),
        "null_exact_on_model_cases": (sum(r["null_was_exact"] for r in model_rows)
                                      / len(model_rows) if model_rows else None),
        "rows": rows,
        "model_rows": model_rows,
    }


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-decoding", action="store_true",
                        help="reuse benchmarks/results/inference_decoding.json")
    parser.add_argument("--model-cases", type=int, default=8)
    parser.add_argument("--tab-model-cases", type=int, default=8)
    args = parser.parse_args()

    from inference.engine import get_engine

    engine = get_engine()
    apply = apply_section(engine, args.model_cases)
    heldout = apply_section(engine, 0, APPLY_HELDOUT_FILE)
    tab = tab_section(engine, args.tab_model_cases)
    refactors = tab_section(engine, 0, TAB_REFACTOR_FILE)
    decoding = decoding_section(args.skip_decoding)  # last: its own process needs the CPU
    results = {"machine": platform.machine(), "python": platform.python_version(),
               "decoding": decoding, "apply": apply, "apply_heldout": heldout, "tab": tab,
               "tab_refactors": refactors,
               "commands": ["nice -n 10 python benchmarks/inference.py " + " ".join(sys.argv[1:])]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "inference.json").write_text(json.dumps(results, indent=2) + "\n")

    print(f"Apply exact match on {apply['cases']} real edits: deterministic "
          f"{apply['deterministic_exact']:.0%}, without the model (+ fuzzy rules) "
          f"{apply['without_model_exact']:.0%}, combined {apply['combined_exact']:.0%} "
          f"({ratio(apply['combined_exact'], apply['deterministic_exact'])} deterministic); "
          f"paths {apply['combined_paths']}; returned Python parses: "
          f"{apply['combined_returned_parse_rate']}")
    print(f"Apply held out ({heldout['cases']} cases, built after the rules were tuned): "
          f"deterministic {heldout['deterministic_exact']:.0%}, without the model "
          f"{heldout['without_model_exact']:.0%}, combined "
          f"{heldout['combined_exact']:.0%}; paths {heldout['combined_paths']}; wrong but "
          f"returned {heldout['combined_wrong_but_returned']}")
    if apply["model_only_cases"]:
        print(f"Apply model-only on the {apply['model_only_cases']} smallest files: "
              f"{apply['model_only_exact']:.0%} vs deterministic "
              f"{apply['deterministic_exact_on_model_subset']:.0%} and combined "
              f"{apply['combined_exact_on_model_subset']:.0%} on the same files")
    print(f"Tab exact match on {tab['cases']} real edit sequences: patterns "
          f"{tab['pattern_exact']:.0%} ({tab['pattern_predictions']} predictions, precision "
          f"{tab['pattern_precision']}); model on {tab['model_cases']} pattern-less cases "
          f"{tab['model_exact']} vs answering null {tab['null_exact_on_model_cases']}")
    print(f"Tab exact match on {refactors['cases']} refactors of real stdlib code (rename, added "
          f"argument): patterns {refactors['pattern_exact']:.0%}, median "
          f"{refactors['pattern_median_ms']} ms per suggestion")
    if "error" in decoding:
        print(f"decoding: {decoding['error']}")
    else:
        rewrites, warmth = decoding["rewrites"], decoding["warm_vs_cold"]
        for name in ("prompt-lookup", "speculative"):
            d = rewrites[name]
            print(f"decoding {name}: {d['median_speedup_vs_greedy']:.2f}x greedy tokens/s "
                  f"(median of {rewrites['cases']} rewrites), equal to greedy "
                  f"{d['equal_to_greedy']}/{rewrites['cases']}")
        print(f"first token on a {warmth['file_tokens']}-token file: warm/cold "
              f"{warmth['warm_over_cold']} (cold {warmth['cold_ttft_s']} s, warm "
              f"{warmth['warm_ttft_s']} s)")
    print(f"wrote {(RESULTS / 'inference.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
