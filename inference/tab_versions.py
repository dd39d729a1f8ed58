"""Finish dropping support for an old Python version across a project's metadata.

Dropping a version is one change made in several places: the minimum is raised
(``python_requires=">=3.6"`` → ``">=3.7"``, ``sys.version_info < (2, 6)`` → ``(2, 7)``, a
message's ``3.5+`` → ``3.6+``) and the trove classifiers of the versions below it go
(``"Programming Language :: Python :: 3.6",``); or a classifier goes first and the minimum
follows. Either edit, made by the newest edit, teaches the other:

* `DropClassifiersRule`: after a minimum ``X.A`` → ``X.B`` was raised, the classifier lines of
  ``X.m`` with ``m < B`` are deleted, a run of them at once;
* `RaiseMinimumRule`: after the classifier of ``X.m`` was deleted, a ``python_requires`` /
  ``requires-python`` minimum ``>=X.m`` becomes ``>=X.(m+1)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inference.edit_history import HunkEdit, LineEdit
from inference.tab_patterns import Rule

__all__ = ["DropClassifiersRule", "RaiseMinimumRule", "version_rule"]

#: A trove classifier of one Python version, alone on its line (in a list or a text block).
_CLASSIFIER = re.compile(
    r"""^\s*(["']?)Programming Language :: Python :: (\d+)\.(\d+)\1\s*,?\s*(?:#.*)?$""")
#: A minimum version as written in code, messages and metadata: ``3.6``, ``(3, 6)``.
_DOTTED = re.compile(r"(?<![\w.])(\d+)\.(\d+)(?![\w.]*\d)")
_TUPLE = re.compile(r"\((\d+),\s*(\d+)\)")
_MINIMUM = re.compile(r"""(python_requires|requires-python)(\s*=\s*["']\s*>=\s*)(\d+)\.(\d+)""")


def _raised(old: str, new: str) -> tuple[int, int] | None:
    """``(major, new minor)`` when ``old`` → ``new`` only raised one minor version (the rest of
    the line the same), else None."""
    for pattern in (_DOTTED, _TUPLE):
        before, after = pattern.findall(old), pattern.findall(new)
        if len(before) != len(after) or pattern.sub("#", old) != pattern.sub("#", new):
            continue
        changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
        if len(changed) == 1:
            (major, low), (major_after, high) = changed[0]
            if major == major_after and int(high) > int(low):
                return int(major), int(high)
    return None


@dataclass(frozen=True)
class DropClassifiersRule(Rule):
    """Delete the run of classifier lines of versions ``major.m`` with ``m < minor`` that
    starts at a line."""

    major: int
    minor: int

    def _below(self, line: str) -> bool:
        found = _CLASSIFIER.match(line)
        return bool(found) and int(found[2]) == self.major and int(found[3]) < self.minor

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        if not self._below(lines[number]) or (number and self._below(lines[number - 1])):
            return None  # not one, or not the first of its run
        end = number
        while end + 1 < len(lines) and self._below(lines[end + 1]):
            end += 1
        return LineEdit(number + 1, end + 1, "")


@dataclass(frozen=True)
class RaiseMinimumRule(Rule):
    """Raise a declared minimum ``>=major.minor`` to ``>=major.(minor + 1)``."""

    major: int
    minor: int

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        found = _MINIMUM.search(lines[number])
        if found is None or (int(found[3]), int(found[4])) != (self.major, self.minor):
            return None
        line = lines[number]
        new = f"{line[:found.start(3)]}{self.major}.{self.minor + 1}{line[found.end(4):]}"
        return LineEdit(number + 1, number + 1, new + "\n")


def version_rule(edit: HunkEdit) -> DropClassifiersRule | RaiseMinimumRule | None:
    """What ``edit`` teaches when it raised a minimum Python version or deleted the classifier
    of one, else None."""
    if edit.removed and not edit.added:
        found = [_CLASSIFIER.match(line) for line in edit.removed if line.strip()]
        if found and all(found):
            lowest = min((int(m[2]), int(m[3])) for m in found if m)
            return RaiseMinimumRule(*lowest)
        return None
    if len(edit.removed) != len(edit.added):
        return None
    raised = {_raised(old, new) for old, new in zip(edit.removed, edit.added, strict=True)
              if old != new}
    if len(raised) == 1 and None not in raised:
        return DropClassifiersRule(*raised.pop())
    return None
