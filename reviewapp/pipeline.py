"""The analysis of a parsed diff, without a database, stage by stage in data-flow order:

    ingest (`reviewapp.ingest`: diff text or git range → ParsedDiff)
      → order (`reviewapp.ordering`)
      → importance (`reviewapp.importance`: mechanical detectors, instant)
      → findings (`reviewapp.findings`: the bug model; its findings keep hunks out of gray)
      → tests (`reviewapp.findings.proved`: with the head's files at hand and test modules in
        the change, those tests run in the hunt sandbox, and a failing one's validated repair
        on a changed line is a finding that replaces learned ones on its line; a change
        without test modules skips it at no cost)
      → importance again with the language model (only with the `use_lm` setting: it arrives
        last and never grays a hunk with a finding)
      → publish (`reviewapp.publish`: what the page, the CLI JSON and GitHub receive)

The CLI (`manage.py review`) runs them all in one go; the Celery task runs the same stage
functions on a stored revision, writing each stage's rows (`reviews/analysis.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from reviewapp.findings import Flagged, find_bugs, finding_risk, flagged_lines
from reviewapp.findings.checkout import HeadCheckout
from reviewapp.findings.proved import TestRunSettings, prefer_proved, prove_with_tests
from reviewapp.importance import (
    DEFAULT_SETTINGS,
    HunkScore,
    ImportanceSettings,
    promote_flagged,
    refine_with_lm,
    score_hunks_mechanical,
)
from reviewapp.ingest.parsed import ParsedDiff
from reviewapp.ordering import OrderedFile, order_files
from reviewapp.repo_config import RepoConfig, leave_out_ignored

log = logging.getLogger(__name__)


@dataclass
class ReviewResult:
    diff: ParsedDiff  # without the files the configuration ignores
    ordered: list[OrderedFile]  # review order
    scores: list[list[HunkScore]]  # per file (diff order), per hunk
    # bugmodel.Finding and findings.proved.ProvedFinding, path as in the diff
    findings: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # stages that could not run, and why
    ignored: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}
    config: RepoConfig = field(default_factory=RepoConfig)  # the configuration that applied
    detection_ran: bool = False  # the bug model looked (so no findings means none found)

    def to_json(self) -> dict:
        """The review JSON of DESIGN.md (`reviewapp.publish.review_json`)."""
        from reviewapp.publish import review_json

        return review_json(self)


def lm_refine(diff: ParsedDiff, scores: list[list[HunkScore]], flagged: Flagged,
              importance: ImportanceSettings = DEFAULT_SETTINGS,
              on_progress: Callable[[int, int], None] | None = None) -> list[list[HunkScore]]:
    """Refine the mechanical scores with the language model's surprisal; the scores unchanged
    (no model loaded) unless the `use_lm` importance setting is on. The model runs where the
    inference client says: the service at SQUIGGLE_INFERENCE_URL (one service for many
    workers), an OpenAI-compatible server, or in this process."""
    if not importance.use_lm:
        return scores
    from inference.client import get_client

    return refine_with_lm(diff, scores, get_client(), flagged=flagged, settings=importance,
                          on_progress=on_progress)


def review_diff(diff: ParsedDiff, *, use_models: bool = True,
                importance: ImportanceSettings | None = None,
                config: RepoConfig | None = None, checkout: HeadCheckout | None = None,
                tests: TestRunSettings | None = None, run_tests: bool = True) -> ReviewResult:
    """Every stage on a parsed diff, as the repository's configuration asks (ignored files left
    out, stages on or off, its `[importance]` overrides unless `importance` is given); a model
    that cannot load leaves a note, not a crash. With the head's files (`checkout`) the
    findings stage reads the files beside the change, and the change's tests run
    (`run_change_tests`, unless `run_tests` is False) with `tests`' budget."""
    config = config or RepoConfig()
    importance = importance or config.importance_settings()
    diff, ignored = leave_out_ignored(diff, config)
    scores = score_hunks_mechanical(diff, settings=importance)
    findings, notes, detection_ran = [], list(config.errors), False
    if use_models:
        if config.stages.get("bug_detection", True):
            try:
                findings, detection_ran = find_bugs(diff, checkout, notes), True
            except FileNotFoundError as exc:  # bugmodel.WeightsMissing
                notes.append(f"bug detection skipped: {exc}")
    if run_tests:
        findings = run_change_tests(diff, checkout, config, tests, findings, notes)
    flagged = flagged_lines(findings)
    scores = promote_flagged(diff, scores, flagged, settings=importance)
    if use_models:
        try:
            if config.stages.get("importance_lm", True):
                scores = lm_refine(diff, scores, flagged, importance)
        except (OSError, RuntimeError) as exc:
            notes.append(f"language-model scoring skipped: {exc}")
    ordered = sorted(order_files(diff.files, extra_risk=finding_risk(findings)),
                     key=lambda o: o.order)
    return ReviewResult(diff=diff, ordered=ordered, scores=scores, findings=findings,
                        notes=notes, ignored=ignored, config=config,
                        detection_ran=detection_ran)


def run_change_tests(diff: ParsedDiff, checkout: HeadCheckout | None, config: RepoConfig,
                     tests: TestRunSettings | None, findings: list, notes: list[str]) -> list:
    """The findings with those the change's own tests prove (which win on their lines), the
    stage's notes added to `notes`; unchanged without a checkout or when the configuration
    keeps the tests from running (`RepoConfig.runs_tests`)."""
    if checkout is None or not config.runs_tests(checkout.trusted):
        return findings
    outcome = prove_with_tests(diff, checkout, tests)
    notes.extend(outcome.notes)
    return prefer_proved(findings, outcome.findings)
