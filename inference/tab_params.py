"""Pass a new name on: a parameter or local just introduced and not yet used reaches the calls
in its scope that pass on its neighbours.

* ``def enable_fts(self, columns)`` → ``def enable_fts(self, columns, fts_version="FTS5")``:
  the body's ``create(table=self.name, columns=", ".join(columns))`` gets
  ``, fts_version=fts_version`` after ``columns=...``; a call passing ``columns`` positionally
  gets ``, fts_version``;
* ``output_encoding = options.output_encoding`` written in a function: the next call below it
  that passes names on as ``name=name`` (``Template(text, lookup=lookup)``) gets
  ``, output_encoding=output_encoding``.

Only the call's last argument (before its ``)`` or at the end of the line) is extended: an
argument in the middle of a call could be followed by anything.

A new parameter of a method whose body stores its parameters (``self.filename = filename``)
is stored too: ``self.no_disk = no_disk`` after the last of those lines (`StoreRule`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inference.edit_history import HunkEdit, LineEdit
from inference.tab_patterns import Rule, tokenize

__all__ = ["PassOnRule", "StoreRule", "pass_on_rule", "store_rule"]

_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+\w+\s*\((.*)\)\s*(?:->.*)?:\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^(\s*)([A-Za-z_]\w*)\s*=(?!=)")
_STORED = re.compile(r"^(\s*)self\.(\w+)\s*=\s*(\w+)\s*(?:#.*)?$")
_OPEN, _CLOSE = "([{", ")]}"


def _parameters(text: str) -> list[str]:
    """Parameter names of a ``def``'s parameter list, in order (``*``, ``/`` left out)."""
    names: list[str] = []
    depth, current = 0, ""
    for token in tokenize(text) + [","]:
        depth += (token in _OPEN) - (token in _CLOSE)
        if token == "," and depth == 0:
            found = re.match(r"\s*\**([A-Za-z_]\w*)", current)
            if found:
                names.append(found.group(1))
            current = ""
        else:
            current += token
    return names


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _argument_end(tokens: list[str], start: int) -> int | None:
    """Index of the token just after the argument starting at ``tokens[start]`` when it is its
    call's last (a ``)`` or the end of the line follows it), else None."""
    depth = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token in _OPEN:
            depth += 1
        elif token in _CLOSE:
            if depth == 0:
                return index
            depth -= 1
        elif token == "," and depth == 0:
            return None
    return len(tokens) if depth == 0 else None


def _argument_starts(tokens: list[str], continued: bool) -> list[int]:
    """Indexes of the first solid token of each argument-like position: after ``(`` or ``,``,
    and the line's first when it ``continued`` a call's arguments from the line above."""
    starts = []
    for index, token in enumerate(tokens):
        if token in ("(", ","):
            follow = index + 1
            while follow < len(tokens) and not tokens[follow].strip():
                follow += 1
            if follow < len(tokens):
                starts.append(follow)
    first = next((i for i, t in enumerate(tokens) if t.strip()), None)
    return ([first] if continued and first is not None else []) + starts


def _continued(lines: Sequence[str], number: int) -> bool:
    """Whether line ``number`` goes on with arguments opened on the line above."""
    return number > 0 and lines[number - 1].rstrip().endswith(("(", ","))


@dataclass(frozen=True)
class PassOnRule(Rule):
    """Append ``name`` to calls on lines ``first``..``last`` (0-based) whose last argument
    passes on ``neighbour`` (by keyword or position); with no neighbour, to calls whose last
    argument is any ``k=k``."""

    name: str
    neighbour: str | None
    first: int
    last: int

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        if not self.first <= number <= self.last:
            return None
        line = lines[number].rstrip()
        stripped = line.lstrip()
        if stripped.startswith(("#", "def ", "async def", "@")) or re.search(
                rf"(?<![\w.]){re.escape(self.name)}\b", line):
            return None
        tokens = tokenize(line)
        for start in _argument_starts(tokens, _continued(lines, number)):
            keyword = self._keyword(tokens, start)
            if keyword is None:
                continue
            end = _argument_end(tokens, start)
            if end is None or (end == len(tokens) and not self._continues(lines, number)):
                continue
            added = f"{self.name}={self.name}" if keyword else self.name
            new = "".join(tokens[:end]).rstrip() + ", " + added + "".join(tokens[end:])
            return LineEdit(number + 1, number + 1, new + "\n")
        return None

    def _keyword(self, tokens: list[str], start: int) -> bool | None:
        """True: the argument at ``start`` passes on by keyword; False: by position; None: it
        passes on nothing this rule follows."""
        token = tokens[start]
        rest = [t for t in tokens[start + 1:] if t.strip()]
        by_keyword = rest[:1] == ["="] and rest[1:2] != ["="]
        if self.neighbour is None:
            passes_on = by_keyword and rest[1:2] == [token] and rest[2:3] in ([], [")"], [","])
            return True if passes_on else None
        if token != self.neighbour:
            return None
        if by_keyword:
            return True
        # A call of the neighbour alone (`clean(col)`) transforms it; passed after other
        # arguments (`Parser(table, callbacks)`), it is passed on.
        after_others = "," in tokens[:start] or "(" not in tokens  # or a continuation line
        return False if after_others and (not rest or rest[0] in "),") else None

    @staticmethod
    def _continues(lines: Sequence[str], number: int) -> bool:
        """Whether a line ending inside a call has the call's ``)`` first on the next line."""
        following = lines[number + 1:number + 2]
        return bool(following) and following[0].lstrip().startswith(")")


