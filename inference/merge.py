"""Place a sketch's segments in the original file: one exact placement, or candidates to rank.

Each segment replaces a stretch ``original[start:end]``; the markers between segments keep the
original lines between them. A segment is *anchored* by its first and last lines, which must be
lines of the original; an anchor line that occurs several times is extended with the lines next
to it until one occurrence agrees longest. The merge is *deterministic* when every segment's own
first and last lines are anchors and exactly one placement of all segments is in order.

When that fails, :func:`boundary_merge` tries the way an edit is read by a person: the
segment's exact lines anchor it, and walking outwards from them each edited edge line either
rewrites the original line beside it (when similar to it, or the same definition) or is new
and inserted; a segment with no original line at all rewrites the original line most like it.
It returns a merge only when that reading places every segment at exactly one place.

When both fail (an edge rewritten beyond recognition, an ambiguous anchor), :func:`candidate_merges`
lists the plausible merges: the nearest unchanged lines serve as anchors and the edited lines
beside them either replace original lines or are inserted. A language model ranks them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from inference.line_similarity import (
    FUZZY_RATIO,
    GENERIC_WORDS,
    counterpart_copies,
    reopens,
    similarity,
)
from inference.line_similarity import WORDS as _WORDS
from inference.line_similarity import code_of as _code
from inference.line_similarity import counterpart as _counterpart
from inference.line_similarity import similar_to_any as _similar_to_any
from inference.merge_doubts import duplicated_lines, new_definition_lines
from inference.merge_doubts import left_behind as _left_behind
from inference.merge_edges import Unsure, joined_lines, rewrites, walk_out
from inference.merge_imports import import_insertion
from inference.merge_rows import moved_rows, row_insertion
from inference.sketch import Segment, Sketch
from inference.statement_keys import DEFINITION, NAMED_KINDS, statement_key

__all__ = [
    "MergeOutcome",
    "anchored_merges",
    "as_snippet",
    "boundary_merge",
    "candidate_merges",
    "deterministic_merge",
    "duplicated_lines",
    "join_lines",
    "split_lines",
    "walked_merge",
]

MAX_CANDIDATES = 12
# Without any marker a sketch at least this fraction of the original's length is the whole new
# file; a shorter one is a snippet to place like a segment between two elisions.
WHOLE_FILE_FRACTION = 0.5


@dataclass(frozen=True)
class MergeOutcome:
    """Result of the deterministic merge: the text, or why there is no unique placement."""

    text: str | None
    reason: str
    line: str | None = None  #: the sketch line that has no place in the original, if any


@dataclass(frozen=True)
class _Placement:
    start: int
    end: int


def split_lines(text: str) -> list[str]:
    """Lines without their endings."""
    return text.splitlines()


def join_lines(lines: Sequence[str], like: str) -> str:
    """Join lines with the newline style and final newline of ``like`` (the original)."""
    newline = "\r\n" if "\r\n" in like else "\n"
    body = newline.join(lines)
    if lines and (like.endswith("\n") or not like):
        body += newline
    return body


class _Index:
    """Where each (right-stripped) line occurs in the original."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = [line.rstrip() for line in lines]
        self.where: dict[str, list[int]] = defaultdict(list)
        self.counterparts: dict[str, int | None] = {}
        for number, line in enumerate(self.lines):
            self.where[line].append(number)

    def counterpart(self, new: str) -> int | None:
        """The one original line that the new line ``new`` clearly rewrites, if any."""
        if new not in self.counterparts:
            self.counterparts[new] = _counterpart(self.lines, new)
        return self.counterparts[new]

    def heads(self, seg: Sequence[str], h: int) -> list[int]:
        """Occurrences of ``seg[h]`` that agree longest with the lines after it."""
        found = self.where.get(seg[h], [])
        return _longest(found, lambda p: _agree(self.lines, p, seg, h, +1))

    def tails(self, seg: Sequence[str], t: int) -> list[int]:
        """Occurrences of ``seg[t]`` that agree longest with the lines before it."""
        found = self.where.get(seg[t], [])
        return _longest(found, lambda q: _agree(self.lines, q, seg, t, -1))


def _agree(lines: Sequence[str], pos: int, seg: Sequence[str], at: int, step: int,
           blank: bool = True) -> int:
    """How many lines, from ``lines[pos]`` and ``seg[at]`` on in direction ``step``, are
    equal; without ``blank``, how many of those have text (a shared blank line says little
    about where a segment is)."""
    count = 0
    while 0 <= pos < len(lines) and 0 <= at < len(seg) and lines[pos] == seg[at]:
        count += 1 if blank or lines[pos].strip() else 0
        pos += step
        at += step
    return count


def _longest(found: list[int], agreement) -> list[int]:
    if len(found) <= 1:
        return list(found)
    scores = [agreement(p) for p in found]
    best = max(scores)
    return [p for p, score in zip(found, scores, strict=True) if score == best]


