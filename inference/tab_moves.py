"""Finish a move: a line just written where another copy of it already stands, the old copy goes.

``import mock`` written into a new ``if py33: ... else: import mock`` block, an assignment
moved above the loop that used to hold it, a setting moved to the top of a config file: the
next edit deletes the line where it was. Only a line that stands exactly twice in the file (the
new copy and the old one, whatever their indentation) and says something (an import or a
statement with a name and at least `MIN_CHARS` characters, not ``return x`` or ``pass``) and
that the edit inserted (a line it rewrote, say with a comment added, is not a move) is followed;
the old copy is deleted only when the file still parses without it, and only when both copies
are code or both stand in the same string or comment block (a docstring's lines reordered).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inference.apply import parses
from inference.edit_history import HunkEdit, LineEdit
from inference.tab_imports import bindings
from inference.tab_patterns import Rule, is_import, prose_spans

__all__ = ["MoveRule", "move_rule"]

#: Shorter lines (``x = 1``, ``return y``) recur by chance; a copy of them is not a move.
MIN_CHARS = 12
#: A statement's old copy this close to the new one, at another depth, was hoisted out of a
#: block or pushed into one; farther or at the same depth, it is as likely a copy.
HOIST_LINES = 10
_NAME = re.compile(r"[A-Za-z_]\w*")
_FLOW = ("return", "pass", "break", "continue", "raise", "yield", "else", "elif", "try",
         "except", "finally", "@")


def _says_something(line: str) -> bool:
    text = line.strip()
    return is_import(text) or (len(text) >= MIN_CHARS and bool(_NAME.search(text))
            and not text.startswith(("#", *_FLOW)) and not text.endswith(("(", "[", "{", ",")))


def _text(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _prose_blocks(lines: Sequence[str]) -> dict[int, int]:
    """For each 0-based line inside a multi-line string or holding only a comment, the first
    line of its string or of its run of comment lines; code lines are not in it."""
    blocks: dict[int, int] = {}
    comments: set[int] = set()
    for span in prose_spans(_text(lines)):
        if span.comment:
            comments.add(span.first)
            blocks[span.first] = blocks[span.first - 1] if span.first - 1 in comments \
                else span.first
        else:
            blocks.update(dict.fromkeys(range(span.first, span.last + 1), span.first))
    return blocks


@dataclass(frozen=True)
class MoveRule(Rule):
    """Delete the other copy of ``moved`` (stripped text) or a module-level import binding
    only names in ``rebound`` (names the new lines import again), never the lines ``placed``
    (0-based numbers of the new copy)."""

    moved: str
    placed: frozenset[int]
    rebound: frozenset[str] = frozenset()

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        if number in self.placed:
            return None
        line = lines[number]
        copy = bool(self.moved) and line.strip() == self.moved
        if not copy and not self._imports_again(line):
            return None
        if copy and not is_import(self.moved) and not any(
                abs(number - n) <= HOIST_LINES and _indent(lines[n]) != _indent(lines[number])
                for n in self.placed if lines[n].strip() == self.moved):
            return None  # a statement copied, not moved: kept unless hoisted or pushed in
        if copy:
            blocks = _prose_blocks(lines)
            if not any(blocks.get(n) == blocks.get(number)
                       for n in self.placed if lines[n].strip() == self.moved):
                return None  # a docstring line that reads like code elsewhere is no move of it
        start = number
        above, below = lines[number - 1:number], lines[number + 1:number + 2]
        if above and not above[0].strip() and (not below or not below[0].strip()):
            start -= 1  # a line alone between blank lines takes one of them with it
        rest = [*lines[:start], *lines[number + 1:]]
        if parses(_text(lines)) and not parses(_text(rest)):
            return None  # the old copy is all its block holds: deleting it breaks the file
        return LineEdit(start + 1, number + 1, "")

    def _imports_again(self, line: str) -> bool:
        if line != line.lstrip() or not is_import(line):
            return False  # an indented import is a fallback (`try`/`if`) or a local one
        names = set(bindings([line]))
        return bool(names) and names <= self.rebound

    def next_edit(self, lines: Sequence[str], cursor: int,
                  written: frozenset[str] = frozenset(),
                  skip: frozenset[int] = frozenset()) -> LineEdit | None:
        """The old copy wherever it is: the new copy's text is in ``written`` by definition, so
        that filter is not applied (``placed`` keeps the new copy)."""
        return super().next_edit(lines, cursor, frozenset(), skip)


def move_rule(edit: HunkEdit, lines: Sequence[str]) -> MoveRule | None:
    """The move ``edit`` (of this file: its new lines are at its place) started, or None."""
    if not edit.stands_in(lines):
        return None  # an edit of another file, or of lines changed since
    start = edit.new_start - 1
    placed = frozenset(range(start, start + len(edit.added)))
    rebound = frozenset(bindings([line for line in edit.added if line == line.lstrip()]))
    rebound -= set(bindings([line for line in edit.removed if is_import(line)]))
    if edit.removed:  # a line rewritten (a comment added) that matches one nearby is no move
        return MoveRule("", placed, rebound) if rebound else None
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.strip()] = counts.get(line.strip(), 0) + 1
    for line in edit.added:
        text = line.strip()
        # Exactly two copies: the new one and the old.
        if _says_something(line) and counts.get(text) == 2:
            return MoveRule(text, placed, rebound)
    return MoveRule("", placed, rebound) if rebound else None
