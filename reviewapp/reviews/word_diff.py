"""What changed inside a modified line: the words that differ between a removed and an added
line, so the page can highlight them."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# Words, runs of spaces, runs of punctuation (so `>` -> `>=` is one changed operator).
_WORDS = re.compile(r"\w+|\s+|[^\w\s]+")
# Below this similarity the lines are a rewrite, not an edit: highlighting words would be noise.
MIN_SIMILARITY = 0.5

Span = tuple[int, int]


def changed_spans(old: str, new: str) -> tuple[list[Span], list[Span]] | None:
    """Character spans that differ in `old` and in `new`; None when the lines are unrelated."""
    if old == new:
        return [], []
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < MIN_SIMILARITY:
        return None
    a_pos, b_pos = _offsets(a), _offsets(b)
    old_spans, new_spans = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            old_spans.append((a_pos[i1], a_pos[i2]))
        if j2 > j1:
            new_spans.append((b_pos[j1], b_pos[j2]))
    return old_spans, new_spans


def _offsets(words: list[str]) -> list[int]:
    """Start offset of each word, plus the end of the line."""
    out, position = [], 0
    for word in words:
        out.append(position)
        position += len(word)
    return out + [position]


def paired_lines(kinds: list[str]) -> list[tuple[int, int]]:
    """(removed index, added index) pairs: a run of removed lines followed by a run of added
    lines is an edit of those lines, first with first."""
    pairs, i = [], 0
    while i < len(kinds):
        if kinds[i] != "del":
            i += 1
            continue
        dels = []
        while i < len(kinds) and kinds[i] == "del":
            dels.append(i)
            i += 1
        adds = []
        while i < len(kinds) and kinds[i] == "add":
            adds.append(i)
            i += 1
        pairs.extend(zip(dels, adds, strict=False))
    return pairs
