"""What a parsed file defines, computed once per tree for the rewrites of each of its
functions: the names bound at module level, every attribute name used, and the `self`
attributes of each class's methods."""

from __future__ import annotations

import ast
import builtins
import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_MODULE_DUNDERS = frozenset({
    "__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__", "__path__",
    "__builtins__", "__class__", "__dict__", "__all__", "__annotations__", "__debug__",
})
# Similarity (difflib ratio) above which two names look like a typo of each other.
TYPO_CUTOFF = 0.8
_MAX_SIMILAR = 3


@dataclass
class FileNames:
    """Names a file defines and uses; `similar_*` answers are memoised per name."""

    defined: frozenset[str]  # module-level bindings, builtins, module dunders
    attributes: tuple[str, ...]  # every attribute name used in the file, sorted
    class_attributes: dict[int, frozenset[str]]  # id(method node) -> `self.x` names of its class
    star_import: bool  # `from m import *`: any name may be defined
    _similar: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def similar_attributes(self, attr: str) -> tuple[str, ...]:
        """Attribute names of the file that look like a typo of `attr` (closest first)."""
        return self._close(("attr", attr), attr, self.attributes)

    def similar_defined(self, name: str, local: Iterable[str]) -> tuple[str, ...]:
        """Bound names (module level, builtins or `local`) that look like a typo of `name`."""
        local = sorted(n for n in set(local) if _initial(n) == _initial(name))
        matches = difflib.get_close_matches(name, local, _MAX_SIMILAR, TYPO_CUTOFF)
        return tuple(matches) + tuple(m for m in self._close(("name", name), name,
                                                              sorted(self.defined))
                                      if m not in matches)[: _MAX_SIMILAR - len(matches)]

    def _close(self, key: tuple[str, str], word: str, pool: Iterable[str]) -> tuple[str, ...]:
        if key not in self._similar:
            # Typos keep their first letter (past leading underscores): compare within it
            pool = [name for name in pool if _initial(name) == _initial(word)]
            matches = difflib.get_close_matches(word, pool, _MAX_SIMILAR + 1, TYPO_CUTOFF)
            self._similar[key] = tuple(m for m in matches if m != word)[:_MAX_SIMILAR]
        return self._similar[key]


def _initial(name: str) -> str:
    return name.lstrip("_")[:1].lower()


def _module_bindings(body: list[ast.stmt]) -> tuple[set[str], bool]:
    """Names bound by module-level statements (into if/try/with/for blocks, not defs)."""
    names: set[str] = set()
    star = False
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    star = True
                names.add((alias.asname or alias.name).split(".")[0])
            continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.add(child.id)
            elif isinstance(child, ast.ExceptHandler) and child.name:
                names.add(child.name)
            if isinstance(child, (ast.stmt, ast.ExceptHandler, ast.expr, ast.withitem)):
                stack.append(child)
    return names, star


@functools.lru_cache(maxsize=8)
def file_names(tree: ast.Module) -> FileNames:
    """The names of one parsed file (cached for the few trees in use)."""
    defined, star = _module_bindings(tree.body)
    attributes: set[str] = set()
    class_attributes: dict[int, frozenset[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            attributes.add(node.attr)
        elif isinstance(node, ast.ClassDef):
            own = frozenset(
                n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name) and n.value.id == "self")
            for item in node.body:
                if isinstance(item, _FUNCTIONS):
                    class_attributes[id(item)] = own
    return FileNames(frozenset(defined | set(dir(builtins)) | _MODULE_DUNDERS),
                     tuple(sorted(attributes)), class_attributes, star)


def assigned_names(roots: Iterable[ast.AST]) -> set[str]:
    """Parameters and assigned names within the scope: the variables a misuse may swap."""
    names: set[str] = set()
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def bound_names(roots: Iterable[ast.AST], assigned: set[str] | None = None) -> set[str]:
    """Every name the scope binds: assigned names (`assigned` when already known), imports,
    `except ... as`, inner defs, `global`/`nonlocal` declarations."""
    roots = list(roots)
    names = set(assigned_names(roots) if assigned is None else assigned)
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Del):
                names.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
                names.add(node.name)
            elif isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names |= set(node.names)
    return names
