"""Edges guessed from names, for files whose imports we cannot see (hunks of a pasted diff).

A pasted diff rarely shows a file's import lines, so B's dependencies are guessed from what its
hunks mention: a distinctive name that changed file A defines or changes (`compute_tax(...)`),
or an attribute reached through A's module name (`store.Open(...)`, `parser.parse_hunk(...)`).
A guess never closes a cycle: cycles are claims about imports, so a guess that contradicts the
edges already known is dropped, the strongest guesses (most names) being tried first.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Mapping, Sequence

from .graph import Edges, reaches
from .other_languages import language_family
from .roles import is_test_path
from .symbols import FileSymbols

# Names too common to tie two files together by themselves.
GENERIC_NAMES = frozenset(
    {
        "main", "init", "run", "test", "setup", "teardown", "self", "cls", "None", "True", "False",
        "data", "value", "values", "result", "name", "get", "set", "update", "create", "delete",
        "close", "open", "read", "write", "start", "stop", "default", "config", "options",
        "args", "kwargs", "type", "list", "dict", "print", "string", "error", "parse", "render",
        "load", "save", "handle", "process", "apply", "call", "index", "items", "keys", "__init__",
        "__call__", "__repr__", "__str__", "__eq__", "__hash__", "__all__", "logger", "log",
        "this", "super", "os", "sys", "re", "json", "math", "time", "fmt", "http", "util",
        "utils", "common", "types", "errors", "context", "window", "document", "console",
    }
)
MIN_NAME_LENGTH = 4
MIN_MODULE_LENGTH = 3  # Go packages and Python modules are often short: `api`, `cli`, `db`
MAX_DEFINERS = 2  # a name defined in more files than this says nothing about which one is meant


def module_name(path: str) -> str:
    """The name code uses to reach a file's module: stem, or the package directory (Go,
    Python's __init__.py)."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    if stem == "__init__" or path.endswith(".go"):
        return posixpath.basename(posixpath.dirname(path))
    return stem


def add_name_guesses(
    nodes: Sequence[int],
    paths: Mapping[int, str],
    symbols: Mapping[int, FileSymbols],
    edges: Edges,
    keys: Mapping[int, tuple],
) -> set[tuple[int, int]]:
    """Add guessed edges (in place) into every file whose whole text we have not seen; return
    the (source, user) pairs added."""
    family = {node: language_family(paths[node]) for node in nodes}
    definers: dict[str, list[int]] = defaultdict(list)
    modules: dict[str, list[int]] = defaultdict(list)
    for node in nodes:
        # A re-export is no definition: `__init__.py` hands on what its modules define.
        for name in (symbols[node].defines | symbols[node].changes) - symbols[node].reexports:
            if len(name) >= MIN_NAME_LENGTH and name not in GENERIC_NAMES:
                definers[name].append(node)
        module = module_name(paths[node])
        if len(module) >= MIN_MODULE_LENGTH and not is_test_path(paths[node]):
            modules[module].append(node)
    # (a package's __init__.py, the module name of a changed file in that package)
    submodules = {
        (posixpath.join(posixpath.dirname(paths[node]), "__init__.py"), module_name(paths[node]))
        for node in nodes
    }
    guesses: list[tuple[int, int, frozenset[str]]] = []
    for user in nodes:
        summary = symbols[user]
        if summary.whole_file or not family[user]:
            continue
        found: dict[int, set[str]] = defaultdict(set)
        # A file naming its own module (`arrow.factory` in factory.py's docstring) uses nothing.
        own_module = module_name(paths[user])
        for name in [name for name in summary.uses if name in definers]:
            if (len(definers[name]) <= MAX_DEFINERS and name not in summary.defines
                    and name != own_module):
                for source in definers[name]:
                    found[source].add(name)
        for chain in summary.chains:
            head, attribute = chain.split(".", 2)[:2]
            sources = modules.get(head, ())
            if len(sources) <= MAX_DEFINERS and head not in summary.defines:
                for source in sources:
                    # A module named like a common word (`types`, `utils`) is reached through
                    # its name only for what it defines: `types.OptionHelpExtra`.
                    if head in GENERIC_NAMES and attribute not in (symbols[source].defines
                                                                   | symbols[source].changes):
                        continue
                    if _names_definition(paths[source], attribute, own_module, submodules,
                                         paths[user]):
                        found[source].add(attribute)
        for source, names in found.items():
            # A type stub (`.pyi`) describes a module for type checkers; no module imports it.
            stub_to_module = paths[source].endswith(".pyi") and not paths[user].endswith(".pyi")
            if source != user and family[source] == family[user] and not stub_to_module:
                guesses.append((source, user, frozenset(names)))
    guesses.sort(key=lambda g: (-len(g[2]), keys[g[0]], keys[g[1]]))
    added: set[tuple[int, int]] = set()
    for source, user, names in guesses:
        if user not in edges.get(source, {}) and not reaches(edges, user, source):
            edges.setdefault(source, {})[user] = names
            added.add((source, user))
    return added


def _names_definition(
    source_path: str,
    attribute: str,
    own_module: str,
    submodules: set[tuple[str, str]],
    user_path: str,
) -> bool:
    """Whether `module.attribute` in the user's text likely names a definition of `source`.

    Not when the user names itself (`requests.sessions` in sessions.py) or a changed module of
    the package (`requests.models`), not something the package's __init__ defines; nor when
    the user sits inside that package: its __init__ gathers its modules, so `requests.session()`
    in sessions.py is an example for the package's users, not an import (package metadata
    such as `httpie.__version__` excepted: the __init__ is where it lives).
    """
    if attribute == own_module or (source_path, attribute) in submodules:
        return False
    if posixpath.basename(source_path) == "__init__.py" and not attribute.startswith("__"):
        return not user_path.startswith(posixpath.dirname(source_path) + "/")
    return True
