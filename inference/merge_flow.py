"""Statements a merged Python file can never run, and names it imports twice.

A sketch that rewrites a line next to an elision marker may leave the old version of the
lines after it standing: ``raise KeyError(...) from None`` written where a two-line ``msg = ...``
/ ``raise KeyError(msg) from None`` stood, the old ``raise`` kept below the new one. Such a merge
parses and passes the check, but the kept statement follows a ``return``/``raise``/``continue``/
``break`` in the same block, where nothing runs. `unreachable_statements` counts those; a merge
that has more of them than the original is not the file the sketch means. Likewise a merge
that imports a name twice at module level from one module where the original imported it
once (``from .compat import basestring`` inserted beside ``from .compat import basestring,
Mapping``): the new line rewrote the old one (`doubled_imports`).
"""

from __future__ import annotations

import ast

__all__ = ["doubled_imports", "unreachable_statements"]

_TERMINAL = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def unreachable_statements(text: str) -> int | None:
    """How many statements follow a ``return``, ``raise``, ``continue`` or ``break`` in the
    same block; None when the text does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    count = 0
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for number, statement in enumerate(block[:-1]):
                if isinstance(statement, _TERMINAL):
                    count += len(block) - number - 1
                    break
    return count


def doubled_imports(original: str, merged: str) -> list[str]:
    """Names that the merge's module-level imports bind more than once from one module while
    the original's bind them at most once; empty when either file does not parse."""
    before, after = _module_imports(original), _module_imports(merged)
    if before is None or after is None:
        return []
    return sorted(name for key, n in after.items()
                  for _module, name in [key] if n > 1 and before.get(key, 0) <= 1)


def _module_imports(text: str) -> dict[tuple[str, str], int] | None:
    """How many times each ``(module, name)`` is bound by the module's top-level imports."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    counts: dict[tuple[str, str], int] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            keys = [(source, alias.asname or alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            keys = [("", alias.asname or alias.name) for alias in node.names]
        else:
            continue
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    return counts
