"""Names that code reads and nothing binds: a typo, a missing `self.`, a forgotten import.

The learned detector reads one unit at a time and cannot tell whether a name is defined
elsewhere in the file. pyflakes reads the whole file (imports, definitions in any order,
`global`, class scopes, `try: ... except NameError`), so a name it reports as undefined
raises `NameError` when its line runs. On real code this is rare and nearly always a bug:
in the functions of the mined dev fixes, every undefined name it reports is on the line the
fix changed, and at HEAD of the 19 dev and test repositories it fires about 0.05 times per
1,000 lines, on documentation snippets and demos (`bugmodel/MODEL_CARD.md`).

The repair offered is `self.<name>` inside a method of a class that defines or uses that
attribute (gunicorn's `can_sendfile()` for the method beside it), else
the closest name the file binds or a builtin (`ctypess` → `ctypes`), else none.

Three places where a developer has already said the name is meant are told apart for the checks
to leave alone: a line whose `# noqa` silences pyflakes' report (`silenced_lines`), and the
branches of an `if` that picks code by the running Python's version, where compatibility code
reads `unicode` or `basestring` (`version_guarded_lines`), and the body of a `try` whose bare
`except:` or `except Exception:` is the Python 3 fallback (`fallback_guarded_lines`).
A module-level `del` after a star import is not reported (the star import may have bound the name;
pyflakes judges `del` as if it bound nothing). A module that `exec`s code into its own globals
(`execs_into_module`) gets no report on the code it runs at import (`bugmodel.file_checks`;
what it reads still counts as read without binding, as evidence that a name is provided at run
time).
"""

from __future__ import annotations

import ast
import builtins
import difflib
import io
import re
import tokenize
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from pyflakes.checker import Checker
from pyflakes.messages import Message
from pyflakes.messages import UndefinedName as _PyflakesUndefinedName

from bugmodel.attribute_typos import class_body_names
from bugmodel.file_finding import character_column

_FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef)
#: A suggested name must be at least this alike (difflib ratio) to the undefined one.
CLOSE_RATIO = 0.8
#: A builtin is offered for names at least this long: `var` → `vars` and `val` → `eval` were
#: chance (the mined fixes and gunicorn's history), `isintance` → `isinstance` was the fix.
MIN_BUILTIN_TYPO = 4
#: pyflakes' code for an undefined name, as flake8 and ruff list it in a noqa comment.
UNDEFINED_NAME_CODE = "F821"
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?",
                   re.IGNORECASE)
#: Names an `if` test reads when it picks code by the running Python (`PY2`, `six.PY3`,
#: `is_py2`, `PY3K`, `sys.version_info`, `sys.hexversion`; `sys.version` apart: a name
#: `version` is more often a protocol's).
_VERSION_MARKER = re.compile(
    r"(?:is_|IS_)?(?:py|PY|python|PYTHON)_?[23]\w*|PY3K|version_info|hexversion")


@dataclass(frozen=True)
class UndefinedName:
    """An undefined name read on `line` (1-based) at character columns [column, end_column)."""

    line: int
    column: int
    end_column: int
    name: str
    replacement: str | None
    bound_elsewhere: bool = False  # another scope of the file binds it (a method without `self`)


def undefined_names(text: str, tree: ast.Module | None = None,
                    messages: list[Message] | None = None) -> list[UndefinedName]:
    """Every read of a name that no scope of the file binds, in file order (`messages`:
    pyflakes' messages for the file when the caller has them)."""
    if tree is None:
        tree = ast.parse(text)
    if messages is None:
        messages = Checker(tree, filename="<unit>").messages
    lines = text.split("\n")
    bound = bound_names(tree)
    # pyflakes judges a module's `del name` as if no star import could have bound it (funcy's
    # `py3.py`: `from .py2 import *`, then `zip_values = izip_values; del izip_values`); in a
    # function such a `del` is an error whatever the module imports.
    star_deleted = ({(n.lineno, n.col_offset) for n in _module_level_nodes(tree)
                     if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Del)}
                    if imports_star(bound) else set())
    found = []
    for message in messages:
        if (not isinstance(message, _PyflakesUndefinedName)
                or (message.lineno, message.col) in star_deleted):
            continue
        name = message.message_args[0]
        line = lines[message.lineno - 1] if message.lineno <= len(lines) else ""
        column = character_column(lines, message.lineno, message.col)
        if line[column : column + len(name)] != name:
            continue  # a name inside a string annotation: no span to point at
        found.append(UndefinedName(message.lineno, column, column + len(name), name,
                                   _repair(tree, text, message.lineno, name, bound),
                                   name in bound))
    return sorted(found, key=lambda u: (u.line, u.column))


