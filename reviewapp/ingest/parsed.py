"""Typed value objects that flow out of ingest into ordering, importance and storage."""

from __future__ import annotations

from dataclasses import dataclass, field

# FileChange.status values. Binary-ness and mode changes are flags beside the status.
ADDED = "added"
MODIFIED = "modified"
DELETED = "deleted"
RENAMED = "renamed"
COPIED = "copied"
STATUSES = (ADDED, MODIFIED, DELETED, RENAMED, COPIED)


@dataclass
class ParsedLine:
    """One line of a hunk body: `kind` is ' ' (context), '+' (added) or '-' (removed)."""

    kind: str
    text: str  # without the leading marker and without the trailing newline
    old_lineno: int | None  # None for added lines
    new_lineno: int | None  # None for removed lines
    no_newline_at_end: bool = False  # followed by "\ No newline at end of file"


@dataclass
class ParsedHunk:
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    section_header: str  # text after the second "@@", often the enclosing function
    lines: list[ParsedLine] = field(default_factory=list)

    @property
    def added(self) -> list[ParsedLine]:
        return [line for line in self.lines if line.kind == "+"]

    @property
    def removed(self) -> list[ParsedLine]:
        return [line for line in self.lines if line.kind == "-"]

    @property
    def text(self) -> str:
        """The hunk body as it appears in a unified diff (markers included)."""
        out = []
        for line in self.lines:
            out.append(line.kind + line.text)
            if line.no_newline_at_end:
                out.append("\\ No newline at end of file")
        return "\n".join(out)


@dataclass
class ParsedFile:
    path: str  # new-side path; the old path for a deletion
    old_path: str
    status: str  # one of STATUSES
    hunks: list[ParsedHunk] = field(default_factory=list)
    is_binary: bool = False
    old_mode: str | None = None
    new_mode: str | None = None
    similarity: int | None = None  # rename/copy similarity index, percent
    language: str = ""  # pygments lexer name, "" when unknown
    # Full file texts when the source is known (git range); None for a pasted diff.
    old_content: str | None = None
    new_content: str | None = None
    # Blob ids from the git "index" line (abbreviated unless the diff used --full-index).
    old_blob: str | None = None
    new_blob: str | None = None

    @property
    def mode_changed(self) -> bool:
        return bool(self.old_mode and self.new_mode and self.old_mode != self.new_mode)

    @property
    def added_count(self) -> int:
        return sum(len(h.added) for h in self.hunks)

    @property
    def removed_count(self) -> int:
        return sum(len(h.removed) for h in self.hunks)


@dataclass
class ParsedDiff:
    files: list[ParsedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. undecodable bytes replaced
    raw_text: str = ""  # the diff as decoded text (transport CRLF undone), kept on the Revision
    base_sha: str | None = None  # known for a git source; None for a pasted diff
    head_sha: str | None = None  # None also for "working tree vs HEAD"

    @property
    def line_count(self) -> int:
        return sum(len(h.lines) for f in self.files for h in f.hunks)
