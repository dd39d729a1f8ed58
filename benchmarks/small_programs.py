"""The detector on small real programs with one known bug each (ConDefects).

    python benchmarks/small_programs.py [--split dev|test] [--threads 1]

Cases come from `benchmarks/small_programs_data.py`: an AtCoder submission that failed, its
one replaced run of lines (the bug), and the same author's accepted program. Each detector
reads the faulty program as a new file in a review (`benchmarks.bug_introducing.judge`): ranked
by probability, its first finding (top-1) and first three (top-3) are checked against the bug's
lines, and the first finding's replacement against the accepted program (joint). At the
detector's default threshold its findings are counted as right or not, and the accepted
programs are read the same way: a finding there is a false alarm on code whose bug was fixed.

Baselines in the same run: a code line picked at random (expected hit rate) and the line with
the most operators (the trivial stand-in of issue 14). Results go to
`benchmarks/results/small_programs_<split>.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bug_introducing import baselines, judge, print_table  # noqa: E402
from benchmarks.bug_introducing import load_cases as load_bug_cases  # noqa: E402
from benchmarks.small_programs_data import OUT as DATA  # noqa: E402
from bugmodel.detector import DETECTORS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def load_cases(split: str, path: Path = DATA) -> list[dict]:
    """One split of the small programs (`bug_introducing`'s case format)."""
    return load_bug_cases(split, path)


def accepted_programs(cases: list[dict]) -> list[dict]:
    """The accepted program of each case as a case of its own, with no bug to find."""
    return [{**case, "text": case["fixed_text"], "bugs": [],
             "changed": list(range(1, case["fixed_text"].count("\n") + 2))}
            for case in cases]


def run(cases: list[dict]) -> dict[str, dict]:
    """The baselines and every detector on the faulty programs; each detector's findings at
    its threshold on the accepted ones."""
    rows = {**baselines(cases)}
    fixed = accepted_programs(cases)
    fixed_lines = sum(len(c["changed"]) for c in fixed)
    for system, file_checks in [(s, True) for s in DETECTORS] + [("line_ranker", False)]:
        name = system if file_checks else f"{system} without file checks"
        rows[name] = judge(system, cases, file_checks)
        after = judge(system, fixed, file_checks)
        rows[name]["findings_on_accepted_programs"] = after["findings"]
        rows[name]["findings_per_1000_accepted_lines"] = round(
            1000 * after["findings"] / fixed_lines, 3)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="test", choices=("dev", "test"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore", SyntaxWarning)  # contest code writes `1if x else 0`
    cases = load_cases(args.split)
    rows = run(cases)
    print(f"{args.split}: {len(cases)} faulty programs, "
          f"{sum(len(c['changed']) for c in cases)} lines")
    print_table(rows, "most_operators_changed_line")
    for name, row in rows.items():
        if "findings_on_accepted_programs" in row:
            print(f"{name}: {row['findings_on_accepted_programs']} findings on the accepted "
                  f"programs ({row['findings_per_1000_accepted_lines']} per 1,000 lines)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"small_programs_{args.split}.json"
    out.write_text(json.dumps({"split": args.split, "cases": len(cases), "source":
                               "appmlk/ConDefects (MIT)", "systems": rows}, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
