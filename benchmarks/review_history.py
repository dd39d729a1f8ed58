"""The whole-file checks' findings in reviews of a repository's real history.

    python -m benchmarks.review_history REPO_GIT_DIR [...] [--commits 2000]

Every first-parent, non-merge commit among the newest `--commits` that adds or modifies Python
files is reviewed as the review's findings stage does it: the checks run over each new file and
report on the lines the commit changed (`bugmodel.detection.change_check_findings`). Each
report is counted by kind three times in the same run: without any evidence from other code
(the baseline); with the rule that a name the kept lines of the commit's old files read
without binding is provided at run time (chai's `assertEqual`, gettext's `_`); and as the
product reports it with a checkout at hand, where the unchanged Python files beside the
changed ones count as such evidence too, and so do the names that a harness at or above a
changed file's folder binds in the namespace of the code it runs
(`reviewapp.findings.repository_names`). Each undefined name still reported whose fix is an
import (`Finding.added_import`) is followed through the file's later history to the first
version where the name is no longer undefined, and the import the developers wrote there is
compared with the suggested one, and, when it is the same, where "Accept fix" puts it with
where they did (the line above it). Moved and copied files are reviewed against their old
versions, as the review's own diffs (`-M -C`) find them. Most commits of a repository
introduce no bug, so these counts are mostly what reviewers would be told that is not a bug;
the kept reports are listed for reading. Any git directory works (the `fetch` mirrors are
bare); nothing is downloaded. Writes benchmarks/results/review_history.json. With
`--with-model`, the learned detector's findings are counted too (kinds `learned:*`), in the
projects' own modules as the review reads them.
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
    NAME_KINDS,
    Finding,
    change_check_findings,
    detect_files,
    is_project_module,
    provided_names,
    reads_provided_name,
)
from bugmodel.detector import LoadedDetector, load_detector
from bugmodel.file_finding import PROBABILITY as FILE_CHECK_PROBABILITY
from bugmodel.file_finding import span_text
from bugmodel.undefined_names import unbound_reads
from reviewapp.findings.checkout import LocalCheckout
from reviewapp.findings.import_lines import UnplacedImport, add_import
from reviewapp.findings.repository_names import (
    harness_names,
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
    the product reports it), "old_files", "siblings" or "harness"."""

    path: str
    finding: Finding
    code: str
    left_out_by: str
    import_hint: bool  # the message says which module of the repository defines the name


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def changed_lines(repo: Path, commit: str, path: str,
                  old_path: str | None = None) -> tuple[set[int], set[int]]:
    """(old lines removed, new lines added) by `commit` in `path` (moved or copied from
    `old_path`), 1-based, read by the review's own diff parser."""
    removed: set[int] = set()
    added: set[int] = set()
    paths = [path] if old_path in (None, path) else [old_path, path]
    for file in parse_diff(_git(repo, "diff", "-U0", "-M", "-C", f"{commit}^", commit, "--",
                                *paths)).files:
        if file.path != path:
            continue
        for hunk in file.hunks:
            removed.update(line.old_lineno for line in hunk.removed)
            added.update(line.new_lineno for line in hunk.added)
    return removed, added


def commit_changes(repo: Path, commit: str) -> list[tuple[str, str, str]]:
    """(status letter, path, old path) of each file `commit` changes against its first parent
    (every file added, for a root commit), moves and copies found as the review's own diffs
    find them (`-M -C`): a moved file is reviewed against its old version."""
    changes = []
    for line in _git(repo, "diff-tree", "-r", "--root", "--no-commit-id", "--name-status",
                     "-M", "-C", commit).splitlines():
        status, *paths = line.split("\t")
        changes.append((status[0], paths[-1], paths[0]))
    return changes


def old_file_base(repo: Path, commit: str, path: str,
                  removed: set[int]) -> tuple[str, set[int]]:
    """`path` (a moved file's old path) before `commit`, with the lines the commit removed
    (`bugmodel.detect`'s `base_files`)."""
    return normalise_newlines(_git(repo, "show", f"{commit}^:{path}")), removed


def review_commit(repo: Path, commit: str,
                  detector: LoadedDetector | None = None) -> list[Report] | None:
    """What the checks report on one commit's changed lines, and which evidence (if any)
    leaves each report out; with `detector`, also the learned detector's findings as the
    product reports them (kind "learned:<kind>"); None when the commit adds or modifies no
    Python file."""
    status = commit_changes(repo, commit)
    files = [(kind, path, old_path) for kind, path, old_path in status
             if path.endswith(".py") and kind in ("A", "M", "R", "C")]
    if not files:
        return None
    bases, news = [], []
    for kind, path, old_path in files:
        removed, added = changed_lines(repo, commit, path, old_path)
        if kind != "A":
            bases.append(old_file_base(repo, commit, old_path, removed))
        news.append((path, normalise_newlines(_git(repo, "show", f"{commit}:{path}")), added))
    checkout = LocalCheckout(str(repo), commit)
    in_diff = {p for _, path, old_path in status for p in (path, old_path)}
    siblings = sibling_bases([path for _, path, _ in files], in_diff, checkout)
    from_old_files, from_siblings = provided_names(bases), provided_names(siblings)
    checked = []
    for path, text, added in news:
        if len(text) > MAX_FILE_CHARS:
            continue
        try:
            checked.append((path, text, change_check_findings(path, text, ast.parse(text), added)))
        except (SyntaxError, ValueError, RecursionError):
            continue
    # As the review does: harnesses are looked for only when a name is reported.
    named = {path for path, _, found in checked if any(f.kind in NAME_KINDS for f in found)}
    harnessed = harness_names(named, {path: text for path, text, _ in news}, checkout)
    reports = [] if detector is None else learned_reports(news, bases + siblings, harnessed,
                                                          detector)
    for path, text, found in checked:
        lines = text.split("\n")
        for f in found:
            left_out_by = ("old_files" if reads_provided_name(f, lines, from_old_files)
                           else "siblings" if reads_provided_name(f, lines, from_siblings)
                           else "harness" if reads_provided_name(f, lines,
                                                                 harnessed.get(path, set()))
                           else "")
            hinted = f if left_out_by else with_import_hints([f], {path: lines}, checkout)[0]
            reports.append(Report(path, hinted, span_text(lines, f.line, f.column, f.end_line,
                                                          f.end_column), left_out_by,
                                  hinted.added_import != f.added_import))
    return reports


