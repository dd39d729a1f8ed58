"""A bug hunt end to end: reproduce → localize → candidates → validate, within a budget."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import candidates as candidate_sources
from .candidates import RepairCandidate
from .lm_candidates import lm_candidates
from .localize import Localization, localize, source_files
from .pool import LocalPool, PoolFactory, ValidationSetup, ValidatorPool
from .reproduce import TestCommand, TestCommandError, reproduce
from .sandbox import ISOLATION_WORDS, Sandbox, SandboxLimits
from .validate import OVERFITS, VALIDATED, Validation, rank_key

log = logging.getLogger(__name__)

# The statuses of DESIGN.md's hunt contract.
FIXED = "fixed"
NO_FIX = "no_fix"
NOT_REPRODUCED = "not_reproduced"
BUDGET_EXHAUSTED = "budget_exhausted"
CANCELLED = "cancelled"
ERROR = "error"
STATUSES = (FIXED, NO_FIX, NOT_REPRODUCED, BUDGET_EXHAUSTED, CANCELLED, ERROR)


@dataclass
class HuntConfig:
    """How much to spend and where to look."""

    budget_s: float = 300.0  # wall seconds for the whole hunt
    cpu_budget_s: float | None = None  # CPU seconds of test runs (default budget_s x parallel)
    parallel: int = 2  # sandboxes validating at once
    top_lines: int = 12  # suspicious lines that get candidates
    max_patches: int = 3  # stop once this many patches keep every test green
    use_bugmodel: bool = True
    use_lm: bool = True  # the language model at all: stage 3 and (below) surprisal
    # The language model's surprisal as a localization signal (weight measured by
    # benchmarks/hunt_localization.py: 8 of 41 true lines rank higher, none lower).
    use_lm_surprisal: bool = True
    limits: SandboxLimits = field(default_factory=SandboxLimits)

    @property
    def cpu_budget(self) -> float:
        return self.cpu_budget_s if self.cpu_budget_s is not None else self.budget_s * self.parallel


@dataclass
class HuntProgress:
    """Counters for a live page; sent after every candidate."""

    phase: str = "starting"
    candidates_total: int = 0
    tried: int = 0
    passing: int = 0  # every test green
    overfitting: int = 0  # the failing tests pass, others break
    wall_s: float = 0.0
    cpu_s: float = 0.0
    best: Validation | None = None

    def to_json(self) -> dict:
        return {"phase": self.phase, "candidates_total": self.candidates_total,
                "tried": self.tried, "passing": self.passing, "overfitting": self.overfitting,
                "wall_s": round(self.wall_s, 1), "cpu_s": round(self.cpu_s, 1),
                "best": self.best.diff if self.best else ""}


@dataclass
class HuntResult:
    status: str
    reproduced: bool = False
    patches: list[Validation] = field(default_factory=list)
    tried: list[Validation] = field(default_factory=list)
    localization: Localization | None = None
    failing_tests: list[str] = field(default_factory=list)
    isolation: str = ""
    isolation_notes: list[str] = field(default_factory=list)
    message: str = ""
    reproduction_output: str = ""
    wall_s: float = 0.0
    cpu_s: float = 0.0
    candidates_total: int = 0
    first_fix_s: float | None = None

    def to_json(self) -> dict:
        """DESIGN.md's hunt result; fields may be added, never renamed."""
        per_stage = Counter(v.candidate.stage for v in self.tried)
        return {
            "status": self.status, "reproduced": self.reproduced,
            "patches": [p.to_json() for p in self.patches],
            "message": self.message, "failing_tests": self.failing_tests,
            "suspicious": [s.to_json() for s in (self.localization.lines[:20]
                                                 if self.localization else [])],
            "localization_notes": self.localization.notes if self.localization else [],
            "candidates_total": self.candidates_total, "candidates_tried": len(self.tried),
            "tried_per_stage": dict(per_stage),
            "overfitting": sum(v.status == OVERFITS for v in self.tried),
            "isolation": self.isolation, "isolation_description": ISOLATION_WORDS.get(
                self.isolation, ""),
            "isolation_notes": self.isolation_notes,
            "reproduction_output": self.reproduction_output[-8000:],
            "wall_s": round(self.wall_s, 2), "cpu_s": round(self.cpu_s, 2),
            "first_fix_s": round(self.first_fix_s, 2) if self.first_fix_s is not None else None,
        }


