"""The bug-introducing review set: `git blame` finds the commit that wrote a fixed line, and
the benchmark scores findings against that commit's changed lines."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path

from benchmarks.bug_introducing import (
    baselines,
    code_lines,
    pasted_into_checkout,
    repository_bases,
)
from benchmarks.bug_introducing_data import changed_lines, introducing_case

FIRST = '''def page(items, size, number):
    start = size * number
    return items[start:start + size]
'''
BUGGY = FIRST.replace("    return items", "    if start > len(items):\n        return []\n"
                      "    return items")
FIXED = BUGGY.replace("start > len(items)", "start >= len(items)")


def _git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout


def _commit(repo: Path, text: str, message: str) -> str:
    (repo / "pager.py").write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD").strip()


def _history(tmp_path: Path) -> tuple[Path, list[str]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    shas = [_commit(repo, FIRST, "add pager"), _commit(repo, BUGGY, "stop past the end"),
            _commit(repo, FIXED, "fix off-by-one at the last page")]
    return repo, shas


def _fix(fix_commit: str) -> dict:
    return {"id": "t/pager@x:pager.py:3", "repo": "t/pager", "license": "MIT", "split": "test",
            "commit": fix_commit, "path": "pager.py", "kind": "wrong_operator",
            "file_before": BUGGY, "bug_line": "3", "bug_end_line": "3",
            "buggy_code": ">", "fixed_code": ">="}


def test_the_commit_that_wrote_the_fixed_line_is_the_case(tmp_path):
    repo, (first, introducing, fix) = _history(tmp_path)
    dropped = Counter()
    case = introducing_case(repo, _fix(fix), dropped)
    assert case is not None, dropped
    assert case["commit"] == introducing and case["text"] == BUGGY
    assert case["changed"] == [3, 4]  # the guard it added; line 5 (`return items...`) is old
    assert case["bugs"][0]["lines"] == [3, 3]


def test_a_repository_first_commit_is_not_a_review(tmp_path):
    repo, (first, _, _) = _history(tmp_path)
    assert changed_lines(repo, first, "pager.py") is None
    dropped = Counter()
    fix = dict(_fix("HEAD"), file_before=BUGGY, bug_line="1", bug_end_line="1")
    assert introducing_case(repo, fix, dropped) is None
    assert dropped == {"root commit": 1}


def test_baselines_read_only_changed_code_lines():
    case = {"text": BUGGY + "# note\n", "changed": [3, 4, 6, 7],
            "bugs": [{"fix": "f", "kind": "k", "lines": [3, 3]}]}
    assert code_lines(case) == [3, 4]
    rows = baselines([case])
    assert rows["random_changed_line"]["top1_localisation"] == 0.5
    # `if start > len(items):` holds the one operator of the changed lines
    assert rows["most_operators_changed_line"]["top1_localisation"] == 1.0


def test_repository_bases_are_the_old_file_and_the_unchanged_files_beside(tmp_path):
    mirrors = tmp_path / "mirrors"
    repo = mirrors / "t+pager" / "repo"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "helpers.py").write_text("LIMIT = 10\n")
    first = _commit(repo, FIRST, "add pager")
    introducing = _commit(repo, BUGGY, "stop past the end")
    case = {"repo": "t/pager", "commit": introducing, "path": "pager.py"}
    assert repository_bases(mirrors, case) == [(FIRST, set()), ("LIMIT = 10\n", set())]
    # The root commit added helpers.py too: a file of the change is no evidence.
    assert repository_bases(mirrors, dict(case, commit=first)) == []


def test_a_pasted_diff_of_the_commit_is_rebuilt_from_the_mirror(tmp_path):
    mirrors = tmp_path / "mirrors"
    repo = mirrors / "t+pager" / "repo"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    _commit(repo, FIRST, "add pager")
    introducing = _commit(repo, BUGGY, "stop past the end")
    case = {"repo": "t/pager", "commit": introducing, "path": "pager.py", "text": BUGGY}
    text, changed, bases = pasted_into_checkout(mirrors, case)
    # The diff adds the guard's two lines and removes nothing.
    assert text == BUGGY and changed == {3, 4} and bases == [(FIRST, set())]
