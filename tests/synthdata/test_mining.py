"""The real-fix miner on small git histories built in a temporary directory (no network)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest

from synthdata.corpus import normalised_hash
from synthdata.mining.build import MineConfig, assign_splits, dedupe_fixes, mine
from synthdata.mining.card import render
from synthdata.mining.fixes import is_fix_message, mine_repository
from synthdata.mining.history import GitRepository, spdx_of
from synthdata.mining.statements import single_statement_fix

MIT = """MIT License

Permission is hereby granted, free of charge, to any person obtaining a copy of this software.
"""

PAGER = '''"""Pages of a list."""


def page(items, size, number):
    """Items of page `number` (0-based)."""
    start = size * number
    if start < len(items):
        return items[start:start + size]
    return []


def pages(items, size):
    count = 0
    while count * size < len(items):
        count += 1
    return count
'''

OTHER = "def other(x):\n    y = x * 2\n    return y\n"


def _git(repo: Path, *args: str, date: str = "2020-01-01T00:00:00") -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
               GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout


def _commit(repo: Path, files: dict[str, str], message: str, day: int) -> str:
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message, date=f"2020-01-{day:02d}T00:00:00")
    return _git(repo, "rev-parse", "HEAD").strip()


def _replace(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.fixture()
def pager_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A history with one real fix among refactors, docs, tests and a multi-statement change."""
    repo = tmp_path / "acme+pager"
    repo.mkdir()
    _git(repo, "init", "-q")
    shas = {}
    v1 = _replace(PAGER, "if start < len(items):", "if start <= len(items) - 1 and True:")
    shas["initial"] = _commit(repo, {"LICENSE": MIT, "pager/__init__.py": "",
                                     "pager/core.py": v1}, "Initial commit", 1)
    v2 = _replace(v1, "if start <= len(items) - 1 and True:", "if start < len(items) and True:")
    shas["refactor"] = _commit(repo, {"pager/core.py": v2}, "Refactor pager bounds check", 2)
    buggy = _replace(v2, "count * size < len(items)", "count * size <= len(items)")
    shas["bug"] = _commit(repo, {"pager/core.py": buggy}, "Tidy loop", 3)
    fixed = _replace(buggy, "count * size <= len(items)", "count * size < len(items)")
    shas["fix"] = _commit(repo, {"pager/core.py": fixed, "CHANGES.txt": "fixed\n"},
                          "Fix off-by-one in pager", 4)
    renamed = fixed.replace("count", "n")
    shas["rename"] = _commit(repo, {"pager/core.py": renamed}, "Fix confusing name", 5)
    docs = _replace(renamed, "(0-based)", "(counted from 0)")
    shas["docs"] = _commit(repo, {"pager/core.py": docs}, "Fix typo in docstring", 6)
    two = _replace(_replace(docs, "size * number", "number * size"), "return []", "return None")
    shas["multi"] = _commit(repo, {"pager/core.py": two}, "Fix two things", 7)
    shas["test"] = _commit(repo, {"tests/test_pager.py": "def test_page():\n    assert 1 < 2\n"},
                           "Add test", 8)
    shas["test_fix"] = _commit(
        repo, {"tests/test_pager.py": "def test_page():\n    assert 1 <= 2\n"},
        "Fix bug in test", 9)
    logged = _replace(two, "    n = 0\n", "    n = 0\n    print(n)\n")
    shas["logging"] = _commit(repo, {"pager/core.py": logged}, "Fix: log the count", 10)
    imported = "import os\n" + logged
    shas["import"] = _commit(repo, {"pager/core.py": imported}, "Fix missing import", 11)
    return repo, shas


def _mined(repo: Path) -> list[dict]:
    git = GitRepository(repo / ".git")
    try:
        return list(mine_repository(git, "acme/pager"))
    finally:
        git.close()


def test_fix_commit_found_with_kind_and_span(pager_repo):
    repo, shas = pager_repo
    (fix,) = _mined(repo)
    assert fix["commit"] == shas["fix"]
    assert fix["kind"] == "comparison"
    assert fix["license"] == "MIT"
    assert fix["date"] == "2020-01-04"
    assert fix["message"] == "Fix off-by-one in pager"
    assert (fix["buggy_code"], fix["fixed_code"]) == ("<=", "<")
    assert fix["func_name"] == "pages"
    lines = fix["file_before"].split("\n")
    assert lines[fix["func_start"] - 1].startswith("def pages")
    assert lines[fix["func_end"] - 1] == "    return count"
    assert fix["bug_line"] == fix["bug_end_line"]
    assert lines[fix["bug_line"] - 1][fix["bug_col"]:fix["bug_end_col"]] == "<="
    assert fix["id"] == f"acme/pager@{shas['fix']}:pager/core.py:{fix['bug_line']}"


