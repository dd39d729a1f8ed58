"""How often each whole-file check fires on real bugs, and on clean real code.

    python -m benchmarks.file_checks

For every mined fix (`synthdata/real/fixes.jsonl.gz`, the file before the fix) the checks of
`bugmodel/file_checks.py` run over the whole file as the review runs them; each report inside
the fixed function counts as *on the fixed line* (it touches the fixed statement) or
*elsewhere*. Over the clean files of the dev and test repositories
(`synthdata/real/clean_files.jsonl.gz`) every report counts, per 1,000 lines. The
probabilities the checks carry (`bugmodel/file_finding.py` PROBABILITY) come from the first
report in each fixed function of the train and dev repositories, by Laplace's rule; this
prints them beside the committed ones, with the misuse checks pooled. Writes
benchmarks/results/file_checks.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from bugmodel.cases import file_check_findings
from bugmodel.file_checks import is_example_path
from bugmodel.file_finding import PROBABILITY
from synthdata.source import normalise_newlines

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "synthdata" / "real"
RESULTS = ROOT / "benchmarks" / "results" / "file_checks.json"
#: Kinds whose probability is estimated apart; the others are pooled as "misuse".
OWN_ESTIMATE = ("undefined_name", "python2_name")
FIT_SPLITS = ("train", "dev")


def _rows(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt") as lines:
        yield from map(json.loads, lines)


def _group(kind: str) -> str:
    return kind if kind in OWN_ESTIMATE else "misuse"


def measure(fixes: Path, clean_files: Path, repos: Path) -> dict:
    """Counts per kind and split, clean rates, and the fitted probabilities."""
    on: dict = defaultdict(lambda: defaultdict(int))
    elsewhere: dict = defaultdict(lambda: defaultdict(int))
    first: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # group -> split -> [on, n]
    for fix in _rows(fixes):
        start, end = int(fix["func_start"]), int(fix["func_end"])
        lo, hi = int(fix["stmt_line"]), int(fix["stmt_end_line"])
        found = file_check_findings(normalise_newlines(fix["file_before"]), fix["path"])
        inside = [f for f in found if start <= f.line <= end]
        for f in inside:
            hit = f.line <= hi and lo <= f.end_line
            (on if hit else elsewhere)[f.kind][fix["split"]] += 1
        if inside:
            tally = first[_group(inside[0].kind)][fix["split"]]
            tally[0] += inside[0].line <= hi and lo <= inside[0].end_line
            tally[1] += 1
    split_of = {r["repo"]: r["split"] for r in json.loads(repos.read_text())}
    clean: dict = defaultdict(lambda: defaultdict(int))
    lines: dict = defaultdict(int)
    for row in _rows(clean_files):
        if is_example_path(row["path"]):
            continue  # the checks leave documentation and examples out: so does the rate
        split = split_of[row["repo"]]
        lines[split] += row["text"].count("\n")
        for f in file_check_findings(normalise_newlines(row["text"]), row["path"]):
            clean[f.kind][split] += 1
    fitted = {}
    for group, splits in first.items():
        right = sum(splits[s][0] for s in FIT_SPLITS)
        total = sum(splits[s][1] for s in FIT_SPLITS)
        fitted[group] = {"first_on_fixed_line": right, "functions": total,
                         "laplace": round((right + 1) / (total + 2), 3),
                         "per_split": {s: splits[s] for s in sorted(splits)}}
    kinds = sorted(set(on) | set(elsewhere) | set(clean))
    return {
        "kinds": {k: {"on_fixed_line": dict(on[k]), "elsewhere_in_fixed_function":
                      dict(elsewhere[k]), "clean_files": dict(clean[k]),
                      "clean_per_1000_lines": {s: round(1000 * clean[k][s] / lines[s], 3)
                                               for s in sorted(lines)},
                      "committed_probability": PROBABILITY.get(k)} for k in kinds},
        "clean_lines": dict(lines), "fitted": fitted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixes", type=Path, default=REAL / "fixes.jsonl.gz")
    parser.add_argument("--clean-files", type=Path, default=REAL / "clean_files.jsonl.gz")
    parser.add_argument("--repos", type=Path, default=REAL / "repos.json")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = measure(args.fixes, args.clean_files, args.repos)
    print("| kind | on fixed line (train/dev/test) | elsewhere | clean per 1k (dev/test) "
          "| committed p |")
    print("|---|---|---|---|---|")
    for kind, row in result["kinds"].items():
        def by_split(counts: dict) -> str:
            return " / ".join(str(counts.get(s, 0)) for s in ("train", "dev", "test"))
        rate = row["clean_per_1000_lines"]
        print(f"| {kind} | {by_split(row['on_fixed_line'])} | "
              f"{by_split(row['elsewhere_in_fixed_function'])} | "
              f"{rate.get('dev', 0)} / {rate.get('test', 0)} | {row['committed_probability']} |")
    for group, fit in result["fitted"].items():
        print(f"{group}: first report on the fixed line in {fit['first_on_fixed_line']} of "
              f"{fit['functions']} fixed functions (train+dev): Laplace {fit['laplace']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
