"""The language-model stage of the hunt on its own: which bugs do its candidates fix, asked as
answers (the model writes the corrected line) or as divergences (the model is made to leave the
wrong line where it disagrees most)?

    python benchmarks/hunt_lm_stage.py [--only NAME ...]

For each bug of benchmarks/hunt.py's set: reproduce, localize as the hunt does, make the LM
candidates of the top 3 lines both ways, validate every one (failing tests, then the suite).
A bug counts as fixed by a way when one of its candidates keeps every test green, and as a true
fix when that patch is exactly the bug's true fix. The baseline in the same run is the answers
way (the stage as it was); `stages_1_2_true_fix` reads benchmarks/results/hunt.json (or
`--hunt-results`), when it is there, to say whether the first patch of the cheaper stages was
the true fix, so the table shows what the LM stage adds beyond them. Writes
benchmarks/results/hunt_lm_stage.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.hunt import RESULTS as HUNT_RESULTS  # noqa: E402
from benchmarks.hunt import bug_directories, is_true_fix  # noqa: E402
from reviewapp.hunts.engine.candidates import new_candidates  # noqa: E402
from reviewapp.hunts.engine.lm_candidates import (  # noqa: E402
    default_diverge,
    default_generate,
    lm_candidates,
)
from reviewapp.hunts.engine.localize import localize, source_files  # noqa: E402
from reviewapp.hunts.engine.reproduce import TestCommand, reproduce  # noqa: E402
from reviewapp.hunts.engine.sandbox import Sandbox  # noqa: E402
from reviewapp.hunts.engine.validate import VALIDATED, validate  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "hunt_lm_stage.json"
WAYS = {"answers": {"generate": default_generate, "diverge": None},
        "divergences": {"generate": None, "diverge": default_diverge}}


def run_bug(bug_dir: Path) -> dict:
    bug = json.loads((bug_dir / "bug.json").read_text())
    command = TestCommand.parse("python -m pytest")
    row = {"name": bug["name"], "kind": bug["kind"]}
    with Sandbox.from_repository(bug_dir / "project") as box:
        reproduction = reproduce(box, command)
        output = reproduction.outcome.run.output
        localization, _ = localize(box, command, reproduction.failing, output)
        files = source_files(box.work)
        for way, functions in WAYS.items():
            started = time.monotonic()
            candidates = new_candidates(
                lm_candidates(files, localization.lines, output, **functions), files, [])
            generated_s = time.monotonic() - started
            validated = [v for v in (validate(box, command, c, files[c.path],
                                              reproduction.failing) for c in candidates)
                         if v.status == VALIDATED]
            row[way] = {"candidates": len(candidates), "validated": len(validated),
                        "true_fix": any(is_true_fix(v.diff, bug) for v in validated),
                        "generate_s": round(generated_s, 2),
                        "lines": [c.description for c in candidates]}
    return row


def summarize(rows: list[dict]) -> dict:
    """Per way: bugs fixed, true fixes (and those the cheaper stages' first patch missed)."""
    return {way: {
        "bugs_fixed": sum(r[way]["validated"] > 0 for r in rows),
        "true_fixes": sum(r[way]["true_fix"] for r in rows),
        "true_fixes_stages_1_2_missed": sum(
            r[way]["true_fix"] and r["stages_1_2_true_fix"] is False for r in rows),
        "candidates": sum(r[way]["candidates"] for r in rows),
        "generate_s": round(sum(r[way]["generate_s"] for r in rows), 1),
    } for way in WAYS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="bug names (default: all)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--hunt-results", type=Path, default=HUNT_RESULTS,
                        help="benchmarks/hunt.py's results saying which first patches of the "
                             "cheaper stages were the true fix")
    args = parser.parse_args()
    earlier = {}
    if args.hunt_results.exists():
        earlier = {r["name"]: r for r in json.loads(args.hunt_results.read_text())["bugs"]}
    bug_dirs = bug_directories(args.only)
    rows = []
    for bug_dir in bug_dirs:
        row = run_bug(bug_dir)
        row["stages_1_2_true_fix"] = earlier.get(row["name"], {}).get("true_fix")
        rows.append(row)
        print(f"{row['name']:22} " + "  ".join(
            f"{way} {row[way]['validated']}/{row[way]['candidates']}"
            f"{' TRUE' if row[way]['true_fix'] else ''}" for way in WAYS),
            file=sys.stderr, flush=True)
        summary = summarize(rows)  # written after every bug: an interrupted run keeps them
        report = {"bugs": len(rows), "complete": len(rows) == len(bug_dirs),
                  "summary": summary, "per_bug": rows}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n")
    for way, s in summary.items():
        print(f"{way:12} fixes {s['bugs_fixed']}/{len(rows)} bugs, {s['true_fixes']} true fixes "
              f"({s['true_fixes_stages_1_2_missed']} the cheaper stages' first patch missed); "
              f"{s['candidates']} candidates, {s['generate_s']} s generating")


if __name__ == "__main__":
    main()
