"""Finish a move down: a statement just deleted is written again after what it needs.

``env['CONTENT_LENGTH'] = str(len(body))`` deleted from above ``if ...: body =
body.encode('utf8')`` goes back below that block; ``self.impl = self._load_impl(...)`` deleted
from the top of an ``__init__`` goes back after the other ``self.x = ...`` lines. The newest
edit deleted one statement (not an import, a definition or a flow statement) of this file, and
the rest of its block, within `HORIZON` lines, assigns a name the statement reads: it is
written again, at its own indentation, after the last such assignment (and the block that holds
it). A statement the recent edits deleted more than once is being removed, not moved; one that
still stands elsewhere in the file is a copy.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass

from inference.edit_history import HunkEdit, LineEdit
from inference.sketch import indentation
from inference.tab_patterns import Rule, is_import, tokenize

__all__ = ["DeferredRule", "deferred_rule"]

#: Lines below the deletion searched for what the statement needs.
HORIZON = 12
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)(?:\.\w+|\[[^\]]*\])*\s*(?:[-+*/|&]?=)(?!=)")
_NOT_MOVED = (
    "#",
    "@",
    "def ",
    "async ",
    "class ",
    "return",
    "yield",
    "raise",
    "pass",
    "break",
    "continue",
    "else",
    "elif",
    "try",
    "except",
    "finally",
    "if ",
    "for ",
    "while ",
    "with ",
)


@dataclass(frozen=True)
class DeferredRule(Rule):
    """Insert ``statement`` (a whole line) after 0-based line ``after``."""

    statement: str
    after: int

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        if number != self.after:
            return None
        return LineEdit(number + 2, number + 1, self.statement + "\n")

    def next_edit(
        self,
        lines: Sequence[str],
        cursor: int,
        written: frozenset[str] = frozenset(),
        skip: frozenset[int] = frozenset(),
    ) -> LineEdit | None:
        """The one place the statement goes, wherever the cursor is (the line it follows may
        be one the recent edits wrote)."""
        return self.edit_at(lines, self.after)


def deferred_rule(
    edit: HunkEdit, lines: Sequence[str], edits: Sequence[HunkEdit]
) -> DeferredRule | None:
    """Where the statement ``edit`` deleted (from this file) goes again, or None."""
    if edit.added or len(edit.removed) != 1:
        return None
    statement = edit.removed[0].rstrip()
    text = statement.strip()
    if (
        not text
        or is_import(text)
        or text.startswith(_NOT_MOVED)
        or text.endswith(("(", "[", "{", ",", ":", "\\"))
    ):
        return None
    place = edit.new_start - 1  # the line that now stands where the statement was
    if not _deleted_here(edit, lines, place):
        return None
    if (
        any(line.strip() == text for line in lines)
        or sum(other.removed == edit.removed and not other.added for other in edits) > 1
    ):
        return None  # a copy elsewhere, or a statement being removed wherever it is
    reads = _names_read(text)
    depth = len(indentation(statement))
    last = None
    for number in range(place, min(place + HORIZON, len(lines))):
        line = lines[number]
        if line.strip() and len(indentation(line)) < depth:
            break  # the end of the statement's block
        found = _ASSIGNED.match(line)
        if line.strip() and found and found[1] in reads:
            last = number
    if last is None:
        return None
    after = last  # below the statement or block that holds the assignment
    while after + 1 < len(lines) and (
        not lines[after + 1].strip() or len(indentation(lines[after + 1])) > depth
    ):
        after += 1
    while after > last and not lines[after].strip():
        after -= 1
    return DeferredRule(statement, after)


def _deleted_here(edit: HunkEdit, lines: Sequence[str], place: int) -> bool:
    """Whether the lines around ``place`` are the context the deletion had (this file)."""
    above = tuple(lines[max(place - len(edit.before), 0) : place])
    below = tuple(lines[place : place + len(edit.after)])
    return bool(edit.before or edit.after) and above == edit.before and below == edit.after


def _names_read(text: str) -> set[str]:
    """The names a statement reads: all of them but an assignment's target and attributes."""
    found = _ASSIGNED.match(text)
    tokens = tokenize(text[found.end() :] if found else text)
    names: set[str] = set()
    previous = ""
    for token in tokens:
        if token.isidentifier() and not keyword.iskeyword(token) and previous != ".":
            names.add(token)
        if token.strip():
            previous = token
    return names
