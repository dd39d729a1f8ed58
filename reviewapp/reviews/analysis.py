"""The analysis stages the Celery task runs on a stored revision, in data-flow order.

The task loads the revision once (`load_revision`: its rows and the parsed diff rebuilt from
them) and hands the same `StoredRevision` to every stage. Each stage computes with the pure
stage packages (`reviewapp.importance`, `reviewapp.findings`, `reviewapp.ordering`) outside any
transaction and overwrites its own outputs in one short transaction, so a retried or
redelivered task never duplicates anything and the web app's writes never wait behind a model.
The mechanical tiers come first (seconds, no model); the models refine them. The change's own
tests (`run_change_tests`) run only for a revision whose head is at hand and whose change adds
or modifies test modules, so every other review lists no such stage and waits for nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db import transaction

from reviewapp import pipeline
from reviewapp.findings import (
    find_bugs,
    finding_risk,
    fingerprint,
    flagged_lines,
    known_new_lines,
    proved,
)
from reviewapp.findings.checkout import HeadCheckout
from reviewapp.findings.detect import PARTIAL_NOTE_PREFIX
from reviewapp.findings.stale_imports import NOTE_PREFIX as STALE_IMPORT_NOTE
from reviewapp.importance import (
    HunkScore,
    ImportanceSettings,
    promote_flagged,
    score_hunks_mechanical,
)
from reviewapp.ingest.parsed import ParsedDiff, ParsedFile, ParsedHunk, ParsedLine
from reviewapp.ordering import order_files
from reviewapp.repo_config import RepoConfig

from .checkouts import head_checkout
from .models import FileChange, Finding, Hunk, Revision
from .progress import publish
from .rendering import parse_hunk_text

log = logging.getLogger(__name__)


@dataclass
class StoredRevision:
    """A revision as the stages see it, loaded once per run of the task."""

    revision: Revision
    parsed: ParsedDiff
    rows: list[FileChange]  # one per parsed file, same order, hunks prefetched
    findings: list = field(default_factory=list)  # the revision's findings as the stages go

    @property
    def pk(self) -> int:
        return self.revision.pk

    @cached_property
    def checkout(self) -> HeadCheckout | None:
        """The head's files, one object for every stage (a pull request's tarball is
        downloaded at most once per run)."""
        return head_checkout(self.revision)

    @cached_property
    def importance(self) -> ImportanceSettings:
        return importance_settings(self.revision.repo_config)

    @cached_property
    def mechanical(self) -> list[list[HunkScore]]:
        """The mechanical detectors' scores, computed once (before findings promote hunks)."""
        return score_hunks_mechanical(self.parsed, settings=self.importance)

    def scores_with_findings(self) -> list[list[HunkScore]]:
        """The mechanical scores with every hunk that holds a finding kept out of gray."""
        return promote_flagged(self.parsed, self.mechanical, flagged_lines(self.findings),
                               settings=self.importance)


Stage = Callable[[StoredRevision], None]


def parsed_from_revision(revision: Revision) -> tuple[ParsedDiff, list[FileChange]]:
    """Rebuild the parsed diff from stored rows (files in review order) for the stages."""
    rows = list(revision.files.prefetch_related("hunks").order_by("order"))
    files = []
    for row in rows:
        hunks = []
        for hunk in row.hunks.all():
            lines = []
            for kind, old_no, new_no, text in parse_hunk_text(hunk.text, hunk.old_start,
                                                               hunk.new_start):
                if kind == "note":
                    if lines:
                        lines[-1].no_newline_at_end = True
                    continue
                marker = {"add": "+", "del": "-", "ctx": " "}[kind]
                lines.append(ParsedLine(marker, text, old_no, new_no))
            hunks.append(ParsedHunk(hunk.old_start, hunk.old_lines, hunk.new_start,
                                    hunk.new_lines, hunk.section_header, lines))
        files.append(ParsedFile(
            path=row.path, old_path=row.old_path, status=row.status, hunks=hunks,
            is_binary=row.is_binary, old_mode=row.old_mode or None, new_mode=row.new_mode or None,
            similarity=row.similarity, language=row.language, old_content=row.old_content,
            new_content=row.new_content,
        ))
    parsed = ParsedDiff(files=files, raw_text=revision.raw_diff, base_sha=revision.base_sha,
                        head_sha=revision.head_sha)
    return parsed, rows