def _segment_placements(
    index: _Index, segment: Segment, total: int, slack: bool
) -> list[_Placement]:
    """Where ``segment`` may go. Without slack its own first and last lines are the anchors."""
    seg = [line.rstrip() for line in segment.lines]
    known = [i for i, line in enumerate(seg) if line.strip() and index.where.get(line)]
    if not known and slack:
        return _fuzzy_placements(index, seg, segment, total)
    if not slack:
        return _anchored_placements(index, seg, segment, total, known)
    if segment.after_marker:
        if not known or (not slack and known[0] != 0):
            return []
        h = known[0]
        starts = sorted({p - back for p in index.heads(seg, h) for back in range(h + 1)
                         if p - back >= 0})
    else:
        starts = [0]
    if segment.before_marker:
        if not known or (not slack and known[-1] != len(seg) - 1):
            return []
        t = known[-1]
        extra = len(seg) - 1 - t
        ends = sorted({q + 1 + ahead for q in index.tails(seg, t) for ahead in range(extra + 1)
                       if q + 1 + ahead <= total})
    else:
        ends = [total]
    return [_Placement(s, e) for s in starts for e in ends if s <= e]


def _anchored_placements(index: _Index, seg: list[str], segment: Segment, total: int,
                         known: list[int]) -> list[_Placement]:
    """Placements whose first and last lines are the segment's own (at a marker), best first
    kept only: those that drop the fewest original lines the segment does not contain, then
    those whose anchors agree longest with their neighbours. An assistant elides what it
    keeps and shows what it deletes, so a reading that silently deletes more (the segment
    anchored at an earlier repetition of its first line, reaching to the end of the file) is
    not the intended one, however well its anchor agrees."""
    places = _every_anchored_placement(index, seg, segment, total, known)
    return _least_dropping(index, seg, places, [(0, 0)] if segment.after_marker else [],
                           [(len(seg) - 1, 0)] if segment.before_marker else [])


def _every_anchored_placement(index: _Index, seg: list[str], segment: Segment, total: int,
                              known: list[int]) -> list[_Placement]:
    """Every placement whose first and last lines are the segment's own (at a marker),
    unranked."""
    if segment.after_marker and (not known or known[0] != 0):
        return []
    if segment.before_marker and (not known or known[-1] != len(seg) - 1):
        return []
    starts = index.where[seg[0]] if segment.after_marker else [0]
    ends = [q + 1 for q in index.where[seg[-1]]] if segment.before_marker else [total]
    # A line the segment moved past its anchor (``b`` shown after ``a`` where ``b, a``
    # stood): the stretch reaches over its old place, or the line would be kept twice.
    starts = sorted({*starts, *(_over_moved(index, seg, s, -1) for s in starts)})
    ends = sorted({*ends, *(_over_moved(index, seg, e - 1, +1) + 1 for e in ends)})
    # The stretch holds both anchors: the first line's occurrence is not after the last's.
    return [_Placement(s, e) for s in starts for e in ends
            if s < e or not (segment.after_marker and segment.before_marker)]


def anchored_merges(original: str, sketch: Sketch, limit: int = 4 * MAX_CANDIDATES
                    ) -> list[tuple[str, bool]]:
    """Every in-order merge whose segments are anchored by their own first and last lines,
    unranked (the deterministic merge keeps the best-ranked only), each with whether it is
    free of `_place_all`'s doubts (`_placed_soundly`); empty when a segment has no such
    placement or there are more than ``limit`` merges (too many to say one is it)."""
    lines = split_lines(original)
    sketch = as_snippet(sketch, len(lines))
    index = _Index(lines)
    options = []
    for segment in sketch.segments:
        seg = [line.rstrip() for line in segment.lines]
        known = [i for i, line in enumerate(seg) if line.strip() and index.where.get(line)]
        places = _every_anchored_placement(index, seg, segment, len(lines), known)
        if not places:
            return []
        options.append(places)
    found = list(_assignments(options, limit=limit + 1)) if options else []
    if len(found) > limit:
        return []
    merges: dict[str, bool] = {}
    for chosen in found:
        text = join_lines(_render(lines, sketch.segments, chosen), original)
        merges[text] = merges.get(text, True) and _placed_soundly(index, sketch.segments,
                                                                  chosen)
    return list(merges.items())


def _placed_soundly(index: _Index, segments: Sequence[Segment],
                    chosen: Sequence[_Placement]) -> bool:
    """Whether no segment deletes a definition it does not show while being one whole
    definition, nor rests only on repeated generic anchors (`_place_all`'s doubts)."""
    return not any(
        (whole_definition(segment.lines) and _drops_definition(index, segment, place))
        or _repeated_anchor(index, segment, place) is not None
        for segment, place in zip(segments, chosen, strict=True))


