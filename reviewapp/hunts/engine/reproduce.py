"""Running the test command and reading which tests passed and failed (pytest node ids)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .sandbox import RunResult, Sandbox

# pytest's `-rA` short summary: "PASSED tests/test_a.py::test_x" / "FAILED ... - message".
_SUMMARY_LINE = re.compile(r"^(PASSED|FAILED|ERROR|XPASS)\s+(\S+)(?:\s+-\s.*)?$")
_SUMMARY_HEADER = re.compile(r"^=+ short test summary info =+$")
# A failure's section header in pytest's report ("____ test_x ____", "____ ERROR collecting
# tests/test_a.py ____"; a long name leaves room for one "_" a side) and the lines saying what
# went wrong ("E       assert 1 == 2").
_SECTION_HEADER = re.compile(r"^_+ (\S.*?) _+$")
_ERROR_LINE = re.compile(r"^E\s+(\S.*)$")
# What pytest says of a test that this server cannot run, whatever the code under test does: a
# plugin or fixture the project's own environment has and the server's interpreter lacks.
_UNRUNNABLE = (
    (re.compile(r"async def functions are not natively supported"),
     "an async test, and no async plugin (pytest-asyncio, anyio, ...) is installed here"),
    (re.compile(r"fixture '([^']+)' not found"),
     "its fixture `{0}` is defined nowhere here (from a pytest plugin not installed here?)"),
)
# pytest exit codes that mean "the tests ran" (0 all passed, 1 some failed).
_RAN = (0, 1)
_PYTEST_FLAGS = ["-rA", "-p", "no:cacheprovider", "-o", "console_output_style=classic"]


class TestCommandError(ValueError):
    """The test command cannot be used (empty, unparsable)."""


@dataclass(frozen=True)
class TestCommand:
    """The user's test command, and how to narrow it to some pytest node ids."""

    __test__ = False  # not a pytest test class

    argv: tuple[str, ...]

    @classmethod
    def parse(cls, command: str) -> TestCommand:
        try:
            argv = tuple(shlex.split(command))
        except ValueError as exc:
            raise TestCommandError(f"cannot parse the test command: {exc}") from None
        if not argv:
            raise TestCommandError("the test command is empty")
        return cls(argv)

    @property
    def is_pytest(self) -> bool:
        return any(Path(part).name in ("pytest", "py.test") for part in self.argv[:3])

    def _split(self, work: Path) -> tuple[list[str], list[str]]:
        """(the command without its test selection, the selection): paths and node ids."""
        base, selection = [], []
        for part in self.argv:
            target = part.split("::")[0]
            if not part.startswith("-") and ("::" in part or (work / target).exists()) and \
                    base and Path(base[-1]).name not in ("-m", "-p", "-k", "-o"):
                selection.append(part)
            else:
                base.append(part)
        return base, selection

    def deselecting(self, node_ids: list[str]) -> TestCommand:
        """The same command with these pytest node ids left out."""
        # One argument each ("--deselect=<id>"), so that `_split` keeps them in the command.
        return TestCommand((*self.argv, *(f"--deselect={node}" for node in node_ids)))

    def argv_for(self, work: Path, node_ids: list[str] | None = None,
                 extra: list[str] | None = None) -> list[str]:
        """The command (narrowed to `node_ids` when given) with result reporting switched on."""
        if not self.is_pytest:
            return list(self.argv)
        base, selection = self._split(work)
        chosen = node_ids if node_ids else selection
        return [*base, *_PYTEST_FLAGS, *(extra or []), *chosen]


@dataclass
class TestOutcome:
    """Which tests passed and failed in one run."""

    __test__ = False

    run: RunResult
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    ran: bool = True  # False when the command could not run its tests at all

    @property
    def green(self) -> bool:
        return self.ran and not self.failed and self.run.returncode == 0


def run_tests(box: Sandbox, command: TestCommand, node_ids: list[str] | None = None,
              extra: list[str] | None = None, timeout_s: float | None = None) -> TestOutcome:
    """Run the command in the sandbox and read its outcome."""
    result = box.run(command.argv_for(box.work, node_ids, extra), timeout_s=timeout_s)
    if not command.is_pytest:
        name = " ".join(command.argv)
        ok = result.returncode == 0
        return TestOutcome(result, passed=[name] if ok else [], failed=[] if ok else [name])
    passed, failed = [], []
    lines = result.stdout.splitlines()
    # Captured logs before the summary start the same way ("ERROR    flake8.main...:202").
    start = next((i for i, line in enumerate(lines) if _SUMMARY_HEADER.match(line)), 0)
    for line in lines[start:]:
        match = _SUMMARY_LINE.match(line.strip())
        if match:
            (passed if match.group(1) == "PASSED" else failed).append(match.group(2))
    ran = result.returncode in _RAN and not result.timed_out
    if result.timed_out and not failed:
        failed = list(node_ids or ["(the whole test command)"])
    return TestOutcome(result, passed=passed, failed=failed, ran=ran or bool(failed))


def failure_messages(output: str, node_ids: list[str]) -> dict[str, str]:
    """What each failing test said: the first `E` line of its section in pytest's report
    (the short summary cuts it to the terminal's width). Tests without one are left out."""
    said = {}
    for node, lines in _failure_sections(output, node_ids).items():
        first = next((m.group(1).strip() for m in map(_ERROR_LINE.match, lines) if m), None)
        if first is not None:
            said[node] = first
    return said


def unrunnable_here(output: str, node_ids: list[str]) -> dict[str, str]:
    """The failing tests this server cannot run, whatever the code does, each with why: an
    async test without an async plugin, a fixture no installed plugin defines."""
    why = {}
    for node, lines in _failure_sections(output, node_ids).items():
        text = "\n".join(lines)
        for pattern, reason in _UNRUNNABLE:
            if match := pattern.search(text):
                why[node] = reason.format(*match.groups())
                break
    return why


def _failure_sections(output: str, node_ids: list[str]) -> dict[str, list[str]]:
    """The lines of each node's section in pytest's report (a failure, a collection error or
    an error at setup), for the nodes that have one."""
    sections: dict[str, list[str]] = {}
    lines: list[str] | None = None
    for line in output.splitlines():
        if match := _SECTION_HEADER.match(line):
            lines = sections.setdefault(match.group(1), [])
        elif line.startswith("====="):
            lines = None  # the short summary and the totals belong to no test
        elif lines is not None:
            lines.append(line)
    found = {}
    for node in node_ids:
        path, _, name = node.partition("::")
        name = name.replace("::", ".")
        for header in ((name, f"ERROR at setup of {name}") if name
                       else (f"ERROR collecting {path}",)):
            if header in sections:
                found[node] = sections[header]
                break
    return found


@dataclass
class Reproduction:
    """The original code's test outcome: reproduced when some test fails."""

    outcome: TestOutcome
    failing: list[str]

    @property
    def reproduced(self) -> bool:
        return bool(self.failing)


def reproduce(box: Sandbox, command: TestCommand, timeout_s: float | None = None
              ) -> Reproduction:
    """Run the tests on the unmodified copy; the failing ones are the hunt's target."""
    outcome = run_tests(box, command, timeout_s=timeout_s)
    return Reproduction(outcome, failing=list(outcome.failed))