def test_span_replacement_gives_the_fixed_file(pager_repo):
    repo, shas = pager_repo
    (fix,) = _mined(repo)
    lines = fix["file_before"].split("\n")
    before = "\n".join(lines[: fix["bug_line"] - 1]) + "\n" + lines[fix["bug_line"] - 1]
    start = len("\n".join(lines[: fix["bug_line"] - 1])) + 1 + fix["bug_col"]
    end = len("\n".join(lines[: fix["bug_end_line"] - 1])) + 1 + fix["bug_end_col"]
    assert before  # positions are 1-based lines with 0-based character columns
    repaired = fix["file_before"][:start] + fix["fixed_code"] + fix["file_before"][end:]
    assert repaired == _git(repo, "show", f"{shas['fix']}:pager/core.py")
    assert fix["file_after_func"] in repaired


def test_refactor_rename_docs_multi_statement_test_only_and_logging_are_not_fixes(pager_repo):
    repo, shas = pager_repo
    found = {fix["commit"] for fix in _mined(repo)}
    for name in ("refactor", "rename", "docs", "multi", "test_fix", "logging", "import"):
        assert shas[name] not in found, name


@pytest.mark.parametrize(("old", "new", "kind", "buggy", "fixed"), [
    ("return a[i + 1]", "return a[i]", "off_by_one", "i + 1", "i"),
    ("return range(n - 1)", "return range(n)", "off_by_one", "n - 1", "n"),
    ("return x and y", "return x or y", "boolean_op", "and", "or"),
    ("return x", "return not x", "missing_not", "x", "not x"),
    ("if not x:\n        y = 1", "if x:\n        y = 1", "extra_not", "not x", "x"),
    ("return x is None", "return x is not None", "missing_not", "is", "is not"),
    ("return x + y", "return x - y", "wrong_operator", "+", "-"),
    ("return y", "return x", "wrong_variable", "y", "x"),
    ("return x.real", "return x.imag", "wrong_attribute", "real", "imag"),
    ("return pow(x, y)", "return pow(y, x)", "swapped_args", "pow(x, y)", "pow(y, x)"),
    ("return min(x, y)", "return max(x, y)", "wrong_call", "min", "max"),
    ("return max(x, y)", "return max(x, y, 0)", "argument_added", "max(x, y)", "max(x, y, 0)"),
    ("return 'a'", "return 'b'", "wrong_literal", "'a'", "'b'"),
    ("return x", "return [x]", "wrong_return", "x", "[x]"),
    ("return x.real", "if x:\n        return x.real", "missing_guard", "return x.real",
     "if x:\n        return x.real"),
])
def test_single_statement_kinds(old, new, kind, buggy, fixed):
    template = "import os\n\n\ndef f(x, y, a, i, n):\n    z = 1\n    {}\n    return z\n"
    before, after = template.format(old), template.format(new)
    fix, reason = single_statement_fix(before, after)
    assert fix is not None, reason
    assert (fix.kind, before[fix.start:fix.end], fix.replacement) == (kind, buggy, fixed)
    assert before[: fix.start] + fix.replacement + before[fix.end:] == after


def test_inserted_guard_is_a_missing_guard():
    before = "def f(x):\n    y = x.value\n    return y\n"
    after = "def f(x):\n    if x is None:\n        return None\n    y = x.value\n    return y\n"
    fix, _ = single_statement_fix(before, after)
    assert fix.kind == "missing_guard" and fix.start == fix.end
    assert before[: fix.start] + fix.replacement + before[fix.end:] == after


@pytest.mark.parametrize(("before", "after"), [
    ("def f(x):\n    return x  # a\n", "def f(x):\n    return (x)  # b\n"),  # formatting
    ("def f(x):\n    return x\n", "import os\n\n\ndef f(x):\n    return x\n"),  # import
    ("def f(x):\n    return x\n", "def f(y):\n    return y\n"),  # rename
    ("def f(x):\n    '''A.'''\n    return x\n", "def f(x):\n    '''B.'''\n    return x\n"),
    ("def f(x):\n    raise ValueError('a')\n", "def f(x):\n    raise ValueError('b')\n"),
    ("def f(x):\n    return x\n", "def f(x):\n    return x +\n"),  # does not parse
])
def test_non_fixes_are_rejected(before, after):
    fix, reason = single_statement_fix(before, after)
    assert fix is None and reason


def test_fix_messages():
    assert is_fix_message("Fix off-by-one in pager")
    assert is_fix_message("Handle empty input\n\nFixes a crash when the list is empty")
    assert not is_fix_message("Refactor: fix naming")
    assert not is_fix_message("Fix typo in docs")
    assert not is_fix_message("Add a pager")