def _over_moved(index: _Index, seg: Sequence[str], at: int, step: int) -> int:
    """From the anchor ``index.lines[at]`` outwards, the last of the adjacent original lines
    that the segment moved past the anchor (`_moved_lines`); ``at`` when there are none."""
    moved = _moved_lines(index, seg, step)
    while 0 <= at + step < len(index.lines) and index.lines[at + step] in moved:
        at += step
    return at


def _moved_lines(index: _Index, seg: Sequence[str], step: int) -> set[str]:
    """For a segment made only of original lines (lines reordered, none written), its lines
    but the first (``step`` -1; but the last, ``step`` +1) that occur once in the original:
    when the original line beside the segment's anchor is one of them, the segment moved it."""
    if any(line.strip() and line not in index.where for line in seg):
        return set()
    return {line for line in (seg[1:] if step < 0 else seg[:-1]) if _once(index.lines, line)}


def _least_dropping(index: _Index, seg: list[str], places: list[_Placement],
                    heads: list[tuple[int, int]], tails: list[tuple[int, int]]
                    ) -> list[_Placement]:
    """The placements that drop the fewest original lines the segment does not contain (or
    keep the fewest of its lines twice, `_doubled_run`), then (on a tie) whose anchors agree
    longest with their neighbours. ``heads``/``tails``: ``(segment line, offset from the
    placement's start/end)`` of the anchors to score."""
    if len(places) <= 1:
        return places

    def rank(place: _Placement) -> tuple[int, int]:
        agreement = sum(_agree(index.lines, place.start + off, seg, at, +1, blank=False)
                        for at, off in heads)
        agreement += sum(_agree(index.lines, place.end - 1 - off, seg, at, -1, blank=False)
                         for at, off in tails)
        return _dropped(index, seg, place), -agreement

    ranks = [rank(place) for place in places]
    return _keep_ambiguity(index, seg, places, _consensus(places, ranks, _written(index, seg)))


#: A segment that writes new lines may drop up to this many times as many original lines,
#: plus the slack (a rewrite may shorten code); more is a placement that swallowed code the
#: sketch never showed (`inference.merge_check` refuses such a merge).
SWALLOW_FACTOR, SWALLOW_SLACK = 2, 10


def _consensus(places: list[_Placement], ranks: list[tuple[int, int]], written: int
               ) -> list[_Placement]:
    """The best placements by (dropped lines, then anchor agreement) when agreement-first
    picks the same ones; otherwise the evidence conflicts and both picks stay possible (the
    merge is then ambiguous and refused rather than guessed). A placement that drops more
    than the segment's ``written`` new lines can account for (`SWALLOW_FACTOR`) is no
    evidence against the others: the merge check would refuse it anyway."""
    by_drop = min(ranks)
    limit = SWALLOW_FACTOR * written + SWALLOW_SLACK
    by_agreement = min(((r[1], r[0]) for r in ranks if r[0] <= limit),
                       default=(by_drop[1], by_drop[0]))
    first = [p for p, r in zip(places, ranks, strict=True) if r == by_drop]
    second = [p for p, r in zip(places, ranks, strict=True) if (r[1], r[0]) == by_agreement]
    if first == second:
        return first
    return sorted(set(first) | set(second), key=lambda p: (p.start, p.end))


def _written(index: _Index, seg: Sequence[str]) -> int:
    """The segment's new lines with text (not in the original)."""
    return sum(1 for line in seg if line.strip() and line not in index.where)


def _dropped(index: _Index, seg: list[str], place: _Placement) -> int:
    """Original lines the placement loses: neither kept by the segment nor rewritten by one of
    its new lines, plus a run of its lines left standing beside it (`_doubled_run`)."""
    own = Counter(seg)  # a line the segment keeps once accounts for one copy of it
    # A new definition's lines are its own: they rewrite no line like them elsewhere.
    fresh = new_definition_lines(index.lines, seg)
    written = [line for number, line in enumerate(seg)
               if line.strip() and line not in index.where and number not in fresh]
    stretch = index.lines[place.start:place.end]
    joined = joined_lines(stretch, written)
    dropped = 0
    for number, line in enumerate(stretch):
        if not line.strip() or number in joined:
            continue
        if own[line] > 0:
            own[line] -= 1
        elif not any(rewrites(new, line) for new in written):
            dropped += 1
    misplaced = sum(1 for line in written
                    for at in [index.counterpart(line)]
                    if at is not None and not place.start <= at < place.end)
    # A line the original has once, kept by the segment and left standing right beside the
    # stretch too, is a moved line kept twice: such a placement is no reading of the sketch.
    doubled = (place.start > 0 and index.lines[place.start - 1] in _moved_lines(index, seg, -1)
               ) or (place.end < len(index.lines)
                     and index.lines[place.end] in _moved_lines(index, seg, +1))
    return dropped + misplaced + _doubled_run(index.lines, seg, place) + (
        SWALLOW_FACTOR * len(seg) + SWALLOW_SLACK + 1 if doubled else 0)


