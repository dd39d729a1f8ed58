"""How plausible a guessed merge is: the changes its sketch does not explain.

The fuzzy placements (`inference.merge.candidate_merges`) guess; a guess is returned without
the model only when it explains every change it makes (`inference.apply`).
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from inference.merge import FUZZY_RATIO, _similar_to_any, similarity, split_lines

__all__ = ["unexplained_changes"]

#: Kept original lines this close to an inserted line count as its unreplaced old version.
NEARBY_LINES = 20


def _paired(deleted: Sequence[str], inserted: Sequence[str]) -> int:
    """The most deleted lines that can each be paired, in order, with a similar inserted line
    of their own (one new line explains one old line: three asserts replaced by two leave
    one unexplained, however alike they all are)."""
    best = [0] * (len(inserted) + 1)
    for old in deleted:
        row = [0] * (len(inserted) + 1)
        for j, new in enumerate(inserted, 1):
            pair = best[j - 1] + 1 if similarity(old, new) >= FUZZY_RATIO else 0
            row[j] = max(row[j - 1], best[j], pair)
        best = row
    return best[-1]


def unexplained_changes(original: str, merged: str) -> int:
    """How much of a merge the sketch does not explain (lower is more plausible).

    Counts original lines deleted without a similar line put in their place (`_paired`), and
    inserted lines that leave a similar original line standing nearby (its old version, kept
    by mistake).
    """
    old, new = split_lines(original), split_lines(merged)
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    kept = [(j1, j2) for tag, _i1, _i2, j1, j2 in opcodes if tag == "equal"]
    cost = 0
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        inserted = [line.strip() for line in new[j1:j2] if line.strip()]
        deleted = [line.strip() for line in old[i1:i2] if line.strip()]
        cost += len(deleted) - _paired(deleted, inserted)
        nearby = [new[j].strip() for a, b in kept for j in range(a, b)
                  if j1 - NEARBY_LINES <= j < j2 + NEARBY_LINES and new[j].strip()]
        cost += sum(1 for line in inserted if line not in nearby
                    and _similar_to_any(line, nearby))
    return cost
