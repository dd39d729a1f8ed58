"""Bug-fix commits of one repository: message and file filters, then the single-statement diff."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from synthdata.mining.history import OPEN_LICENSES, Commit, GitRepository
from synthdata.mining.statements import single_statement_fix
from synthdata.source import SourceText

# A fix says so; PySStuBs' keywords minus the ones that mostly mean "new feature" here.
_FIX_WORDS = re.compile(
    r"\b(fix(e[sd])?|fixing|bug(s|fix)?|buggy|hotfix|incorrect(ly)?|wrong(ly)?|mistake|broken|"
    r"crash(es|ed)?|regression|off[- ]by[- ]one|erroneous|typo|faulty|invalid)\b", re.IGNORECASE)
# ... and is not one of the housekeeping changes that also "fix" things.
_NOT_FIX_WORDS = re.compile(
    r"\b(refactor\w*|clean ?up|cleanups?|style|lint\w*|pep ?8|flake8|pylint|mypy|pyright|"
    r"typing|type hints?|annotations?|docs?|documentation|docstrings?|comments?|spelling|"
    r"grammar|rename[sd]?|renaming|format\w*|whitespace|black|isort|ruff|bump|release|version|"
    r"revert\w*|merge|deprecat\w*|changelog|readme|tests?|testing|coverage|ci|typos? in)\b",
    re.IGNORECASE)
_TEST_PATH = re.compile(
    r"(^|/)(tests?|testing|test_\w+|\w+_tests?|conftest|benchmarks?|docs?|examples?|scripts?|"
    r"tools|_vendor|vendor|vendored|extern|externals|build|setup|noxfile|fabfile|conf)(/|\.py$)")
_MAX_CHANGED_LINES = 16
_MAX_FILE_BYTES = 600_000
_MAX_FUNCTION_LINES = 300
_MAX_STATEMENT_LINES = 12


def is_fix_message(message: str) -> bool:
    """Message says a bug is fixed and the subject is not housekeeping."""
    subject = message.splitlines()[0] if message else ""
    return bool(_FIX_WORDS.search(message)) and not _NOT_FIX_WORDS.search(subject)


def is_source_path(path: str) -> bool:
    """A Python module of the project itself (not tests, docs, examples, vendored code)."""
    return path.endswith(".py") and not _TEST_PATH.search(path)


@dataclass
class MiningStats:
    """Why commits were dropped, for the data card."""

    commits: int = 0
    reasons: Counter = field(default_factory=Counter)


def _candidate_file(commit: Commit, stats: MiningStats):
    if not is_fix_message(commit.message):
        stats.reasons["message"] += 1
        return None
    sources = [f for f in commit.files if is_source_path(f.path)]
    others = [f for f in commit.files if f.path.endswith((".py", ".pyi", ".pyx"))
              and not is_source_path(f.path) and not _TEST_PATH.search(f.path)]
    if len(sources) != 1 or others or sources[0].status != "M":
        stats.reasons["not one source file"] += 1
        return None
    return sources[0]


def _changed_lines(before: str, after: str) -> int:
    """Lines in one version and not the other (a cheap bound before parsing)."""
    a, b = Counter(before.splitlines()), Counter(after.splitlines())
    return sum(((a - b) + (b - a)).values())


def mine_repository(repo: GitRepository, name: str, stats: MiningStats | None = None,
                    ) -> Iterator[dict]:
    """Single-statement fix records of one repository, newest first (schema: SOURCES.md)."""
    stats = stats if stats is not None else MiningStats()
    for commit in repo.commits():
        stats.commits += 1
        file = _candidate_file(commit, stats)
        if file is None or commit.parent is None:
            continue
        before, after = repo.text(file.old_blob), repo.text(file.new_blob)
        if before is None or after is None or len(before) > _MAX_FILE_BYTES:
            stats.reasons["unreadable"] += 1
            continue
        if _changed_lines(before, after) > _MAX_CHANGED_LINES:
            stats.reasons["large diff"] += 1
            continue
        fix, reason = single_statement_fix(before, after)
        if fix is None:
            stats.reasons[reason] += 1
            continue
        if (fix.func_end - fix.func_start >= _MAX_FUNCTION_LINES
                or fix.stmt_end - fix.stmt_start >= _MAX_STATEMENT_LINES
                or fix.func_name.split(".")[-1].startswith("test")):
            stats.reasons["too long or a test"] += 1
            continue
        license_ = repo.license_at(commit.parent)
        if license_ not in OPEN_LICENSES:
            stats.reasons["no open license"] += 1
            continue
        stats.reasons["kept"] += 1
        yield fix_record(name, commit, file.path, license_, before, fix)


def fix_record(repo_name: str, commit: Commit, path: str, license_: str, before: str,
               fix) -> dict:
    """The JSON record of one fix (the schema of synthdata/real/fixes.jsonl.gz)."""
    src = SourceText(before)
    line, col = src.position(fix.start)
    end_line, end_col = src.position(fix.end)
    fixed = before[: fix.start] + fix.replacement + before[fix.end:]
    fixed_lines = fixed.split("\n")
    delta = fixed.count("\n") - before.count("\n")
    return {
        "id": f"{repo_name}@{commit.sha}:{path}:{line}",
        "repo": repo_name,
        "commit": commit.sha,
        "date": commit.date,
        "license": license_,
        "split": "",
        "path": path,
        "message": commit.message.splitlines()[0][:300] if commit.message else "",
        "kind": fix.kind,
        "file_before": before,
        "func_name": fix.func_name,
        "func_start": fix.func_start,
        "func_end": fix.func_end,
        "bug_line": line,
        "bug_end_line": end_line,
        "bug_col": col,
        "bug_end_col": end_col,
        "stmt_line": fix.stmt_start,
        "stmt_end_line": fix.stmt_end,
        "buggy_code": before[fix.start:fix.end],
        "fixed_code": fix.replacement,
        "file_after_func": "\n".join(fixed_lines[fix.func_start - 1: fix.func_end + delta]),
    }