def developers_fix(repo: Path, commit: str, path: str, name: str) -> tuple[str, str]:
    """How the history after `commit` resolved `name`, undefined in `path`: the import that
    binds it in the first later version where it is no longer undefined (absolute, as
    `absolute_import` writes it), "otherwise" when that version binds it another way or no
    longer reads it, "deleted" when the file went first, "" when no later version fixes it;
    with that version's text ("" when there is none)."""
    later = _git(repo, "log", "--format=%H", "--first-parent", "--reverse", f"{commit}..HEAD",
                 "--", path).split()[:MAX_LATER_VERSIONS]
    for version in later:
        try:
            text = _git(repo, "show", f"{version}:{path}")
        except subprocess.CalledProcessError:
            return "deleted", ""
        if name in unbound_reads(text):
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            continue
        bindings = (absolute_import(node, name, path) for node in ast.walk(tree)
                    if isinstance(node, (ast.Import, ast.ImportFrom)))
        return next((b for b in bindings if b), "otherwise"), text
    return "", ""


def placed_alike(ours: str, theirs: str, name: str) -> bool:
    """Whether the module-level import that binds `name` follows the same line in both
    texts, and, joined to other names, is the same statement."""
    return _import_place(ours, name) == _import_place(theirs, name) is not None


def _import_place(text: str, name: str) -> tuple[str, str] | None:
    """(the nearest non-blank line above the module-level import binding `name`, the
    statement when it imports other names too, else ""); None when no such import."""
    lines = text.split("\n")
    for node in ast.parse(text).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (alias.asname or alias.name.split(".")[0]) == name for alias in node.names):
            above = next((line.strip() for line in reversed(lines[:node.lineno - 1])
                          if line.strip()), "")
            statement = " ".join(line.strip() for line in lines[node.lineno - 1:node.end_lineno])
            return above, statement if len(node.names) > 1 else ""
    return None


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
                    harnessed: dict[str, set[str]], detector: LoadedDetector) -> list[Report]:
    """The learned detector's findings on the changed lines, at its default threshold, as a
    review with the repository at hand reports them (a unit with a check's finding shows
    that instead; tests, docs and scripts get none)."""
    small = [(path, text) for path, text, _ in news if len(text) <= MAX_FILE_CHARS]
    changed = {path: added for path, _, added in news}
    found = detect_files(small, changed, detector=detector, base_files=bases,
                         provided=harnessed, learned_paths=is_project_module).findings
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
    dropped = {"old_files": Counter(), "siblings": Counter(), "harness": Counter()}
    kept = []
    hints = 0
    imports: Counter = Counter()  # suggested imports by what the developers did
    placements: Counter = Counter()  # the same imports, by where "Accept fix" puts them
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
                done, version = developers_fix(repo, commit, report.path, report.code)
                agreement = _agreement(suggested, done)
                imports[agreement] += 1
                row.update(added_import=report.finding.added_import, developers_fix=done)
                if agreement == "the same import":
                    row["placed_as_developers"] = _placed_as_developers(
                        _git(repo, "show", f"{commit}:{report.path}"),
                        report.finding.added_import, version, report.code)
                    placements[row["placed_as_developers"]] += 1
            kept.append(row)
    return {"commits": len(history), "reviews_with_python": reviews,
            "findings_without_base_rule": dict(without),
            "findings_with_old_files_only": dict(old_files_only), "findings": dict(product),
            "import_hints": hints, "suggested_imports": dict(imports),
            "same_imports_placed_as_developers": {str(k): n for k, n in placements.items()},
            "names_provided": dict(dropped["old_files"].most_common(20)),
            "names_provided_by_siblings": dict(dropped["siblings"].most_common(20)),
            "names_provided_by_harnesses": dict(dropped["harness"].most_common(20)),
            "kept": kept}


def _placed_as_developers(text: str, statement: str, version: str, name: str) -> bool:
    """Whether "Accept fix" (`add_import`) puts the import where the developers' fixed
    version has it (`placed_alike`)."""
    try:
        return placed_alike(add_import(normalise_newlines(text), statement), version, name)
    except UnplacedImport:
        return False


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
              f"(old files) -> {after} (product; {after / before if before else 1:.2f}x);"
              f" per kind {row['findings']}; {row['import_hints']} with the repository's import;"
              f" suggested imports against the developers' fix: {row['suggested_imports']},"
              f" placed as theirs: {row['same_imports_placed_as_developers']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
