"""Findings proved by the change's own tests.

When a change adds or modifies test modules and its head's files are at hand
(`reviewapp.findings.checkout`), those tests run at the head in a hunt sandbox
(`reviewapp.hunts.engine.sandbox`: no network, CPU/memory/time/process limits, a scratch copy).
For tests that fail, a bounded repair search runs with the hunt engine's pieces, restricted to
the lines the change added: localize (the failing tests' coverage spectrum and tracebacks),
candidates (the inverse rewrites of the bug kinds), validate (failing tests first, then every
test of the changed modules). The first candidate, in the engine's likelihood order, that is
one edit within one changed line and turns the whole run green becomes a finding whose
replacement applies exactly to its span. Failing tests without such a repair become a note;
a run the sandbox had to stop (a hang, a fork bomb) becomes a note too. Passing tests say
nothing. A change that touches no test module costs nothing: no copy, no process.

Bounds, on purpose: the tests run with the server's interpreter and its packages (a module
importing what it lacks is noted as not collected); "the others" are the other tests of the
changed modules, not the repository's whole suite (which has no time bound); one repair must
turn every failing test green, so two bugs failing two tests give a note, not two findings.

Pure Python (no Django): the CLI pipeline and the Celery stage both call `prove_with_tests`.
"""

from __future__ import annotations

import logging
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reviewapp.hunts.engine import candidates as candidate_sources
from reviewapp.hunts.engine.localize import is_test_file, localize, source_files
from reviewapp.hunts.engine.pool import LocalPool, ValidationSetup
from reviewapp.hunts.engine.reproduce import (
    Reproduction,
    TestCommand,
    failure_messages,
    reproduce,
    run_tests,
    unrunnable_here,
)
from reviewapp.hunts.engine.sandbox import BWRAP, ISOLATION_WORDS, Sandbox, SandboxLimits
from reviewapp.hunts.engine.validate import VALIDATED, Validation
from reviewapp.ingest.parsed import DELETED, ParsedDiff

from .checkout import HeadCheckout

log = logging.getLogger(__name__)

ORIGIN = "tests"  # a stored finding's origin (the bug model's is "bugmodel")
# Ruled, not calibrated: no held-out set of reviews with failing tests exists to calibrate on.
# A repair that turns the change's own failing test green while its other tests stay green is
# strong evidence that the changed line is wrong, stronger than any learned finding; what is
# left is the chance that the test is the wrong half (the author meant the code and will fix
# the test) or that a weak test lets a wrong repair through. 0.9 ranks a proved finding above
# every learned one (whose calibrated probabilities seldom pass 0.8) and passes any threshold a
# repository is likely to set, without claiming certainty.
PROVED_PROBABILITY = 0.9
# The change contradicts its own stated behaviour: worth a reviewer's attention first.
PROVED_SEVERITY = "high"
_WORD, _OPERATOR = "word", "operator"
# Failing tests that pass when run on their own (tornado's locale tests after its other test
# modules, under pytest rather than tornado's own runner).
ORDER_DEPENDENT = ("failed after the other test modules ran and passed on their own, not "
                   "because of the change: state an earlier test left")
# A conftest or plugin importing what the server lacks stops pytest before any test runs.
_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
_OPERATOR_CHARS = set("<>=!+-*/%&|^~@")


@dataclass(frozen=True)
class TestRunSettings:
    """How much the stage may spend (the server's SQUIGGLE["REVIEW_TESTS_*"] settings)."""

    __test__ = False  # not a pytest test class

    budget_s: float = 60.0  # wall seconds for the stage: first run, localization and repairs
    run_s: float = 30.0  # wall seconds (and CPU seconds) one test run may take
    top_lines: int = 12  # changed lines, most suspicious first, that get repair candidates
    parallel: int = 2  # sandboxes validating repairs at once

    def limits(self) -> SandboxLimits:
        return SandboxLimits(wall_s=self.run_s, cpu_s=max(int(self.run_s), 1))


@dataclass(frozen=True)
class LineEdit:
    """A rewrite of one span within one line: columns 0-based, end exclusive."""

    line: int
    column: int
    end_column: int
    old: str
    new: str


