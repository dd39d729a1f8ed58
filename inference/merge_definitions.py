"""Place segments that show a whole definition: it replaces the definition of that name.

Assistants often rewrite a function by showing all of it between two markers. When its edited
lines sit at its edges (``else: return False`` folded into ``return False`` at the end), the
anchored merges cannot tell where the old body ends, and a placement that stops early leaves
the old tail behind. A segment that is one whole definition (its header first, every other
line indented under it, decorators allowed) says more: it replaces the original definition of
the same name, decorators to last line. A name defined in several places (``__call__`` in two
classes) gives as options the definitions that share the most lines with the segment, and
the order of the sketch's segments must leave exactly one choice. Segments that are not
whole definitions are placed as `inference.merge.boundary_merge` places them. Python-style
indentation only.
"""

from __future__ import annotations

from collections.abc import Sequence

from inference.merge import (
    MergeOutcome,
    _boundary_placements,
    _Index,
    _Placement,
    walked_merge,
    whole_definition,
)
from inference.sketch import Segment, Sketch, indentation
from inference.statement_keys import statement_key

__all__ = ["definition_merge"]


def _is_decorator(line: str) -> bool:
    return line.lstrip().startswith("@")


def _extent(lines: Sequence[str], at: int, with_decorators: bool) -> _Placement:
    """The original definition whose header is ``lines[at]``: from its decorators (when the
    segment has some) to the last line of its body."""
    depth = len(indentation(lines[at]))
    start = at
    while with_decorators and start > 0 and _is_decorator(lines[start - 1]) \
            and len(indentation(lines[start - 1])) == depth:
        start -= 1
    end = at + 1
    last = at
    # A header may run over several lines (a long signature): until the line ending in ":".
    while last < len(lines) - 1 and not lines[last].rstrip().endswith(":"):
        last += 1
    for number in range(last + 1, len(lines)):
        line = lines[number]
        if not line.strip():
            continue
        if len(indentation(line)) <= depth:
            break
        end = number + 1
    return _Placement(start, max(end, last + 1))


def _definition_placements(index: _Index, segment: Segment, total: int) -> list[_Placement]:
    seg = [line.rstrip() for line in segment.lines]
    whole = whole_definition(seg) if segment.after_marker and segment.before_marker else None
    if whole is None:
        return _boundary_placements(index, segment, total)
    header, key = whole
    depth = indentation(seg[header])
    places = [_extent(index.lines, number, with_decorators=header > 0)
              for number, line in enumerate(index.lines)
              if statement_key(line) == key and indentation(line) == depth]
    # Of several definitions of the name, those that share the most lines with the segment.
    shown = {line for line in seg if line.strip()}
    shared = [len(shown & set(index.lines[p.start:p.end])) for p in places]
    return [p for p, n in zip(places, shared, strict=True) if n == max(shared, default=0)]


def definition_merge(original: str, sketch: Sketch) -> MergeOutcome:
    """Merge with whole-definition segments replacing the definitions of their names (see
    the module docs); a text only when exactly one in-order placement remains."""
    return walked_merge(original, sketch, _definition_placements, "definitions",
                        "whole definitions replace the definitions of their names")
