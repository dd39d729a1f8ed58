"""Doubts about a placement that its anchors do not show: a line the segment writes left
standing beside it (moved or rewritten, the old copy kept), or a distinctive line kept twice.

The merges (`inference.merge`, `inference.merge_readings`) refuse a placement with such a
doubt rather than return a file with a line in it twice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from inference.line_similarity import FUZZY_RATIO, code_of, counterpart, similarity
from inference.line_similarity import TRAILING_COMMENT as _TRAILING_COMMENT
from inference.merge_imports import different_imports
from inference.merge_rows import row_insertion
from inference.sketch import Segment
from inference.statement_keys import DEFINITION, statement_key

__all__ = ["BESIDE_LINES", "duplicated_lines", "left_behind", "new_definition_lines"]


class Stretch(Protocol):
    """The original lines ``start:end`` a segment replaces."""

    start: int
    end: int


#: Lines that occur once in a file: a second copy means a moved line kept at its old place.
_DISTINCTIVE = re.compile(r"(?:import |from \S+ import |(?:async )?def |class )")
#: For guessed placements, long lines too (real edits do copy a long test line now and then,
#: so a merge anchored on the sketch's own lines does not count these).
_DISTINCTIVE_OR_LONG = re.compile(_DISTINCTIVE.pattern + r"|.{30,}")


#: Original lines this close to a segment (either side) that it writes anew are left behind.
BESIDE_LINES = 3


def left_behind(lines: Sequence[str], segment: Segment, place: Stretch) -> str | None:
    """A line the segment writes that was not in the stretch it replaces but stands in the
    original beside it: word for word within `BESIDE_LINES`, or similar (its old version)
    right next to the stretch and more like it than any line the stretch replaces. The
    sketch moved or rewrote it and the old copy would stay, or the segment belongs a little
    further on. Trivial lines (``pass``, ``)``) do not count; similar lines a few lines off
    do not either (rows of a table, a list's items)."""
    replaced = {line.rstrip() for line in lines[place.start:place.end]}
    near = [line.rstrip() for line in lines[max(place.start - BESIDE_LINES, 0):place.start]]
    near += [line.rstrip() for line in lines[place.end:place.end + BESIDE_LINES]]
    near = [line for line in near if len(re.findall(r"\w+", line)) >= 2]
    # The lines right outside the stretch, where an old version left standing would be.
    adjacent = [line.rstrip() for line in lines[max(place.start - 1, 0):place.start]
                + lines[place.end:place.end + 1] if line.strip()]
    rewritten_keys = {statement_key(line) for line in replaced} - {None}
    if place.start == place.end == row_insertion(lines, segment.lines):
        adjacent = []  # a new row of a sorted list: its neighbours are rows like it
    beside_code = {code_of(line) for line in adjacent}
    fresh = new_definition_lines(lines, segment.lines)
    for number, line in enumerate(segment.lines):
        code = line.rstrip()
        if code in replaced or len(re.findall(r"\w+", code)) < 2 or number in fresh:
            continue
        if statement_key(code) in rewritten_keys:
            continue  # its old version is among the lines replaced, not beside them
        if code not in lines and place.start <= (counterpart(lines, code) or -1) < place.end:
            continue  # its one clear old version is replaced: like lines beside it are kin
        if code in near or (_TRAILING_COMMENT.search(code) and code_of(code)
                            and code_of(code) in beside_code):
            return line  # word for word, or right beside: the same code, another comment
        beside = max((similarity(code, other) for other in adjacent
                      if not different_imports(code, other)), default=0.0)
        # Similar to a line beside it, unless a replaced line is at least as similar (its
        # old version is among those: the one beside is kin, a neighbouring row).
        if beside >= FUZZY_RATIO and beside > max(
                (similarity(code, other, floor=0.0) for other in replaced), default=0.0):
            return line
    return None


def new_definition_lines(lines: Sequence[str], seg: Sequence[str]) -> set[int]:
    """Positions of the segment's lines that make up a function or class whose name the
    original does not define, its header and body: a new definition's own lines
    (``pred = make_pred(pred)`` written again in a new function beside one that has it), not
    lines left behind nor rewrites of lines like them elsewhere."""
    defined = {header.group(2) for line in lines if (header := DEFINITION.match(line))}
    found: set[int] = set()
    depth = None  # the indentation of the new definition's header while in its body
    for number, line in enumerate(seg):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if depth is not None and indent > depth:
            found.add(number)
            continue
        header = DEFINITION.match(line)
        depth = indent if header and header.group(2) not in defined else None
        if depth is not None:
            found.add(number)
    return found


def duplicated_lines(original: Sequence[str], merged: Sequence[str],
                     long_lines: bool = False) -> list[str]:
    """Distinctive lines (imports, definitions; with ``long_lines`` any line of 30 characters
    or more) that occur once in the original but more than once in one scope of the merge
    (the same enclosing class or function, or the module): a line the sketch moved, kept at
    its old place too. Statements (``pass``, ``return x``) legitimately repeat, so they do
    not count; nor does a method of the same name in two classes, or a local import in two
    functions."""
    distinctive = _DISTINCTIVE_OR_LONG if long_lines else _DISTINCTIVE
    counts: dict[str, int] = defaultdict(int)
    for line in original:
        counts[line.strip()] += 1
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for line, scope in zip(merged, _scopes(merged), strict=True):
        seen[line.strip(), scope] += 1
    found = [line for (line, _scope), n in seen.items()
             if n > 1 and counts.get(line) == 1 and distinctive.match(line)]
    return list(dict.fromkeys(found + _doubled_definitions(original, merged)))


#: A decorator that defines a name again on purpose (a property's setter, an overload).
_REDEFINING = re.compile(
    r"^\s*@\s*(?:[\w.]*\.(?:setter|getter|deleter|register)\b|[\w.]*overload\b)")


def _doubled_definitions(original: Sequence[str], merged: Sequence[str]) -> list[str]:
    """Headers of a function or class that the original defines once and the merge defines
    twice in one scope, neither time through a redefining decorator (``@x.setter``,
    ``@overload``): a rewritten definition (a new signature) kept beside its old version."""
    names: dict[str, int] = defaultdict(int)
    for line in original:
        header = DEFINITION.match(line)
        if header:
            names[header.group(2)] += 1
    seen: dict[tuple[str, int], list[str]] = defaultdict(list)
    for number, (line, scope) in enumerate(zip(merged, _scope_headers(merged), strict=True)):
        header = DEFINITION.match(line)
        if header and names.get(header.group(2)) == 1:
            if number and _REDEFINING.match(merged[number - 1]):
                continue
            seen[header.group(2), scope].append(line.strip())
    return [headers[-1] for headers in seen.values() if len(headers) > 1]


def _scopes(lines: Sequence[str]) -> list[str]:
    """For each line, the header of the innermost class or function it is indented under
    (``""`` at module level)."""
    return [lines[at].strip() if at >= 0 else "" for at in _scope_headers(lines)]


def _scope_headers(lines: Sequence[str]) -> list[int]:
    """For each line, the index of the innermost class or function header it is indented
    under (-1 at module level)."""
    open_headers: list[tuple[int, int]] = []  # (indentation, header index), outermost first
    scopes = []
    for number, line in enumerate(lines):
        if line.strip():
            depth = len(line) - len(line.lstrip())
            while open_headers and open_headers[-1][0] >= depth:
                open_headers.pop()
        scopes.append(open_headers[-1][1] if open_headers else -1)
        if DEFINITION.match(line):
            open_headers.append((len(line) - len(line.lstrip()), number))
    return scopes
