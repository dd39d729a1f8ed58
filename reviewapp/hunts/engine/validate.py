"""Validating one candidate: the failing tests first, then the whole suite, in a sandbox."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .candidates import RepairCandidate
from .reproduce import TestCommand, run_tests
from .sandbox import Sandbox

# Candidate outcomes.
FAILS_TARGET = "fails_target"  # the failing tests still fail
OVERFITS = "overfits"  # the failing tests pass, others break
VALIDATED = "validated"  # the whole suite is green


@dataclass
class Validation:
    """What the test runs said about one candidate."""

    candidate: RepairCandidate
    status: str
    diff: str
    tests_passed: int
    tests_failed: int
    failed_tests: list[str]
    output: str
    wall_s: float
    cpu_s: float
    worker: str = ""  # host:pid of the process that ran the tests, when it was not this one

    @property
    def changed_lines(self) -> int:
        return sum(1 for line in self.diff.splitlines()
                   if line[:1] in "+-" and not line.startswith(("+++", "---")))

    def to_json(self) -> dict:
        c = self.candidate
        return {"diff": self.diff, "tests_passed": self.tests_passed,
                "tests_failed": self.tests_failed, "failed_tests": self.failed_tests,
                "status": self.status, "stage": c.stage, "kind": c.kind, "path": c.path,
                "line": c.line, "description": c.description, "score": round(c.score, 4),
                "changed_lines": self.changed_lines, "output": self.output[-4000:],
                "wall_s": round(self.wall_s, 3), "cpu_s": round(self.cpu_s, 3)}


def unified_diff(path: str, old: str, new: str) -> str:
    """A git-style diff of one file, `a/` and `b/` paths relative to the repository root."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}", n=3):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return f"diff --git a/{path} b/{path}\n" + "".join(lines) if lines else ""


def validate(box: Sandbox, command: TestCommand, candidate: RepairCandidate, original: str,
             failing: list[str], timeout_s: float | None = None) -> Validation:
    """Apply the candidate in `box`, run the failing tests, then everything; restore the file."""
    target = box.work / candidate.path
    target.write_text(candidate.new_text, encoding="utf-8")
    wall = cpu = 0.0
    try:
        first = run_tests(box, command, node_ids=failing if command.is_pytest else None,
                          timeout_s=timeout_s)
        wall, cpu = first.run.wall_s, first.run.cpu_s
        outcome = first
        if first.green and command.is_pytest:
            outcome = run_tests(box, command, timeout_s=timeout_s)
            wall, cpu = wall + outcome.run.wall_s, cpu + outcome.run.cpu_s
    finally:
        target.write_text(original, encoding="utf-8")
    if not first.green:
        status = FAILS_TARGET
    elif outcome.green:
        status = VALIDATED
    else:
        status = OVERFITS
    return Validation(
        candidate=candidate, status=status,
        diff=unified_diff(candidate.path, original, candidate.new_text),
        tests_passed=len(outcome.passed),
        tests_failed=len(outcome.failed) or int(not outcome.green),
        failed_tests=outcome.failed, output=outcome.run.output, wall_s=wall, cpu_s=cpu,
    )


def rank_key(validation: Validation) -> tuple:
    """Best first: every test green, then small, then likely (natural) edits."""
    return (validation.status != VALIDATED, validation.tests_failed, validation.changed_lines,
            -validation.candidate.score)