def execs_into_module(tree: ast.Module) -> bool:
    """Whether the module's own code runs other code into its globals: `exec(source)` or
    `exec(source, globals())`, or Python 2's `execfile(path)`, outside any function or class
    (h11's `setup.py` reads `__version__` after `exec(open("h11/_version.py").read())`). Any
    name may be bound that way, so no read at module level is reported but `execfile` itself,
    a NameError under Python 3; a function reading one is still reported (on the mined fixes,
    IPython's `setupbase.py` read `system` for `os.system` beside such an `execfile`)."""
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
               and node.func.id in ("exec", "execfile") and not node.keywords
               and (len(node.args) == 1 or (len(node.args) == 2 and _is_globals(node.args[1])))
               for node in _module_level_nodes(tree))


def _module_level_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """The nodes of the code that runs at import, outside any function, class or lambda."""
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if not isinstance(node, (*_FUNCTION, ast.ClassDef, ast.Lambda)):
            yield node
            todo.extend(ast.iter_child_nodes(node))


def function_body_lines(tree: ast.Module) -> set[int]:
    """Lines inside the bodies of the module's functions and lambdas (what runs when called,
    not when the module is imported)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, _FUNCTION):
            lines.update(range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1))
        elif isinstance(node, ast.Lambda):
            lines.update(range(node.body.lineno, (node.body.end_lineno or node.lineno) + 1))
    return lines


def _is_globals(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "globals" and not node.args)


def unbound_reads(text: str, skip_lines: Collection[int] = ()) -> set[str]:
    """The names `text` reads without binding, except on `skip_lines` (1-based); none for a
    text that does not parse."""
    try:
        return {name.name for name in undefined_names(text) if name.line not in skip_lines}
    except (SyntaxError, ValueError, RecursionError):
        return set()


def silenced_lines(text: str) -> dict[int, frozenset[str]]:
    """Lines with a `# noqa` comment: line -> the codes it lists (empty: a bare `# noqa`,
    which silences every check on the line, as in flake8 and ruff)."""
    silenced: dict[int, frozenset[str]] = {}
    if "noqa" not in text.lower():
        return silenced  # most files: no tokenizing, which costs twice a parse
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and (match := _NOQA.search(token.string)):
                codes = re.split(r"[,\s]+", (match["codes"] or "").upper())
                silenced[token.start[0]] = frozenset(code for code in codes if code)
    except (tokenize.TokenError, SyntaxError):
        pass  # a file that does not tokenize has no findings to silence
    return silenced


def silences_undefined_names(codes: frozenset[str]) -> bool:
    """Whether a `# noqa` with `codes` silences an undefined name (F821, or a prefix of it)."""
    return not codes or any(UNDEFINED_NAME_CODE.startswith(code) for code in codes)


def version_guarded_lines(tree: ast.Module) -> set[int]:
    """Lines in either branch of an `if` or conditional expression whose test reads the
    Python version: code that runs under one Python only (`if PY2: text = unicode`)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.IfExp)) and _reads_version(node.test):
            branches = [node.body, node.orelse] if isinstance(node, ast.IfExp) else (
                node.body + node.orelse)
            for branch in branches:
                lines.update(range(branch.lineno, (branch.end_lineno or branch.lineno) + 1))
    return lines


