"""Edges from path conventions, for files whose imports a pasted diff hides.

Where no import line and no shared name links two changed files, where they sit in the tree
still says which one a reader needs first:
- a package's `__init__.py` that gathers what the modules beside it define (`from .core
  import Command`) comes after those modules;
- a helper module in a tests folder (`tests/strategies.py`, `tests/utils.py`) is what the
  test files in and below that folder build on, so it comes before them;
- a module in a subpackage (`fastapi/openapi/utils.py`) builds on the modules of the packages
  above it (`fastapi/routing.py`), so it comes after them.
These are the weakest evidence there is: added after the imports and name guesses, only into
files whose whole text we have not seen, and never where they would close a cycle.

- a package's version module (`_version.py`, `__about__.py`) comes before its __init__, which
  reads it even when it defines more of its own.

Names say something too where nothing links two files: a foundation module (`_compat.py`,
`errors.py`, `_version.py`) and a private one (`_termui_impl.py`) are what others build on, an
entry point (`cli.py`, `app.py`, `__main__.py`, `scripts/`, example code in `examples/`, a
module named after its package like `arrow/arrow.py`) builds on the others (order.py
reads these as tie-breakers, for git ranges too).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence

from bugmodel.file_checks import is_example_path

from .graph import Edges, reaches
from .roles import SOURCE, TEST, Role
from .symbols import FileSymbols
from .tested_code import subject_stem

PYTHON = (".py", ".pyi")

# Modules by these names hold what the rest of a package builds on (errors, shared types,
# compatibility shims, the version). Among files the diff shows no link between (a pasted diff
# rarely shows import lines), they come first: on real commits their users followed them.
FOUNDATION_STEMS = frozenset({
    "compat", "exceptions", "errors", "common", "base", "types", "typing", "utils", "util",
    "datastructures", "structures", "constants", "const", "internal", "abc", "core",
    "version", "about",
})
VERSION_STEMS = frozenset({"version", "about"})
# Modules by these names (or in these folders) assemble the rest into a program: they import
# much and are imported by little, so among unlinked files they come last.
ENTRY_POINT_STEMS = frozenset({
    "main", "cli", "app", "apps", "application", "applications", "wsgi", "asgi", "manage",
})
ENTRY_POINT_DIRS = frozenset({"scripts", "bin", "commands"})


def is_foundation(path: str) -> bool:
    """Whether the file's name marks a module others build on (`_compat.py`, `errors.py`)."""
    return _stem(path) in FOUNDATION_STEMS


def foundation_rank(path: str) -> int:
    """How basic a module its name says it is: 2 for the version module (it imports nothing
    and anything that reports the version imports it), 1 for other foundations, else 0."""
    stem = _stem(path)
    return 2 if stem in VERSION_STEMS else 1 if stem in FOUNDATION_STEMS else 0


def is_entry_point(path: str) -> bool:
    """Whether the file's name marks a module that builds on others (`cli.py`, `__main__.py`,
    `scripts/compile.py`)."""
    parent = posixpath.basename(posixpath.dirname(path))
    stem = _stem(path)
    # A module named after its package (arrow/arrow.py) is the package's main face: on the
    # dev repositories' real imports it was the importer 10 times in 12.
    return (stem in ENTRY_POINT_STEMS or parent in ENTRY_POINT_DIRS or stem == parent
            # Example code (docs_src/tutorial001.py, examples/flask_example.py) uses the package
            # the way its users do, so it builds on every changed module.
            or is_example_path(path))


def is_private(path: str) -> bool:
    """Whether the file is a private module (`_termui_impl.py`): an implementation detail the
    public modules of its package build on."""
    name = posixpath.basename(path)
    return name.startswith("_") and not name.startswith("__")


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0].strip("_")