def load_revision(revision: Revision) -> StoredRevision:
    """The revision's rows, its parsed diff and its current findings, read once."""
    parsed, rows = parsed_from_revision(revision)
    findings = list(Finding.objects.filter(revision=revision).select_related("file"))
    return StoredRevision(revision, parsed, rows, findings)


def _save_scores(stored: StoredRevision, scores: list[list[HunkScore]]) -> None:
    """Importance, tier and reason onto the Hunk rows. Call inside a transaction."""
    hunks = []
    for row, file_scores in zip(stored.rows, scores, strict=True):
        for hunk, score in zip(row.hunks.all(), file_scores, strict=True):
            hunk.importance, hunk.tier = score.importance, score.tier
            hunk.reason = score.reason[:300]
            hunks.append(hunk)
    Hunk.objects.bulk_update(hunks, ["importance", "tier", "reason"], batch_size=1000)


def importance_settings(config: RepoConfig | None = None) -> ImportanceSettings:
    """Tier thresholds: the tuned defaults with the SQUIGGLE["IMPORTANCE"] overrides, then
    the repository's `[importance]` overrides from `.squiggle.toml`."""
    return (config or RepoConfig()).importance_settings(settings.SQUIGGLE.get("IMPORTANCE", {}))


def score_mechanically(stored: StoredRevision) -> None:
    """Tiers from the mechanical detectors alone (formatting, renames, moves, lockfiles...)."""
    scores = stored.scores_with_findings()
    with transaction.atomic():
        _save_scores(stored, scores)


def _finding_rows(stored: StoredRevision, found: list, origin: str,
                  version: str) -> list[Finding]:
    """Unsaved Finding rows for what a stage found. A finding a reviewer dismissed in any
    revision of the change (same fingerprint) stays dismissed; one accepted in this revision
    stays accepted when the analysis runs again."""
    revision = stored.revision
    by_path = {row.path: row for row in stored.rows}
    lines = {file.path: known_new_lines(file) for file in stored.parsed.files}
    dismissed = dict(Finding.objects.filter(
        revision__change_set_id=revision.change_set_id, state=Finding.DISMISSED,
    ).exclude(fingerprint="").values_list("fingerprint", "dismiss_reason"))
    # A rerun of this revision keeps what was accepted here, with its fix.
    accepted = dict(Finding.objects.filter(revision=revision, state=Finding.ACCEPTED)
                    .exclude(fingerprint="").values_list("fingerprint", "fix_patch"))
    rows = []
    for f in found:
        key = fingerprint(f.path, lines[f.path].get(f.line, ""), f.kind)
        state = (Finding.DISMISSED if key in dismissed
                 else Finding.ACCEPTED if key in accepted else Finding.OPEN)
        rows.append(Finding(
            revision=revision, file=by_path[f.path], line=f.line, end_line=f.end_line,
            column=f.column, end_column=f.end_column, kind=f.kind, message=f.message,
            probability=f.probability, severity=f.severity, replacement=f.replacement,
            added_import=f.added_import, origin=origin, model_version=version, fingerprint=key,
            state=state, dismiss_reason=dismissed.get(key, ""), fix_patch=accepted.get(key, ""),
        ))
    return rows


def detect_bugs(stored: StoredRevision) -> None:
    """Bug-model findings on changed lines; replaces this origin's earlier findings (dismissed
    and accepted states carried over, `_finding_rows`)."""
    from bugmodel.detector import model_version

    revision = stored.revision
    notes: list[str] = []
    try:
        found = find_bugs(stored.parsed, stored.checkout, notes)
    except FileNotFoundError as exc:  # bugmodel.WeightsMissing: review without findings
        log.warning("bug detection skipped for %s: %s", revision, exc)
        return
    rows = _finding_rows(stored, found, "bugmodel", model_version())
    others = [f for f in stored.findings if f.origin != "bugmodel"]
    with transaction.atomic():
        Finding.objects.filter(revision=revision, origin="bugmodel").delete()
        stored.findings = others + Finding.objects.bulk_create(rows)
        revision.replace_warnings((STALE_IMPORT_NOTE, PARTIAL_NOTE_PREFIX), notes)
        _save_scores(stored, stored.scores_with_findings())


