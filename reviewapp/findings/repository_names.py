"""What the rest of a reviewed repository says about the names a change reads.

The whole-file checks read one file, so a name bound only at run time looks undefined: a test
harness that `exec`s data files with `uri` set (gunicorn's `tests/requests/valid/*.py`), chai
installing `assertEqual` into builtins for every test module. When the unchanged Python files
beside a changed file read the same name without binding it, so does working code, and the
change did not make it undefined (`sibling_bases`); a harness at or above a changed file's
folder that writes the name into the namespace of the code it runs binds it
(`harness_names`). When a name really is undefined, another module of the repository may
define it, and the message says where to import it from (`with_import_hints`: flask's
`reraise`, defined in `flask/_compat.py`).

Both read the head through the review's `HeadCheckout`; without one, or when git cannot read
it, the findings are what the file alone says.
"""

from __future__ import annotations

import ast
import dataclasses
import logging
import posixpath
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from bugmodel.file_checks import EXAMPLE_ROOTS

if TYPE_CHECKING:  # the checkout module imports the hunt engine; with a checkout at hand,
    # whoever made it has imported it already (`CheckoutUnreadable` is imported then)
    from reviewapp.findings.checkout import HeadCheckout


log = logging.getLogger(__name__)

#: Unchanged files read beside a change, at most (the smallest first): a data directory of
#: hundreds of files says what it says in its first few dozen.
MAX_SIBLING_FILES = 120
#: Files read for harnesses that run code in a namespace they fill, at most.
MAX_HARNESS_FILES = 50
#: A line that may run code in a namespace (`bugmodel.harness_names.RUNNERS`): `exec(`,
#: `execfile(`, `.exec_module(`, `run_path(`, `run_module(`; methods named `exec` do not count.
RUNNER_LINE = r"(^|[^A-Za-z0-9_.])(exec|execfile)\(|\.exec_module\(|run_path\(|run_module\("
#: Files read to find where an undefined name is defined, at most, per name.
MAX_DEFINING_FILES = 20
#: Top-level folders whose modules define names for themselves, not for the library to import.
OWN_NAME_ROOTS = EXAMPLE_ROOTS | {"tests", "test", "testing", "scripts", "benchmarks"}
#: Folders a module path does not start with (`src/flask/app.py` is `flask.app`).
SOURCE_ROOTS = ("src", "lib")


def sibling_bases(paths: Collection[str], in_diff: Collection[str],
                  checkout: HeadCheckout | None) -> list[tuple[str, set[int]]]:
    """The Python files in the folders of `paths` that the change leaves alone (every path
    it touches is in `in_diff`), each as a base file with no line removed (`bugmodel.detect`'s
    `base_files`)."""
    if checkout is None or not paths:
        return []
    from reviewapp.findings.checkout import CheckoutUnreadable

    try:
        texts = checkout.files_beside({posixpath.dirname(p) for p in paths}, ".py",
                                      MAX_SIBLING_FILES + len(in_diff))
    except CheckoutUnreadable as exc:
        log.warning("files beside the change not read: %s", exc)
        return []
    unchanged = [text for path, text in texts.items() if path not in in_diff]
    return [(text, set()) for text in unchanged[:MAX_SIBLING_FILES]]


def harness_names(paths: Collection[str], sources: dict[str, str],
                  checkout: HeadCheckout | None) -> dict[str, set[str]]:
    """For each of `paths`, the names that a module at or above its folder writes into the
    namespace of code it runs (`bugmodel.harness_names`), read from the change's new files
    (`sources`) and the head's files that run code that way; empty sets for none."""
    if checkout is None or not paths:
        return {path: set() for path in paths}
    from bugmodel.harness_names import injected_names
    from reviewapp.findings.checkout import CheckoutUnreadable

    try:
        texts = checkout.files_matching(RUNNER_LINE, ".py", MAX_HARNESS_FILES)
    except CheckoutUnreadable as exc:
        log.warning("harnesses of the change's files not read: %s", exc)
        texts = {}
    folders = {path: posixpath.dirname(path) for path in paths}
    harnesses = []
    for path, text in {**texts, **sources}.items():
        folder = posixpath.dirname(path)
        # Only a module at or above a changed file's folder binds names there: no need to
        # parse the others.
        if any(_at_or_below(below, folder) for below in folders.values()):
            harnesses.append((folder, injected_names(text)))
    return {path: set().union(*(names for folder, names in harnesses
                                if _at_or_below(folders[path], folder)))
            for path in paths}


def _at_or_below(folder: str, top: str) -> bool:
    return not top or folder == top or folder.startswith(top + "/")


def with_import_hints(findings: list, lines: dict[str, list[str]],
                      checkout: HeadCheckout | None) -> list:
    """The findings, each undefined name that a module of the repository defines at module
    level saying so, with the import as its fix (`lines`: each file's text split on
    newlines). A name the standard library already explains keeps that import."""
    if checkout is None:
        return findings
    from bugmodel.file_finding import span_text

    hinted = []
    for finding in findings:
        if finding.kind == "undefined_name" and not finding.added_import:
            text = lines[finding.path]
            name = span_text(text, finding.line, finding.column, finding.end_line,
                             finding.end_column)
            # gettext installs `_` into builtins; a module-level `_` elsewhere is a throwaway.
            guessable = name.isidentifier() and name.strip("_") != ""
            definer = _defining_file(name, finding.path, checkout) if guessable else ""
            if definer:
                module = public_module(name, finding.path, definer, checkout)
                statement = import_statement(finding.path, "\n".join(text), module, name)
                finding = dataclasses.replace(
                    finding, message=_with_hint(finding.message, definer, statement),
                    added_import=statement)
        hinted.append(finding)
    return hinted


