"""Decorate the sibling definitions like the one just decorated.

``@hypothesis.settings(deadline=None)`` written above one ``def test_...`` that is decorated
``@hypothesis.given(...)`` goes above the next ``def`` at the same depth carrying the same
decorators; ``@dataclass(frozen=True)`` above one undecorated nested ``class`` goes above the
next undecorated ``class`` beside it. Definitions of one kind, at one depth, already decorated
alike are one family, and a decorator added to one of them is being added to the family.

Only decorator lines written directly above a definition's header are followed, and a
definition that already carries the decorator is left alone. Undecorated methods are too large
a family (``@property`` or ``@skip_if(...)`` written above one method is about that method): a
method's decorator is followed only to methods decorated like it already.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inference.edit_history import HunkEdit, LineEdit
from inference.sketch import indentation
from inference.tab_patterns import Rule

__all__ = ["NEAR_LINES", "DecoratorRule", "decorator_rule"]

#: A sibling this close to the cursor is where the user is decorating (train: the right next
#: edit in 3 of 5 suggestions; without the limit 3 of 11, the rest in finished files).
NEAR_LINES = 20

_HEADER = re.compile(r"^(\s*)(async\s+def|def|class)\s+\w+")
_DECORATOR_NAME = re.compile(r"^\s*@\s*([\w.]+)")


def _stack(lines: Sequence[str], header: int) -> tuple[str, ...] | None:
    """The names of the decorators directly above the definition whose header is 0-based line
    ``header`` (nearest first), or None when that line is no definition header."""
    found = _HEADER.match(lines[header])
    if found is None:
        return None
    indent = found[1]
    names: list[str] = []
    for number in range(header - 1, -1, -1):
        line = lines[number]
        if not line.strip():
            break
        decorator = _DECORATOR_NAME.match(line)
        if decorator and indentation(line) == indent:
            names.append(decorator[1])
        elif not (len(indentation(line)) > len(indent)
                  or line.strip().startswith((")", "]", "}"))):
            break  # code above the definition: the decorators (if any) are all read
    return tuple(names)


@dataclass(frozen=True)
class DecoratorRule(Rule):
    """Write ``added`` (decorator lines, their indentation relative to ``indent``) directly
    above the headers of ``keyword`` definitions at depth ``indent`` decorated with
    ``existing`` (names, nearest first) and not yet with ``added``'s first decorator."""

    added: tuple[str, ...]
    keyword: str
    indent: str
    existing: tuple[str, ...]

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        header = _HEADER.match(lines[number])
        if header is None or header[1] != self.indent or header[2].split()[-1] != self.keyword:
            return None
        if _stack(lines, number) != self.existing:
            return None  # another family, or already decorated so
        return LineEdit(number + 1, number, "".join(line + "\n" for line in self.added))


def decorator_rule(edit: HunkEdit, lines: Sequence[str]) -> DecoratorRule | None:
    """The rule ``edit`` (of this file) teaches when it wrote only decorator lines directly
    above a definition's header, or None."""
    if edit.removed or not edit.stands_in(lines):
        return None
    if not edit.added or not all(_DECORATOR_NAME.match(line) or line.startswith(" ")
                                 for line in edit.added) or not _DECORATOR_NAME.match(
                                     edit.added[0]):
        return None
    header = edit.new_start - 1 + len(edit.added)
    if header >= len(lines):
        return None
    found = _HEADER.match(lines[header])
    stack = _stack(lines, header)
    if found is None or stack is None or indentation(edit.added[0]) != found[1]:
        return None
    written = len([line for line in edit.added if _DECORATOR_NAME.match(line)
                   and indentation(line) == found[1]])
    keyword, existing = found[2].split()[-1], stack[written:]
    if keyword == "def" and found[1] and not existing:
        return None  # an undecorated method: its family is every method
    return DecoratorRule(edit.added, keyword, found[1], existing)
