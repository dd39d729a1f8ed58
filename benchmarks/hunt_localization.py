"""Does the language model's surprisal help the hunt localize? The true line's rank with and
without it, on the bug set of benchmarks/hunt.py.

    python benchmarks/hunt_localization.py [--only NAME ...]

For each bug: reproduce, then localize once with every signal (Ochiai, tracebacks, the bug
model, LM surprisal of the suspicious functions), keeping each line's parts; the ranking is then
recomputed for several LM weights (weight 0 = the hunt's default ranking, the baseline of the
same run). The weight is chosen on half of the bugs and scored on the other half (two folds),
so the reported gain is not the in-sample best. Writes benchmarks/results/hunt_localization.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.hunt import bug_directories, true_rank  # noqa: E402
from reviewapp.hunts.engine.localize import localize  # noqa: E402
from reviewapp.hunts.engine.reproduce import TestCommand, reproduce  # noqa: E402
from reviewapp.hunts.engine.sandbox import Sandbox  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "hunt_localization.json"
WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)


def localize_bug(bug_dir: Path) -> dict:
    """Every line's score without the LM and its normalised surprisal, and the LM's seconds."""
    bug = json.loads((bug_dir / "bug.json").read_text())
    command = TestCommand.parse("python -m pytest")
    with Sandbox.from_repository(bug_dir / "project") as box:
        reproduction = reproduce(box, command)
        started = time.monotonic()
        localization, _ = localize(box, command, reproduction.failing,
                                   reproduction.outcome.run.output, use_lm_surprisal=True,
                                   lm_surprisal_weight=0.0)
        seconds = time.monotonic() - started
    return {"name": bug["name"], "kind": bug["kind"], "bug": bug, "seconds": seconds,
            "notes": localization.notes, "lines": localization.lines}


def rank_with(case: dict, weight: float) -> int | None:
    return true_rank(case["lines"], case["bug"], key=lambda s: (
        -(s.score + weight * s.lm_surprisal), s.path, s.line))


def scores(cases: list[dict], weight: float) -> dict:
    """Mean rank, top-1/top-3 counts, and how many bugs rank better or worse than without."""
    ranks = [rank_with(case, weight) for case in cases]
    found = [r for r in ranks if r is not None]
    unseen = 10**6  # an unranked line sits below every ranked one
    without = [rank_with(case, 0.0) or unseen for case in cases]
    return {"weight": weight, "mean_rank": round(statistics.fmean(found), 3) if found else None,
            "top1": sum(r == 1 for r in ranks), "top3": sum(r is not None and r <= 3
                                                            for r in ranks),
            "better": sum((r or unseen) < w for r, w in zip(ranks, without, strict=True)),
            "worse": sum((r or unseen) > w for r, w in zip(ranks, without, strict=True)),
            "unranked": sum(r is None for r in ranks), "bugs": len(cases)}


def best_weight(cases: list[dict]) -> float:
    """The weight with the lowest mean rank on `cases` (ties: the smaller weight)."""
    return min(WEIGHTS, key=lambda w: (scores(cases, w)["mean_rank"] or 1e9, w))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="bug names (default: all)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    bug_dirs = bug_directories(args.only)
    cases = []
    for bug_dir in bug_dirs:
        case = localize_bug(bug_dir)
        cases.append(case)
        print(f"{case['name']:22} rank {rank_with(case, 0.0)!s:>4} without the LM, "
              f"{rank_with(case, 0.1)!s:>4} at weight 0.1  ({case['seconds']:.1f} s) "
              f"{' '.join(case['notes'])}", file=sys.stderr, flush=True)
    sweep = [scores(cases, w) for w in WEIGHTS]
    folds = [cases[0::2], cases[1::2]]
    held_out = []
    for i, fold in enumerate(folds):
        weight = best_weight(folds[1 - i])  # chosen on the other half
        held_out.append({"chosen_weight": weight, "with_lm": scores(fold, weight),
                         "without_lm": scores(fold, 0.0)})
    report = {"bugs": len(cases), "weights": sweep, "two_fold": held_out,
              "median_localize_s": round(statistics.median(c["seconds"] for c in cases), 2),
              "per_bug": [{"name": c["name"], "kind": c["kind"],
                           **{str(w): rank_with(c, w) for w in WEIGHTS}} for c in cases]}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for row in sweep:
        print(f"weight {row['weight']:4}: mean rank {row['mean_rank']}  top1 {row['top1']}/"
              f"{row['bugs']}  top3 {row['top3']}  better {row['better']}  worse "
              f"{row['worse']}  unranked {row['unranked']}")
    for fold in held_out:
        print(f"held-out half: weight {fold['chosen_weight']} gives mean rank "
              f"{fold['with_lm']['mean_rank']} (top1 {fold['with_lm']['top1']}) vs "
              f"{fold['without_lm']['mean_rank']} (top1 {fold['without_lm']['top1']}) without")
    print(f"median localization time with the LM {report['median_localize_s']} s")


if __name__ == "__main__":
    main()
