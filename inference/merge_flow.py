"""Statements a merged Python file can never run.

A sketch that rewrites a line next to an elision marker may leave the old version of the
lines after it standing: ``raise KeyError(...) from None`` written where a two-line ``msg = ...``
/ ``raise KeyError(msg) from None`` stood, the old ``raise`` kept below the new one. Such a merge
parses and passes the check, but the kept statement follows a ``return``/``raise``/``continue``/
``break`` in the same block, where nothing runs. `unreachable_statements` counts those; a merge
that has more of them than the original is not the file the sketch means.
"""

from __future__ import annotations

import ast

__all__ = ["unreachable_statements"]

_TERMINAL = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def unreachable_statements(text: str) -> int | None:
    """How many statements follow a ``return``, ``raise``, ``continue`` or ``break`` in the
    same block; None when the text does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
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
