"""The analysis of a parsed diff without a database: order, score hunks, find bugs.

The CLI (`manage.py review`) uses it whole; the Celery task runs the same stages on stored rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewapp.ingest.parsed import ParsedDiff
from reviewapp.ordering import OrderedFile, order_files


@dataclass
class HunkVerdict:
    """How much a hunk deserves attention, and why."""

    importance: float | None = None
    tier: str = "normal"
    reason: str = ""


@dataclass
class ReviewResult:
    diff: ParsedDiff
    ordered: list[OrderedFile]  # review order
    verdicts: dict[tuple[int, int], HunkVerdict] = field(default_factory=dict)  # (file, hunk)
    findings: list = field(default_factory=list)  # (file index, finding) pairs

    def to_json(self) -> dict:
        """The review JSON of DESIGN.md: files in review order, hunks, findings."""
        files = []
        for item in self.ordered:
            parsed = self.diff.files[item.index]
            hunks = []
            for hunk_index, hunk in enumerate(parsed.hunks):
                verdict = self.verdicts.get((item.index, hunk_index), HunkVerdict())
                hunks.append({
                    "old_start": hunk.old_start, "old_lines": hunk.old_lines,
                    "new_start": hunk.new_start, "new_lines": hunk.new_lines,
                    "importance": None if verdict.importance is None
                    else round(verdict.importance, 4),
                    "tier": verdict.tier, "reason": verdict.reason,
                })
            files.append({"path": parsed.path, "old_path": parsed.old_path,
                          "status": parsed.status, "binary": parsed.is_binary,
                          "order": item.order, "reason": item.reason, "hunks": hunks})
        return {"files": files, "findings": [finding_json(self.diff.files[i].path, f)
                                             for i, f in self.findings]}


def finding_json(path: str, finding) -> dict:
    return {"path": path, "line": finding.line, "end_line": finding.end_line,
            "column": finding.column, "end_column": finding.end_column, "kind": finding.kind,
            "message": finding.message, "probability": round(finding.probability, 4),
            "severity": finding.severity, "replacement": finding.replacement}


def review_diff(parsed: ParsedDiff) -> ReviewResult:
    """Order the files of a parsed diff."""
    ordered = sorted(order_files(parsed.files), key=lambda item: item.order)
    return ReviewResult(diff=parsed, ordered=ordered)