def fallback_guarded_lines(tree: ast.Module) -> set[int]:
    """Lines in the body of a `try` whose handler catches a `NameError` with everything else
    (a bare `except:`, `Exception`, `BaseException`) and binds again a name the body binds:
    compatibility code whose fallback is what Python 3 runs (`try: integer_types = (int, long)`
    / `except: integer_types = (int,)`). pyflakes leaves alone only the handlers that name
    `NameError`. A handler that binds nothing of the body's handles errors: gunicorn's
    `try: execfile(path, config)` / `except: sys.exit(...)` hid the NameError under Python 3."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                _catches_everything(h) and _binds(h.body) & _binds(node.body)
                for h in node.handlers):
            for statement in node.body:
                lines.update(range(statement.lineno,
                                   (statement.end_lineno or statement.lineno) + 1))
    return lines


def _binds(statements: list[ast.stmt]) -> set[str]:
    return bound_names(ast.Module(body=statements, type_ignores=[]))


def _catches_everything(handler: ast.ExceptHandler) -> bool:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(t is None or (isinstance(t, ast.Name) and t.id in ("Exception", "BaseException"))
               for t in types)


def _reads_version(test: ast.expr) -> bool:
    """A version flag or `sys.version_info`, or Python 3's tell-tale that `str` is not
    `bytes` (`type('') is not type(b'')`, `str is bytes`, `isinstance(b'', str)`)."""
    for node in ast.walk(test):
        if isinstance(node, ast.Name) and _VERSION_MARKER.fullmatch(node.id):
            return True
        if isinstance(node, ast.Attribute) and (_VERSION_MARKER.fullmatch(node.attr) or (
                node.attr == "version" and isinstance(node.value, ast.Name)
                and node.value.id == "sys")):
            return True
        if isinstance(node, ast.Compare) and all(
                isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)) for op in node.ops):
            if {"str", "bytes"} <= {_string_type(side) for side in (node.left,
                                                                    *node.comparators)}:
                return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "isinstance" and node.args
                and _string_type(node.args[0]) and isinstance(node.args[0], ast.Constant)):
            return True
    return False


def _string_type(node: ast.expr) -> str | None:
    """"str" or "bytes" for `str`, `bytes`, an empty literal of either, or `type()` of one."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "type" and len(node.args) == 1):
        node = node.args[0]
    if isinstance(node, ast.Name) and node.id in ("str", "bytes"):
        return node.id
    if isinstance(node, ast.Constant) and node.value in ("", b""):
        return type(node.value).__name__
    return None


def bound_names(tree: ast.Module) -> set[str]:
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


def imports_star(bound: set[str]) -> bool:
    """Whether a file whose `bound_names` are `bound` has a `from module import *`, which may
    bind any name, a builtin's included."""
    return "*" in bound


def _repair(tree: ast.Module, text: str, line: int, name: str, bound: set[str]) -> str | None:
    cls = _enclosing_class(tree, line)
    if cls is not None and (name in class_body_names(cls) or re.search(
            rf"\bself\.{re.escape(name)}\b", ast.get_source_segment(text, cls) or "")):
        return f"self.{name}"
    # The name itself is no repair: bound in another scope, it is the scope that is wrong.
    like = bound | _builtin_repairs() if len(name) >= MIN_BUILTIN_TYPO else bound
    close = difflib.get_close_matches(name, sorted(like - {name}), n=1, cutoff=CLOSE_RATIO)
    return close[0] if close else None


def _builtin_repairs() -> set[str]:
    """Builtins a typo may have meant; never one that runs code from a string."""
    return set(dir(builtins)) - {"eval", "exec", "compile", "__import__"}


def _enclosing_class(tree: ast.Module, line: int) -> ast.ClassDef | None:
    """The innermost class whose method holds `line`."""
    found = None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.lineno <= line <= (node.end_lineno or 0):
            if found is None or node.lineno > found.lineno:
                found = node
    return found
