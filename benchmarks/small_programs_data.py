"""Small real programs with one known bug each, from ConDefects (AtCoder submissions).

    python benchmarks/small_programs_data.py /work/.mirror/appmlk+ConDefects/repo

ConDefects (github.com/appmlk/ConDefects, MIT) pairs each faulty Python submission to an
AtCoder task with the same author's accepted one. Kept: pairs whose difference is one run of
at most three replaced lines (the bug's lines in the faulty program), both versions parse,
at most 300 lines, faulty programs deduplicated. A case is the whole faulty program as a new
file in a review (every line changed), in the format of `benchmarks/bug_introducing_data.py`,
plus `fixed_text` (the accepted program) so a finding's repair can be checked. Splits are by
contest (a contest's tasks are all in one split): train 60%, dev 20%, test 20%. Writes
`synthdata/real/small_programs.jsonl.gz`, which the line ranker also learns from
(`bugmodel.cases.small_program_cases`).
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import hashlib
import json
import subprocess
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bug_introducing_data import parses  # noqa: E402
from synthdata.mining.statements import single_statement_fix  # noqa: E402
from synthdata.source import normalise_newlines  # noqa: E402

OUT = ROOT / "synthdata" / "real" / "small_programs.jsonl.gz"
SOURCE = "appmlk/ConDefects"
LICENSE = "MIT"
MAX_BUG_LINES = 3
MAX_PROGRAM_LINES = 300


def contest_split(contest: str) -> str:
    """train / dev / test by a stable hash of the contest id (`abc221`)."""
    bucket = int(hashlib.sha1(contest.encode()).hexdigest(), 16) % 10
    return "train" if bucket < 6 else "dev" if bucket < 8 else "test"


def bug_lines(faulty: str, fixed: str) -> tuple[int, int, str] | None:
    """1-based first and last faulty line of the one replaced run and the lines that replace
    it, or None when the two programs differ otherwise (several runs, only added or only
    removed lines, too long)."""
    matcher = difflib.SequenceMatcher(None, faulty.split("\n"), fixed.split("\n"),
                                      autojunk=False)
    runs = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if len(runs) != 1 or runs[0][0] != "replace":
        return None
    _, a0, a1, b0, b1 = runs[0]
    if a1 - a0 > MAX_BUG_LINES or b1 - b0 > MAX_BUG_LINES:
        return None
    return a0 + 1, a1, "\n".join(fixed.split("\n")[b0:b1])


def small_program_case(submission: str, faulty: str, fixed: str) -> dict | None:
    """A case from one ConDefects submission directory (`Code/<task>/Python/<id>`)."""
    faulty, fixed = normalise_newlines(faulty), normalise_newlines(fixed)
    if faulty.count("\n") > MAX_PROGRAM_LINES or not parses(faulty) or not parses(fixed):
        return None
    lines = bug_lines(faulty, fixed)
    if lines is None:
        return None
    task = submission.split("/")[1]
    found, _ = single_statement_fix(faulty, fixed)
    first, last, replacement = lines
    return {
        "repo": SOURCE, "license": LICENSE, "split": contest_split(task.rsplit("_", 1)[0]),
        "commit": submission, "task": task, "path": f"{task}.py", "text": faulty,
        "fixed_text": fixed, "changed": list(range(1, faulty.count("\n") + 2)),
        "bugs": [{"fix": submission, "kind": found.kind if found else "other",
                  "lines": [first, last],
                  "buggy_code": "\n".join(faulty.split("\n")[first - 1:last]),
                  "fixed_code": replacement}],
    }


def _show(repo: Path, path: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8", errors="replace")


def build(repo: Path) -> list[dict]:
    paths = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD",
                            "Code"], check=True, capture_output=True, text=True).stdout.split()
    submissions = sorted(p.rsplit("/", 1)[0] for p in paths
                         if "/Python/" in p and p.endswith("/faultyVersion.py"))
    cases, seen = [], set()
    for submission in submissions:
        case = small_program_case(submission, _show(repo, f"{submission}/faultyVersion.py"),
                                  _show(repo, f"{submission}/correctVersion.py"))
        if case is None:
            continue
        key = "".join(case["text"].split())
        if key in seen:
            continue
        seen.add(key)
        cases.append(case)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("condefects", type=Path, help="a git directory of appmlk/ConDefects")
    args = parser.parse_args()
    warnings.simplefilter("ignore", SyntaxWarning)  # contest code writes `1if x else 0`
    cases = build(args.condefects)
    with gzip.open(OUT, "wt") as out:
        for case in cases:
            out.write(json.dumps(case) + "\n")
    counts = {s: sum(c["split"] == s for c in cases) for s in ("train", "dev", "test")}
    print(f"wrote {len(cases)} cases to {OUT.relative_to(ROOT)}: {counts}")


if __name__ == "__main__":
    main()