def tests_stage_settings() -> proved.TestRunSettings:
    """The tests stage's budget: SQUIGGLE["REVIEW_TESTS_BUDGET_S"], ["..._RUN_S"] and
    ["..._PARALLEL"]."""
    conf = settings.SQUIGGLE
    return proved.TestRunSettings(budget_s=conf["REVIEW_TESTS_BUDGET_S"],
                                  run_s=conf["REVIEW_TESTS_RUN_S"],
                                  parallel=conf["REVIEW_TESTS_PARALLEL"])


def run_change_tests(stored: StoredRevision) -> None:
    """The change's tests at its head (`reviewapp.findings.proved`): a validated repair is a
    finding that replaces the learned findings on its line; what could not be proved, and why,
    goes to the revision's warnings (replacing this stage's earlier ones)."""
    revision = stored.revision
    checkout = stored.checkout
    if checkout is None:
        return

    def report(step: str) -> None:
        publish(revision.change_set_id, {"revision": revision.number, "job": {
            "state": "running", "stage": f"tests: {step}", "progress": None}})

    outcome = proved.prove_with_tests(stored.parsed, checkout, tests_stage_settings(),
                                      on_progress=report)
    rows = _finding_rows(stored, outcome.findings, proved.ORIGIN, "")
    learned = [f for f in stored.findings if f.origin != proved.ORIGIN]
    replaced = {f.pk for f in proved.outranked(learned, outcome.findings)}
    with transaction.atomic():
        Finding.objects.filter(revision=revision, origin=proved.ORIGIN).delete()
        Finding.objects.filter(pk__in=replaced).delete()
        stored.findings = [f for f in learned if f.pk not in replaced] + \
            Finding.objects.bulk_create(rows)
        revision.replace_warnings("tests: ", outcome.notes)
        _save_scores(stored, stored.scores_with_findings())


def refine_importance(stored: StoredRevision) -> None:
    """The language model's surprisal refines the mechanical tiers (never grays a finding)."""
    revision = stored.revision
    stage = "importance (language model)"

    def report(done: int, total: int) -> None:
        publish(revision.change_set_id, {"revision": revision.number, "job": {
            "state": "running", "stage": f"{stage}: {done}/{total} hunks", "progress": None}})

    scores = pipeline.lm_refine(stored.parsed, stored.scores_with_findings(),
                                flagged_lines(stored.findings), stored.importance,
                                on_progress=report)
    with transaction.atomic():
        _save_scores(stored, scores)


def reorder_by_findings(stored: StoredRevision) -> None:
    """Files with findings are riskier: let them come earlier among independent groups."""
    risk = finding_risk(stored.findings)
    if not risk:
        return
    rows = stored.rows
    for item in order_files(stored.parsed.files, extra_risk=risk):
        row = rows[item.index]
        row.order, row.order_reason, row.group = item.order, item.reason, item.group
    with transaction.atomic():
        FileChange.objects.bulk_update(rows, ["order", "order_reason", "group"])


def runs_change_tests(revision: Revision | None) -> bool:
    """Whether the tests stage has work: the head is at hand, the configuration lets the
    change's code run (`RepoConfig.runs_tests`: on for local checkouts, opt-in for pull
    requests) and the change adds or modifies test modules."""
    checkout = head_checkout(revision) if revision is not None else None
    if checkout is None or not revision.repo_config.runs_tests(checkout.trusted):
        return False
    return any(proved.is_test_module(path) for path in revision.files.exclude(
        status="deleted").values_list("path", flat=True))


def stages(revision: Revision | None = None) -> list[tuple[str, Stage]]:
    """The stages to run, in order, by name (the model stages only when enabled, globally and
    by the revision's repository configuration; the language-model stage only when the
    `use_lm` importance setting is on; the tests stage only with work to do
    (`runs_change_tests`), so a review never lists a stage that does nothing). The tests stage
    needs no model: it runs whether or not the models do."""
    config = revision.repo_config if revision is not None else None
    enabled = config.stages if config is not None else {}
    ml = settings.SQUIGGLE["ANALYSIS_ML"]
    learned = ml and enabled.get("bug_detection", True)
    tests = runs_change_tests(revision)
    chosen: list[tuple[str, Stage]] = [("importance (mechanical)", score_mechanically)]
    if learned:
        chosen.append(("bug detection", detect_bugs))
    if tests:
        chosen.append(("tests", run_change_tests))
    if ml and enabled.get("importance_lm", True) and importance_settings(config).use_lm:
        chosen.append(("importance (language model)", refine_importance))
    if learned or tests:
        chosen.append(("order by findings", reorder_by_findings))
    return chosen
