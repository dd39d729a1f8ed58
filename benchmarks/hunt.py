"""Bug-hunt benchmark: the hunt on a set of small programs with one known bug each.

    python benchmarks/hunt.py [--budget-s 300] [--parallel 2] [--only NAME ...]
                               [--no-bugmodel] [--no-lm] [--no-lm-surprisal]

The bug set (benchmarks/data/hunt_bugs/, written for Squiggle: see its README) has one
directory per bug: `project/` (a module and its pytest tests, the module carrying the bug) and
`bug.json` (kind single_token|harder, the buggy file, the lines the true fix touches, the
true fix as a diff). For each bug it runs `run_hunt(project, "python -m pytest")` with no issue
text and stops at the first patch that keeps every test green, then reports:
- fixed with a validated patch (all / single-token / harder), wall and CPU seconds and
  candidates tried until the first fix;
- how many first patches are exactly the true fix (the others are equivalent rewrites or
  pass the tests without being right: read them in the results);
- the localization rank of the true line, against an Ochiai-only ranking of the same lines
  (the baseline, measured in the same run: ratio of mean ranks);
- candidates that pass the failing tests but break others (overfitting);
- per candidate stage (bugmodel, inverse, multi_token, lm): candidates tried, overfitting,
  and bugs whose first fix came from that stage, so the table shows what each source adds.
Writes benchmarks/results/hunt.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewapp.hunts.engine.candidates import STAGES  # noqa: E402
from reviewapp.hunts.engine.hunt import FIXED, HuntConfig, run_hunt  # noqa: E402
from reviewapp.hunts.engine.sandbox import SandboxLimits  # noqa: E402
from reviewapp.hunts.engine.validate import OVERFITS, VALIDATED  # noqa: E402

BUGS_DIR = ROOT / "benchmarks" / "data" / "hunt_bugs"
RESULTS = ROOT / "benchmarks" / "results" / "hunt.json"


def bug_directories(only: list[str] | None = None) -> list[Path]:
    """The bug set's directories by name (only those named in `only`, when given)."""
    dirs = sorted(p for p in BUGS_DIR.iterdir() if (p / "bug.json").exists())
    return [p for p in dirs if p.name in set(only)] if only else dirs


def true_rank(lines, bug: dict, key=None) -> int | None:
    """Best 1-based rank among the true fix's lines (None when none is ranked)."""
    ordered = sorted(lines, key=key) if key else lines
    ranks = [rank for rank, item in enumerate(ordered, 1)
             if item.path == bug["path"] and item.line in bug["lines"]]
    return min(ranks) if ranks else None


