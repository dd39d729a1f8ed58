"""A small buggy project for hunt tests: `last_items` never returns the last element."""

from __future__ import annotations

from pathlib import Path

BUGGY_MODULE = '''\
def last_items(items, n):
    """The last n items, oldest first."""
    out = []
    for i in range(len(items) - n, len(items) - 1):
        out.append(items[i])
    return out


def mean(values):
    return sum(values) / len(values)
'''

TESTS = '''\
from stats import last_items, mean


def test_last_two():
    assert last_items([1, 2, 3, 4], 2) == [3, 4]


def test_last_zero():
    assert last_items([1, 2], 0) == []


def test_mean():
    assert mean([1, 2, 3]) == 2
'''


def write_buggy_project(directory: Path) -> Path:
    """The module and its tests in `directory` (created); one test fails, two pass."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stats.py").write_text(BUGGY_MODULE)
    (directory / "test_stats.py").write_text(TESTS)
    return directory