#: Lines of a segment found again, in a row, right beside its stretch: the stretch is too
#: short and the old copy of what the segment rewrites would stay.
DOUBLED_RUN = 3
DOUBLED_GAP = 2


def _doubled_run(lines: Sequence[str], seg: Sequence[str], place: _Placement) -> int:
    """The longest run (of at least `DOUBLED_RUN` lines, not all generic: ``pass`` and two
    blank lines end many classes; a line the original has once is not generic) of segment
    lines that the original repeats just after or
    just before the stretch (within `DOUBLED_GAP` lines: the rewritten line itself differs);
    0 when none."""
    best = 0
    for j in range(len(seg)):
        for gap in range(DOUBLED_GAP + 1):
            after = _agree(lines, place.end + gap, seg, j, +1)
            start = place.start - 1 - gap
            before = _agree(lines, start, seg, j, -1) if start >= 0 else 0
            for run, low in ((after, j), (before, j - before + 1)):
                if run >= DOUBLED_RUN and any(len(_WORDS.findall(line)) > GENERIC_WORDS
                                              or _once(lines, line)
                                              for line in seg[low:low + run]):
                    best = max(best, run)
    return best


def _once(lines: Sequence[str], line: str) -> bool:
    """Whether a line with a word occurs once in the original (``markupsafe._compat``)."""
    return bool(_WORDS.search(line)) and lines.count(line) == 1


def _keep_ambiguity(index: _Index, seg: list[str], places: list[_Placement],
                    chosen: list[_Placement]) -> list[_Placement]:
    """A segment already in the original word for word may mean "this stays" there, or be
    the new version of a copy elsewhere (the same code in two functions). When both readings
    exist, the best of each stays possible, so that the ambiguity is refused, not guessed."""
    same = [p for p in places if index.lines[p.start:p.end] == seg]
    if not same or len(same) == len(places):
        return chosen
    changing = [p for p in chosen if p not in same] or [p for p in places if p not in same]
    return sorted(set(changing[:1]) | set(same[:1]) | set(chosen),
                  key=lambda p: (p.start, p.end))


def _fuzzy_placements(
    index: _Index, seg: list[str], segment: Segment, total: int
) -> list[_Placement]:
    """Every line of the segment is new: it replaces the original lines most like its ends."""
    filled = [line for line in seg if line.strip()]
    if not filled:
        return []
    starts = _similar(index.lines, filled[0]) if segment.after_marker else [0]
    ends = [p + 1 for p in _similar(index.lines, filled[-1])] if segment.before_marker else [total]
    return [_Placement(s, e) for s in starts for e in ends if s < e]


def _similar(lines: Sequence[str], target: str, top: int = 3) -> list[int]:
    """Positions of the (at most ``top``) lines most like ``target``, similarity at least 0.6;
    for a definition or dict entry, only lines of the same name (`statement_key`)."""
    key = statement_key(target)
    if key is not None and key[1] in NAMED_KINDS:
        lines = [line if statement_key(line) == key else "" for line in lines]
    scored = []
    for number, line in enumerate(lines):
        ratio = similarity(line, target)
        if ratio >= FUZZY_RATIO:
            scored.append((-ratio, number))
    return [number for _, number in sorted(scored)[:top]]


def _assignments(
    options: list[list[_Placement]], limit: int
) -> Iterator[list[_Placement]]:
    """In-order, non-overlapping choices of one placement per segment (at most ``limit``)."""
    found = 0

    def walk(i: int, low: int, chosen: list[_Placement]) -> Iterator[list[_Placement]]:
        nonlocal found
        if found >= limit:
            return
        if i == len(options):
            found += 1
            yield list(chosen)
            return
        for placement in options[i]:
            if placement.start >= low:
                chosen.append(placement)
                yield from walk(i + 1, placement.end, chosen)
                chosen.pop()

    yield from walk(0, 0, [])


def _render(original: Sequence[str], segments: Sequence[Segment],
            placements: Sequence[_Placement]) -> list[str]:
    out: list[str] = []
    cursor = 0
    for segment, placement in zip(segments, placements, strict=True):
        out.extend(original[cursor:placement.start])
        out.extend(segment.lines)
        cursor = placement.end
    out.extend(original[cursor:])
    return out


def as_snippet(sketch: Sketch, original_len: int) -> Sketch:
    """A sketch without markers: the whole file, or a snippet with elisions on both sides."""
    if sketch.markers or len(sketch.segments) != 1:
        return sketch
    only = sketch.segments[0]
    if len(only.lines) >= WHOLE_FILE_FRACTION * original_len:
        return sketch
    lines = list(only.lines)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return Sketch((Segment(tuple(lines), True, True),), 0, sketch.trailing_newline)


