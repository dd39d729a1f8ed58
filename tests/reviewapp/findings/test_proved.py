"""Findings proved by the change's own tests: real git repositories, real sandbox runs."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from reviewapp.findings.checkout import HeadCheckout, LocalCheckout
from reviewapp.findings.proved import (
    PROVED_PROBABILITY,
    LineEdit,
    ProvedFinding,
    TestRunSettings,
    line_edit,
    prefer_proved,
    prove_with_tests,
)
from reviewapp.hunts.engine import sandbox
from reviewapp.hunts.engine.sandbox import NONE, UNSHARE, Sandbox
from reviewapp.ingest.git_source import diff_from_git
from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

CALC = "def add(a, b):\n    return a + b\n"
CALC_TEST = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


def two_commits(repo: Path, base: dict[str, str], head: dict[str, str]) -> str:
    """A repository whose HEAD~1 holds `base` and HEAD `base` updated with `head`."""
    repo.mkdir()
    git(repo, "init", "-q")
    for files, message in ((base, "base"), (head, "head")):
        for path, text in files.items():
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", message)
    return "HEAD~1..HEAD"


def prove(repo: Path, range_spec: str, settings: TestRunSettings | None = None):
    diff = diff_from_git(str(repo), range_spec)
    return prove_with_tests(diff, LocalCheckout(str(repo), diff.head_sha), settings)


def test_the_demo_change_gets_its_boundary_bug_proved_by_its_own_test(tmp_path):
    """The demo's `if quantity > threshold:` fails its new test_bulk_discount_from_ten_items;
    `>=` makes it pass with the others green: one finding on that span, naming the test."""
    repo = tmp_path / "demo"
    outcome = prove(repo, build_demo_repository(repo))
    assert outcome.failing == ["tests/test_cart.py::test_bulk_discount_from_ten_items"]
    [finding] = outcome.findings
    lines = (repo / "shop" / "prices.py").read_text().split("\n")
    line = lines[finding.line - 1]
    assert line.strip() == "if quantity > threshold:"
    assert line[finding.column:finding.end_column] == ">" and finding.replacement == ">="
    assert "test_bulk_discount_from_ten_items" in finding.message
    assert "Decimal('9.50')" in finding.message  # what the test said
    assert finding.probability == PROVED_PROBABILITY and finding.severity == "high"
    assert outcome.notes == []


def test_a_harmless_change_whose_tests_pass_gets_nothing(tmp_path):
    repo = tmp_path / "calc"
    range_spec = two_commits(repo, {"calc.py": CALC, "tests/test_calc.py": CALC_TEST}, {
        "calc.py": '"""Arithmetic."""\n\n\n' + CALC,
        "tests/test_calc.py": CALC_TEST + "\n\ndef test_add_negatives():\n"
                                          "    assert add(-2, -3) == -5\n"})
    outcome = prove(repo, range_spec)
    assert outcome.test_files == ["tests/test_calc.py"]
    assert (outcome.findings, outcome.notes, outcome.failing) == ([], [], [])


def test_a_failing_test_without_a_repair_is_a_note_naming_it(tmp_path):
    repo = tmp_path / "calc"
    range_spec = two_commits(repo, {"calc.py": CALC, "tests/test_calc.py": CALC_TEST}, {
        "calc.py": CALC + "\n\ndef shout(text):\n    return text.upper()\n",
        "tests/test_calc.py": CALC_TEST.replace("add\n", "add, shout\n", 1)
        + "\n\ndef test_shout():\n    assert shout('hi') == 'HI!'\n"})
    outcome = prove(repo, range_spec)
    assert outcome.findings == []
    [note] = outcome.notes
    assert "tests/test_calc.py::test_shout fails at the head" in note
    assert "'HI' == 'HI!'" in note and "makes the tests pass" in note


@pytest.mark.parametrize("body", [
    "    while True:\n        pass\n",
    "    import os\n    while True:\n        os.fork()\n",
], ids=["infinite loop", "fork bomb"])
def test_hostile_tests_are_stopped_by_the_sandbox_and_noted(tmp_path, body):
    repo = tmp_path / "calc"
    range_spec = two_commits(repo, {"calc.py": CALC, "tests/test_calc.py": CALC_TEST}, {
        "calc.py": CALC.replace("a + b", "b + a"),
        "tests/test_calc.py": CALC_TEST + "\n\ndef test_hostile():\n" + body})
    started = time.monotonic()
    outcome = prove(repo, range_spec, TestRunSettings(budget_s=20, run_s=4))
    assert time.monotonic() - started < 30
    assert outcome.findings == []
    [note] = outcome.notes
    assert "tests/test_calc.py stopped by the sandbox" in note and "not used" in note


def test_a_test_reaching_for_the_network_fails_inside_and_is_noted(tmp_path):
    repo = tmp_path / "calc"
    range_spec = two_commits(repo, {"calc.py": CALC, "tests/test_calc.py": CALC_TEST}, {
        "calc.py": CALC.replace("a + b", "b + a"),
        "tests/test_calc.py": CALC_TEST + "\n\ndef test_network():\n    import socket\n"
                              "    socket.create_connection(('1.1.1.1', 80), timeout=1)\n"})
    # No repair is searched (no changed line is suspicious enough to try): the note is the point.
    outcome = prove(repo, range_spec, TestRunSettings(budget_s=20, run_s=10, top_lines=0))
    assert outcome.findings == []
    [note] = outcome.notes
    assert "test_network fails at the head" in note


def test_a_test_module_that_cannot_be_imported_is_noted_without_a_repair_search(tmp_path):
    repo = tmp_path / "calc"
    range_spec = two_commits(repo, {"calc.py": CALC, "tests/test_calc.py": CALC_TEST}, {
        "calc.py": CALC.replace("a + b", "b + a"),
        "tests/test_calc.py": "import not_installed_anywhere\n" + CALC_TEST})
    outcome = prove(repo, range_spec)
    assert outcome.findings == [] and outcome.repairs_tried == 0
    [note] = outcome.notes
    assert "tests/test_calc.py could not be collected at the head" in note
    assert "not_installed_anywhere" in note


def test_tests_this_server_cannot_run_are_noted_and_left_out_of_the_proof(tmp_path):
    """gunicorn's change came with 41 async tests and no async plugin here: they failed at the
    head whatever the code said, and a repair search spent its budget on them. Such tests are
    named in a note and deselected, and the test that can run still proves the bug."""
    repo = tmp_path / "calc"
    range_spec = two_commits(repo, {"calc.py": CALC, "tests/test_calc.py": CALC_TEST}, {
        "calc.py": CALC.replace("a + b", "a - b"),
        "tests/test_calc.py": CALC_TEST
        + "\n\nasync def test_add_later():\n    assert add(1, 1) == 2\n"
        + "\n\ndef test_add_mocked(mocker):\n    assert add(0, 0) == 0\n"})
    outcome = prove(repo, range_spec)
    assert sorted(outcome.failing) == ["tests/test_calc.py::test_add",
                                       "tests/test_calc.py::test_add_later",
                                       "tests/test_calc.py::test_add_mocked"]
    [finding] = outcome.findings
    assert (finding.line, finding.replacement) == (2, "+")
    [note] = outcome.notes
    assert "tests/test_calc.py::test_add_later" in note and "no async plugin" in note
    assert "tests/test_calc.py::test_add_mocked" in note and "fixture `mocker`" in note
    assert note.count("not because of the change") == 2


def test_a_test_failing_only_after_another_module_ran_is_noted_not_searched(tmp_path):
    """tornado's locale tests failed after its other test modules under pytest, and passed on
    their own: no edit of the change would make them pass, and none is searched."""
    repo = tmp_path / "scale"
    range_spec = two_commits(repo, {"scale.py": "FACTOR = 1\n\n\ndef scaled(x):\n"
                                                "    return x * FACTOR\n"}, {
        "tests/test_a.py": "import scale\n\n\ndef test_doubles():\n    scale.FACTOR = 2\n",
        "tests/test_b.py": "from scale import scaled\n\n\ndef test_scaled():\n"
                           "    assert scaled(2) == 2\n"})
    outcome = prove(repo, range_spec)
    assert outcome.failing == ["tests/test_b.py::test_scaled"]
    assert outcome.findings == [] and outcome.repairs_tried == 0
    [note] = outcome.notes
    assert "1 test failed after the other test modules ran and passed on their own" in note
    assert "tests/test_b.py::test_scaled" in note


def test_a_conftest_needing_an_uninstalled_package_is_noted_by_that_package(tmp_path):
    repo = tmp_path / "calc"
    range_spec = two_commits(repo, {"calc.py": CALC, "tests/test_calc.py": CALC_TEST}, {
        "tests/conftest.py": "import werkzeug_not_here\n",
        "tests/test_calc.py": CALC_TEST + "\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n"})
    outcome = prove(repo, range_spec)
    assert outcome.findings == [] and outcome.repairs_tried == 0
    [note] = outcome.notes
    assert "tests/test_calc.py did not run: " in note
    assert "they need `werkzeug_not_here`, which is not installed where Squiggle runs" in note


class _Unopenable(HeadCheckout):
    trusted = True

    def open(self, limits):
        raise AssertionError("a change without test modules must not open its head")


def test_a_change_without_test_modules_costs_nothing(tmp_path):
    repo = tmp_path / "calc"
    range_spec = two_commits(repo, {"calc.py": CALC}, {"calc.py": CALC.replace("+", "-")})
    outcome = prove_with_tests(diff_from_git(str(repo), range_spec), _Unopenable())
    assert (outcome.test_files, outcome.findings, outcome.notes) == ([], [], [])


class _UntrustedFolder(HeadCheckout):
    """A head that is not the reviewer's own code (as a pull request's)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def open(self, limits):
        return Sandbox.from_repository(self.path, limits)


