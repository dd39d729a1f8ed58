"""Repeat a structural edit on lines shaped like the edited ones, with their own names.

``class TestLoop:`` → ``class TestLoop(unittest.TestCase):`` teaches that ``class
TestLoopStack:`` becomes ``class TestLoopStack(unittest.TestCase):``; ``"text": "a"`` →
``"text": u"a"`` teaches the ``u`` prefix for the next form's text, ``try: f(x)`` → ``try:`` /
``    f(x)`` the same split for the next ``try: g(y)``. The edit is a three-way merge on tokens:
the taught lines (base) became the new lines (ours); a target block aligned with the base
(theirs) gets the same token changes wherever the two align, with the target's own names kept.

A target is analogous when its *skeleton* — keywords, punctuation and spacing as they are,
other names, strings and numbers by kind — nearly matches the taught lines' skeleton, and every
token the edit replaced is in the target too (or is a name the edit carried over into its new
text, like ``x`` in ``x`` → ``f(x)``, which the target's own name then replaces).
"""

from __future__ import annotations

import keyword
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from inference.edit_history import HunkEdit, LineEdit
from inference.sketch import indentation
from inference.tab_patterns import Rule, tokenize

__all__ = ["AnalogyRule", "analogy_rule", "repeats", "skeleton"]

#: A target block must match the taught block's skeleton at least this well overall...
MIN_SKELETON = 0.6
#: ... and exactly over this many solid tokens each side of every change.
CONTEXT = 2
#: Taught blocks longer than this (either side) are one-off rewrites, not patterns.
MAX_LINES = 6
_NEWLINE = "\n"


def skeleton(token: str) -> str:
    """A token as its kind: keywords, punctuation and spacing as they are; other names ``I``,
    string literals ``S`` (their prefix kept), numbers ``N``."""
    if not token:
        return token
    head = token[0]
    if head.isalpha() or head == "_":
        return token if keyword.iskeyword(token) else "I"
    if head.isdigit():
        return "N"
    if head in "\"'":
        return "S"
    if head.isspace() and token != _NEWLINE:
        return " "
    return token


def _block_tokens(lines: Sequence[str], indent: str) -> list[str] | None:
    """The tokens of ``lines`` without their shared ``indent``, lines joined by newline
    tokens; None when a non-blank line is indented less than ``indent``."""
    tokens: list[str] = []
    for n, line in enumerate(lines):
        if n:
            tokens.append(_NEWLINE)
        if line.strip() and not line.startswith(indent):
            return None
        tokens.extend(tokenize(line[len(indent):] if line.strip() else ""))
    return tokens


def _lines(tokens: Sequence[str], indent: str) -> list[str]:
    out = "".join(tokens).split(_NEWLINE)
    return [indent + line if line.strip() else "" for line in out]


@dataclass(frozen=True)
class AnalogyRule(Rule):
    """``old`` tokens became ``new`` tokens (a block of ``size`` lines, indentation removed)."""

    old: tuple[str, ...]
    new: tuple[str, ...]
    size: int
    changes: tuple[tuple[int, int, int, int], ...] = field(compare=False, default=())
    shape: tuple[str, ...] = field(compare=False, default=())
    whole: bool = False  # a rewrite, not a pattern: only an identical block gets it again

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        block = lines[number:number + self.size]
        if len(block) < self.size or not block[0].strip():
            return None
        indent = indentation(block[0])
        target = _block_tokens(block, indent)
        if target is None:
            return None
        merged = self.merge(target)
        if merged is None:
            return None
        new_lines = _lines(merged, indent)
        if [line.rstrip() for line in new_lines] == [line.rstrip() for line in block]:
            return None
        return LineEdit(number + 1, number + self.size, "".join(x + "\n" for x in new_lines))

    def similarity(self, lines: Sequence[str], number: int) -> float:
        """How closely the block at ``number`` matches the taught block: the mean of its token
        and skeleton similarities (a short line with another name is still much alike), or,
        if higher, the share of the tokens around each change that are the same (a long line
        with other arguments, edited where it is like the taught one)."""
        block = lines[number:number + self.size]
        target = _block_tokens(block, indentation(block[0])) if block else None
        aligned = self._align(target) if target else None
        if not target or aligned is None:
            return 0.0
        tokens = SequenceMatcher(None, self.old, target, autojunk=False).ratio()
        around = [i for i in self._context() if i in aligned[1]]
        same = sum(self.old[i] == target[aligned[1][i]] for i in around)
        local = same / len(around) if around else 0.0
        return max((tokens + aligned[0]) / 2, local)

    def _context(self) -> list[int]:
        """Old token positions of up to ``CONTEXT`` solid tokens each side of every change."""
        return [i for i1, i2, _, _ in self.changes for side in self._around(i1, i2) for i in side]

    def _around(self, i1: int, i2: int) -> tuple[list[int], list[int]]:
        """Up to ``CONTEXT`` solid old tokens left (nearest first) and right of ``i1..i2``."""
        left = [i for i in range(i1 - 1, -1, -1) if _solid(self.old[i])][:CONTEXT]
        right = [i for i in range(i2, len(self.old)) if _solid(self.old[i])][:CONTEXT]
        return left, right

    def _align(self, target: list[str]) -> tuple[float, dict[int, int]] | None:
        """The skeleton similarity and the old → target token map where the skeletons align;
        None when they are not alike enough or a change's surroundings do not align."""
        shape = [skeleton(t) for t in target]
        if shape[:1] != list(self.shape[:1]):
            return None  # cheap: blocks that open differently are not analogous
        matcher = SequenceMatcher(None, self.shape, shape, autojunk=False)
        ratio = matcher.ratio()
        if ratio < MIN_SKELETON:
            return None
        where: dict[int, int] = {}  # old token -> target token, where the skeletons align
        for a, b, size in matcher.get_matching_blocks():
            for k in range(size):
                where[a + k] = b + k
        for i1, i2, _, _ in self.changes:
            left, right = self._around(i1, i2)
            low, high = (left[-1] if left else i1), (right[-1] if right else i2 - 1)
            if high < low:
                continue
            if any(i not in where for i in range(low, high + 1)) or (
                    where[high] - where[low] != high - low):
                return None  # the target differs right where the edit was made
        return ratio, where

    def merge(self, target: list[str]) -> list[str] | None:
        """``target`` with the taught changes made where it aligns with the taught block."""
        if self.whole:
            return list(self.new) if tuple(target) == self.old else None
        aligned = self._align(target)
        if aligned is None:
            return None
        where = aligned[1]
        renamed = {self.old[i]: target[j] for i, j in where.items()
                   if self.old[i] != target[j]}
        out: list[str] = []
        position = 0
        for i1, i2, j1, j2 in self.changes:
            span = _target_span(i1, i2, where, len(self.old), len(target))
            if span is None or span[0] < position:
                return None
            written = self.new[j1:j2]
            for i in range(i1, i2):
                if self.old[i] != target[where[i]] and self.old[i] not in written:
                    return None  # the edit replaced a token the target does not have
            out.extend(target[position:span[0]])
            out.extend(renamed.get(t, t) if t.strip() else t for t in written)
            position = span[1]
        out.extend(target[position:])
        return out


