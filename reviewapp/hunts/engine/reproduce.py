"""Running the test command and reading which tests passed and failed (pytest node ids)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .sandbox import RunResult, Sandbox

# pytest's `-rA` short summary: "PASSED tests/test_a.py::test_x" / "FAILED ... - message".
_SUMMARY_LINE = re.compile(r"^(PASSED|FAILED|ERROR|XPASS)\s+(\S+)(?:\s+-\s.*)?$")
# A failure's section header in pytest's report ("____ test_x ____", "____ ERROR collecting
# tests/test_a.py ____") and the lines saying what went wrong ("E       assert 1 == 2").
_SECTION_HEADER = re.compile(r"^_{3,} (.+?) _{3,}$")
_ERROR_LINE = re.compile(r"^E\s+(\S.*)$")
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
    for line in result.stdout.splitlines():
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
    first_error: dict[str, str] = {}
    header = None
    for line in output.splitlines():
        if match := _SECTION_HEADER.match(line):
            header = match.group(1)
        elif header and header not in first_error and (match := _ERROR_LINE.match(line)):
            first_error[header] = match.group(1).strip()
    said = {}
    for node in node_ids:
        path, _, name = node.partition("::")
        header = name.replace("::", ".") if name else f"ERROR collecting {path}"
        if header in first_error:
            said[node] = first_error[header]
    return said


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
