"""A small buggy project: `last_items` never returns the last element."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture
def buggy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "stats.py").write_text(BUGGY_MODULE)
    (project / "test_stats.py").write_text(TESTS)
    return project


@pytest.fixture
def fixed_project(buggy_project: Path) -> Path:
    module = buggy_project / "stats.py"
    module.write_text(module.read_text().replace("len(items) - 1)", "len(items))"))
    return buggy_project