def add_convention_edges(
    nodes: Sequence[int],
    paths: Mapping[int, str],
    roles: Sequence[Role],
    symbols: Mapping[int, FileSymbols],
    edges: Edges,
) -> set[tuple[int, int]]:
    """Add the path-convention edges (in place); return the (source, user) pairs added."""
    # Python files by folder: a convention only ever links a folder's files to the __init__
    # beside them or to the tests in and below it, so users look at a few folders, not all.
    by_dir: dict[str, list[int]] = {}
    for node in nodes:  # sorted by path, so every list (and the candidates) is in a stable order
        if paths[node].endswith(PYTHON):
            by_dir.setdefault(posixpath.dirname(paths[node]), []).append(node)
    candidates = []
    for user in nodes:
        if symbols[user].whole_file or not paths[user].endswith(PYTHON):
            continue
        gathers = posixpath.basename(paths[user]) != "__init__.py" or _gathers(symbols[user])
        for directory in _folders_to_look_in(paths[user]):
            for source in by_dir.get(directory, ()):
                if source != user and _convention_links(paths[source], roles[source],
                                                        paths[user], roles[user], gathers):
                    candidates.append((source, user))
    added: set[tuple[int, int]] = set()
    for source, user in candidates:  # `nodes` is sorted by path, so this order is stable
        if user not in edges.get(source, {}) and not reaches(edges, user, source):
            edges.setdefault(source, {})[user] = frozenset()
            added.add((source, user))
    return added


def _folders_to_look_in(user: str) -> list[str]:
    """Where a user's convention sources live: beside an __init__; a test's folder and every
    folder above it (the helpers of `tests/` serve `tests/unit/test_x.py`); for a module, the
    folders above its own (the parent packages its subpackage builds on)."""
    directory = posixpath.dirname(user)
    if posixpath.basename(user) == "__init__.py":
        return [directory]
    folders = [directory] if _is_test_file(user) else []
    while directory:
        directory = posixpath.dirname(directory)
        folders.append(directory)
    return folders


def _gathers(init: FileSymbols) -> bool:
    """Whether an `__init__.py` looks like it gathers its modules' names: it shows imports
    from its package, or changes no package metadata of its own (a `__version__ = ...` bump
    says it is a definer, which its modules may import from)."""
    metadata = {name for name in init.changes - {"__all__"}
                if name.startswith("__") and name.endswith("__")}
    return bool(init.reexports) or not metadata


def _convention_links(
    source: str, source_role: Role, user: str, user_role: Role, gathers: bool
) -> bool:
    """Whether convention says `user` builds on `source` (both Python paths); `gathers`: the
    user, if a package's __init__, looks like it gathers its modules' names."""
    if not source.endswith(PYTHON):
        return False
    directory = posixpath.dirname(source)
    if posixpath.basename(user) == "__init__.py":
        # The modules beside a package's __init__ are what it imports and hands on; the
        # version module (`_version.py`, `__about__.py`) it reads even when it defines more.
        return (source_role.name == SOURCE and user_role.name == SOURCE
                and posixpath.dirname(user) == directory
                and posixpath.basename(source) != "__init__.py"
                and (gathers or _stem(source) in VERSION_STEMS))
    if (source_role.name == SOURCE and user_role.name == SOURCE
            and posixpath.basename(source) != "__init__.py" and not is_entry_point(source)
            and posixpath.dirname(user).startswith(directory + "/")):
        # A subpackage builds on the modules of the packages above it (`fastapi/openapi/
        # utils.py` on `fastapi/routing.py`): on the dev repositories' real imports, 35 of 46
        # links between a package and its subpackage ran that way.
        return True
    if source_role.name == TEST and user_role.name == TEST and _is_test_helper(source):
        # A tests folder's helper module serves the tests in and below that folder.
        return _is_test_file(user) and (user.startswith(directory + "/") or not directory)
    return False


def _is_test_helper(path: str) -> bool:
    """A module in a tests folder that is not itself a test (`strategies.py`, `conftest.py`
    has its own link: pytest hands its fixtures to the tests below it)."""
    name = posixpath.basename(path)
    return name not in ("__init__.py", "conftest.py") and subject_stem(path) is None


def _is_test_file(path: str) -> bool:
    return subject_stem(path) is not None
