"""Reading pytest's report: what each failing test said, and which ones cannot run here."""

from __future__ import annotations

from pathlib import Path

from reviewapp.hunts.engine.reproduce import TestCommand, failure_messages, unrunnable_here

LONG = "tests/test_arbiter.py::TestDirtyArbiterWorkerConnection::test_socket_not_ready"
REPORT = """\
=================================== FAILURES ===================================
_______________________________ test_total _______________________________

    def test_total():
>       assert total([1, 2]) == 4
E       assert 3 == 4

tests/test_cart.py:5: AssertionError
_ TestDirtyArbiterWorkerConnection.test_socket_not_ready _
async def functions are not natively supported.
You need to install a suitable plugin for your async framework, for example:
  - pytest-asyncio
_____________________ ERROR at setup of test_patched _____________________
file tests/test_cart.py, line 9
  def test_patched(mocker):
E       fixture 'mocker' not found
=========================== short test summary info ============================
FAILED tests/test_cart.py::test_total - assert 3 == 4
"""
NODES = ["tests/test_cart.py::test_total", LONG, "tests/test_cart.py::test_patched"]


def test_each_failing_test_says_its_first_error_line_even_under_a_short_header():
    assert failure_messages(REPORT, NODES) == {
        "tests/test_cart.py::test_total": "assert 3 == 4",
        "tests/test_cart.py::test_patched": "fixture 'mocker' not found"}


def test_async_tests_without_a_plugin_and_missing_fixtures_cannot_run_here():
    why = unrunnable_here(REPORT, NODES)
    assert set(why) == {LONG, "tests/test_cart.py::test_patched"}
    assert "no async plugin" in why[LONG]
    assert "fixture `mocker`" in why["tests/test_cart.py::test_patched"]


def test_a_deselected_node_stays_in_the_command_when_it_is_narrowed(tmp_path: Path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_cart.py").write_text("")
    command = TestCommand(("python", "-m", "pytest", "tests/test_cart.py")).deselecting([LONG])
    argv = command.argv_for(tmp_path, ["tests/test_cart.py::test_total"])
    assert f"--deselect={LONG}" in argv
    assert argv[-1] == "tests/test_cart.py::test_total" and "tests/test_cart.py" not in argv


def test_a_logged_error_line_is_not_read_as_a_failing_test(tmp_path: Path):
    """flake8's captured log ("ERROR    flake8.main.application:application.py:202", an empty
    message) was counted as a failing test named `flake8.main.application:application.py:202`."""
    from reviewapp.hunts.engine.reproduce import run_tests
    from reviewapp.hunts.engine.sandbox import Sandbox, SandboxLimits

    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "test_log.py").write_text(
        "import logging\n\n\ndef test_logs_then_fails():\n"
        "    logging.getLogger('app.main').error('')\n    assert False\n\n\n"
        "def test_passes():\n    assert True\n")
    with Sandbox.from_repository(repo, SandboxLimits(wall_s=60)) as box:
        outcome = run_tests(box, TestCommand(("python", "-m", "pytest", "tests")))
    assert "ERROR    app.main" in outcome.run.output  # the captured log is in the report
    assert outcome.failed == ["tests/test_log.py::test_logs_then_fails"]
    assert outcome.passed == ["tests/test_log.py::test_passes"]
