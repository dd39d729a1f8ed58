"""Recent edits as small diffs: parse a unified diff (oldest edit first) into typed edits.

Also the edit value object Tab answers with, and how to apply one to a file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["HistoryError", "HunkEdit", "LineEdit", "apply_edit", "parse_history"]

_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class HistoryError(ValueError):
    """The edit history is not a unified diff."""


@dataclass(frozen=True)
class HunkEdit:
    """One past edit: ``removed`` lines became ``added`` lines at ``new_start`` (1-based)."""

    old_start: int
    new_start: int
    removed: tuple[str, ...]
    added: tuple[str, ...]
    before: tuple[str, ...]  # unchanged lines just above the change
    after: tuple[str, ...]  # unchanged lines just below it

    def stands_in(self, lines: Sequence[str]) -> bool:
        """Whether the lines this edit added stand at its place in ``lines``: an edit of this
        file whose lines nothing has changed since (never true of a pure deletion)."""
        start = self.new_start - 1
        return bool(self.added) and tuple(lines[start:start + len(self.added)]) == self.added


@dataclass(frozen=True)
class LineEdit:
    """Replace lines ``start_line..end_line`` (1-based, inclusive) with ``new_text``.

    ``end_line == start_line - 1`` inserts before ``start_line``; ``new_text`` is empty for a
    deletion and otherwise ends with a newline.
    """

    start_line: int
    end_line: int
    new_text: str

    def to_json(self) -> dict[str, int | str]:
        """The DESIGN ``edit`` object."""
        return {"start_line": self.start_line, "end_line": self.end_line,
                "new_text": self.new_text}


def apply_edit(text: str, edit: LineEdit) -> str:
    """``text`` with ``edit`` applied."""
    lines = text.splitlines(keepends=True)
    if not 1 <= edit.start_line <= len(lines) + 1 or edit.end_line < edit.start_line - 1:
        raise ValueError(f"edit lines {edit.start_line}..{edit.end_line} are outside the file")
    if lines and not lines[-1].endswith("\n") and edit.end_line >= len(lines):
        lines[-1] += "\n"
    return "".join(lines[: edit.start_line - 1]) + edit.new_text + "".join(lines[edit.end_line:])


def parse_history(diff: str) -> list[HunkEdit]:
    """Split a unified diff into its changes, oldest first; a hunk may hold several changes."""
    edits: list[HunkEdit] = []
    lines = diff.splitlines()
    i = 0
    saw_hunk = False
    while i < len(lines):
        header = _HUNK_HEADER.match(lines[i])
        if not header:
            i += 1
            continue
        saw_hunk = True
        old_no, new_no = int(header.group(1)), int(header.group(3))
        i += 1
        body: list[str] = []
        while i < len(lines) and not _HUNK_HEADER.match(lines[i]) and not (
            lines[i].startswith("--- ") or lines[i].startswith("diff ")
        ):
            if not lines[i].startswith("\\"):
                body.append(lines[i])
            i += 1
        edits.extend(_changes(body, old_no, new_no))
    if diff.strip() and not saw_hunk:
        raise HistoryError("history diff has no '@@ -a,b +c,d @@' hunk header")
    return edits


def _changes(body: list[str], old_no: int, new_no: int) -> list[HunkEdit]:
    """Each run of -/+ lines in a hunk body, with the context lines around it."""
    changes: list[HunkEdit] = []
    context: list[str] = []
    j = 0
    while j < len(body):
        line = body[j]
        kind, text = (line[:1], line[1:]) if line else (" ", "")
        if kind not in "-+":
            context.append(text)
            old_no += 1
            new_no += 1
            j += 1
            continue
        start_old, start_new = old_no, new_no
        removed: list[str] = []
        added: list[str] = []
        while j < len(body) and body[j][:1] in ("-", "+"):
            if body[j][0] == "-":
                removed.append(body[j][1:])
                old_no += 1
            else:
                added.append(body[j][1:])
                new_no += 1
            j += 1
        after: list[str] = []
        for b in body[j:j + 3]:
            if b[:1] in ("-", "+"):
                break
            after.append(b[1:])
        changes.append(HunkEdit(start_old, start_new, tuple(removed), tuple(added),
                                tuple(context[-3:]), tuple(after)))
        context = []
    return changes
