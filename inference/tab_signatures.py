"""Carry a parameter change to the sibling definitions that share the changed place.

``def append(self, row=None, col=None, tags=list())`` gaining ``header=None`` after
``col=None`` teaches that ``def insert(self, index, row=None, col=None, tags=list())`` gains it
in the same place: definitions whose parameter lists share the very parameters around the
change are variants of one interface (``append``/``insert``, a method and its overrides, the
functions of one family), and a parameter added to or dropped from one is added to or dropped
from the others. `inference.tab_patterns.ArgumentsRule` follows one name; this follows the
shared neighbours, whatever the definition is called.

The neighbours must match as written (``col=None``, not ``col``), on both sides of the change;
a parameter appended at the end needs the same last two parameters (one, ``benchmark`` in
``def test_x(benchmark)``, is shared by unrelated functions).

A parameter dropped from a ``def`` is also dropped from the calls of that name that pass it on
by its own name (``default(handler)`` → ``default()`` after ``def default(handler)`` →
``def default()``; ``load(text, mangle, dotted_path)`` or ``dotted_path=dotted_path``):
`DroppedArgumentRule`. A call passing something else there is left to the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inference.edit_history import HunkEdit, LineEdit
from inference.tab_patterns import Call, Rule, calls, tokenize

__all__ = ["DroppedArgumentRule", "SiblingParametersRule", "dropped_argument_rule",
           "sibling_parameters_rule"]


@dataclass(frozen=True)
class SiblingParametersRule(Rule):
    """In a ``def`` other than ``taught`` whose parameters hold the run ``left`` then ``right``
    (``right`` None: ``left`` ends the list), put ``inserted`` between them, or drop
    ``dropped`` from between them (``left``, ``dropped``, ``right`` in a row)."""

    taught: str
    left: tuple[str, ...]
    right: str | None
    inserted: tuple[str, ...] = ()
    dropped: str | None = None

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        tokens = tokenize(lines[number])
        for call in calls(tokens):
            if not call.is_def or call.name == self.taught:
                continue
            args = self._change(call.args)
            if args is not None:
                new = ("".join(tokens[:call.open + 1]) + ", ".join(args)
                       + "".join(tokens[call.close:]))
                return LineEdit(number + 1, number + 1, new + "\n")
        return None

    def _change(self, args: list[str]) -> list[str] | None:
        middle = [self.dropped] if self.dropped is not None else []
        run = [*self.left, *middle] + ([self.right] if self.right is not None else [])
        for at in range(len(args) - len(run) + 1):
            if args[at:at + len(run)] != run:
                continue
            end = at + len(run)
            if self.right is None and end != len(args):
                continue  # appended: only where ``left`` is the last parameter
            split = at + len(self.left)
            if self.dropped is not None:
                return args[:split] + args[split + 1:]
            if any(name in args for name in self.inserted):
                return None  # already there
            return args[:split] + list(self.inserted) + args[split:]
        return None


def sibling_parameters_rule(edit: HunkEdit) -> SiblingParametersRule | None:
    """The rule a one-line ``def`` change that inserted or dropped parameters teaches, or
    None."""
    changed = _changed_def(edit)
    if changed is None:
        return None
    old, new = changed
    name, before, after = old.name, old.args, new.args
    if len(after) > len(before):
        extra = len(after) - len(before)
        for at in range(1, len(before) + 1):
            if after[:at] == before[:at] and after[at + extra:] == before[at:]:
                if at < len(before):
                    return SiblingParametersRule(name, (before[at - 1],), before[at],
                                                 inserted=tuple(after[at:at + extra]))
                if at >= 2:
                    return SiblingParametersRule(name, tuple(before[at - 2:at]), None,
                                                 inserted=tuple(after[at:at + extra]))
        return None
    if len(after) == len(before) - 1:
        for at in range(1, len(before) - 1):
            if before[:at] + before[at + 1:] == after:
                return SiblingParametersRule(name, (before[at - 1],), before[at + 1],
                                             dropped=before[at])
    return None


@dataclass(frozen=True)
class DroppedArgumentRule(Rule):
    """In calls of ``name`` (``obj.name(...)`` too), drop the argument that passes on
    ``parameter`` by its name, positionally or by keyword."""

    name: str
    parameter: str

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        tokens = tokenize(lines[number])
        for call in calls(tokens):
            if call.is_def or call.name != self.name:
                continue
            kept = [arg for arg in call.args
                    if arg.replace(" ", "") not in (self.parameter,
                                                    f"{self.parameter}={self.parameter}")]
            if len(kept) == len(call.args) - 1:
                new = ("".join(tokens[:call.open + 1]) + ", ".join(kept)
                       + "".join(tokens[call.close:]))
                return LineEdit(number + 1, number + 1, new + "\n")
        return None


def dropped_argument_rule(edit: HunkEdit) -> DroppedArgumentRule | None:
    """The rule a one-line ``def`` change that dropped one parameter teaches, or None."""
    changed = _changed_def(edit)
    if changed is None:
        return None
    old, new = changed
    names = [arg.split("=")[0].split(":")[0].strip() for arg in old.args]
    gone = [n for n, arg in zip(names, old.args, strict=True) if arg not in new.args]
    if len(new.args) != len(old.args) - 1 or len(gone) != 1 or not gone[0].isidentifier():
        return None
    return DroppedArgumentRule(old.name, gone[0])


def _changed_def(edit: HunkEdit) -> tuple[Call, Call] | None:
    """The ``def`` before and after an edit that rewrote one line holding one definition
    (of the same name), or None."""
    if len(edit.removed) != 1 or len(edit.added) != 1:
        return None
    old = [c for c in calls(tokenize(edit.removed[0])) if c.is_def]
    new = [c for c in calls(tokenize(edit.added[0])) if c.is_def]
    if len(old) != 1 or len(new) != 1 or old[0].name != new[0].name:
        return None
    return old[0], new[0]
