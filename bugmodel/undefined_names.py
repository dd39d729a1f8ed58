"""Names that code reads and nothing binds: a typo, a missing `self.`, a forgotten import.

The learned detector reads one unit at a time and cannot tell whether a name is defined
elsewhere in the file. pyflakes reads the whole file (imports, definitions in any order,
`global`, class scopes, `try: ... except NameError`), so a name it reports as undefined
raises `NameError` when its line runs. On real code this is rare and nearly always a bug:
in the functions of the mined dev fixes, every undefined name it reports is on the line the
fix changed, and at HEAD of the 19 dev and test repositories it fires about 0.05 times per
1,000 lines, on documentation snippets and demos (`bugmodel/MODEL_CARD.md`).

Documentation and example code (`docs_src/tutorial008.py`) is left out: it is written to be
read in pieces, and names its snippets leave undefined are on purpose (on real dev they were
all six undefined names found in clean code).

The repair offered is `self.<name>` inside a method of a class that uses that attribute, else
the closest name the file binds or a builtin (`ctypess` → `ctypes`), else none.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
from dataclasses import dataclass

from pyflakes.checker import Checker
from pyflakes.messages import UndefinedName as _PyflakesUndefinedName

#: How sure a reported undefined name is a bug. On real dev, 13 of 13 undefined names that
#: pyflakes reports inside functions a later commit fixed were on the fixed line; Laplace's
#: rule gives 14/15 = 0.93 (on real test it was 15 of 27: others were Python 2 builtins).
PROBABILITY = 0.93
#: Top-level folders of documentation and example code (as `reviewapp.ordering.conventions`).
EXAMPLE_ROOTS = frozenset({"examples", "example", "docs_src", "docs", "doc"})
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


def reported_undefined_names(path: str, text: str, tree: ast.Module | None = None,
                             ) -> list[UndefinedName]:
    """`undefined_names` as the review reports them: none for documentation or example code
    (a top-level folder in `EXAMPLE_ROOTS`)."""
    if path.replace("\\", "/").lstrip("/").split("/", 1)[0] in EXAMPLE_ROOTS:
        return []
    return undefined_names(text, tree)


def undefined_names(text: str, tree: ast.Module | None = None) -> list[UndefinedName]:
    """Every read of a name that no scope of the file binds, in file order."""
    if tree is None:
        tree = ast.parse(text)
    lines = text.split("\n")
    bound = _bound_names(tree)
    found = []
    for message in Checker(tree, filename="<unit>").messages:
        if not isinstance(message, _PyflakesUndefinedName):
            continue
        name = message.message_args[0]
        line = lines[message.lineno - 1] if message.lineno <= len(lines) else ""
        # ast columns count UTF-8 bytes; findings count characters.
        column = len(line.encode()[: message.col].decode(errors="ignore"))
        if line[column : column + len(name)] != name:
            continue  # a name inside a string annotation: no span to point at
        found.append(UndefinedName(message.lineno, column, column + len(name), name,
                                   _repair(tree, text, message.lineno, name, bound)))
    return sorted(found, key=lambda u: (u.line, u.column))


def _bound_names(tree: ast.Module) -> set[str]:
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
    close = difflib.get_close_matches(name, sorted(bound | set(dir(builtins))), n=1,
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
