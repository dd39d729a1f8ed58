"""Join the next wrapped statement: a statement just joined onto one line teaches the next.

``pickle.dump({...}, f,`` / ``protocol=pickle.HIGHEST_PROTOCOL)`` joined into one line (a
longer line limit, a formatter run) is followed by the next statement wrapped over as many
lines whose joined line is no longer than the one the edit wrote: it is joined the same way
(a space after a comma, none inside brackets). A longer one stays wrapped, as the formatter
would leave it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inference.edit_history import HunkEdit, LineEdit
from inference.merge_edges import bracket_depth
from inference.tab_patterns import Rule

__all__ = ["JoinRule", "join_rule"]

_OPENERS, _CLOSERS = ("(", "[", "{"), (")", "]", "}")


def _joined(lines: Sequence[str]) -> str:
    """``lines`` as one line: the first's indentation, the others stripped, one space between
    them except after an opening or before a closing bracket."""
    out = lines[0].rstrip()
    for line in lines[1:]:
        text = line.strip()
        out += text if out.endswith(_OPENERS) or text.startswith(_CLOSERS) else " " + text
    return out


@dataclass(frozen=True)
class JoinRule(Rule):
    """Join the next statement wrapped over ``size`` lines whose joined line is at most
    ``width`` characters."""

    size: int
    width: int

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        run = lines[number : number + self.size]
        if len(run) < self.size or run[0].lstrip().startswith("#") or bracket_depth(run[0]) <= 0:
            return None
        depth = 0
        for position, line in enumerate(run):
            depth += bracket_depth(line)
            if depth <= 0 and position < self.size - 1:
                return None  # the statement ends before the run does
        if depth != 0:
            return None
        line = _joined(run)
        if len(line) > self.width:
            return None
        return LineEdit(number + 1, number + self.size, line + "\n")


def join_rule(edit: HunkEdit) -> JoinRule | None:
    """The rule a statement joined onto one line teaches, or None."""
    if len(edit.added) != 1 or len(edit.removed) < 2:
        return None
    if _squeezed("".join(edit.removed)) != _squeezed(edit.added[0]):
        return None  # more than the wrapping changed
    return JoinRule(len(edit.removed), len(edit.added[0].rstrip()))


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)