def test_license_texts():
    assert spdx_of(MIT) == "MIT"
    assert spdx_of("Apache License\nVersion 2.0, January 2004") == "Apache-2.0"
    assert spdx_of("All rights reserved.") is None


def test_splits_are_by_repository_and_deterministic():
    counts = {f"o/r{i}": 10 + i for i in range(20)}
    splits = assign_splits(counts, forced_train=["o/r3"], seed=14)
    assert splits == assign_splits(counts, forced_train=["o/r3"], seed=14)
    assert set(splits) == set(counts) and splits["o/r3"] == "train"
    total = sum(counts.values())
    share = {s: sum(c for r, c in counts.items() if splits[r] == s) / total
             for s in ("train", "dev", "test")}
    assert 0.5 < share["train"] < 0.7 and 0.1 < share["dev"] < 0.3 and 0.1 < share["test"] < 0.3


def _fix_repo(root: Path, name: str, func: str = "pages", extra: str = "") -> Path:
    """A repository whose second commit fixes `func` (PAGER's `pages` under that name)."""
    repo = root / name
    repo.mkdir()
    _git(repo, "init", "-q")
    buggy = _replace(PAGER, "count * size < len(items)", "count * size <= len(items)")
    buggy = _replace(buggy, "def pages(", f"def {func}(") + extra
    _commit(repo, {"LICENSE": MIT, "lib/__init__.py": "", "lib/core.py": buggy}, "Start", 1)
    _commit(repo, {"lib/core.py": _replace(buggy, "<= len(items):\n        count",
                                           "< len(items):\n        count")},
            "Fix pages() counting one page too many", 2)
    return repo


def _read(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_mine_dedupes_and_splits_by_repository(tmp_path: Path):
    mirrors = tmp_path / "mirrors"
    mirrors.mkdir()
    first = _fix_repo(mirrors, "a+one")
    _fix_repo(mirrors, "b+two", extra="\n# two\n")  # a+one's buggy function: a duplicate
    third = _fix_repo(mirrors, "c+three", "pages_c", extra="\n\n" + OTHER)
    fork = mirrors / "d+fork"
    subprocess.run(["git", "clone", "-q", str(first), str(fork)], check=True)
    _fix_repo(mirrors, "e+five", "pages_e",
              extra="\n\ndef more(x, y):\n    total = x + y\n    return total\n")
    # A function that the synthetic corpus already holds is dropped from the real data.
    corpus_file = tmp_path / "corpus.json"
    in_corpus = OTHER
    assert in_corpus in (third / "lib/core.py").read_text()
    corpus_file.write_text(json.dumps({"site_dir": "None", "packages": [],
                                       "hashes": [normalised_hash(in_corpus)]}))
    out = tmp_path / "real"
    stats = mine(MineConfig(mirrors=tuple(sorted(mirrors.iterdir())), out_dir=out,
                            site_dir=None, workers=1, corpus_cache=corpus_file,
                            cache_dir=tmp_path / "cache"))
    fixes = _read(out / "fixes.jsonl.gz")
    assert {f["repo"] for f in fixes} == {"a/one", "c/three", "e/five"}  # b/two: same function
    assert stats["dropped_repos"] == {"d/fork": "same project as a/one"}
    repos = json.loads((out / "repos.json").read_text())
    split_of = {r["repo"]: r["split"] for r in repos}
    assert all(f["split"] == split_of[f["repo"]] for f in fixes)
    clean = _read(out / "clean.jsonl.gz")
    assert clean and all(c["split"] == split_of[c["repo"]] for c in clean)
    assert {c["func_name"] for c in clean} == {"page", "more"}  # `pages*` were fixed
    assert stats["dropped_clean"]["in synthetic corpus"] == 1  # c/three's `other`
    card = render(out, coverage_file=tmp_path / "absent.json")
    assert "[a/one](https://github.com/a/one) | MIT" in card and "d/fork" in card


def test_fixes_of_corpus_functions_are_dropped():
    fix = {"date": "2020-01-01", "repo": "o/r", "commit": "0" * 40, "func_start": 1,
           "func_end": 2, "file_before": "def f(x):\n    return x <= 1\n", "bug_line": 2,
           "bug_col": 13, "bug_end_line": 2, "bug_end_col": 15, "buggy_code": "<=",
           "fixed_code": "<", "file_after_func": "def f(x):\n    return x < 1"}
    twin = dict(fix, repo="o/s")
    kept, dropped = dedupe_fixes([fix, twin], corpus=set())
    assert kept == [fix] and dropped == {"duplicate function": 1}
    corpus = {normalised_hash("def f(x):\n    return x <= 1")}
    assert dedupe_fixes([fix], corpus) == ([], {"in synthetic corpus": 1})
    wrong_span = dict(fix, bug_col=12)
    assert dedupe_fixes([wrong_span], set()) == ([], {"span does not reproduce the fix": 1})
