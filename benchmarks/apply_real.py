"""Apply on real edits: exact / refused / wrong-but-returned, this code against a baseline.

    nice -n 10 python benchmarks/apply_real.py [--split heldout] [--baseline-ref 54ec0ac]
        [--model-cases 0] [--stress-seed 7]

Cases: ``shared/apply_real/apply_real.jsonl.gz`` (built by ``benchmarks/apply_real_data.py``
from the git history of 36 public repositories, split by repository; ``--split fresh``: the
second held-out set, ``apply_real_fresh.jsonl.gz``, from 8 more; ``--split stress``: more
cases of the dev repositories, ``apply_real_stress_s<seed>.jsonl.gz`` of ``--stress-seed``).
Every case is scored as

* ``exact`` — the returned file is the commit's file;
* ``refused`` — `ApplyFailed` (a clear error; the user is told);
* ``wrong`` — a different file returned as a success: the costly error.

Rows, each over the same cases in the same run:

* ``deterministic`` — the anchor merge alone (`inference.merge.deterministic_merge`), unchecked;
* ``no_model`` — `apply_sketch` without a model (deterministic, fuzzy placements, checks);
* ``model`` — `apply_sketch` with the default model (SmolLM2-135M and Apply's adapter: it
  ranks plausible merges or writes the file) on the ``--model-cases`` smallest cases the
  no-model pipeline refused (the model is asked only there; each costs up to minutes on a
  shared CPU);
* ``combined`` — every case: the no-model outcome, or the model's where it ran (refused
  cases beyond ``--model-cases`` stay refused, so this is a lower bound on the pipeline);
* each of these for the *baseline*: the ``inference`` package as of ``--baseline-ref`` (default:
  the commit before issue 18's work), run from a copy in a temporary directory.

Writes ``benchmarks/results/apply_real_<split>.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
#: Written by ``benchmarks/apply_real_data.py``.
CASES = ROOT / "shared" / "apply_real" / "apply_real.jsonl.gz"
#: The second held-out set (``apply_real_data.py --set fresh``), split ``fresh``.
FRESH_CASES = ROOT / "shared" / "apply_real" / "apply_real_fresh.jsonl.gz"
DEFAULT_BASELINE = "54ec0ac"  # main before issue 18 (merge check, more placements)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_real_cases(split: str | None = None) -> list[dict]:
    """The cases of one split (``dev``/``heldout``/``fresh``, ``stress_s<seed>``), or all of
    the main set."""
    path = CASES
    if split == "fresh":
        path = FRESH_CASES
    elif split is not None and split.startswith("stress"):
        path, split = CASES.with_name(f"apply_real_{split}.jsonl.gz"), "stress"
    with gzip.open(path, "rt") as handle:
        cases = [json.loads(line) for line in handle]
    return [c for c in cases if split is None or c["split"] == split]


def outcome(text: str | None, expected: str) -> str:
    if text is None:
        return "refused"
    return "exact" if text == expected else "wrong"


def evaluate(split: str, model_cases: int) -> list[dict]:
    """Score every case with the ``inference`` package first on ``sys.path``."""
    from inference.apply import ApplyFailed, apply_sketch
    from inference.merge import deterministic_merge
    from inference.sketch import parse_sketch

    cases = load_real_cases(split)
    rows = []
    for case in cases:
        args = (case["original"], case["sketch"])
        row = {"id": case["id"], "repo": case["repo"], "style": case["style"]}
        row["deterministic"] = outcome(
            deterministic_merge(case["original"], parse_sketch(case["sketch"])).text,
            case["expected"])
        try:
            text = apply_sketch(*args, path=case["path"]).text
        except ApplyFailed:
            text = None
        row["no_model"] = outcome(text, case["expected"])
        rows.append(row)
    if model_cases:
        import torch

        from inference.engine import get_engine

        torch.set_num_threads(1)  # a shared CPU
        engine = get_engine()
        refused = sorted((c for c, r in zip(cases, rows, strict=True)
                          if r["no_model"] == "refused"), key=lambda c: len(c["original"]))
        by_id = {r["id"]: r for r in rows}
        for case in refused[:model_cases]:
            row = by_id[case["id"]]
            started = time.perf_counter()
            try:
                result = apply_sketch(case["original"], case["sketch"], path=case["path"],
                                      engine=engine)
                text, how = result.text, f"{result.path}/{result.method}"
            except ApplyFailed:
                text, how = None, "refused"
            row.update(model=outcome(text, case["expected"]), model_path=how,
                       model_s=round(time.perf_counter() - started, 1))
            log(f"{case['id']}: with the model: {row['model']} via {how} ({row['model_s']} s)")
    return rows


def run_worker(code_root: Path, split: str, model_cases: int) -> list[dict]:
    """`evaluate` in a subprocess whose ``inference`` package is the one under ``code_root``."""
    program = (f"import sys; sys.path.insert(0, {str(code_root)!r}); "
               f"sys.path.insert(1, {str(ROOT)!r}); "
               "import json, apply_real, inference; "
               f"rows = apply_real.evaluate({split!r}, {model_cases}); "
               "print(json.dumps({'package': inference.__file__, 'rows': rows}))")
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT / "benchmarks",
                          stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"worker for {code_root} failed (exit {done.returncode})")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"evaluated {answer['package']}")
    return answer["rows"]


def baseline_tree(ref: str, into: Path) -> str:
    """Extract ``inference/`` as of ``ref`` into ``into``; return the full commit id."""
    commit = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    archive = subprocess.run(["git", "archive", commit, "inference"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return commit


def summarise(rows: list[dict], column: str) -> dict:
    scored = [r[column] for r in rows if column in r]
    if not scored:
        return {}
    counts = {kind: scored.count(kind) for kind in ("exact", "refused", "wrong")}
    return {"cases": len(scored), **counts,
            **{f"{kind}_rate": round(n / len(scored), 4) for kind, n in counts.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="heldout",
                        choices=("dev", "heldout", "fresh", "stress"))
    parser.add_argument("--stress-seed", type=int, default=7,
                        help="which stress set (apply_real_data.py --set stress --seed N)")
    parser.add_argument("--baseline-ref", default=DEFAULT_BASELINE)
    parser.add_argument("--model-cases", type=int, default=0)
    parser.add_argument("--baseline-model-cases", type=int, default=None,
                        help="model cases for the baseline (default: --model-cases)")
    args = parser.parse_args()

    if args.split == "stress":
        args.split = f"stress_s{args.stress_seed}"
    started = time.perf_counter()
    current = run_worker(ROOT, args.split, args.model_cases)
    with tempfile.TemporaryDirectory() as tmp:
        commit = baseline_tree(args.baseline_ref, Path(tmp))
        baseline_cases = (args.model_cases if args.baseline_model_cases is None
                          else args.baseline_model_cases)
        baseline = run_worker(Path(tmp), args.split, baseline_cases)
    for rows in (current, baseline):
        for row in rows:  # the whole pipeline: the model is asked only where no rule placed
            row["combined"] = row.get("model", row["no_model"])
    columns = ("deterministic", "no_model", "model", "combined")
    summary = {"current": {c: summarise(current, c) for c in columns},
               "baseline": {c: summarise(baseline, c) for c in columns}}
    by_style: dict[str, dict] = {}
    for style in sorted({r["style"] for r in current}):
        by_style[style] = {
            name: summarise([r for r in rows if r["style"] == style], "no_model")
            for name, rows in (("current", current), ("baseline", baseline))}
    report = {
        "benchmark": "apply_real", "split": args.split, "baseline_commit": commit,
        "repos": sorted({r["repo"] for r in current}), "summary": summary,
        "no_model_by_style": by_style, "seconds": round(time.perf_counter() - started, 1),
        "machine": platform.platform(), "python": platform.python_version(),
        "cases": [{"current": c, "baseline": b} for c, b in zip(current, baseline, strict=True)],
    }
    results = RESULTS_DIR / f"apply_real_{args.split}.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(report, indent=1) + "\n")
    print(f"Apply on real edits ({args.split}, {len(current)} cases from "
          f"{len(report['repos'])} repositories); baseline = {commit[:10]}")
    print(f"{'row (cases)':<30}{'exact':>8}{'refused':>9}{'wrong':>8}   wrong vs baseline")
    for column in columns:
        now, before = summary["current"][column], summary["baseline"][column]
        if not now:
            continue
        ratio = (f"{now['wrong']}/{before['wrong']}" if before else "-")
        for name, data in (("current", now), ("baseline", before)):
            if not data:  # e.g. the baseline was not run with the model
                continue
            label = f"{column} {name} ({data['cases']})"
            print(f"{label:<30}{data['exact_rate']:>8.1%}"
                  f"{data['refused_rate']:>9.1%}{data['wrong_rate']:>8.1%}"
                  + (f"   {ratio}" if name == "current" else ""))
    print(f"wrote {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