def deterministic_merge(original: str, sketch: Sketch) -> MergeOutcome:
    """Merge when every segment's first and last lines anchor it at exactly one place."""

    def anchored(index: _Index, segment: Segment, number: int,
                 total: int) -> list[_Placement] | MergeOutcome:
        places = _segment_placements(index, segment, total, slack=False)
        if places:
            return places
        missing = _first_unknown_edge(index, segment)
        return MergeOutcome(
            None, f"segment {number}: its line {missing.strip()!r} is not in the original",
            missing)

    placed = _place_all(original, sketch, anchored, "anchors are ambiguous")
    if isinstance(placed, MergeOutcome):
        return placed
    lines, sketch, placements = placed
    return MergeOutcome(join_lines(_render(lines, sketch.segments, placements), original),
                        "every anchor matched once")


Placer = Callable[[_Index, Segment, int, int], "list[_Placement] | MergeOutcome"]


def _place_all(original: str, sketch: Sketch, placer: Placer, ambiguous: str
               ) -> tuple[list[str], Sketch, list[_Placement]] | MergeOutcome:
    """Place every segment with ``placer(index, segment, number, total)`` (its options, or why
    it has none) and choose the one in-order placement; or say why there is none."""
    lines = split_lines(original)
    sketch = as_snippet(sketch, len(lines))
    if not sketch.segments:
        return MergeOutcome(None, "the sketch has no code, only elision markers")
    index = _Index(lines)
    options = []
    for number, segment in enumerate(sketch.segments, 1):
        places = placer(index, segment, number, len(lines))
        if isinstance(places, MergeOutcome):
            return places
        options.append(places)
    placed = _only_placement(lines, sketch, options, ambiguous)
    if isinstance(placed, MergeOutcome):
        return placed
    for number, (segment, place) in enumerate(zip(sketch.segments, placed, strict=True), 1):
        if whole_definition(segment.lines) and _drops_definition(index, segment, place):
            return MergeOutcome(None, f"{ambiguous}: segment {number}, one whole definition, "
                                "would delete another definition it does not show",
                                segment.lines[-1])
        weak = _repeated_anchor(index, segment, place)
        if weak is not None:
            return MergeOutcome(None, f"{ambiguous}: segment {number} is anchored only by "
                                f"lines the file repeats ({weak.strip()!r}), and it may as well "
                                "be a new copy as a rewrite of the code there", weak)
    return lines, sketch, placed



def whole_definition(seg: Sequence[str]) -> tuple[int, tuple[str, str, str]] | None:
    """``(header index, key)`` when the segment is decorators, one ``def``/``class`` header
    and lines indented deeper than it (or blank); else None."""
    header = next((k for k, line in enumerate(seg) if not line.lstrip().startswith("@")), None)
    if header is None:
        return None
    key = statement_key(seg[header])
    if key is None or key[1] not in ("def", "class"):
        return None
    depth = len(seg[header]) - len(seg[header].lstrip())
    if any(len(line) - len(line.lstrip()) != depth for line in seg[:header]):
        return None
    body = [line for line in seg[header + 1:] if line.strip()]
    if not body or any(len(line) - len(line.lstrip()) <= depth for line in body):
        return None
    return header, key


def _drops_definition(index: _Index, segment: Segment, place: _Placement) -> bool:
    """Whether the stretch holds a function or class header that the segment neither shows
    nor rewrites (a header of that name): a segment that is one whole definition would
    delete another one the sketch never mentions (its reformatted last line ``)`` matched
    at the end of a later test)."""
    shown = {statement_key(line) for line in segment.lines} - {None}
    return any(DEFINITION.match(line) and statement_key(line) not in shown
               for line in index.lines[place.start:place.end])


def _repeated_anchor(index: _Index, segment: Segment, place: _Placement) -> str | None:
    """A segment whose every original line is generic and occurs more than once in the file
    (``)``, ``parser.add_argument(``) and whose stretch loses a line it neither shows nor
    writes a similar one for: it reads as a rewrite of that copy of the code or as a new copy
    beside it, and nothing tells which. Returns its first such line."""
    seg = {line.rstrip() for line in segment.lines}
    known = [line for line in seg if line.strip() and line in index.where]
    if not known or any(len(index.where[line]) == 1 or len(_WORDS.findall(line)) > GENERIC_WORDS
                        for line in known):
        return None
    written = [line for line in seg if line.strip() and line not in index.where]
    lost = [line for line in index.lines[place.start:place.end] if line.strip()
            and line not in seg and not _similar_to_any(line, written)
            and not any(rewrites(new, line) for new in written)]
    if not lost:
        return None
    return next(line.rstrip() for line in segment.lines if line.rstrip() in known)


