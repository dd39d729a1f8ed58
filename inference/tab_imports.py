"""Follow an import change through the file's uses of the names it binds.

* ``from openpyxl.styles import Font`` added: ``openpyxl.styles.Font(...)`` becomes ``Font(...)``;
* a module import swapped for a name (``import cStringIO`` → ``from StringIO import StringIO``):
  ``cStringIO.StringIO()`` becomes ``StringIO()``;
* an alias renamed (``... import dumps as json_dump`` → ``... as json_dumps``): its uses too;
* ``from typing import List`` dropped: ``List[int]`` becomes ``list[int]`` (and ``Dict``,
  ``Tuple``, ``Set``, ``FrozenSet``, ``Type`` likewise).

An import binds a name for the whole file, so, like a renamed ``def``, every use follows however
far. The import edit must be in this file (its new lines are in it); import lines themselves are
left to the user.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inference.edit_history import HunkEdit, LineEdit
from inference.tab_patterns import Rule, is_import

__all__ = ["ImportRule", "bindings", "import_rule"]

_FROM = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+\(?([^#)]*)")
_IMPORT = re.compile(r"^\s*import\s+([^#]*)")
_DOTTED = re.compile(r"[A-Za-z_][\w.]*")
#: The lines that wrap an import in a fallback (``try:`` / ``except ImportError:``): an import
#: change may add them around the new imports and still bind nothing else.
_GUARD = re.compile(
    r"^\s*(?:try|else|finally|except(?:\s+[\w.]+(?:\s+as\s+\w+)?|\s*\(.*\))?)\s*:\s*(?:#.*)?$")
_TYPING_BUILTINS = {"List": "list", "Dict": "dict", "Tuple": "tuple", "Set": "set",
                    "FrozenSet": "frozenset", "Type": "type"}


def bindings(lines: Sequence[str]) -> dict[str, str]:
    """Name bound → what it stands for (``module.name`` or the module), over import lines; a
    name bound twice (``from json import dumps`` with ``from simplejson import dumps`` as its
    fallback) stands for what it is bound to first."""
    bound: dict[str, str] = {}
    for line in lines:
        found = _FROM.match(line)
        if found:
            for part in found.group(2).split(","):
                bits = part.split()
                if bits:
                    name = bits[2] if len(bits) == 3 and bits[1] == "as" else bits[0]
                    bound.setdefault(name, f"{found.group(1)}.{bits[0]}")
            continue
        found = _IMPORT.match(line)
        if found:
            for part in found.group(1).split(","):
                bits = part.split()
                if bits:
                    bound.setdefault(bits[2] if len(bits) == 3 and bits[1] == "as" else bits[0],
                                     bits[0])
    return bound


@dataclass(frozen=True)
class ImportRule(Rule):
    """Replace each ``old`` use (a name or a dotted path, whole) by ``new``, outside imports."""

    pairs: tuple[tuple[str, str], ...]

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        line = lines[number]
        if is_import(line):
            return None
        for old, new in self.pairs:
            pattern = r"(?<![\w.])" + re.escape(old) + r"(?!\w)"
            changed = re.sub(pattern, new, line)  # `new` is a dotted name: no escapes
            if changed != line:
                return LineEdit(number + 1, number + 1, changed + "\n")
        return None


def import_rule(edit: HunkEdit, lines: Sequence[str]) -> ImportRule | None:
    """The uses ``edit`` (an import change of this file) rewrites, or None."""
    if not any(is_import(line) for line in edit.removed + edit.added) or not all(
            is_import(line) or _GUARD.match(line) for line in edit.added if line.strip()):
        return None  # not an import change (what it replaced may be other bindings)
    present = set(lines)
    if not all(line in present for line in edit.added if line.strip()):
        return None  # an import change of another file
    old = bindings([line for line in edit.removed if is_import(line)])
    new = bindings(edit.added)
    pairs: list[tuple[str, str]] = []
    for name, origin in new.items():
        if old.get(name) == origin:
            continue
        pairs.extend((was, name) for was, source in old.items()
                     if source == origin and was != name and was not in new)
        if "." in origin and name not in old:
            pairs.append((origin, name))  # `from m import x` added: `m.x` → `x`
            # `import cStringIO` → `from StringIO import StringIO`: `cStringIO.StringIO` too
            pairs.extend((f"{was}.{origin.rsplit('.', 1)[1]}", name)
                         for was, source in old.items() if was == source and was not in new)
    pairs.extend((name, _TYPING_BUILTINS[name]) for name, origin in old.items()
                 if name not in new and name in _TYPING_BUILTINS and origin.startswith("typing."))
    still = bindings([line for line in lines if is_import(line)])
    pairs = [(a, b) for a, b in pairs if _DOTTED.fullmatch(a) and _DOTTED.fullmatch(b)
             and a not in still]  # a name the file still imports keeps its uses
    return ImportRule(tuple(pairs)) if pairs else None