def estimate(config: HuntConfig, seconds_per_run: float = 2.0) -> dict:
    """What a budget buys, shown before a hunt starts (a run = one test-command execution)."""
    runs = int(config.budget_s * config.parallel / max(seconds_per_run, 0.1))
    return {"wall_s": config.budget_s, "cpu_s": config.cpu_budget, "parallel": config.parallel,
            "candidates": max(runs // 2, 0), "seconds_per_run": seconds_per_run}


class _Budget:
    """Wall and CPU seconds spent; `over` says when to stop starting new work."""

    def __init__(self, config: HuntConfig) -> None:
        self.started = time.monotonic()
        self.config = config
        self.cpu_s = 0.0
        self._lock = threading.Lock()

    def charge(self, cpu_s: float) -> None:
        with self._lock:
            self.cpu_s += cpu_s

    @property
    def wall_s(self) -> float:
        return time.monotonic() - self.started

    @property
    def remaining_s(self) -> float:
        return self.config.budget_s - self.wall_s

    def over(self) -> bool:
        return self.wall_s >= self.config.budget_s or self.cpu_s >= self.config.cpu_budget


def run_hunt(repo: str | Path, test_command: str, issue_text: str = "",
             config: HuntConfig | None = None,
             on_progress: Callable[[HuntProgress], None] | None = None,
             should_cancel: Callable[[], bool] | None = None,
             on_validation: Callable[[Validation], None] | None = None,
             pool_factory: PoolFactory | None = None) -> HuntResult:
    """Hunt for a patch that makes the failing tests pass and keeps the rest green.

    Candidates are validated by `pool_factory(setup, parallel)`'s pool: sandboxes in threads
    here by default, or shared with other workers (`reviewapp.hunts.fanout`)."""
    config = config or HuntConfig()
    budget = _Budget(config)
    repo = Path(repo)
    progress = HuntProgress()
    cancelled = should_cancel or (lambda: False)

    def report(phase: str | None = None) -> None:
        if phase:
            progress.phase = phase
        progress.wall_s, progress.cpu_s = budget.wall_s, budget.cpu_s
        if on_progress:
            on_progress(progress)

    if not repo.is_dir():
        return HuntResult(ERROR, message=f"{repo} is not a directory")
    try:
        command = TestCommand.parse(test_command)
    except TestCommandError as exc:
        return HuntResult(ERROR, message=str(exc))
    report("copying the repository into a sandbox")
    box = Sandbox.from_repository(repo, config.limits)
    result = HuntResult(ERROR, isolation=box.isolation, isolation_notes=list(box.refused))
    pool: ValidatorPool | None = None
    try:
        report("reproducing")
        reproduction = reproduce(box, command)
        budget.charge(reproduction.outcome.run.cpu_s)
        result.reproduction_output = reproduction.outcome.run.output
        result.failing_tests = reproduction.failing
        if not reproduction.outcome.ran:
            result.message = ("the test command did not run any tests (exit code "
                              f"{reproduction.outcome.run.returncode})")
            return _finish(result, budget)
        if not reproduction.reproduced:
            result.status = NOT_REPRODUCED
            result.message = "every test passes on the original code: nothing to fix"
            return _finish(result, budget)
        result.reproduced = True
        if cancelled():
            result.status = CANCELLED
            return _finish(result, budget)
        report("localizing")
        localization, findings = localize(
            box, command, reproduction.failing, reproduction.outcome.run.output, issue_text,
            use_bugmodel=config.use_bugmodel,
            use_lm_surprisal=config.use_lm and config.use_lm_surprisal)
        budget.charge(localization.cpu_s)
        result.localization = localization
        files = source_files(box.work)
        candidates = candidate_sources.generate(files, localization.lines, findings,
                                                config.top_lines)
        result.candidates_total = progress.candidates_total = len(candidates)
        report("validating candidates")
        setup = ValidationSetup(box, command, reproduction.failing,
                                deadline=time.time() + budget.remaining_s)
        pool = (pool_factory or LocalPool)(setup, config.parallel)
        stopped = _validate_all(pool, candidates, config, budget, progress, result, cancelled,
                                report, on_validation)
        if stopped is None and progress.passing == 0 and config.use_lm and not budget.over():
            report("asking the language model")
            more = candidate_sources.new_candidates(
                lm_candidates(files, localization.lines, reproduction.outcome.run.output),
                files, candidates)
            result.candidates_total = progress.candidates_total = len(candidates) + len(more)
            stopped = _validate_all(pool, more, config, budget, progress, result, cancelled,
                                    report, on_validation)
        result.patches = sorted((v for v in result.tried if v.status == VALIDATED), key=rank_key)
        if result.patches:
            result.status = FIXED
        elif stopped == CANCELLED:
            result.status = CANCELLED
        elif stopped == BUDGET_EXHAUSTED:
            result.status = BUDGET_EXHAUSTED
        else:
            result.status = NO_FIX
        result.message = _summary(result)
        return _finish(result, budget)
    except Exception as exc:  # a broken repository must end the hunt with a reason, not a crash
        log.exception("hunt failed")
        result.status, result.message = ERROR, f"{type(exc).__name__}: {exc}"
        return _finish(result, budget)
    finally:
        if pool is not None:
            pool.close()
        box.close()
        report("finished")


def _validate_all(pool: ValidatorPool, candidates: list[RepairCandidate], config: HuntConfig,
                  budget: _Budget, progress: HuntProgress, result: HuntResult,
                  cancelled: Callable[[], bool], report: Callable[[], None],
                  on_validation: Callable[[Validation], None] | None) -> str | None:
    """Validate candidates best first in the pool; the reason it stopped early, if it did."""
    stopped: str | None = None

    def may_start() -> bool:
        nonlocal stopped
        if stopped is None:
            if cancelled():
                stopped = CANCELLED
            elif budget.over():
                stopped = BUDGET_EXHAUSTED
            elif progress.passing >= config.max_patches:
                stopped = FIXED
        return stopped is None

    for validation in pool.validate(candidates, may_start):
        budget.charge(validation.cpu_s)
        result.tried.append(validation)
        progress.tried += 1
        if validation.status == VALIDATED:
            progress.passing += 1
            if result.first_fix_s is None:
                result.first_fix_s = budget.wall_s
            if progress.best is None or rank_key(validation) < rank_key(progress.best):
                progress.best = validation
        elif validation.status == OVERFITS:
            progress.overfitting += 1
        if on_validation:
            on_validation(validation)
        report()
    return stopped


def _summary(result: HuntResult) -> str:
    tried = len(result.tried)
    if result.status == FIXED:
        return f"{len(result.patches)} validated patch(es) after {tried} candidates"
    if result.status == BUDGET_EXHAUSTED:
        return (f"the budget ran out after {tried} of {result.candidates_total} candidates "
                "without a patch that keeps every test green")
    if result.status == CANCELLED:
        return f"cancelled after {tried} candidates"
    return f"none of the {tried} candidates makes every test pass"


def _finish(result: HuntResult, budget: _Budget) -> HuntResult:
    result.wall_s, result.cpu_s = budget.wall_s, budget.cpu_s
    return result
