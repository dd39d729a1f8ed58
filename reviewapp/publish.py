"""Stage 5 of the analysis (ingest → order → importance → findings → publish): what readers
receive. The one place that decides which findings a review shows (the repository's threshold
and severities; dismissed ones never) and how a review reads as JSON, for the review page, the
CLI (`manage.py review --json`) and the GitHub review (`reviewapp.github.comments`).

Pure Python: it works on `reviewapp.pipeline.ReviewResult` and on stored findings alike (both
have `path`, `line`, `probability`, `severity` ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from reviewapp.repo_config import RepoConfig

if TYPE_CHECKING:
    from reviewapp.pipeline import ReviewResult

F = TypeVar("F")

DISMISSED = "dismissed"  # a stored finding's state (reviews.Finding.DISMISSED)


def shown_findings(findings: Iterable[F], config: RepoConfig) -> list[F]:
    """The findings a reader sees: not dismissed, at or above the repository's threshold and
    of a severity it shows."""
    return [f for f in findings if getattr(f, "state", "") != DISMISSED
            and config.posts(f.probability, f.severity)]


def finding_json(finding) -> dict:
    """A finding as DESIGN's review JSON spells it (the same for `bugmodel detect`)."""
    return {"path": finding.path, "line": finding.line, "end_line": finding.end_line,
            "column": finding.column, "end_column": finding.end_column, "kind": finding.kind,
            "message": finding.message, "probability": round(finding.probability, 4),
            "severity": finding.severity, "replacement": finding.replacement,
            "added_import": finding.added_import}


def review_json(result: ReviewResult) -> dict:
    """The review JSON of DESIGN.md: files in review order with hunks, the findings shown,
    and (added fields) what the configuration left out and which configuration applied."""
    files = []
    for item in result.ordered:
        parsed = result.diff.files[item.index]
        hunks = []
        for hunk, score in zip(parsed.hunks, result.scores[item.index], strict=True):
            hunks.append({
                "old_start": hunk.old_start, "old_lines": hunk.old_lines,
                "new_start": hunk.new_start, "new_lines": hunk.new_lines,
                **score.to_json(),
            })
        files.append({"path": parsed.path, "old_path": parsed.old_path,
                      "status": parsed.status, "binary": parsed.is_binary,
                      "order": item.order, "reason": item.reason, "hunks": hunks})
    shown = shown_findings(result.findings, result.config)
    return {"files": files, "findings": [finding_json(f) for f in shown],
            "findings_hidden": len(result.findings) - len(shown),
            "ignored": result.ignored,
            "config": {"source": result.config.source or None,
                       "applied": result.config.describe(), "errors": result.config.errors},
            "notes": result.notes}
