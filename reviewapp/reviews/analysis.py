"""The analysis stages the Celery task runs on a stored revision, in order.

Each stage reads the revision's rows, computes with `reviewapp.pipeline` outside any transaction,
and overwrites its own outputs in one short transaction, so a retried or redelivered task never
duplicates anything and the web app's writes never wait behind a model. The mechanical tiers come
first (seconds, no model); the models refine them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from reviewapp import pipeline
from reviewapp.importance import (
    HunkScore,
    ImportanceSettings,
    promote_flagged,
    score_hunks_mechanical,
)
from reviewapp.ingest.parsed import ParsedDiff, ParsedFile, ParsedHunk, ParsedLine
from reviewapp.ordering import order_files

from .models import FileChange, Finding, Hunk, Revision
from .progress import publish
from .rendering import parse_hunk_text

log = logging.getLogger(__name__)

Stage = Callable[[Revision], None]


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


def _save_scores(rows: list[FileChange], scores: list[list[HunkScore]]) -> None:
    """Importance, tier and reason onto the Hunk rows (files as `parsed_from_revision` lists).

    Call inside a transaction.
    """
    hunks = []
    for row, file_scores in zip(rows, scores, strict=True):
        for hunk, score in zip(row.hunks.all(), file_scores, strict=True):
            hunk.importance, hunk.tier = score.importance, score.tier
            hunk.reason = score.reason[:300]
            hunks.append(hunk)
    Hunk.objects.bulk_update(hunks, ["importance", "tier", "reason"], batch_size=1000)


def importance_settings() -> ImportanceSettings:
    """Tier thresholds: the tuned defaults with the SQUIGGLE["IMPORTANCE"] overrides."""
    return ImportanceSettings.from_mapping(settings.SQUIGGLE.get("IMPORTANCE", {}))


def _mechanical(parsed: ParsedDiff, flagged: pipeline.Flagged) -> list[list[HunkScore]]:
    chosen = importance_settings()
    return promote_flagged(parsed, score_hunks_mechanical(parsed, settings=chosen), flagged,
                           settings=chosen)


def score_mechanically(revision: Revision) -> None:
    """Tiers from the mechanical detectors alone (formatting, renames, moves, lockfiles...)."""
    parsed, rows = parsed_from_revision(revision)
    scores = _mechanical(parsed, {})
    with transaction.atomic():
        _save_scores(rows, scores)


def _findings(revision: Revision) -> list[Finding]:
    return list(Finding.objects.filter(revision=revision).select_related("file"))


def _flagged(revision: Revision) -> pipeline.Flagged:
    return pipeline.flagged_lines(_findings(revision))


def detect_bugs(revision: Revision) -> None:
    """Bug-model findings on changed lines; replaces this origin's earlier findings."""
    parsed, rows = parsed_from_revision(revision)
    try:
        found = pipeline.find_bugs(parsed)
    except FileNotFoundError as exc:  # bugmodel.WeightsMissing: review without findings
        log.warning("bug detection skipped for %s: %s", revision, exc)
        return
    by_path = {row.path: row for row in rows}
    scores = _mechanical(parsed, pipeline.flagged_lines(found))
    with transaction.atomic():
        Finding.objects.filter(revision=revision, origin="bugmodel").delete()
        Finding.objects.bulk_create([
            Finding(revision=revision, file=by_path[f.path], line=f.line, end_line=f.end_line,
                    column=f.column, end_column=f.end_column, kind=f.kind, message=f.message,
                    probability=f.probability, severity=f.severity, replacement=f.replacement,
                    origin="bugmodel")
            for f in found
        ])
        _save_scores(rows, scores)


def refine_importance(revision: Revision) -> None:
    """The language model's surprisal refines the mechanical tiers (never grays a finding)."""
    parsed, rows = parsed_from_revision(revision)
    flagged = _flagged(revision)
    stage = "importance (language model)"

    def report(done: int, total: int) -> None:
        publish(revision.change_set_id, {"revision": revision.number, "job": {
            "state": "running", "stage": f"{stage}: {done}/{total} hunks", "progress": None}})

    scores = pipeline.lm_refine(parsed, _mechanical(parsed, flagged), flagged,
                                importance_settings(), on_progress=report)
    with transaction.atomic():
        _save_scores(rows, scores)


def reorder_by_findings(revision: Revision) -> None:
    """Files with findings are riskier: let them come earlier among independent groups."""
    risk = pipeline.finding_risk(_findings(revision))
    if not risk:
        return
    parsed, rows = parsed_from_revision(revision)
    for item in order_files(parsed.files, extra_risk=risk):
        row = rows[item.index]
        row.order, row.order_reason, row.group = item.order, item.reason, item.group
    with transaction.atomic():
        FileChange.objects.bulk_update(rows, ["order", "order_reason", "group"])


def stages(revision: Revision | None = None) -> list[tuple[str, Stage]]:
    """The stages to run, in order, by name (the model stages only when enabled, globally and
    by the revision's repository configuration; the language-model stage only when the
    `use_lm` importance setting is on, so a review never lists a stage that does nothing)."""
    mechanical = [("importance (mechanical)", score_mechanically)]
    if not settings.SQUIGGLE["ANALYSIS_ML"]:
        return mechanical
    enabled = revision.repo_config.stages if revision is not None else {}
    chosen = mechanical
    if enabled.get("bug_detection", True):
        chosen = chosen + [("bug detection", detect_bugs)]
    if enabled.get("importance_lm", True) and importance_settings().use_lm:
        chosen = chosen + [("importance (language model)", refine_importance)]
    if enabled.get("bug_detection", True):
        chosen = chosen + [("order by findings", reorder_by_findings)]
    return chosen
