"""Names that code reads and nothing binds: a typo, a missing `self.`, a forgotten import.

The learned detector reads one unit at a time and cannot tell whether a name is defined
elsewhere in the file. pyflakes reads the whole file (imports, definitions in any order,
`global`, class scopes, `try: ... except NameError`), so a name it reports as undefined
raises `NameError` when its line runs. On real code this is rare and nearly always a bug:
in the functions of the mined dev fixes, every undefined name it reports is on the line the
fix changed, and at HEAD of the 19 dev and test repositories it fires about 0.05 times per
1,000 lines, on documentation snippets and demos (`bugmodel/MODEL_CARD.md`).

The repair offered is `self.<name>` inside a method of a class that uses that attribute, else
the closest name the file binds or a builtin (`ctypess` → `ctypes`), else none.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass

from pyflakes.checker import Checker
from pyflakes.messages import Message
from pyflakes.messages import UndefinedName as _PyflakesUndefinedName

from bugmodel.file_finding import character_column

#: A suggested name must be at least this alike (difflib ratio) to the undefined one.
CLOSE_RATIO = 0.8


@dataclass(frozen=True)
class UndefinedName:
    """An undefined name read on `line` (1-based) at character columns [column, end_column)."""

    line: int
    column: int
    end_column: int
    name: str
    replacement: str | None
    bound_elsewhere: bool = False  # another scope of the file binds it (a method without `self`)


def undefined_names(text: str, tree: ast.Module | None = None,
                    messages: list[Message] | None = None) -> list[UndefinedName]:
    """Every read of a name that no scope of the file binds, in file order (`messages`:
    pyflakes' messages for the file when the caller has them)."""
    if tree is None:
        tree = ast.parse(text)
    if messages is None:
        messages = Checker(tree, filename="<unit>").messages
    lines = text.split("\n")
    bound = bound_names(tree)
    found = []
    for message in messages:
        if not isinstance(message, _PyflakesUndefinedName):
            continue
        name = message.message_args[0]
        line = lines[message.lineno - 1] if message.lineno <= len(lines) else ""
        column = character_column(lines, message.lineno, message.col)
        if line[column : column + len(name)] != name:
            continue  # a name inside a string annotation: no span to point at
        found.append(UndefinedName(message.lineno, column, column + len(name), name,
                                   _repair(tree, text, message.lineno, name, bound),
                                   name in bound))
    return sorted(found, key=lambda u: (u.line, u.column))


def unbound_reads(text: str, skip_lines: Collection[int] = ()) -> set[str]:
    """The names `text` reads without binding, except on `skip_lines` (1-based); none for a
    text that does not parse."""
    try:
        return {name.name for name in undefined_names(text) if name.line not in skip_lines}
    except (SyntaxError, ValueError, RecursionError):
        return set()


def bound_names(tree: ast.Module) -> set[str]:
    """Names the file binds anywhere (definitions, assignments, imports, parameters)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _repair(tree: ast.Module, text: str, line: int, name: str, bound: set[str]) -> str | None:
    cls = _enclosing_class(tree, line)
    if cls is not None and re.search(rf"\bself\.{re.escape(name)}\b",
                                     ast.get_source_segment(text, cls) or ""):
        return f"self.{name}"
    # The name itself is no repair: bound in another scope, it is the scope that is wrong.
    close = difflib.get_close_matches(name, sorted((bound | set(dir(builtins))) - {name}), n=1,
                                      cutoff=CLOSE_RATIO)
    return close[0] if close else None


def _enclosing_class(tree: ast.Module, line: int) -> ast.ClassDef | None:
    """The innermost class whose method holds `line`."""
    found = None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.lineno <= line <= (node.end_lineno or 0):
            if found is None or node.lineno > found.lineno:
                found = node
    return found