def _solid(token: str) -> bool:
    """Not spacing (a line break is not spacing: splitting a line is an edit)."""
    return bool(token.strip()) or token == _NEWLINE


def _target_span(i1: int, i2: int, where: dict[int, int], old_total: int,
                 total: int) -> tuple[int, int] | None:
    """The target tokens that stand for old tokens ``i1..i2`` (an insertion point when equal)."""
    if i1 < i2:
        if any(i not in where for i in range(i1, i2)):
            return None
        start, end = where[i1], where[i2 - 1] + 1
        return (start, end) if end - start == i2 - i1 else None
    left = where[i1 - 1] + 1 if i1 - 1 in where else None
    right = total if i1 == old_total else where.get(i1)
    if left is not None and right is not None and left != right:
        return None
    at = left if left is not None else right
    return None if at is None else (at, at)


def analogy_rule(removed: Sequence[str], added: Sequence[str]) -> AnalogyRule | None:
    """The rule a replacement of ``removed`` lines by ``added`` lines teaches, or None."""
    if not removed or not added or max(len(removed), len(added)) > MAX_LINES:
        return None
    if not removed[0].strip():
        return None
    indent = indentation(removed[0])
    old = _block_tokens(removed, indent)
    new = _block_tokens(added, indent)
    if old is None or new is None:
        return None
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    changes = tuple((i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
                    if tag != "equal")
    solid = [old[i] for i1, i2, _, _ in changes for i in range(i1, i2) if _solid(old[i])]
    written = [t for _, _, j1, j2 in changes for t in new[j1:j2] if _solid(t)]
    if not changes or (not solid and not written):
        return None  # spacing only
    kept = sum(size for _, _, size in matcher.get_matching_blocks())
    # Most of the block rewritten, or only a comment added: a one-off, repeated only where the
    # very same block recurs (a linter's `noqa` or a coverage `pragma` is about that
    # statement, not every `except` or `if` shaped like it).
    return AnalogyRule(tuple(old), tuple(new), len(removed), changes,
                       tuple(skeleton(t) for t in old),
                       whole=kept * 2 < len(old) or _comments_only(changes, new))


def _comments_only(changes: Sequence[tuple[int, int, int, int]], new: Sequence[str]) -> bool:
    """Whether every change only inserts a comment (a trailing one, or ``#`` commenting the
    line out)."""
    for i1, i2, j1, j2 in changes:
        written = [t for t in new[j1:j2] if t.strip()]
        if i1 != i2 or not written or written[0] != "#":
            return False
    return True


def repeats(rule: AnalogyRule, edits: Sequence[HunkEdit], taught: HunkEdit) -> int:
    """How many of ``edits`` other than ``taught`` (the one that taught ``rule``) the rule
    reproduces: a pattern already made twice is being carried through the file."""
    count = 0
    for edit in edits:
        if edit is taught or len(edit.removed) != rule.size or not edit.removed[0].strip():
            continue
        indent = indentation(edit.removed[0])
        old, new = _block_tokens(edit.removed, indent), _block_tokens(edit.added, indent)
        if old is None or new is None:
            continue
        if rule.merge(old) == new:
            count += 1
    return count
