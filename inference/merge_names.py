"""Names a merged Python file reads that nothing binds where they are read.

Code repeated in several functions (the same hook in three tests) fits a segment equally
well at each copy; a new line of the segment that reads a name (``exc``, a parameter of one
of those tests) settles it when only one copy's scope binds that name. `unbound_names` lists,
per the compiler's own scoping (`symtable`), the names a module reads as globals that neither
the module nor the builtins bind; a merge that adds one to the original's has placed a line
where its names mean nothing.
"""

from __future__ import annotations

import builtins
import re
import symtable

__all__ = ["unbound_names"]

_STAR_IMPORT = re.compile(r"^\s*from\s+\S+\s+import\s+\*", re.MULTILINE)

#: Names every module has without binding them.
_MODULE_NAMES = frozenset({"__file__", "__name__", "__doc__", "__spec__", "__loader__",
                           "__package__", "__builtins__", "__path__", "__annotations__",
                           "__dict__", "__class__", "__qualname__", "__module__"})


def unbound_names(text: str) -> set[str] | None:
    """The names the module reads as globals (in any scope) that it binds nowhere at module
    level and the builtins lack; None when it does not compile or a star import or a
    ``globals()``/``exec`` may bind names unseen."""
    if _STAR_IMPORT.search(text):
        return None
    try:
        top = symtable.symtable(text, "<merge>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return None
    tables = [top]
    bound = set(_MODULE_NAMES) | set(dir(builtins))
    read: set[str] = set()
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        for symbol in table.get_symbols():
            name = symbol.get_name()
            module_level = table is top or symbol.is_declared_global()
            if module_level and (symbol.is_assigned() or symbol.is_imported()
                                 or symbol.is_namespace() or symbol.is_parameter()):
                bound.add(name)
            if symbol.is_referenced() and (table is top or symbol.is_global()):
                read.add(name)
    if {"globals", "exec", "vars"} & read:
        return None
    return read - bound
