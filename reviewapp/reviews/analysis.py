"""The analysis stages the Celery task runs on a stored revision, in order.

Each stage reads the revision's rows, computes, and overwrites its own outputs, so a retried or
redelivered task never duplicates anything.
"""

from __future__ import annotations

from collections.abc import Callable

from reviewapp.ingest.parsed import ParsedDiff, ParsedFile, ParsedHunk, ParsedLine
from reviewapp.ordering import order_files

from .models import FileChange, Finding, Revision
from .rendering import parse_hunk_text

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


def reorder_by_findings(revision: Revision) -> None:
    """Files with findings are riskier: let them come earlier among independent groups."""
    parsed, rows = parsed_from_revision(revision)
    counts: dict[str, float] = {}
    for finding in Finding.objects.filter(revision=revision).select_related("file"):
        counts[finding.file.path] = counts.get(finding.file.path, 0.0) + finding.probability
    if not counts:
        return
    for item in order_files(parsed.files, extra_risk=counts):
        row = rows[item.index]
        row.order, row.order_reason, row.group = item.order, item.reason, item.group
    FileChange.objects.bulk_update(rows, ["order", "order_reason", "group"])


def stages() -> list[tuple[str, Stage]]:
    """The stages to run, in order, by name."""
    return [("order by findings", reorder_by_findings)]
