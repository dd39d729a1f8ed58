"""Prove an Apply result against its inputs, or say which sketch line it could not place.

A merge of a sketch into an original is *proved* when the merged file decomposes as

    original[0:s1] + segment1 + original[e1:s2] + segment2 + ... + segmentK + original[eK:]

with ``s1 <= e1 <= s2 <= ... <= eK``, that is:

* every segment of the sketch appears in the output, whole and in order (so every non-marker
  sketch line is there, in order);
* every other output line is an original line, in order, and the stretch a marker stands for
  is a contiguous run of the original copied byte for byte;
* a sketch that starts (ends) with code and no marker replaces the file's head (tail);
* something changed (a merge equal to the original found the sketch's lines as they stand:
  the edit it means is elsewhere);
* nothing outside the sketch's reach changed: the original lines a segment replaces
  (``original[s:e]``) begin and end with lines the segment keeps or rewrites (equal, or similar
  by `inference.merge.similarity`). Lines deleted *inside* that stretch are the sketch's own
  statement (it shows the lines around them without a marker); lines deleted at its edges
  are a placement that reached too far, e.g. over the neighbouring function.

The check knows nothing of how the merge was made, so it guards the deterministic and fuzzy
merges and the model's files alike. It cannot tell two proved merges apart (a segment that
fits two places equally); choosing among those is the merge's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from inference.merge import (
    FUZZY_RATIO,
    SWALLOW_FACTOR,
    SWALLOW_SLACK,
    as_snippet,
    similarity,
    split_lines,
)
from inference.merge_edges import bracket_depth
from inference.sketch import Sketch

__all__ = ["MergeCheck", "check_merge"]

#: Decompositions tried before giving up (a file of repeated lines has very many).
MAX_STATES = 20_000


@dataclass(frozen=True)
class MergeCheck:
    """Whether a merge is proved; otherwise why not and the first sketch line at fault."""

    ok: bool
    reason: str = ""
    line: str | None = None  #: the sketch line that could not be placed, when one is to blame

    def __bool__(self) -> bool:
        return self.ok


def check_merge(original: str, sketch: Sketch, merged: str, *, swallow: bool = True
                ) -> MergeCheck:
    """Prove ``merged`` is ``sketch`` applied to ``original`` (see the module docs).

    ``swallow=False`` leaves out the one heuristic rule (a segment that drops far more than it
    writes, `SWALLOW_FACTOR`): the data builder uses it, so that its data do not depend on it."""
    old = split_lines(original)
    new = split_lines(merged)
    sketch = as_snippet(sketch, len(old))
    segments = [list(segment.lines) for segment in sketch.segments]
    if not segments:
        return MergeCheck(False, "the sketch has no code, only elision markers")
    if original.endswith("\n") != merged.endswith("\n") and old and new:
        return MergeCheck(False, "the merge changed whether the file ends with a newline")
    missing = _first_missing_line(new, segments)
    if missing is not None:
        return MergeCheck(False, f"the sketch's line {missing!r} is not in the merge in order",
                          missing)
    if merged == original:
        # Every sketch line was found as it stands: the edit meant is elsewhere (a copy of
        # that code that differs), or there is none; either way this is not it.
        first = next((line for segment in segments for line in segment if line.strip()), None)
        return MergeCheck(False, "the merge changes nothing: the sketch's lines are already "
                          "in the file as shown", first)
    prover = _Prover(old, new, sketch, swallow)
    if prover.proved():
        return MergeCheck(True)
    at_fault = prover.deepest_segment_line()
    return MergeCheck(False, prover.failure_reason(), at_fault)


def _first_missing_line(merged: Sequence[str], segments: Sequence[Sequence[str]]) -> str | None:
    """The first segment line that is not in ``merged`` in order (a subsequence test)."""
    lines = iter(merged)
    for segment in segments:
        for wanted in segment:
            if not any(line == wanted for line in lines):
                return wanted
    return None


class _Prover:
    """Depth-first search for the decomposition described in the module docs.

    State ``(i, m, s)``: segment ``i`` is to be placed at output line ``m`` or later, and the
    original stretch it replaces starts at ``s``. The output lines before ``m`` are accounted
    for. Each step chooses where segment ``i`` starts in the output; the output lines before
    it must be an original run starting at the end ``e`` of the previous replaced stretch.
    """

    def __init__(self, old: list[str], new: list[str], sketch: Sketch, swallow: bool) -> None:
        self.swallow = swallow
        self.old = old
        self.new = new
        self.segments = sketch.segments
        self.states = 0
        self.deepest = 0  # the furthest segment index any decomposition reached
        self.reach_failure: str | None = None
        self.memo: dict[tuple[int, int, int], bool] = {}

    def proved(self) -> bool:
        first = self.segments[0]
        if not first.after_marker:
            return self._search(0, 0, 0)
        # The head before the first segment is an elided original prefix of any length.
        for start in self._occurrences_at(0, len(self.new)):
            if self._search(0, start, start):
                return True
        return False

    def _occurrences_at(self, m: int, limit: int) -> list[int]:
        """Lengths ``n`` such that ``new[m:m+n] == old[0:n]`` (a common prefix)."""
        n = 0
        found = [0]
        while m + n < limit and n < len(self.old) and self.new[m + n] == self.old[n]:
            n += 1
            found.append(n)
        return found[::-1]  # longest elided head first: segments replace as little as possible

    def _search(self, i: int, m: int, s: int) -> bool:
        """Segment ``i`` starts exactly at output line ``m`` and replaces ``old[s:e]`` for
        some ``e``; memoised, since different gap choices reach the same state."""
        key = (i, m, s)
        if key not in self.memo:
            self.memo[key] = self._search_uncached(i, m, s)
        return self.memo[key]

    def _search_uncached(self, i: int, m: int, s: int) -> bool:
        self.states += 1
        if self.states > MAX_STATES:
            return False
        self.deepest = max(self.deepest, i)
        segment = self.segments[i]
        lines = segment.lines
        if tuple(self.new[m:m + len(lines)]) != lines:
            return False
        after = m + len(lines)
        last = i == len(self.segments) - 1
        if last:
            tail = len(self.new) - after
            e = len(self.old) - tail
            if not segment.before_marker and tail:
                return False
            if e < s or self.new[after:] != self.old[e:]:
                return False
            return self._within_reach(i, s, e)
        # The gap before the next segment is original text copied from some e >= s on.
        for gap_end in self._next_segment_starts(i + 1, after):
            gap = self.new[after:gap_end]
            for e in self._runs_of(gap, s):
                if self._within_reach(i, s, e) and self._search(i + 1, gap_end, e + len(gap)):
                    return True
        return False

    def _next_segment_starts(self, i: int, low: int) -> list[int]:
        """Output lines at or after ``low`` where segment ``i`` occurs whole."""
        lines = self.segments[i].lines
        width = len(lines)
        return [m for m in range(low, len(self.new) - width + 1)
                if tuple(self.new[m:m + width]) == lines]

    def _runs_of(self, gap: list[str], low: int) -> list[int]:
        """Positions ``e >= low`` where ``gap`` is a contiguous run of the original."""
        width = len(gap)
        if not width:
            return list(range(low, len(self.old) + 1))
        first = gap[0]
        return [e for e in range(low, len(self.old) - width + 1)
                if self.old[e] == first and self.old[e:e + width] == gap]

    def _within_reach(self, i: int, s: int, e: int) -> bool:
        """Each marked edge of the replaced stretch ``old[s:e]`` is a line the segment keeps,
        rewrites in place or has a similar line for (blank edge lines do not count). An edge
        without a marker (the file's head or tail) is the sketch's to replace."""
        segment = self.segments[i]
        stretch = [line.rstrip() for line in self.old[s:e]]
        while stretch and not stretch[0]:
            stretch.pop(0)
        while stretch and not stretch[-1]:
            stretch.pop()
        if not stretch:
            return True
        lines = [line.rstrip() for line in segment.lines]
        opcodes = SequenceMatcher(None, stretch, lines, autojunk=False).get_opcodes()
        edges = []
        if segment.after_marker:
            edges.append(opcodes)
        if segment.before_marker:
            edges.append(opcodes[::-1])
        for ordered in edges:
            unexplained = self._unexplained_at_edge(i, stretch, ordered)
            if unexplained is not None:
                self.reach_failure = (
                    f"segment {i + 1} would replace the original line {unexplained.strip()!r}, "
                    "which the sketch neither keeps nor rewrites")
                return False
        swallowed = self._swallowed_block(i, stretch, opcodes) if self.swallow else None
        if swallowed is not None:
            self.reach_failure = (
                f"segment {i + 1} would drop the original lines from {swallowed.strip()!r} on "
                "while writing new ones in their place that do not resemble them")
            return False
        return True

    def _swallowed_block(self, i: int, stretch: list[str],
                         opcodes: Sequence[tuple[str, int, int, int, int]]) -> str | None:
        """The first original line of a stretch whose segment drops far more lines than it
        writes (a statement spread over lines counts once: a call with one argument a line
        rewritten as a short one drops one statement). A deletion the sketch shows has the
        lines around it and nothing new between them; a rewrite writes about as much as it
        drops; but an anchor matched at the wrong repetition of a line (a test's
        ``assertEqual``) drops whole functions and puts the new code where they were."""
        continued = _continuation_lines(stretch)
        dropped = [stretch[n] for tag, i1, i2, _j1, _j2 in opcodes if tag in ("replace", "delete")
                   for n in range(i1, i2) if stretch[n] and n not in continued]
        written = [line for tag, _i1, _i2, j1, j2 in opcodes if tag in ("replace", "insert")
                   for line in self.segments[i].lines[j1:j2] if line.strip()]
        if written and len(dropped) > SWALLOW_FACTOR * len(written) + SWALLOW_SLACK:
            return dropped[0]
        return None

    def _unexplained_at_edge(self, i: int, stretch: list[str],
                             opcodes: Sequence[tuple[str, int, int, int, int]]) -> str | None:
        """The first original line at this edge that the segment does not account for: the
        edge's deleted lines must be similar to a line the segment writes at that edge, or be
        rewritten by as many new lines there. (A line like one written deep inside the
        segment does not count: the sketch hid a deletion at its marker.)"""
        written: list[str] = []
        lines = self.segments[i].lines
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                return None
            written += [line.rstrip() for line in lines[j1:j2]]
            if i1 == i2:
                continue  # lines only inserted: look further for the stretch's edge
            lost = [line for line in stretch[i1:i2]
                    if line and line not in written
                    and not any(similarity(line, new) >= FUZZY_RATIO for new in written)]
            return lost[0] if len(lost) > len(written) else None
        return None

    def deepest_segment_line(self) -> str | None:
        lines = self.segments[min(self.deepest, len(self.segments) - 1)].lines
        return next((line for line in lines if line.strip()), lines[0] if lines else None)

    def failure_reason(self) -> str:
        if self.states > MAX_STATES:
            return "the merge could not be proved within the search limit"
        if self.reach_failure:
            return self.reach_failure
        return (f"segment {self.deepest + 1} is not surrounded by original lines in order "
                "(an elided stretch was not copied unchanged)")


def _continuation_lines(stretch: Sequence[str]) -> set[int]:
    """Positions of the lines that continue a statement opened by a bracket on an earlier
    line of the stretch."""
    found = set()
    depth = 0
    for number, line in enumerate(stretch):
        if depth > 0:
            found.add(number)
        depth = max(depth + bracket_depth(line), 0)
    return found
