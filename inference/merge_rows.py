"""Place new rows of a sorted list that a sketch shows without context.

Assistants add an item to a list (``"Programming Language :: Python :: 3.14",``, a name in
``__all__``) by writing it alone between two elision markers: no line of the segment is in the
original, so no anchor places it. The list does: the original lines that share the longest
common start with the new row (``"Programming Language :: Python :: 3.``) and stand together,
at least `MIN_RUN` of them in natural order (``3.9`` before ``3.10``), give its place, where
that order puts it; when no start alone is long enough, rows framed alike (the same start and
end around a number: ``    "Draft7Validator",`` for ``    "Draft201909Validator",``) do.
Anything less clear, such runs in two places, an unsorted run, a row that is already there,
has no placement: the merge refuses rather than guess. `moved_rows` places rows that are
already there, once each, where the rest of the list's order puts them: rows the sketch
moved (``"natural_list",`` shown alone before the rows it sorts before).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["MIN_RUN", "moved_rows", "row_insertion"]

#: Rows a run must have for its order to say anything (two are sorted by chance half the time).
MIN_RUN = 3
#: The common start must be at least this much of the new row (the rows differ in a tail).
MIN_SHARED = 0.6
_PARTS = re.compile(r"(\d+)")


def _natural(text: str) -> list:
    """Sort key: digit runs compare as numbers (``3.9`` < ``3.10``)."""
    return [int(part) if part.isdigit() else part for part in _PARTS.split(text.strip())]


def _shared(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _frame(row: str, lines: Sequence[str]) -> tuple[str, str]:
    """The longest start ``row`` shares with an original line (a number at its end counted
    out whole: ``3.`` for ``3.11``) when it is long enough (`MIN_SHARED`), with an empty end;
    else the longest start and end it shares with one line together (``    "Draft`` and
    ``Validator",`` for ``    "Draft201909Validator",`` beside ``    "Draft7Validator",``)."""
    stripped = [line.rstrip() for line in lines]
    shared = max((_shared(row, line) for line in stripped), default=0)
    prefix = row[:shared].rstrip("0123456789")
    if len(prefix) >= MIN_SHARED * len(row):
        return prefix, ""
    best = (prefix, "")
    for line in stripped:
        head = row[:_shared(row, line)].rstrip("0123456789")
        tail = min(_shared(row[::-1], line[::-1]), len(row) - len(head), len(line) - len(head))
        suffix = row[len(row) - tail:].lstrip("0123456789") if tail else ""
        if len(head) + len(suffix) > sum(map(len, best)):
            best = (head, suffix)
    return best


def _framed(line: str, prefix: str, suffix: str) -> bool:
    return line.startswith(prefix) and line.endswith(suffix) \
        and len(line) >= len(prefix) + len(suffix)


def row_insertion(lines: Sequence[str], segment: Sequence[str]) -> int | None:
    """The original line before which the segment's new rows go, or None when their place
    is not clear (see the module docs)."""
    new = [line.rstrip() for line in segment if line.strip()]
    if not new or any(line in lines for line in new):
        return None
    first = new[0]
    prefix, suffix = _frame(first, lines)
    if len(prefix) + len(suffix) < MIN_SHARED * len(first):
        return None
    runs: list[tuple[int, int]] = []
    start = None
    for number, line in enumerate([*lines, ""]):
        if _framed(line.rstrip(), prefix, suffix):
            start = number if start is None else start
        elif start is not None:
            runs.append((start, number))
            start = None
    if len(runs) != 1 or runs[0][1] - runs[0][0] < MIN_RUN:
        return None
    a, b = runs[0]
    rows = [line.rstrip() for line in lines[a:b]]
    keys = [_natural(row) for row in rows]
    merged = sorted([*rows, *new], key=_natural)
    if keys != sorted(keys) or any(not _framed(line, prefix, suffix) for line in new) \
            or [row for row in merged if row in new] != new:
        return None
    place = sum(1 for key in keys if key < _natural(first))
    # The new rows land side by side: nothing of the run may sort between them.
    if sum(1 for key in keys if key < _natural(new[-1])) != place:
        return None
    return a + place


def moved_rows(lines: Sequence[str], segment: Sequence[str]) -> int | None:
    """The original line before which rows that a segment shows alone go when they move:
    each occurs once in the original, and the list without them (`row_insertion`) puts them
    elsewhere than where they stand. None when it would leave them where they are, or their
    place is not clear. Their old lines are the other segments' to delete."""
    new = [line.rstrip() for line in segment if line.strip()]
    stripped = [line.rstrip() for line in lines]
    if not new or any(stripped.count(line) != 1 for line in new):
        return None
    old = sorted(stripped.index(line) for line in new)
    kept = [number for number in range(len(stripped)) if number not in old]
    at = row_insertion([stripped[number] for number in kept], new)
    if at is None:
        return None
    at = kept[at] if at < len(kept) else len(stripped)
    if old == list(range(old[0], old[-1] + 1)) and old[0] <= at <= old[-1] + 1:
        return None  # where they are already
    return at