def _only_placement(lines: list[str], sketch: Sketch, options: list[list[_Placement]],
                    ambiguous: str) -> list[_Placement] | MergeOutcome:
    """The one in-order choice of placements, or why there is none: several or no choices,
    or a merge that keeps a moved line twice (`duplicated_lines`)."""
    found = list(_assignments(options, limit=2))
    if len(found) != 1:
        why = "no in-order placement" if not found else "more than one placement"
        return MergeOutcome(None, f"{ambiguous}: {why}")
    doubled = duplicated_lines(lines, _render(lines, sketch.segments, found[0]))
    if doubled:
        return MergeOutcome(None, f"the line {doubled[0]!r} would appear twice: moved?")
    return found[0]


def _first_unknown_edge(index: _Index, segment: Segment) -> str:
    """The segment's first (else last) line when it is not an original line."""
    first, last = segment.lines[0], segment.lines[-1]
    if segment.after_marker and first.rstrip() not in index.where:
        return first
    if segment.before_marker and last.rstrip() not in index.where:
        return last
    return first


def _boundary_placements(index: _Index, segment: Segment, total: int) -> list[_Placement]:
    seg = [line.rstrip() for line in segment.lines]
    known = [i for i, line in enumerate(seg) if line.strip() and index.where.get(line)]
    if not known:
        filled = [line for line in seg if line.strip()]
        if not filled:
            return []
        if segment.after_marker and segment.before_marker:
            at = import_insertion(index.lines, seg)
            at = row_insertion(index.lines, seg) if at is None else at
            if at is not None:
                return [_Placement(at, at)]
        soft = _keyed_anchors(index.lines, seg) or _soft_anchors(index, seg)
        if soft:
            return _softly_placed(index, seg, segment, soft, total)
        copies = [place for pairs in _copy_anchors(index, seg)
                  for place in _softly_placed(index, seg, segment, pairs, total)]
        if copies:
            return copies
        starts = _most_similar(index.lines, filled[0]) if segment.after_marker else [0]
        ends = ([p + 1 for p in _most_similar(index.lines, filled[-1])]
                if segment.before_marker else [total])
        return _line_for_line(index, seg, [_Placement(s, e) for s in starts for e in ends
                                           if s < e])
    if all(len(_WORDS.findall(seg[k])) <= GENERIC_WORDS for k in known):
        # Only generic lines (``else:``, ``)``) are original: an original line indented
        # anew or given a comment anchors it better.
        soft = _soft_anchors(index, seg)
        if soft:
            return _softly_placed(index, seg, segment, soft, total)
    h, t = _anchors_in_order(index, seg, known)
    # Every occurrence of the anchors that can stand in order with the other anchor, walked
    # out; keyed by where the anchor itself is.
    first, last = index.where[seg[h]], index.where[seg[t]]
    starts = {walk_out(index.lines, seg, h, p, -1): p for p in first
              if p <= max(last)} if segment.after_marker else {0: -1}
    ends = {walk_out(index.lines, seg, t, q, +1) + 1: q for q in last
            if q >= min(first)} if segment.before_marker else {total: total}
    places = [_Placement(s, e) for s in sorted(starts) for e in sorted(ends)
              if s <= e and starts[s] <= ends[e]]
    if len(places) <= 1:
        return places
    # Score each anchor's agreement at its own position (the edges around it are edited).
    ranks = [(_dropped(index, seg, place), -(
        _agree(index.lines, starts[place.start], seg, h, +1, blank=False)
        + _agree(index.lines, ends[place.end], seg, t, -1, blank=False))) for place in places]
    return _keep_ambiguity(index, seg, places, _consensus(places, ranks, _written(index, seg)))


def _line_for_line(index: _Index, seg: Sequence[str], places: list[_Placement]
                   ) -> list[_Placement]:
    """Of several placements of a segment of new lines, the one stretch that the segment
    rewrites line for line (as many lines with text, each like the segment's line at its
    place: a block of rows edited alike), when exactly one does; else all of them."""
    if len(places) <= 1:
        return places
    new = [line for line in seg if line.strip()]

    def rewritten(place: _Placement) -> bool:
        old = [line for line in index.lines[place.start:place.end] if line.strip()]
        return len(old) == len(new) and all(
            similarity(a, b) >= FUZZY_RATIO for a, b in zip(new, old, strict=True))

    exact = [place for place in places if rewritten(place)]
    return exact if len(exact) == 1 else places


def _softly_placed(index: _Index, seg: list[str], segment: Segment,
                   pairs: list[tuple[int, int]], total: int) -> list[_Placement]:
    """The placement anchored by soft ``(segment line, original line)`` pairs, its edges
    walked out from the outermost pairs."""
    (h, p), (t, q) = pairs[0], pairs[-1]
    start = walk_out(index.lines, seg, h, p, -1) if segment.after_marker else 0
    end = walk_out(index.lines, seg, t, q, +1) + 1 if segment.before_marker else total
    return [_Placement(start, end)] if start <= end else []