def _scope_end(lines: Sequence[str], start: int, depth: int) -> int:
    """The last 0-based line after ``start`` indented deeper than ``depth`` (blank lines
    included), or ``start``."""
    end = start
    for number in range(start + 1, len(lines)):
        if lines[number].strip():
            if _indent(lines[number]) <= depth:
                break
            end = number
    return end


def _unused(lines: Sequence[str], name: str, first: int, last: int) -> bool:
    """Whether ``name`` occurs nowhere on lines ``first``..``last``: once it is used (passed
    on once), which other calls need it is anyone's guess."""
    word = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
    return not any(word.search(lines[n]) for n in range(first, last + 1))


@dataclass(frozen=True)
class StoreRule(Rule):
    """Store parameter ``name`` as ``self.name = name`` after line ``after`` (0-based), the
    last line of its method that stores a parameter so."""

    name: str
    after: int

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        if number != self.after:
            return None
        stored = _STORED.match(lines[number])
        if stored is None:
            return None
        return LineEdit(number + 2, number + 1, f"{stored[1]}self.{self.name} = {self.name}\n")


def _new_parameter(edit: HunkEdit, lines: Sequence[str]) -> tuple[str, str, int, int] | None:
    """The one parameter ``edit`` (of this file) added to a ``def`` and its body does not use
    yet: its name, its neighbour on the left, the ``def`` line and the body's last line
    (0-based)."""
    if not edit.stands_in(lines):
        return None  # an edit of another file, or of lines changed since
    old = next((m for m in map(_DEF.match, edit.removed) if m), None)
    for offset, line in enumerate(edit.added):
        header = _DEF.match(line)
        if header is None or old is None:
            continue  # not a def, or a new function: nothing here follows its parameters
        before, after = _parameters(old.group(2)), _parameters(header.group(2))
        new = [name for name in after if name not in before]
        if len(new) != 1 or after.index(new[0]) == 0 or re.search(
                r"\*\s*" + re.escape(new[0]) + r"\b", header.group(2)):
            continue  # several at once, the first, or `*args`/`**kw` (not passed as `x=x`)
        number = edit.new_start - 1 + offset
        last = _scope_end(lines, number, _indent(line))
        if last > number and _unused(lines, new[0], number + 1, last):
            return new[0], after[after.index(new[0]) - 1], number, last
    return None


def store_rule(edit: HunkEdit, lines: Sequence[str]) -> StoreRule | None:
    """The new parameter ``edit`` gave a method whose body stores its parameters, or None."""
    found = _new_parameter(edit, lines)
    if found is None:
        return None
    name, _, number, last = found
    parameters = set(_parameters(_DEF.match(lines[number]).group(2)))
    stores = [n for n in range(number + 1, last + 1)
              if (stored := _STORED.match(lines[n])) and stored[2] == stored[3]
              and stored[3] in parameters]
    return StoreRule(name, stores[-1]) if stores else None


def pass_on_rule(edit: HunkEdit, lines: Sequence[str]) -> PassOnRule | None:
    """The name ``edit`` (of this file) introduced and its scope's calls should pass on."""
    found = _new_parameter(edit, lines)
    if found is not None:
        name, neighbour, number, last = found
        if neighbour not in ("self", "cls"):
            return PassOnRule(name, neighbour, number + 1, last)
    if not edit.stands_in(lines):
        return None
    start = edit.new_start - 1
    for offset, line in enumerate(edit.added):
        number = start + offset
        assigned = _ASSIGN.match(line)
        if (assigned and not edit.removed and _indent(line) > 0 and not _continued(lines, number)
                and not line.rstrip().endswith(",")):
            name, depth = assigned.group(2), _indent(line)
            last = _scope_end(lines, number, depth - 1)
            if last > number and _unused(lines, name, number + 1, last):
                return PassOnRule(name, None, number + 1, last)
    return None
