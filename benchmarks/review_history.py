"""The whole-file checks' findings in reviews of a repository's real history.

    python -m benchmarks.review_history REPO_GIT_DIR [...] [--commits 2000]

Every first-parent, non-merge commit among the newest `--commits` that adds or modifies Python
files is reviewed as the review's findings stage does it: the checks run over each new file and
report on the lines the commit changed (`bugmodel.detection.change_check_findings`). Each
report is counted by kind twice in the same run: as the product reports it, where a name that
the kept lines of the commit's old files read without binding is provided at run time (chai's
`assertEqual`, gettext's `_`), and without that rule (the baseline). Most commits of a
repository introduce no bug, so these counts are mostly what reviewers would be told that is
not a bug; the kept reports are listed for reading. Any git directory works (the `fetch`
mirrors are bare); nothing is downloaded. Writes benchmarks/results/review_history.json.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
from collections import Counter
from pathlib import Path

from bugmodel.detection import Finding, change_check_findings, provided_names, reads_provided_name
from bugmodel.file_finding import span_text
from reviewapp.ingest.parser import parse_diff
from synthdata.source import normalise_newlines

RESULTS = Path(__file__).resolve().parent / "results" / "review_history.json"
#: Files larger than this are left out, as a review's size limits would.
MAX_FILE_CHARS = 400_000


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def changed_lines(repo: Path, commit: str, path: str) -> tuple[set[int], set[int]]:
    """(old lines removed, new lines added) by `commit` in `path`, 1-based, read by the
    review's own diff parser."""
    removed: set[int] = set()
    added: set[int] = set()
    for file in parse_diff(_git(repo, "diff", "-U0", f"{commit}^", commit, "--", path)).files:
        for hunk in file.hunks:
            removed.update(line.old_lineno for line in hunk.removed)
            added.update(line.new_lineno for line in hunk.added)
    return removed, added


def review_commit(repo: Path, commit: str) -> list[tuple[str, Finding, str, bool]] | None:
    """(path, finding, its code, whether the base rule keeps it) for one commit; None when
    the commit adds or modifies no Python file."""
    status = [line.split("\t") for line in _git(
        repo, "diff", "--name-status", "--no-renames", f"{commit}^", commit).splitlines()]
    files = [(kind, path) for kind, path in status
             if path.endswith(".py") and kind in ("A", "M")]
    if not files:
        return None
    bases, news = [], []
    for kind, path in files:
        removed, added = changed_lines(repo, commit, path)
        if kind == "M":
            bases.append((normalise_newlines(_git(repo, "show", f"{commit}^:{path}")), removed))
        news.append((path, normalise_newlines(_git(repo, "show", f"{commit}:{path}")), added))
    provided = provided_names(bases)
    reports = []
    for path, text, added in news:
        if len(text) > MAX_FILE_CHARS:
            continue
        try:
            tree = ast.parse(text)
            found = change_check_findings(path, text, tree, added)
        except (SyntaxError, ValueError, RecursionError):
            continue
        lines = text.split("\n")
        reports += [(path, f, span_text(lines, f.line, f.column, f.end_line, f.end_column),
                     not reads_provided_name(f, lines, provided)) for f in found]
    return reports


def measure(repo: Path, commits: int) -> dict:
    """Counts per kind with and without the base rule, and the reports kept."""
    history = _git(repo, "rev-list", "--first-parent", "--no-merges", "--min-parents=1",
                   "HEAD").split()[:commits]
    reviews = 0
    without: Counter = Counter()
    product: Counter = Counter()
    dropped: Counter = Counter()
    kept = []
    for commit in history:
        reports = review_commit(repo, commit)
        if reports is None:
            continue
        reviews += 1
        for path, finding, code, is_kept in reports:
            without[finding.kind] += 1
            if is_kept:
                product[finding.kind] += 1
                kept.append({"commit": commit[:10], "path": path, "line": finding.line,
                             "kind": finding.kind, "message": finding.message})
            else:
                dropped[code] += 1
    return {"commits": len(history), "reviews_with_python": reviews,
            "findings_without_base_rule": dict(without), "findings": dict(product),
            "names_provided": dict(dropped.most_common(20)), "kept": kept}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos", nargs="+", type=Path, help="git directories (bare is fine)")
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = {}
    for repo in args.repos:
        name = repo.resolve().parent.name if repo.name == "repo" else repo.resolve().name
        results[name] = measure(repo, args.commits)
        row = results[name]
        before = sum(row["findings_without_base_rule"].values())
        after = sum(row["findings"].values())
        print(f"{name}: {row['reviews_with_python']} reviews, findings {before} -> {after} "
              f"({after / before if before else 1:.2f}x); per kind {row['findings']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
