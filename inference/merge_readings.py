"""Place segments whose edited edge lines may each be read two ways, when only one reading
gives a file that holds together.

`inference.merge.boundary_merge` refuses a segment as soon as one of its edited edge lines may
as well rewrite the original line beside it as be a new line (``def test_methodkey(self)``
where ``def methodkey(self)`` stood, the first line of a header split over three lines). This
module reads every such line both ways (at most `MAX_READINGS` readings a segment) and returns
every resulting merge; `inference.apply` keeps those that are proved (`inference.merge_check`)
and, for Python, parse, and returns one only when all the survivors are the same file. A new
header inserted right above the old one's body leaves the old header without a body, so the
rewrite is the only reading that parses; a header split over lines reads the same either way.
Segments are anchored by their lines that occur once in the original; a segment none of whose
lines does (a method whose lines a sibling class repeats) is tried at every run of the original
that holds its lines in order, and the runs that a marker right after a block opener would reach
only by eliding past the end of that block lose (`_within_block`). Where the boundary merge
itself finds several placements, the anchor is in doubt, and it is the boundary merge's to
refuse: letting the readings choose there returned wrong files on the stress sets.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from inference.line_similarity import reopens
from inference.merge import (
    _WORDS,
    FUZZY_RATIO,
    GENERIC_WORDS,
    _assignments,
    _boundary_placements,
    _drops_definition,
    _Index,
    _keyed_anchors,
    _left_behind,
    _Placement,
    _render,
    _repeated_anchor,
    _similar_to_any,
    _soft_anchors,
    as_snippet,
    duplicated_lines,
    join_lines,
    similarity,
    split_lines,
    whole_definition,
)
from inference.merge_edges import Unsure, edge_verdict, joins_group, spanned
from inference.merge_imports import import_section
from inference.sketch import Segment, Sketch, indentation
from inference.statement_keys import DEFINITION

__all__ = ["MAX_READINGS", "orphaned_name", "reading_merges", "stranded_import"]

#: Readings of one segment's edges explored at most (each unsure line doubles them).
MAX_READINGS = 16
#: Merges returned at most.
MAX_MERGES = 24


def _walk_outs(lines: Sequence[str], seg: Sequence[str], at: int, pos: int,
               step: int) -> set[int]:
    """`inference.merge_edges.walk_out` over every reading of its unsure lines: the outermost
    original line rewritten, for each. A new import beyond a blank line next to imports of
    its kind joins them when the anchor's side of the blank is another kind (a standard
    library import beyond the blank above ``import pytest``). Raises `Unsure` for another
    new line that may join the group beyond a blank line (that doubt is about where it
    goes, not what it replaces) or when there are more than `MAX_READINGS` readings."""
    found: set[int] = set()
    readings = 0

    def walk(k: int, q: int, outermost: int) -> None:
        nonlocal readings
        while 0 <= k < len(seg):
            reflowed = spanned(seg, k, lines, q, step)
            if reflowed is not None:  # a statement joined onto one line, or split
                outermost = q + step * (reflowed[1] - 1)
                k, q = k + step * reflowed[0], q + step * reflowed[1]
                continue
            verdict = edge_verdict(lines, seg, k, q, step)
            if verdict is None and 0 <= q < len(lines) and reopens(seg[k], lines[q]):
                raise Unsure(seg[k])  # whether the branches above stay is no reading's
            if verdict is None:
                readings += 1
                if readings > MAX_READINGS:
                    raise Unsure(seg[k])
                walk(k + step, q + step, q if seg[k].strip() else outermost)  # a rewrite
                verdict = False  # ... or a new line: go on below
            if verdict:
                if seg[k].strip():
                    outermost = q
                q += step
            elif seg[k].strip() and q != outermost + step and joins_group(seg[k], lines[q]):
                if not _other_section(seg[k], lines[outermost]):
                    raise Unsure(seg[k])
                outermost = q - step  # over the blank line, into the imports of its kind
            k += step
        found.add(outermost)

    walk(at + step, pos + step, pos)
    return found


def _other_section(new: str, anchor_side: str) -> bool:
    """Whether a new import beyond a blank line, beside imports of its kind, is of another
    kind than the line on the anchor's side of the blank: it joins its own kind's block."""
    section = import_section(new)
    return section is not None and section != import_section(anchor_side)


def _read_placements(index: _Index, segment: Segment, total: int) -> list[_Placement]:
    """Every placement of a segment over the readings of its edge lines: anchored by its
    outermost lines that occur once in the original, or, where none does, at every run of
    the original that holds its known lines in order (a method repeated in a sibling class:
    the sketch's order and `_within_block` choose); raises `Unsure` when single anchors
    stand out of order."""
    seg = [line.rstrip() for line in segment.lines]
    known = [i for i, line in enumerate(seg) if line.strip() and index.where.get(line)]
    if known:
        single = [k for k in known if len(index.where[seg[k]]) == 1]
        if not single:
            if all(len(_WORDS.findall(seg[k])) <= GENERIC_WORDS for k in known):
                raise Unsure(seg[known[0]])  # ``"""`` or ``else:`` anchors nothing
            return [place for run in _known_runs(index, seg, known)
                    for place in _walked(index, segment, seg, run, total)]
        if index.where[seg[single[0]]] > index.where[seg[single[-1]]]:
            raise Unsure(seg[known[0]])
        h, t = single[0], single[-1]
        pairs = [(h, index.where[seg[h]][0]), (t, index.where[seg[t]][0])]
    else:
        pairs = _keyed_anchors(index.lines, seg) or _soft_anchors(index, seg)
        if not pairs:
            return []
    return _walked(index, segment, seg, pairs, total)


def _walked(index: _Index, segment: Segment, seg: Sequence[str],
            pairs: Sequence[tuple[int, int]], total: int) -> list[_Placement]:
    """The placements of a segment anchored at ``(segment line, original line)`` pairs, its
    edges walked out over every reading."""
    (h, p), (t, q) = pairs[0], pairs[-1]
    starts = _walk_outs(index.lines, seg, h, p, -1) if segment.after_marker else {0}
    ends = ({e + 1 for e in _walk_outs(index.lines, seg, t, q, +1)}
            if segment.before_marker else {total})
    return [_Placement(s, e) for s in sorted(starts) for e in sorted(ends) if s <= e]


def _known_runs(index: _Index, seg: Sequence[str], known: Sequence[int],
                ) -> list[list[tuple[int, int]]]:
    """For each occurrence of the segment's first known line, its first and last known lines
    matched in order right after it (each known line's next occurrence below the previous
    one, at most `NEAR_LINES` lines further), when every known line matches."""
    runs = []
    for start in index.where[seg[known[0]]]:
        at, run = start, [(known[0], start)]
        for k in known[1:]:
            nxt = [p for p in index.where[seg[k]] if at < p <= at + NEAR_LINES]
            if not nxt:
                break
            at = nxt[0]
            run.append((k, at))
        else:
            runs.append([run[0], run[-1]])
    return runs


def _within_block(lines: Sequence[str], sketch: Sketch, chosen: Sequence[_Placement]) -> bool:
    """Whether each marker stays inside the block that the segment before it opened: when a
    segment ends with a block opener (``class stop_after_delay(stop_base):``) and the next
    segment is indented deeper, the code elided between them holds no line at the opener's
    indentation or less (else the segment went to a sibling class's copy of its lines)."""
    pairs = list(zip(sketch.segments, chosen, strict=True))
    for (before, place), (after, nxt) in zip(pairs, pairs[1:], strict=False):
        opener = next((line for line in reversed(before.lines) if line.strip()), "")
        first = next((line for line in after.lines if line.strip()), "")
        if not opener.rstrip().endswith(":") or len(indentation(first)) <= len(indentation(opener)):
            continue
        if any(line.strip() and len(indentation(line)) <= len(indentation(opener))
               for line in lines[place.end:nxt.start]):
            return False
    return True


def _options(index: _Index, segment: Segment, total: int) -> tuple[list[_Placement], bool]:
    """The boundary merge's one placement of a segment, or, where it is unsure of an edge
    line, the placements of every reading (then True); raises `Unsure` when the boundary
    merge has several placements."""
    try:
        places = _boundary_placements(index, segment, total)
    except Unsure:
        return _read_placements(index, segment, total), True
    if len(places) > 1:  # an anchor in doubt: not for the readings to settle
        raise Unsure(segment.lines[0])
    return places, False


def reading_merges(original: str, sketch: Sketch) -> list[str]:
    """The merges of every reading of the segments' unsure edge lines (see the module docs),
    without those that leave a line the sketch writes standing beside its segment or keep a
    moved line twice; empty when a segment has no placement or a doubt no reading settles."""
    lines = split_lines(original)
    sketch = as_snippet(sketch, len(lines))
    if not sketch.segments:
        return []
    index = _Index(lines)
    try:
        options, read = zip(*(_options(index, segment, len(lines))
                              for segment in sketch.segments), strict=True)
    except Unsure:
        return []
    if not all(options):
        return []
    texts = _texts(original, lines, index, sketch, list(options), read)
    return list(dict.fromkeys(texts))[:MAX_MERGES]


def _doubtful(index: _Index, segment: Segment, place: _Placement, read: bool) -> bool:
    """Whether a placement fails a check of the boundary merge's (`_place_all`,
    `walked_merge`), or, for a segment placed by reading its edges (``read``), leaves an
    old version of a line the segment writes at its edges
    standing within `NEAR_LINES` outside that edge (a similar line: a reading of that line
    as new where it rewrote that one and the lines between). The line right beside the edge
    does not count: whether the edge line rewrites it is the doubt the readings are about."""
    if whole_definition(segment.lines) and _drops_definition(index, segment, place) \
            and not _renames(index, segment, place):
        return True
    if _repeated_anchor(index, segment, place) is not None:
        return True
    if not read:
        return False
    seg = [line.rstrip() for line in segment.lines]
    known = [k for k, line in enumerate(seg) if line.strip() and line in index.where]
    head = seg[:known[0]] if known else seg
    tail = seg[known[-1] + 1:] if known else seg
    before = index.lines[max(place.start - NEAR_LINES, 0):max(place.start - 1, 0)]
    after = index.lines[place.end + 1:place.end + NEAR_LINES]
    return any(len(_WORDS.findall(line)) > GENERIC_WORDS and _similar_to_any(line, [
        other for other in near if len(_WORDS.findall(other)) > GENERIC_WORDS])
        for edge, near in ((head, before), (tail, after)) for line in edge)


def _renames(index: _Index, segment: Segment, place: _Placement) -> bool:
    """Whether the stretch's one header is the segment's header renamed: the segment's first
    line (after decorators) is a header like it (`similarity`) and the stretch holds no
    other header."""
    headers = [line for line in index.lines[place.start:place.end] if DEFINITION.match(line)]
    whole = whole_definition(segment.lines)
    if whole is None or len(headers) != 1:
        return False
    return similarity(segment.lines[whole[0]].strip(), headers[0].strip()) >= FUZZY_RATIO


#: How close to a stretch a kept old version of a line the segment writes counts as left
#: behind by a reading.
NEAR_LINES = 3


def _texts(original: str, lines: list[str], index: _Index, sketch: Sketch,
           options: list[list[_Placement]], read: Sequence[bool]) -> Iterator[str]:
    assignments = list(_assignments(options, limit=MAX_MERGES * 4))
    # A marker right after a block opener usually elides code of that block only; where some
    # assignments keep to that, the others (the segment placed in a sibling block) lose.
    inside = [chosen for chosen in assignments if _within_block(lines, sketch, chosen)]
    for chosen in inside or assignments:
        if any(_doubtful(index, segment, place, was_read)
               or _left_behind(lines, segment, place) is not None
               for segment, place, was_read in zip(sketch.segments, chosen, read, strict=True)):
            continue
        merged = _render(lines, sketch.segments, chosen)
        if duplicated_lines(lines, merged):
            continue
        yield join_lines(merged, original)


def orphaned_name(original: str, merged: str) -> str | None:
    """A name the original binds somewhere (an import, an assignment, a definition, a
    parameter) that the merge binds nowhere but still reads: the merge deleted a binding its
    code needs (a reading that rewrote ``copy = self.copy()`` away while ``copy(fn)`` stays).
    None when there is none, or either file is not Python."""
    try:
        before, after = ast.parse(original), ast.parse(merged)
    except (SyntaxError, ValueError):
        return None
    lost = _bound(before) - _bound(after)
    read = {node.id for node in ast.walk(after)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return next(iter(sorted(lost & read)), None)


def stranded_import(original: str, merged: str) -> str | None:
    """A name the merge still imports that the original reads and the merge reads nowhere:
    the merge rewrote every use of the import away yet kept it (a reading of ``import sys``
    as new beside ``import sysconfig`` once the sketch replaced the one line that read
    ``sysconfig``). None when there is none, or either file is not Python."""
    try:
        before, after = ast.parse(original), ast.parse(merged)
    except (SyntaxError, ValueError):
        return None
    imported = {(alias.asname or alias.name).split(".")[0] for node in ast.walk(after)
                if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    stranded = (_read(before) - _read(after)) & imported
    return next(iter(sorted(stranded)), None)


def _read(tree: ast.AST) -> set[str]:
    """Every name the module reads (a load of the name, or the base of an attribute)."""
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _bound(tree: ast.AST) -> set[str]:
    """Every name the module binds, in any scope."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names - {"*"}
