"""Repeat a change made inside text: a string literal, a comment, a docstring.

Token rules see a string literal as one token, so ``'2010, Kenneth Reitz'`` → ``'2011, ...'``
teaches them nothing about ``:copyright: (c) 2010 by``. Here the changed characters of one
line, widened to whole words (and to at least ``MIN_TEXT`` characters, with the characters
around them), become ``old`` → ``new`` text, made again on the next line holding ``old``:
a year or version bumped, ``print x`` → ``print(x)`` inside a test's source string, a ``u``
prefix dropped inside an escaped literal, a renamed name in generated code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from inference.edit_history import HunkEdit, LineEdit
from inference.tab_patterns import Rule, tokenize

__all__ = ["TextRule", "text_rule"]

#: The replaced text, widened, is at least this long (shorter is too common to mean one thing).
MIN_TEXT = 4
#: ... and a change longer than this is a rewrite, not a pattern.
MAX_TEXT = 40


@dataclass(frozen=True)
class TextRule(Rule):
    """Replace the text ``old`` (standing as whole words) by ``new`` on a line."""

    old: str
    new: str

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        line = lines[number]
        at = _find(line, self.old)
        if at < 0 or not _in_text(line, at, at + len(self.old)):
            return None
        return LineEdit(number + 1, number + 1,
                        line[:at] + self.new + line[at + len(self.old):] + "\n")


def _in_text(line: str, start: int, end: int) -> bool:
    """Whether characters ``start..end`` of ``line`` lie inside one string literal or in a
    comment (token rules see neither)."""
    position = 0
    for token in tokenize(line):
        if token == "#":
            return start >= position
        if position <= start and end <= position + len(token) and token[:1] in "\"'":
            return True
        position += len(token)
    return False


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _find(line: str, text: str) -> int:
    """Where ``text`` first stands in ``line`` without cutting a word, else -1."""
    start = line.find(text)
    while start >= 0:
        end = start + len(text)
        cuts_left = start > 0 and _word(line[start - 1]) and _word(text[0])
        cuts_right = end < len(line) and _word(line[end]) and _word(text[-1])
        if not cuts_left and not cuts_right:
            return start
        start = line.find(text, start + 1)
    return -1


def text_rule(edit: HunkEdit) -> TextRule | None:
    """The rule a one-line change inside text teaches, or None (several lines, a change in
    code, or one that is not a short run of characters)."""
    if len(edit.removed) != 1 or len(edit.added) != 1:
        return None
    old, new = edit.removed[0].strip(), edit.added[0].strip()
    if old == new or not old:
        return None
    opcodes = [op for op in SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    if not opcodes:
        return None
    i1, i2, j1, j2 = opcodes[0][1], opcodes[-1][2], opcodes[0][3], opcodes[-1][4]
    # Widen to whole words, then to at least MIN_TEXT characters, the same on both sides.
    while i1 > 0 and j1 > 0 and old[i1 - 1] == new[j1 - 1] and (
            _word(old[i1 - 1]) or i2 - i1 < MIN_TEXT):
        i1, j1 = i1 - 1, j1 - 1
    while i2 < len(old) and j2 < len(new) and old[i2] == new[j2] and (
            _word(old[i2]) or i2 - i1 < MIN_TEXT):
        i2, j2 = i2 + 1, j2 + 1
    before, after = old[i1:i2], new[j1:j2]
    if not _in_text(old, i1, i2):
        return None  # a change in code: the token rules' business
    if len(before.strip()) < MIN_TEXT or max(len(before), len(after)) > MAX_TEXT:
        return None
    if before.strip() == after.strip():
        return None  # spacing only
    return TextRule(before, after)