@dataclass(frozen=True)
class ProvedFinding:
    """A repair the change's tests validated, read as a finding: it has the fields of
    `bugmodel.Finding` (DESIGN.md's review JSON), its span and replacement those of `edit`."""

    path: str
    edit: LineEdit
    kind: str
    message: str
    probability: float = PROVED_PROBABILITY
    severity: str = PROVED_SEVERITY
    origin: str = ORIGIN
    added_import: str = ""  # a repair the tests proved is one line's edit

    @property
    def line(self) -> int:
        return self.edit.line

    @property
    def end_line(self) -> int:
        return self.edit.line

    @property
    def column(self) -> int:
        return self.edit.column

    @property
    def end_column(self) -> int:
        return self.edit.end_column

    @property
    def replacement(self) -> str:
        return self.edit.new


@dataclass
class TestsOutcome:
    """What running the change's tests gave."""

    __test__ = False

    findings: list[ProvedFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # failures without a repair, refusals
    test_files: list[str] = field(default_factory=list)  # the test modules run ([]: none)
    failing: list[str] = field(default_factory=list)  # node ids failing at the head
    repairs_tried: int = 0
    wall_s: float = 0.0


def is_test_module(path: str) -> bool:
    """A Python file of tests that pytest collects (not a conftest.py or a helper)."""
    name = Path(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def changed_test_modules(diff: ParsedDiff) -> list[str]:
    """Test modules the change adds or modifies, in diff order."""
    return [f.path for f in diff.files
            if f.status != DELETED and not f.is_binary and is_test_module(f.path)]


def changed_source_lines(diff: ParsedDiff) -> dict[str, set[int]]:
    """New-side lines the change added to Python files that are not tests: where a repair may
    go."""
    lines: dict[str, set[int]] = {}
    for f in diff.files:
        if f.status == DELETED or not f.path.endswith(".py") or is_test_file(f.path):
            continue
        added = {line.new_lineno for hunk in f.hunks for line in hunk.added}
        if added:
            lines[f.path] = added
    return lines


def line_edit(old: str, new: str) -> LineEdit | None:
    """The edit turning `old` into `new` when it lies within one line, widened to whole
    tokens at its ends (inserting `=` after `>` reads `>` → `>=`); None otherwise."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    old_end, inserted = len(old) - suffix, new[prefix:len(new) - suffix]
    if (prefix == old_end and not inserted) or "\n" in old[prefix:old_end] or "\n" in inserted:
        return None
    line_start = old.rfind("\n", 0, prefix) + 1
    line_end = old.find("\n", prefix)
    text = old[line_start:len(old) if line_end < 0 else line_end]
    start, end = prefix - line_start, old_end - line_start
    first = _char_kind(text[start] if start < end else inserted[0])
    last = _char_kind(text[end - 1] if start < end else inserted[-1])
    column, end_column = start, end
    while first and column > 0 and _char_kind(text[column - 1]) == first:
        column -= 1
    while last and end_column < len(text) and _char_kind(text[end_column]) == last:
        end_column += 1
    replacement = text[column:start] + inserted + text[end:end_column]
    return LineEdit(old.count("\n", 0, prefix) + 1, column, end_column,
                    text[column:end_column], replacement)


def _char_kind(char: str) -> str:
    if char.isalnum() or char == "_":
        return _WORD
    return _OPERATOR if char in _OPERATOR_CHARS else ""


def outranked(learned: list, proved: list[ProvedFinding]) -> list:
    """The learned findings that proved ones replace: one finding per line, the proved one."""
    taken = {(f.path, line) for f in proved for line in range(f.line, f.end_line + 1)}
    return [f for f in learned
            if any((f.path, line) in taken for line in range(f.line, f.end_line + 1))]


def prefer_proved(learned: list, proved: list[ProvedFinding]) -> list:
    """The learned findings that no proved one outranks, then the proved ones."""
    gone = {id(f) for f in outranked(learned, proved)}
    return [f for f in learned if id(f) not in gone] + list(proved)


def prove_with_tests(diff: ParsedDiff, checkout: HeadCheckout,
                     settings: TestRunSettings | None = None,
                     on_progress: Callable[[str], None] | None = None) -> TestsOutcome:
    """Run the change's test modules at the head; for failing ones, search a repair on the
    changed lines within the budget. What could not be done is a note, never an exception:
    a head that cannot be read (git, GitHub, a broken archive) or a sandbox that cannot
    start leaves the rest of the review as it is."""
    settings = settings or TestRunSettings()
    test_files = changed_test_modules(diff)
    if not test_files:
        return TestsOutcome()
    started = time.monotonic()
    outcome = TestsOutcome(test_files=test_files)
    report = on_progress or (lambda _: None)
    report("copying the head into a sandbox")
    try:
        box = checkout.open(settings.limits())
    except Exception as exc:  # each source fails its own way (git, GitHub, tar): all say why
        log.warning("the head of the change could not be read", exc_info=True)
        outcome.notes.append(f"tests: not run: the head's files could not be read: {exc}")
        return outcome
    if box.isolation != BWRAP and not checkout.trusted:
        # Only bubblewrap keeps the host's files read-only; a pull request from anyone must
        # not run where it could read the server's secrets or write its files.
        box.close()
        outcome.notes.append("tests: not run: the sandbox here is "
                             f"{ISOLATION_WORDS.get(box.isolation, box.isolation)} "
                             f"({'; '.join(box.refused)}), and this change's code is not "
                             "trusted to run without bubblewrap")
        return outcome
    try:
        _run(box, diff, outcome, settings, started + settings.budget_s, report)
    except (OSError, subprocess.SubprocessError) as exc:  # the sandbox could not start
        log.warning("running the change's tests failed", exc_info=True)
        outcome.notes.append(f"tests: the change's tests could not run: {exc}")
    finally:
        box.close()
        outcome.wall_s = time.monotonic() - started
    return outcome


def _run(box: Sandbox, diff: ParsedDiff, outcome: TestsOutcome, settings: TestRunSettings,
         deadline: float, report: Callable[[str], None]) -> None:
    """The first run of the change's tests; a repair search when some fail."""
    names = ", ".join(outcome.test_files)
    stale = _differs_from_review(box, diff)
    if stale:
        outcome.notes.append(f"tests: not run: the head's {stale} differs from the reviewed "
                             "change (the checkout moved on?)")
        return
    report(f"running {names}")
    command = TestCommand(("python", "-m", "pytest", *outcome.test_files))
    timeout_s = min(settings.run_s, _left(deadline))
    first = reproduce(box, command, timeout_s=timeout_s)
    run = first.outcome.run
    if run.timed_out or run.limits_hit:
        limits = settings.limits()
        plural = "s" if len(run.limits_hit) > 1 else ""
        outcome.notes.append(
            f"tests: {names} stopped by the sandbox at its {' and '.join(run.limits_hit)} "
            f"limit{plural} ({timeout_s:.0f} s wall, {limits.cpu_s} CPU-s, {limits.processes} "
            f"processes; {ISOLATION_WORDS.get(run.isolation, run.isolation)}); their results "
            "are not used")
    elif not first.outcome.ran:
        last = run.output.strip().splitlines()[-1:] or ["no output"]
        missing = _MISSING_MODULE.search(run.output)
        why = (f"they need `{missing.group(1)}`, which is not installed where Squiggle runs "
               "(the tests run with its interpreter and packages)" if missing else
               f"pytest exit code {run.returncode}: {last[0][:200]}")
        outcome.notes.append(f"tests: {names} did not run: {why}")
    elif first.failing and all("::" not in node for node in first.failing):
        # Only collection errors: most often an import the server's interpreter cannot
        # satisfy (the tests run with its packages), which no edit of a changed line repairs.
        outcome.failing = first.failing
        said = failure_messages(run.output, first.failing)
        outcome.notes.append("tests: " + "; ".join(
            f"{node} could not be collected at the head ({said.get(node, 'no message')[:200]})"
            for node in first.failing))
    elif first.failing:
        outcome.failing = first.failing
        # Tests this server cannot run, and tests that fail only after others ran, fail
        # whatever the change says: no repair can turn them green, and they must not decide
        # whether one does.
        excused = {node: f"cannot run here, not because of the change: {reason}"
                   for node, reason in unrunnable_here(run.output, first.failing).items()}
        runnable = [node for node in first.failing if node not in excused]
        if runnable:
            alone = run_tests(box, command, node_ids=runnable,
                              timeout_s=min(settings.run_s, _left(deadline)))
            excused |= dict.fromkeys((node for node in runnable if node in alone.passed),
                                     ORDER_DEPENDENT)
        if excused:
            outcome.notes.append(_excused_note(excused))
        runnable = [node for node in first.failing if node not in excused]
        if runnable:
            _repair(box, command.deselecting(list(excused)),
                    Reproduction(first.outcome, runnable), diff, outcome, settings, deadline,
                    report)


def _repair(box: Sandbox, command: TestCommand, first: Reproduction, diff: ParsedDiff,
            outcome: TestsOutcome, settings: TestRunSettings, deadline: float,
            report: Callable[[str], None]) -> None:
    """A finding from the first validated one-line repair of a changed line, else a note."""
    failing = _failing_phrase(first.failing,
                              failure_messages(first.outcome.run.output, first.failing))
    changed = changed_source_lines(diff)
    report(f"{len(first.failing)} failing; localizing on the changed lines")
    localization, _ = localize(box, command, first.failing, first.outcome.run.output,
                               use_bugmodel=False, use_lm_surprisal=False)
    suspicious = [item for item in localization.lines if item.line in changed.get(item.path, ())]
    if not suspicious:
        outcome.notes.append(f"tests: {failing}; no line the change added runs in the "
                             "failing tests, so no repair was searched")
        return
    files = source_files(box.work)
    edits: dict[int, LineEdit] = {}
    candidates = []
    for candidate in candidate_sources.generate(files, suspicious, [], settings.top_lines):
        edit = line_edit(files[candidate.path], candidate.new_text)
        if edit is not None and edit.line in changed[candidate.path]:
            edits[id(candidate)] = edit
            candidates.append(candidate)
    found = _first_repair(box, command, first.failing, candidates, deadline, settings, outcome,
                          report)
    if found is None:
        outcome.notes.append(
            f"tests: {failing}; none of the {outcome.repairs_tried} one-line repairs of the "
            f"changed lines tried within the {settings.budget_s:g} s budget makes the tests "
            "pass")
        return
    edit = edits[id(found.candidate)]
    others = found.tests_passed - len(first.failing)
    outcome.findings.append(ProvedFinding(
        path=found.candidate.path, edit=edit, kind=found.candidate.kind,
        message=(f"{failing}; `{edit.old}` → `{edit.new}` here makes "
                 f"{'it' if len(first.failing) == 1 else 'them'} pass, and the other {others} "
                 f"test{'s' if others != 1 else ''} of the change still pass")))


def _first_repair(box: Sandbox, command: TestCommand, failing: list[str], candidates: list,
                  deadline: float, settings: TestRunSettings, outcome: TestsOutcome,
                  report: Callable[[str], None]) -> Validation | None:
    """The likeliest candidate that keeps every test green, within the time: candidates start
    in order, `settings.parallel` at once, none after the first repair; of the repairs the
    runs in flight then find, the earliest in the order wins."""
    found: list[Validation] = []
    rank = {id(candidate): index for index, candidate in enumerate(candidates)}
    pool = LocalPool(ValidationSetup(box, command, failing,
                                     deadline=time.time() + _left(deadline)), settings.parallel)
    try:
        for validation in pool.validate(candidates, lambda: not found and _left(deadline) > 0):
            outcome.repairs_tried += 1
            report(f"repairs: {outcome.repairs_tried}/{len(candidates)} tried")
            if validation.status == VALIDATED:
                found.append(validation)
    finally:
        pool.close()
    return min(found, key=lambda v: rank[id(v.candidate)], default=None)


def _excused_note(excused: dict[str, str]) -> str:
    """"tests: 41 tests cannot run here, not because of the change: <why> (<first node> and
    40 more)", one clause per reason."""
    by_reason: dict[str, list[str]] = {}
    for node, reason in excused.items():
        by_reason.setdefault(reason, []).append(node)
    parts = []
    for reason, nodes in by_reason.items():
        more = f" and {len(nodes) - 1} more" if len(nodes) > 1 else ""
        count = f"{len(nodes)} tests" if len(nodes) > 1 else "1 test"
        parts.append(f"{count} {reason} ({nodes[0]}{more})")
    return "tests: " + "; ".join(parts)


def _failing_phrase(failing: list[str], said: dict[str, str]) -> str:
    """"tests/t.py::test_a fails at the head (assert 1 == 2)", naming at most three tests."""
    if len(failing) == 1:
        node = failing[0]
        return f"{node} fails at the head" + (f" ({said[node][:200]})" if node in said else "")
    parts = [f"{node} ({said[node][:200]})" if node in said else node for node in failing[:3]]
    if len(failing) > 3:
        parts.append(f"{len(failing) - 3} more")
    return ", ".join(parts[:-1]) + f" and {parts[-1]} fail at the head"


def _differs_from_review(box: Sandbox, diff: ParsedDiff) -> str | None:
    """The first changed Python file whose head copy is not the reviewed text, if any."""
    for f in diff.files:
        if f.status == DELETED or f.new_content is None or not f.path.endswith(".py"):
            continue
        try:
            with open(box.work / f.path, encoding="utf-8", errors="replace", newline="") as fh:
                if fh.read() != f.new_content:
                    return f.path
        except OSError:
            return f.path
    return None


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.0)
