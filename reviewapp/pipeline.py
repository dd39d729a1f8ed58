"""The analysis of a parsed diff, without a database: order, score hunks, find bugs.

Stages in data-flow order; the CLI (`manage.py review`) runs them all in one go and the Celery
task runs the same functions on a stored revision (`reviews/analysis.py`):

    order_files → score_hunks_mechanical (instant) → find_bugs → refine_with_lm (only with the
    `use_lm` importance setting: the LM arrives last and never grays a hunk with a finding)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from reviewapp.findings import Flagged, find_bugs, finding_risk, flagged_lines
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

log = logging.getLogger(__name__)


@dataclass
class ReviewResult:
    diff: ParsedDiff
    ordered: list[OrderedFile]  # review order
    scores: list[list[HunkScore]]  # per file (diff order), per hunk
    findings: list = field(default_factory=list)  # bugmodel.Finding, path as in the diff
    notes: list[str] = field(default_factory=list)  # stages that could not run, and why

    def to_json(self) -> dict:
        """The review JSON of DESIGN.md: files in review order, hunks, findings."""
        files = []
        for item in self.ordered:
            parsed = self.diff.files[item.index]
            hunks = []
            for hunk, score in zip(parsed.hunks, self.scores[item.index], strict=True):
                hunks.append({
                    "old_start": hunk.old_start, "old_lines": hunk.old_lines,
                    "new_start": hunk.new_start, "new_lines": hunk.new_lines,
                    **score.to_json(),
                })
            files.append({"path": parsed.path, "old_path": parsed.old_path,
                          "status": parsed.status, "binary": parsed.is_binary,
                          "order": item.order, "reason": item.reason, "hunks": hunks})
        return {"files": files, "findings": [finding_json(f) for f in self.findings],
                "notes": self.notes}


def finding_json(finding) -> dict:
    return {"path": finding.path, "line": finding.line, "end_line": finding.end_line,
            "column": finding.column, "end_column": finding.end_column, "kind": finding.kind,
            "message": finding.message, "probability": round(finding.probability, 4),
            "severity": finding.severity, "replacement": finding.replacement}


def lm_refine(diff: ParsedDiff, scores: list[list[HunkScore]], flagged: Flagged,
              importance: ImportanceSettings = DEFAULT_SETTINGS,
              on_progress: Callable[[int, int], None] | None = None) -> list[list[HunkScore]]:
    """Refine the mechanical scores with the in-process language model's surprisal; the
    scores unchanged (no model loaded) unless the `use_lm` importance setting is on."""
    if not importance.use_lm:
        return scores
    from inference.engine import get_engine

    return refine_with_lm(diff, scores, get_engine(), flagged=flagged, settings=importance,
                          on_progress=on_progress)


def review_diff(diff: ParsedDiff, *, use_models: bool = True,
                importance: ImportanceSettings = DEFAULT_SETTINGS) -> ReviewResult:
    """Every stage on a parsed diff; a model that cannot load leaves a note, not a crash."""
    scores = score_hunks_mechanical(diff, settings=importance)
    findings, notes = [], []
    if use_models:
        try:
            findings = find_bugs(diff)
        except FileNotFoundError as exc:  # bugmodel.WeightsMissing
            notes.append(f"bug detection skipped: {exc}")
        flagged = flagged_lines(findings)
        scores = promote_flagged(diff, scores, flagged, settings=importance)
        try:
            scores = lm_refine(diff, scores, flagged, importance)
        except (OSError, RuntimeError) as exc:
            notes.append(f"language-model scoring skipped: {exc}")
    ordered = sorted(order_files(diff.files, extra_risk=finding_risk(findings)),
                     key=lambda o: o.order)
    return ReviewResult(diff=diff, ordered=ordered, scores=scores, findings=findings, notes=notes)
