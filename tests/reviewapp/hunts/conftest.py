"""Fixtures: the small buggy project of `buggy_project.py`, and the same project fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reviewapp.hunts.buggy_project import write_buggy_project


@pytest.fixture(autouse=True)
def _checkouts_in_temp(temp_repo_roots):
    """The buggy projects are registered checkouts under pytest's temporary folders."""


@pytest.fixture
def buggy_project(tmp_path: Path) -> Path:
    return write_buggy_project(tmp_path / "project")


@pytest.fixture
def fixed_project(buggy_project: Path) -> Path:
    module = buggy_project / "stats.py"
    module.write_text(module.read_text().replace("len(items) - 1)", "len(items))"))
    return buggy_project
