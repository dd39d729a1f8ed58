"""The whole-file checks' findings in reviews of a repository's real history.

    python -m benchmarks.review_history REPO_GIT_DIR [...] [--commits 2000]

Every first-parent, non-merge commit among the newest `--commits` that adds or modifies Python
files is reviewed as the review's findings stage does it: the checks run over each new file and
report on the lines the commit changed (`bugmodel.detection.change_check_findings`). Each
report is counted by kind three times in the same run: without any evidence from other code
(the baseline); with the rule that a name the kept lines of the commit's old files read
without binding is provided at run time (chai's `assertEqual`, gettext's `_`); and as the
product reports it with a checkout at hand, where the unchanged Python files beside the
changed ones count as such evidence too (`reviewapp.findings.repository_names`). Each undefined
name still reported whose fix is an import (`Finding.added_import`) is followed through the
file's later history to the first version where the name is no longer undefined, and the
import the developers wrote there is compared with the suggested one. Most commits of a
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
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from bugmodel.detection import (
    Finding,
    change_check_findings,
    detect_files,
    provided_names,
    reads_provided_name,
)
from bugmodel.detector import LoadedDetector, load_detector
from bugmodel.file_finding import PROBABILITY as FILE_CHECK_PROBABILITY
from bugmodel.file_finding import span_text
from bugmodel.undefined_names import unbound_reads
from reviewapp.findings.checkout import LocalCheckout
from reviewapp.findings.repository_names import (
    imported_module,
    sibling_bases,
    with_import_hints,
)
from reviewapp.ingest.parser import parse_diff
from synthdata.source import normalise_newlines

RESULTS = Path(__file__).resolve().parent / "results" / "review_history.json"
#: Files larger than this are left out, as a review's size limits would.
MAX_FILE_CHARS = 400_000
#: Later versions of a file read to find how the developers resolved an undefined name.
MAX_LATER_VERSIONS = 60


@dataclass(frozen=True)
class Report:
    """A check's report on a reviewed commit, and the evidence that leaves it out: "" (none,
    the product reports it), "old_files" or "siblings"."""

    path: str
    finding: Finding
    code: str
    left_out_by: str
    import_hint: bool  # the message says which module of the repository defines the name


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


def commit_changes(repo: Path, commit: str) -> list[tuple[str, str]]:
    """(status letter, path) of each file `commit` changes against its first parent (every
    file added, for a root commit)."""
    return [tuple(line.split("\t")) for line in _git(  # type: ignore[misc]
        repo, "diff-tree", "-r", "--root", "--no-commit-id", "--name-status", "--no-renames",
        commit).splitlines()]


def old_file_base(repo: Path, commit: str, path: str,
                  removed: set[int]) -> tuple[str, set[int]]:
    """`path` before `commit`, with the lines the commit removed (`bugmodel.detect`'s
    `base_files`)."""
    return normalise_newlines(_git(repo, "show", f"{commit}^:{path}")), removed


def review_commit(repo: Path, commit: str,
                  detector: LoadedDetector | None = None) -> list[Report] | None:
    """What the checks report on one commit's changed lines, and which evidence (if any)
    leaves each report out; with `detector`, also the learned detector's findings as the
    product reports them (kind "learned:<kind>"); None when the commit adds or modifies no
    Python file."""
    status = commit_changes(repo, commit)
    files = [(kind, path) for kind, path in status
             if path.endswith(".py") and kind in ("A", "M")]
    if not files:
        return None
    bases, news = [], []
    for kind, path in files:
        removed, added = changed_lines(repo, commit, path)
        if kind == "M":
            bases.append(old_file_base(repo, commit, path, removed))
        news.append((path, normalise_newlines(_git(repo, "show", f"{commit}:{path}")), added))
    checkout = LocalCheckout(str(repo), commit)
    siblings = sibling_bases([path for _, path in files], {path for _, path in status}, checkout)
    from_old_files, from_siblings = provided_names(bases), provided_names(siblings)
    reports = [] if detector is None else learned_reports(news, bases + siblings, detector)
    for path, text, added in news:
        if len(text) > MAX_FILE_CHARS:
            continue
        try:
            tree = ast.parse(text)
            found = change_check_findings(path, text, tree, added)
        except (SyntaxError, ValueError, RecursionError):
            continue
        lines = text.split("\n")
        for f in found:
            left_out_by = ("old_files" if reads_provided_name(f, lines, from_old_files)
                           else "siblings" if reads_provided_name(f, lines, from_siblings)
                           else "")
            hinted = f if left_out_by else with_import_hints([f], {path: lines}, checkout)[0]
            reports.append(Report(path, hinted, span_text(lines, f.line, f.column, f.end_line,
                                                          f.end_column), left_out_by,
                                  hinted.added_import != f.added_import))
    return reports


def developers_fix(repo: Path, commit: str, path: str, name: str) -> str:
    """How the history after `commit` resolved `name`, undefined in `path`: the import that
    binds it in the first later version where it is no longer undefined (absolute, as
    `absolute_import` writes it), "otherwise" when that version binds it another way or no
    longer reads it, "deleted" when the file went first, "" when no later version fixes it."""
    later = _git(repo, "log", "--format=%H", "--first-parent", "--reverse", f"{commit}..HEAD",
                 "--", path).split()[:MAX_LATER_VERSIONS]
    for version in later:
        try:
            text = _git(repo, "show", f"{version}:{path}")
        except subprocess.CalledProcessError:
            return "deleted"
        if name in unbound_reads(text):
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            continue
        bindings = (absolute_import(node, name, path) for node in ast.walk(tree)
                    if isinstance(node, (ast.Import, ast.ImportFrom)))
        return next((b for b in bindings if b), "otherwise")
    return ""


def absolute_import(node: ast.Import | ast.ImportFrom, name: str, path: str) -> str:
    """The import statement, with a relative module made absolute from `path`'s package,
    when it binds `name`; "" when it does not."""
    for alias in node.names:
        if (alias.asname or alias.name.split(".")[0]) != name:
            continue
        binding = f" as {alias.asname}" if alias.asname and alias.asname != alias.name else ""
        if isinstance(node, ast.Import):
            return f"import {alias.name}{binding}"
        return f"from {imported_module(node, path)} import {alias.name}{binding}"
    return ""


def learned_reports(news: list[tuple[str, str, set[int]]], bases: list[tuple[str, set[int]]],
                    detector: LoadedDetector) -> list[Report]:
    """The learned detector's findings on the changed lines, at its default threshold, as a
    review with the repository at hand reports them (a unit with a check's finding shows
    that instead)."""
    small = [(path, text) for path, text, _ in news if len(text) <= MAX_FILE_CHARS]
    changed = {path: added for path, _, added in news}
    found = detect_files(small, changed, detector=detector, base_files=bases).findings
    texts = dict(small)
    reports = []
    for f in found:
        if f.kind in FILE_CHECK_PROBABILITY:
            continue
        lines = texts[f.path].split("\n")
        learned = replace(f, kind=f"learned:{f.kind}")
        reports.append(Report(f.path, learned, span_text(lines, f.line, f.column, f.end_line,
                                                         f.end_column), "", False))
    return reports


def measure(repo: Path, commits: int, detector: LoadedDetector | None = None) -> dict:
    """Counts per kind with and without the base rule, and the reports kept."""
    history = _git(repo, "rev-list", "--first-parent", "--no-merges", "--min-parents=1",
                   "HEAD").split()[:commits]
    reviews = 0
    without: Counter = Counter()
    old_files_only: Counter = Counter()
    product: Counter = Counter()
    dropped = {"old_files": Counter(), "siblings": Counter()}
    kept = []
    hints = 0
    imports: Counter = Counter()  # suggested imports by what the developers did
    for commit in history:
        reports = review_commit(repo, commit, detector)
        if reports is None:
            continue
        reviews += 1
        for report in reports:
            kind = report.finding.kind
            without[kind] += 1
            if report.left_out_by != "old_files":
                old_files_only[kind] += 1
            if report.left_out_by:
                dropped[report.left_out_by][report.code] += 1
                continue
            product[kind] += 1
            hints += report.import_hint
            row = {"commit": commit[:10], "path": report.path, "line": report.finding.line,
                   "kind": kind, "code": report.code,
                   "probability": round(report.finding.probability, 3),
                   "message": report.finding.message}
            if report.finding.added_import:
                suggested = absolute_import(ast.parse(report.finding.added_import).body[0],
                                            report.code, report.path)
                done = developers_fix(repo, commit, report.path, report.code)
                imports[_agreement(suggested, done)] += 1
                row.update(added_import=report.finding.added_import, developers_fix=done)
            kept.append(row)
    return {"commits": len(history), "reviews_with_python": reviews,
            "findings_without_base_rule": dict(without),
            "findings_with_old_files_only": dict(old_files_only), "findings": dict(product),
            "import_hints": hints, "suggested_imports": dict(imports),
            "names_provided": dict(dropped["old_files"].most_common(20)),
            "names_provided_by_siblings": dict(dropped["siblings"].most_common(20)),
            "kept": kept}


def _agreement(suggested: str, done: str) -> str:
    """A suggested import against what the developers did later (`developers_fix`)."""
    if done in ("", "deleted", "otherwise"):
        return {"": "never fixed", "deleted": "file deleted first",
                "otherwise": "fixed without an import"}[done]
    return "the same import" if done == suggested else "another import"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos", nargs="+", type=Path, help="git directories (bare is fine)")
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--with-model", action="store_true",
                        help="also the learned detector's findings (kinds learned:*), as the "
                             "product reports them; one torch thread")
    args = parser.parse_args()
    detector = None
    if args.with_model:
        torch.set_num_threads(1)
        detector = load_detector()
    results = {}
    for repo in args.repos:
        name = repo.resolve().parent.name if repo.name == "repo" else repo.resolve().name
        results[name] = measure(repo, args.commits, detector)
        row = results[name]
        before = sum(row["findings_without_base_rule"].values())
        old_files = sum(row["findings_with_old_files_only"].values())
        after = sum(row["findings"].values())
        learned = sum(n for kind, n in row["findings"].items() if kind.startswith("learned:"))
        before, old_files, after = before - learned, old_files - learned, after - learned
        if detector is not None:
            print(f"{name}: {learned} findings of the learned detector")
        print(f"{name}: {row['reviews_with_python']} reviews, findings {before} -> {old_files} "
              f"(old files) -> {after} (and siblings; {after / before if before else 1:.2f}x);"
              f" per kind {row['findings']}; {row['import_hints']} with the repository's import;"
              f" suggested imports against the developers' fix: {row['suggested_imports']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