def _keyed_anchors(lines: Sequence[str], seg: Sequence[str]) -> list[tuple[int, int]]:
    """``(segment line, original line)`` pairs of a segment with no original line: each
    segment line that sets a name (`statement_key`, indentation included) set by exactly one
    original line, which it rewrites; a name set several times anchors nothing. Empty
    unless the pairs are in order, or the lines are one block both in the segment and in
    the original (a block rewritten in another order: its first and last lines pair)."""
    keys = [statement_key(line) for line in lines]
    pairs = []
    for k, line in enumerate(seg):
        key = statement_key(line)
        if key is None:
            continue
        found = [p for p, other in enumerate(keys) if other == key]
        if len(found) == 1:
            pairs.append((k, found[0]))
    if any(b[1] <= a[1] for a, b in zip(pairs, pairs[1:], strict=False)):
        # Reordered: the segment rewrites them as one block when they are one block in
        # the original and in the segment (`version = ...` / `release = ...` swapped).
        ks, ps = sorted(k for k, _ in pairs), sorted(p for _, p in pairs)
        if ks != list(range(ks[0], ks[-1] + 1)) or ps != list(range(ps[0], ps[-1] + 1)):
            return []
        return [(ks[0], ps[0]), (ks[-1], ps[-1])]
    return pairs


def _soft_anchors(index: _Index, seg: Sequence[str]) -> list[tuple[int, int]]:
    """``(segment line, original line)`` pairs of a segment with no original line, for the
    lines that are an original line with another indentation or trailing comment (code
    wrapped in a new block, a ``# noqa`` added): each such line of at least three words that
    occurs once in the original and once in the segment, and the lines that clearly rewrite
    one original line (`_counterpart`). Empty unless in order."""
    codes = [_code(line) for line in index.lines]
    seg_codes = [_code(line) for line in seg]
    pairs = []
    for k, code in enumerate(seg_codes):
        if len(_WORDS.findall(code)) < 3 or seg_codes.count(code) != 1:
            continue
        found = [p for p, other in enumerate(codes) if other == code]
        if len(found) == 1:
            pairs.append((k, found[0]))
    taken = {k for k, _ in pairs}
    targets = {p for _, p in pairs}
    for k, line in enumerate(seg):
        at = index.counterpart(line) if line.strip() and k not in taken else None
        if at is not None and at not in targets:
            pairs.append((k, at))
    pairs.sort()
    if any(b[1] <= a[1] for a, b in zip(pairs, pairs[1:], strict=False)):
        return []
    return pairs