@pytest.mark.parametrize("isolation", [UNSHARE, NONE])
def test_an_untrusted_head_runs_only_where_bubblewrap_protects_the_host(tmp_path, monkeypatch,
                                                                        isolation):
    monkeypatch.setattr(sandbox, "detect_isolation", lambda: (isolation, ("no bubblewrap",)))
    repo = tmp_path / "demo"
    diff = diff_from_git(str(repo), build_demo_repository(repo))
    outcome = prove_with_tests(diff, _UntrustedFolder(repo))
    assert outcome.failing == [] and outcome.findings == []
    [note] = outcome.notes
    assert "(no bubblewrap)" in note and "not trusted to run without bubblewrap" in note


def test_a_head_that_cannot_be_opened_is_a_note_not_a_crash(tmp_path):
    repo = tmp_path / "demo"
    diff = diff_from_git(str(repo), build_demo_repository(repo))
    outcome = prove_with_tests(diff, LocalCheckout(str(repo), "0" * 40))
    assert outcome.findings == [] and "could not be read" in outcome.notes[0]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("if n > k:\n", "if n >= k:\n", (1, 5, 6, ">", ">=")),
    ("x = 1\nif a and b:\n", "x = 1\nif a or b:\n", (2, 5, 8, "and", "or")),
    ("y = items[i + 1]\n", "y = items[i]\n", (1, 11, 15, " + 1", "")),
    ("y = f(a)\n", "y = g(a)\n", (1, 4, 5, "f", "g")),
])
def test_a_one_line_edit_is_widened_to_whole_tokens(old, new, expected):
    edit = line_edit(old, new)
    assert (edit.line, edit.column, edit.end_column, edit.old, edit.new) == expected
    line = old.split("\n")[edit.line - 1]
    assert line[:edit.column] + edit.new + line[edit.end_column:] == new.split("\n")[edit.line - 1]


def test_an_edit_across_lines_is_not_a_line_edit():
    assert line_edit("a = 1\nb = 2\n", "b = 2\na = 1\n") is None
    assert line_edit("a = 1\n", "a = 1\n") is None


def test_a_proved_finding_replaces_learned_ones_on_its_line():
    def finding(line: int, origin: str = "bugmodel") -> ProvedFinding:
        return ProvedFinding("shop/prices.py", LineEdit(line, 16, 17, ">", ">="), "comparison",
                             "m", origin=origin)

    learned = [finding(22), finding(8)]
    proved = [finding(22, "tests")]
    assert prefer_proved(learned, proved) == [finding(8), finding(22, "tests")]
