"""Build the set of real changes that introduced the mined bugs: what a reviewer saw.

    python benchmarks/bug_introducing_data.py [--mirrors /work/.mirror] [--splits dev test]

The detector is judged elsewhere on whole functions (`python -m bugmodel eval`). In a review
it only speaks about the lines a change touched, and a bug is best caught in the change that
introduced it. For every mined single-statement fix of the dev and test repositories
(`synthdata/real/fixes.jsonl.gz`; never the train ones, which the line ranker learned from),
`git blame` at the fix's parent names the commit that last wrote the buggy line (SZZ). The
case is that commit's version of the file, the lines the commit changed in it (what the review
would mark as changed) and the bug's lines there. A case is kept when:

* the introducing commit has a parent (a repository's first commit is no review) and the file
  existed under the same path before it or was added by it;
* every line of the bug's span was written by that commit and still reads the same;
* the commit changed at most ``MAX_CHANGED_LINES`` lines of the file and the file is at most
  ``MAX_FILE_LINES`` lines and parses.

Fixes sharing their introducing commit and file become one case with several bugs. The set is
derived from the permissively licensed repositories of `synthdata/real/SOURCES.md` (licenses
carried per case) and committed as ``benchmarks/data/bug_introducing.jsonl.gz``.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bugmodel.cases import REAL_DIR  # noqa: E402

OUTPUT = ROOT / "benchmarks" / "data" / "bug_introducing.jsonl.gz"
#: A review of more changed lines than this in one file is not what the benchmark is about.
MAX_CHANGED_LINES = 300
#: Longer files are left out to keep the committed data small.
MAX_FILE_LINES = 2500
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


def _git(mirror: Path, *args: str) -> str:
    # Text mode turns CRLF into LF, as the mined fixes' `file_before` is: the bug's lines are
    # compared with it (`synthdata.mining.history.GitRepository.git` keeps the CRs, and two
    # cases of CRLF files would be lost).
    return subprocess.run(["git", "-C", str(mirror), *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def blame(mirror: Path, commit: str, path: str, first: int, last: int,
          ) -> list[tuple[str, int, str]]:
    """(commit, line number there, path there) that last wrote each line of `first..last` of
    `path` as of `commit`."""
    out = _git(mirror, "blame", "--porcelain", "-L", f"{first},{last}", commit, "--", path)
    rows, paths = [], {}
    current: list = []
    for line in out.split("\n"):
        head = re.match(r"^([0-9a-f]{40}) (\d+) \d+", line)
        if head:
            current = [head.group(1), int(head.group(2))]
            rows.append(current)
        elif line.startswith("filename "):
            paths[current[0]] = line[len("filename "):]
    return [(sha, number, paths.get(sha, path)) for sha, number in rows]


def changed_lines(mirror: Path, commit: str, path: str) -> set[int] | None:
    """Lines of `path` at `commit` that the commit added or rewrote; None for a root commit."""
    parents = _git(mirror, "rev-list", "--parents", "-n", "1", commit).split()
    if len(parents) < 2:
        return None
    diff = _git(mirror, "diff", "--no-color", "-U0", "--no-ext-diff", parents[1], commit,
                "--", path)
    lines: set[int] = set()
    for match in HUNK.finditer(diff):
        start, count = int(match.group(1)), int(match.group(2) or 1)
        lines.update(range(start, start + count))
    return lines


def parses(text: str) -> bool:
    """Whether `text` parses as Python (deeply nested code may exhaust the parser instead)."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def introducing_case(mirror: Path, fix: dict, dropped: Counter) -> dict | None:
    """The case for one fix, or None (with the reason counted in `dropped`)."""
    first, last = int(fix["bug_line"]), int(fix["bug_end_line"])
    try:
        owners = blame(mirror, f"{fix['commit']}^", fix["path"], first, last)
    except subprocess.CalledProcessError:
        dropped["blame failed"] += 1
        return None
    if len({(sha, where) for sha, _, where in owners}) != 1:
        dropped["bug lines written by several commits"] += 1
        return None
    sha, path = owners[0][0], owners[0][2]
    try:
        text = _git(mirror, "show", f"{sha}:{path}")
        changed = changed_lines(mirror, sha, path)
    except subprocess.CalledProcessError:
        dropped["file unreadable at the introducing commit"] += 1
        return None
    bug = [number for _, number, _ in owners]
    before = fix["file_before"].split("\n")
    now = text.split("\n")
    if changed is None:
        dropped["root commit"] += 1
    elif not set(bug) <= changed:
        dropped["bug lines not in the commit's diff"] += 1
    elif any(now[n - 1] != before[first - 1 + k] for k, n in enumerate(bug)):
        dropped["bug lines differ"] += 1
    elif len(changed) > MAX_CHANGED_LINES:
        dropped[f"more than {MAX_CHANGED_LINES} changed lines"] += 1
    elif len(now) > MAX_FILE_LINES:
        dropped[f"file over {MAX_FILE_LINES} lines"] += 1
    elif not parses(text):
        dropped["does not parse"] += 1
    else:
        return {"repo": fix["repo"], "license": fix["license"], "split": fix["split"],
                "commit": sha, "path": path, "text": text, "changed": sorted(changed),
                "bugs": [{"fix": fix["id"], "kind": fix["kind"], "lines": [min(bug), max(bug)],
                          "buggy_code": fix["buggy_code"], "fixed_code": fix["fixed_code"]}]}
    return None


def build(mirrors: Path, splits: tuple[str, ...]) -> tuple[list[dict], Counter]:
    """Every kept case of the fixes in `splits`, one per (introducing commit, file)."""
    dropped: Counter = Counter()
    cases: dict[tuple[str, str, str], dict] = {}
    fixes = [json.loads(line) for line in gzip.open(REAL_DIR / "fixes.jsonl.gz", "rt")]
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for fix in fixes:
        if fix["split"] in splits:
            by_repo[fix["repo"]].append(fix)
    for repo, repo_fixes in sorted(by_repo.items()):
        mirror = mirrors / repo.replace("/", "+") / "repo"
        if not mirror.is_dir():
            raise SystemExit(f"no mirror of {repo} at {mirror}: fetch it first")
        for fix in repo_fixes:
            case = introducing_case(mirror, fix, dropped)
            if case is None:
                continue
            key = (repo, case["commit"], case["path"])
            if key in cases:
                cases[key]["bugs"].extend(case["bugs"])
            else:
                cases[key] = case
        print(f"{repo}: {sum(k[0] == repo for k in cases)} cases", file=sys.stderr)
    return list(cases.values()), dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--splits", nargs="+", default=["dev", "test"])
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    cases, dropped = build(args.mirrors, tuple(args.splits))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt") as out:
        for case in cases:
            out.write(json.dumps(case) + "\n")
    per_split = Counter(c["split"] for c in cases)
    bugs = Counter(c["split"] for c in cases for _ in c["bugs"])
    print(json.dumps({"cases": per_split, "bugs": bugs, "dropped": dropped}, indent=1))


if __name__ == "__main__":
    main()