def _copy_anchors(index: _Index, seg: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Soft anchors of a segment with no original line whose new lines rewrite code the file
    repeats (`counterpart_copies`: the same line in each of several functions): one list of
    ``(segment line, original line)`` pairs for each copy, when every such line has as many
    copies and each copy's pairs are in order. Which copy the segment rewrites is left to
    the order of the segments (`_only_placement`)."""
    found = [(k, counterpart_copies(index.lines, line)) for k, line in enumerate(seg)
             if line.strip()]
    found = [(k, copies) for k, copies in found if copies]
    if not found or len({len(copies) for _, copies in found}) != 1 or len(found[0][1]) < 2:
        return []
    options = [[(k, copies[i]) for k, copies in found] for i in range(len(found[0][1]))]
    if any(b[1] <= a[1] for pairs in options for a, b in zip(pairs, pairs[1:], strict=False)):
        return []
    return options


def _anchors_in_order(index: _Index, seg: Sequence[str], known: list[int]) -> tuple[int, int]:
    """The segment lines to anchor its start and end: its first and last lines found in the
    original, except that an edge line found only where the rest of the segment cannot be
    (its last line only above the first line's every occurrence, a new line that happens to
    repeat one far above) gives way to the next found line inwards; the lines outside the
    anchors are then read as rewrites or insertions."""
    h, t = known[0], known[-1]
    while t > h and max(index.where[seg[t]]) < min(index.where[seg[h]]):
        t = max(k for k in known if k < t)
    while h < t and min(index.where[seg[h]]) > max(index.where[seg[t]]):
        h = min(k for k in known if k > h)
    return h, t


def _most_similar(lines: Sequence[str], target: str) -> list[int]:
    """The original lines most like ``target`` (all of them on a tie), if similar at all; a
    line that defines or sets a name (`statement_key`: a header, an assignment, a dict
    entry) is like the lines setting that name, when there are any."""
    key = statement_key(target)
    keyed = [number for number, line in enumerate(lines)
             if key is not None and statement_key(line) == key]
    # A definition or dict entry whose name is nowhere in the original is new: it rewrites
    # nothing, however alike its shape (a variable may be renamed: similarity decides).
    if keyed or (key is not None and key[1] in NAMED_KINDS):
        return keyed
    scored = [(similarity(line, target), number) for number, line in enumerate(lines)]
    best = max((ratio for ratio, _ in scored), default=0.0)
    if best < FUZZY_RATIO:
        return []
    found = [number for ratio, number in scored if ratio == best]
    # ``if x:`` most like ``elif x:``: whether the branches above stay is not said.
    return [] if any(reopens(target, lines[number]) for number in found) else found


def boundary_merge(original: str, sketch: Sketch) -> MergeOutcome:
    """Merge reading edited edge lines as rewrites or insertions (see the module docs); a
    text only when exactly one in-order placement remains."""
    outcome = walked_merge(original, sketch, _boundary_placements, "edited edges",
                           "edges read as rewrites or insertions")
    if outcome.text is None and outcome.reason.endswith("no in-order placement"):
        # Segments out of order: rows shown alone may have moved where the list's order
        # puts them (their old lines are then the other segments' to delete).
        moved = walked_merge(original, sketch, _moved_row_placements, "moved rows",
                             "rows moved where the list's order puts them",
                             exempt=_moved_row_insertion)
        if moved.text is not None:
            return moved
    return outcome


def _moved_row_insertion(lines: Sequence[str], segment: Segment, place: _Placement) -> bool:
    """Whether the placement inserts rows the segment moved (`moved_rows`)."""
    return place.start == place.end == moved_rows(lines, segment.lines)


def _moved_row_placements(index: _Index, segment: Segment, total: int) -> list[_Placement]:
    """`_boundary_placements`, except that rows shown alone between markers that the list's
    order puts elsewhere (`moved_rows`) go there."""
    if segment.after_marker and segment.before_marker:
        at = moved_rows(index.lines, segment.lines)
        if at is not None:
            return [_Placement(at, at)]
    return _boundary_placements(index, segment, total)


SegmentPlacer = Callable[[_Index, Segment, int], "list[_Placement]"]


def walked_merge(original: str, sketch: Sketch, placements: SegmentPlacer, ambiguous: str,
                 reason: str, exempt: Callable[[Sequence[str], Segment, _Placement], bool]
                 = lambda _lines, _segment, _place: False) -> MergeOutcome:
    """Merge with ``placements(index, segment, total)`` giving each segment's options (it
    raises `Unsure` for an edge line that may rewrite its neighbour or be new); a text only
    when exactly one in-order placement remains and no segment leaves a line it writes
    standing beside it (`_left_behind`), but for the placements ``exempt(lines, segment,
    place)`` says another segment deletes the old lines of."""

    def placed(index: _Index, segment: Segment, number: int,
               total: int) -> list[_Placement] | MergeOutcome:
        try:
            places = placements(index, segment, total)
        except Unsure as unsure:
            line = unsure.args[0]
            return MergeOutcome(None, f"segment {number}: the line {line.strip()!r} may rewrite "
                                "the original line beside it or be new", line)
        if places:
            return places
        first = next((line for line in segment.lines if line.strip()), "")
        return MergeOutcome(None, f"segment {number} has no line like an original one", first)

    outcome = _place_all(original, sketch, placed, ambiguous)
    if isinstance(outcome, MergeOutcome):
        return outcome
    lines, sketch, chosen = outcome
    for segment, place in zip(sketch.segments, chosen, strict=True):
        if exempt(lines, segment, place):
            continue  # e.g. moved rows: their old lines are deleted by another segment
        behind = _left_behind(lines, segment, place)
        if behind is not None:
            return MergeOutcome(None, f"the line {behind.strip()!r} is new in the segment and "
                                "kept beside it too: moved, or placed at the wrong spot?",
                                behind)
    return MergeOutcome(join_lines(_render(lines, sketch.segments, chosen), original), reason)


def candidate_merges(original: str, sketch: Sketch, limit: int = MAX_CANDIDATES) -> list[str]:
    """Plausible merges when the deterministic one fails, most conservative first."""
    lines = split_lines(original)
    sketch = as_snippet(sketch, len(lines))
    if not sketch.segments:
        return []
    index = _Index(lines)
    options = []
    for segment in sketch.segments:
        places = _segment_placements(index, segment, len(lines), slack=True)
        if not places:
            return []
        # Prefer placements that replace about as many lines as the segment has.
        size = len(segment.lines)
        places.sort(key=lambda p, n=size: (abs((p.end - p.start) - n), p.start))
        options.append(places)
    texts: list[str] = []
    for placements in _assignments(options, limit=limit * 4):
        text = join_lines(_render(lines, sketch.segments, placements), original)
        if text not in texts:
            texts.append(text)
        if len(texts) >= limit:
            break
    return texts