def _with_hint(message: str, definer: str, statement: str) -> str:
    """The message saying where the name is defined in place of its guess ("a typo or a
    missing import?")."""
    from bugmodel.file_checks import UNKNOWN_NAME_GUESS

    hint = f"`{definer}` defines it"
    if statement:
        hint += f": a missing `{statement}`?"
    if UNKNOWN_NAME_GUESS in message:
        return message.replace(UNKNOWN_NAME_GUESS, hint, 1)
    return f"{message}; {hint}"


def _defining_file(name: str, path: str, checkout: HeadCheckout) -> str:
    """The repository file that defines `name` at module level, nearest `path`'s package
    first; "" for none. Documentation, examples and tests define names for themselves: they
    count only for a file in the same top-level folder."""
    # Brackets with a space and a tab: the same to `git grep -E` and to Python's `re`.
    texts = _files_matching(checkout, name, (
        f"((async[ \t]+)?def|class)[ \t]+{name}[^A-Za-z0-9_]"
        f"|^[ \t]*{name}[ \t]*(:[^=]*)?=([^=]|$)"), ".py")
    top = path.split("/")[0]
    definers = sorted((p for p, text in texts.items() if p != path and defines(text, name)
                       and (p.split("/")[0] == top or p.split("/")[0] not in OWN_NAME_ROOTS)),
                      key=lambda p: (p.split("/")[0] != top, p.count("/"), p))
    return definers[0] if definers else ""


def public_module(name: str, path: str, definer: str, checkout: HeadCheckout) -> str:
    """The module a file at `path` imports `name` from: for a file outside the definer's
    package, the shallowest package above the definer whose `__init__` re-exports it
    (`from flask import render_template`, not `flask.templating`); the definer's module
    otherwise, and inside the package (where the package import could be circular)."""
    module = module_name(definer)
    if not module or module_name(path).split(".")[0] == module.split(".")[0]:
        return module
    inits = _files_matching(checkout, name, f"(^|[^A-Za-z0-9_]){name}([^A-Za-z0-9_]|$)",
                            "__init__.py")
    exporters = [module_name(p) for p, text in inits.items() if _reexports(text, name)]
    above = [m for m in exporters if module.startswith(m + ".")]
    return min(above, key=lambda m: m.count("."), default=module)


def _files_matching(checkout: HeadCheckout, name: str, pattern: str,
                    suffix: str) -> dict[str, str]:
    from reviewapp.findings.checkout import CheckoutUnreadable

    try:
        return checkout.files_matching(pattern, suffix, MAX_DEFINING_FILES)
    except CheckoutUnreadable as exc:
        log.warning("where %s is defined was not looked up: %s", name, exc)
        return {}


def _reexports(text: str, name: str) -> bool:
    """Whether the module imports `name` at module level (to offer it as its own)."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError):
        return False
    return any(isinstance(node, ast.ImportFrom) and any(
        (alias.asname or alias.name) == name for alias in node.names) for node in body)


def import_statement(path: str, text: str, module: str, name: str) -> str:
    """`from <module> import <name>` for the file at `path` (its source `text`): relative
    when the file already imports its own package relatively and `module` is in that
    package, else absolute; "" when there is no module."""
    if not module:
        return ""
    here = package_of(path)
    there = module.split(".")
    if here and there[0] == here[0] and _imports_relatively(text):
        common = 0
        while common < min(len(here), len(there)) and here[common] == there[common]:
            common += 1
        dots = "." * (len(here) - common + 1)
        return f"from {dots}{'.'.join(there[common:])} import {name}"
    return f"from {module} import {name}"


def _imports_relatively(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))


def defines(text: str, name: str) -> bool:
    """Whether the module defines or assigns `name` at module level, in any branch of an `if`
    or `try` (an import of it does not count)."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError):
        return False
    return any(name in defined_names(node) for node in module_level(body))


def module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The module's statements, those in every branch of its `if`, `try` and `with` blocks
    included."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            stack += node.body + getattr(node, "orelse", []) + getattr(node, "finalbody", [])
            stack += [n for handler in getattr(node, "handlers", []) for n in handler.body]


def defined_names(node: ast.stmt) -> set[str]:
    """The names a definition or an assignment statement binds."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)}
    return set()


def imported_module(node: ast.ImportFrom, path: str) -> str:
    """The module a `from ... import` in the file at `path` reads from, a relative one made
    absolute from the file's package."""
    if not node.level:
        return node.module or ""
    package = package_of(path)
    base = package[:len(package) - node.level + 1]
    return ".".join(base + (node.module.split(".") if node.module else []))


def package_of(path: str) -> list[str]:
    """The dotted package a relative import in the file at `path` starts from, as parts
    (`flask/json/tag.py` and `flask/json/__init__.py`: ["flask", "json"])."""
    parts = module_name(path).split(".") if module_name(path) else []
    return parts if path.endswith("__init__.py") else parts[:-1]


def module_name(path: str) -> str:
    """The dotted module a repository path imports as; "" when a part is no identifier."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if len(parts) > 1 and parts[0] in SOURCE_ROOTS:
        parts.pop(0)
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else ""
