"""Fixtures: the small buggy project of `buggy_project.py`, and the same project fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reviewapp.hunts.buggy_project import write_buggy_project


@pytest.fixture
def buggy_project(tmp_path: Path) -> Path:
    return write_buggy_project(tmp_path / "project")


@pytest.fixture
def fixed_project(buggy_project: Path) -> Path:
    module = buggy_project / "stats.py"
    module.write_text(module.read_text().replace("len(items) - 1)", "len(items))"))
    return buggy_project
