"""What a line of code declares or sets: its *statement key*.

Two lines with the same key are two versions of one statement (``timeout = 5`` and
``timeout = 10``, ``def load(path)`` and ``def load(path, mode)``), so an edit that writes one
where the other stood rewrites it. The merges (`inference.merge`) use keys to place edited
lines that no anchor places and to tell a rewrite from a new line beside an old one.
"""

from __future__ import annotations

import re

__all__ = ["DEFINITION", "KEYED", "NAMED_KINDS", "statement_key"]

#: A function or class header: ``(def|class, name)``.
DEFINITION = re.compile(r"^\s*(?:async\s+)?(def|class)\s+(\w+)")
#: What a line declares or sets, beside definitions: an assignment's (or keyword argument's)
#: target, a dict entry's or table row's key, an ``except`` clause's exceptions;
#: ``(kind, pattern)``.
KEYED = (
    # `name = value`, and its commented-out form (a setting switched on: ``#html_title = x``).
    ("set", re.compile(r"^(\s*)(?:#\s*)?(?P<name>[A-Za-z_][\w.]*)\s*(?::[^=]*)?=(?!=)")),
    ("entry", re.compile(r"""^(\s*)(?P<name>"[^"]*"|'[^']*')\s*:""")),
    # A row of a table of tuples, by its first item: ``("ar", "5th"),``.
    ("entry", re.compile(r"""^(\s*)\(\s*(?P<name>"[^"]*"|'[^']*')\s*,""")),
    ("except", re.compile(r"^(\s*)except\b\s*(?P<name>[^:#]*)")),
    # What a `from` import imports from: a new list of names for the same module.
    ("from", re.compile(r"^(\s*)from\s+(?P<name>\.*[\w.]*)\s+import\b")),
)


#: Statements whose name says what they are: a new name is a new one, not a rewrite.
NAMED_KINDS = ("def", "class", "entry")


def statement_key(line: str) -> tuple[str, str, str] | None:
    """``(indentation, kind, name)`` of what the line defines or sets (``def load``, the
    target of ``timeout = 5``, the key of ``"content": True,``), or None. Two lines with
    the same key are two versions of one statement: an edit rewrites one into the other."""
    header = DEFINITION.match(line)
    if header:  # wherever it stands: a definition may move in or out of a class
        return "", header.group(1), header.group(2)
    for kind, form in KEYED:
        match = form.match(line)
        if match:
            return match.group(1), kind, match.group("name").strip()
    return None