def changed_lines(diff: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines of a unified diff."""
    lines = diff.splitlines()
    return ([line[1:] for line in lines if line.startswith("-") and not line.startswith("---")],
            [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")])


def is_true_fix(patch: str | None, bug: dict) -> bool:
    """The patch makes exactly the true fix's edit (equivalent rewrites do not count)."""
    return patch is not None and changed_lines(patch) == changed_lines(bug["fix_diff"])


def run_one(bug_dir: Path, config: HuntConfig) -> dict:
    bug = json.loads((bug_dir / "bug.json").read_text())
    started = time.monotonic()
    result = run_hunt(bug_dir / "project", "python -m pytest", "", config)
    lines = result.localization.lines if result.localization else []
    first = next((v for v in result.tried if v.status == VALIDATED), None)
    tried_to_fix = (result.tried.index(first) + 1) if first else None
    return {
        "name": bug["name"], "kind": bug["kind"], "status": result.status,
        "fixed": result.status == FIXED, "wall_s": round(time.monotonic() - started, 2),
        "cpu_s": round(result.cpu_s, 2),
        "first_fix_s": result.first_fix_s and round(result.first_fix_s, 2),
        "candidates_total": result.candidates_total, "candidates_tried": len(result.tried),
        "tried_to_first_fix": tried_to_fix,
        "fix_stage": first.candidate.stage if first else None,
        "fix_kind": first.candidate.kind if first else None,
        "patch": first.diff if first else None,
        "true_fix": is_true_fix(first.diff if first else None, bug),
        "rank": true_rank(lines, bug),
        "rank_ochiai_only": true_rank(lines, bug, key=lambda s: (-s.ochiai, s.path, s.line)),
        "overfitting": sum(v.status == OVERFITS for v in result.tried),
        "tried_per_stage": dict(Counter(v.candidate.stage for v in result.tried)),
        "overfitting_per_stage": dict(Counter(v.candidate.stage for v in result.tried
                                              if v.status == OVERFITS)),
        "isolation": result.isolation, "message": result.message,
        "notes": result.localization.notes if result.localization else [],
    }


def summarize(rows: list[dict], budget_s: float) -> dict:
    def share(subset: list[dict]) -> dict:
        fixed = [r for r in subset if r["fixed"] and (r["first_fix_s"] or 0) <= budget_s]
        return {"bugs": len(subset), "fixed": len(fixed),
                "fixed_share": round(len(fixed) / len(subset), 3) if subset else None}

    fixed = [r for r in rows if r["fixed"]]
    ranks = [r["rank"] for r in rows if r["rank"]]
    baseline = [r["rank_ochiai_only"] for r in rows if r["rank_ochiai_only"]]
    per_stage = {}
    for stage in STAGES:
        per_stage[stage] = {
            "tried": sum(r["tried_per_stage"].get(stage, 0) for r in rows),
            "overfitting": sum(r["overfitting_per_stage"].get(stage, 0) for r in rows),
            "first_fixes": sum(r["fix_stage"] == stage for r in rows),
        }
    return {
        "all": share(rows),
        "single_token": share([r for r in rows if r["kind"] == "single_token"]),
        "harder": share([r for r in rows if r["kind"] == "harder"]),
        # A validated patch that is not the true fix is equivalent or overfits the tests.
        "identical_to_true_fix": sum(r.get("true_fix", False) for r in rows),
        "median_s_to_fix": _median([r["first_fix_s"] for r in fixed]),
        "max_s_to_fix": max((r["first_fix_s"] for r in fixed), default=None),
        "median_cpu_s_per_hunt": _median([r["cpu_s"] for r in rows]),
        "median_candidates_to_fix": _median([r["tried_to_first_fix"] for r in fixed]),
        "mean_rank": _mean(ranks), "mean_rank_ochiai_only": _mean(baseline),
        "rank_ratio_vs_ochiai_only": (round(_mean(ranks) / _mean(baseline), 3)
                                      if ranks and baseline else None),
        "top1": sum(r["rank"] == 1 for r in rows), "top5": sum(bool(r["rank"]) and r["rank"] <= 5
                                                              for r in rows),
        "unranked": sum(r["rank"] is None for r in rows),
        "overfitting_candidates": sum(r["overfitting"] for r in rows),
        "per_stage": per_stage,
    }


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def _mean(values: list) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=300.0)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="bug names (default: all)")
    parser.add_argument("--no-bugmodel", action="store_true")
    parser.add_argument("--no-lm", action="store_true")
    parser.add_argument("--no-lm-surprisal", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    config = HuntConfig(budget_s=args.budget_s, parallel=args.parallel, max_patches=1,
                        use_bugmodel=not args.no_bugmodel, use_lm=not args.no_lm,
                        use_lm_surprisal=not args.no_lm_surprisal,
                        limits=SandboxLimits(wall_s=20))
    bug_dirs = bug_directories(args.only)
    rows = []
    load_before = os.getloadavg()[0]
    for bug_dir in bug_dirs:
        row = run_one(bug_dir, config)
        rows.append(row)
        print(f"{row['name']:22} {row['kind']:12} {row['status']:16} "
              f"fix {row['first_fix_s']!s:>6} s  tried {row['candidates_tried']:4}  "
              f"rank {row['rank']!s:>4} (ochiai only {row['rank_ochiai_only']!s:>4})  "
              f"stage {row['fix_stage']}", file=sys.stderr, flush=True)
        # Written after every bug: an interrupted run still leaves the bugs it finished.
        summary = summarize(rows, args.budget_s)
        report = {"config": {"budget_s": args.budget_s, "parallel": args.parallel,
                             "bugmodel": not args.no_bugmodel, "lm": not args.no_lm,
                             "lm_surprisal": not args.no_lm_surprisal,
                             "bugs": len(rows), "complete": len(rows) == len(bug_dirs),
                             # timings are wall seconds: the machine's load says how shared
                             "load_average_1min": [load_before, os.getloadavg()[0]]},
                  "summary": summary, "bugs": rows}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n")
    s = summary
    print(f"fixed {s['all']['fixed']}/{s['all']['bugs']} "
          f"(single-token {s['single_token']['fixed']}/{s['single_token']['bugs']}, "
          f"harder {s['harder']['fixed']}/{s['harder']['bugs']}); median {s['median_s_to_fix']} s "
          f"and {s['median_candidates_to_fix']} candidates to a fix; mean rank of the true line "
          f"{s['mean_rank']} vs {s['mean_rank_ochiai_only']} Ochiai only "
          f"(ratio {s['rank_ratio_vs_ochiai_only']}); overfitting candidates "
          f"{s['overfitting_candidates']}; first patch identical to the true fix: "
          f"{s['identical_to_true_fix']}/{s['all']['bugs']}")
    for stage, row in s["per_stage"].items():
        print(f"  {stage:12} tried {row['tried']:5}  overfitting {row['overfitting']:4}  "
              f"first fixes {row['first_fixes']:3}")


if __name__ == "__main__":
    main()
