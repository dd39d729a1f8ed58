"""The hunt: reproduce first, localize, stop at the budget or on cancel, fix within it."""

from __future__ import annotations

import pytest

from reviewapp.hunts.engine.hunt import (
    BUDGET_EXHAUSTED,
    CANCELLED,
    ERROR,
    FIXED,
    NOT_REPRODUCED,
    HuntConfig,
    run_hunt,
)
from reviewapp.hunts.engine.reproduce import TestCommand, reproduce
from reviewapp.hunts.engine.sandbox import Sandbox

FAST = dict(use_bugmodel=False, use_lm=False, parallel=2)


def test_reproduce_names_the_failing_and_passing_tests(buggy_project):
    with Sandbox.from_repository(buggy_project) as box:
        reproduction = reproduce(box, TestCommand.parse("python -m pytest"))
    assert reproduction.reproduced
    assert reproduction.failing == ["test_stats.py::test_last_two"]
    assert sorted(reproduction.outcome.passed) == ["test_stats.py::test_last_zero",
                                                   "test_stats.py::test_mean"]


def test_a_command_narrowed_to_node_ids_runs_only_those(buggy_project):
    command = TestCommand.parse("python -m pytest test_stats.py -x")
    argv = command.argv_for(buggy_project, ["test_stats.py::test_mean"])
    assert argv[-1] == "test_stats.py::test_mean" and "test_stats.py" not in argv[:-1]
    assert "-x" in argv


def test_passing_tests_stop_the_hunt_as_not_reproduced(fixed_project):
    result = run_hunt(fixed_project, "python -m pytest", config=HuntConfig(**FAST))
    assert result.status == NOT_REPRODUCED and not result.reproduced
    assert "3 passed" in result.reproduction_output
    assert result.patches == []


def test_the_hunt_fixes_the_bug_with_a_validated_patch(buggy_project):
    result = run_hunt(buggy_project, "python -m pytest", "last_items skips the last element",
                      HuntConfig(budget_s=120, max_patches=1, **FAST))
    assert result.status == FIXED and result.reproduced
    best = result.patches[0]
    assert best.tests_failed == 0 and best.tests_passed == 3
    assert best.diff.startswith("diff --git a/stats.py b/stats.py\n--- a/stats.py\n+++ b/stats.py")
    assert "+    for i in range(len(items) - n, len(items)):" in best.diff
    top = result.localization.lines[0]
    assert (top.path, top.function) == ("stats.py", "last_items")
    assert (buggy_project / "stats.py").read_text().count("len(items) - 1)") == 1  # untouched


REPORT = '''"""Report what went wrong in a job."""
import logging

log = logging.getLogger(__name__)


def run(job):
    """Run `job`; on failure, return the traceback's text instead of raising."""
    try:
        return job()
    except Exception:
        text = traceback.format_exc()
        log.error(text)
        return text
'''
REPORT_TEST = '''from report import run


def test_a_failing_job_returns_its_traceback():
    def boom():
        raise ValueError("no")
    assert "ValueError: no" in run(boom)
'''


@pytest.mark.ml
def test_the_hunt_adds_a_forgotten_import(tmp_path):
    """The bug model's undefined-name finding carries the import; its candidate is the fix."""
    (tmp_path / "report.py").write_text(REPORT)
    (tmp_path / "test_report.py").write_text(REPORT_TEST)
    result = run_hunt(tmp_path, "python -m pytest", config=HuntConfig(
        budget_s=120, max_patches=1, use_lm=False, parallel=2))
    assert result.status == FIXED
    assert "+import traceback\n" in result.patches[0].diff
    assert result.patches[0].candidate.description == \
        "bug model undefined_name: add `import traceback`"


def test_the_budget_stops_the_hunt(buggy_project):
    result = run_hunt(buggy_project, "python -m pytest", config=HuntConfig(
        budget_s=60, cpu_budget_s=0.01, **FAST))
    assert result.status == BUDGET_EXHAUSTED
    assert len(result.tried) <= 2 < result.candidates_total


def test_cancel_stops_the_hunt(buggy_project):
    calls = []

    def cancel_after_localizing() -> bool:
        calls.append(1)
        return len(calls) > 1

    result = run_hunt(buggy_project, "python -m pytest", config=HuntConfig(**FAST),
                      should_cancel=cancel_after_localizing)
    assert result.status == CANCELLED and result.reproduced
    assert result.tried == []


def test_bad_input_ends_in_error_with_a_reason(tmp_path):
    assert run_hunt(tmp_path / "missing", "python -m pytest").status == ERROR
    result = run_hunt(tmp_path, "python -m pytest 'unterminated")
    assert result.status == ERROR and "cannot parse" in result.message
    empty = run_hunt(tmp_path, "python -m pytest", config=HuntConfig(**FAST))
    assert empty.status == ERROR and "did not run any tests" in empty.message
