"""Bump the year of every copyright notice once one of them was bumped.

``copyright = u'2010, Kenneth Reitz'`` → ``2011`` in the docs' configuration teaches that
``:copyright: (c) 2010 by Kenneth Reitz.`` in a module docstring and ``__copyright__ =
'Copyright 2010 Kenneth Reitz'`` follow: a project's notices are updated together, however
they are worded, in whichever file. Only lines that mention a copyright and the old year as a
whole number change, and only the year.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inference.edit_history import HunkEdit, LineEdit
from inference.tab_patterns import Rule

__all__ = ["CopyrightRule", "copyright_rule"]

_COPYRIGHT = re.compile(r"copyright|\(c\)|©", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


@dataclass(frozen=True)
class CopyrightRule(Rule):
    """On a line that mentions a copyright, year ``old`` becomes ``new``."""

    old: str
    new: str

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        line = lines[number]
        if not _COPYRIGHT.search(line) or self.old not in _YEAR.findall(line):
            return None
        bumped = re.sub(rf"(?<!\d){self.old}(?!\d)", self.new, line)
        return LineEdit(number + 1, number + 1, bumped + "\n")


def copyright_rule(edit: HunkEdit) -> CopyrightRule | None:
    """The rule ``edit`` teaches when it changed only the year of one copyright notice."""
    if len(edit.removed) != 1 or len(edit.added) != 1:
        return None
    old, new = edit.removed[0], edit.added[0]
    if not _COPYRIGHT.search(old) or _YEAR.sub("#", old) != _YEAR.sub("#", new):
        return None
    changed = {(a, b) for a, b in zip(_YEAR.findall(old), _YEAR.findall(new), strict=False)
               if a != b}
    if len(changed) != 1 or len(_YEAR.findall(old)) != len(_YEAR.findall(new)):
        return None
    was, now = changed.pop()
    return CopyrightRule(was, now) if int(now) > int(was) else None
