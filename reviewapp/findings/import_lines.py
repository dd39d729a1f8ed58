"""Where a forgotten import goes in a file, written the way its authors would.

A name the file imports from a module it already imports from joins that import
(`from ._compat import BROKEN_PYPY_CTXMGR_EXIT, reraise`, as flask's own fix of that NameError
was written); any other statement goes on a line of its own among the module's leading
imports of its group, the standard library's or the others (`import traceback` after `import
sys`, before `from gunicorn import util`, where gunicorn's own fix put it): in its sorted place
when the group is sorted, as import sorters keep it, else after the group's last import.
"""

from __future__ import annotations

import ast
import sys

#: A joined single-line import may grow to this width, or to the file's widest line.
LINE_WIDTH = 79


class UnplacedImport(ValueError):
    """The import cannot be placed: the file does not parse, or the statement is no import."""


def add_import(text: str, statement: str) -> str:
    """`text` with `statement` (one `import` or `from ... import` of one name) added: joined
    to a module-level import from the same module, else on a line of its own after the
    module's leading imports (after its docstring when it has none)."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError) as exc:
        raise UnplacedImport(
            f"the file does not parse, so where its imports end is unknown: {exc}") from exc
    try:
        wanted, = ast.parse(statement).body
    except (SyntaxError, ValueError) as exc:
        raise UnplacedImport(f"`{statement}` is not one statement") from exc
    if not isinstance(wanted, (ast.Import, ast.ImportFrom)):
        raise UnplacedImport(f"`{statement}` is no import")
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    if isinstance(wanted, ast.ImportFrom):
        joined = _joined(lines, body, wanted)
        if joined is not None:
            return joined
    after, separate = _after_imports(body, wanted, lines)
    if after == 0:  # a shebang or an encoding line stays first
        while after < len(lines) and lines[after].startswith("#"):
            after += 1
    if lines[:after] and not lines[after - 1].endswith(("\n", "\r")):
        lines[after - 1] += newline
    blank = newline if separate else ""
    return "".join(lines[:after]) + statement + newline + blank + "".join(lines[after:])


def _after_imports(body: list[ast.stmt], wanted: ast.Import | ast.ImportFrom,
                   lines: list[str]) -> tuple[int, bool]:
    """(the 1-based line after which a new import goes, 0 for the top; whether a blank line
    must follow it). Among the module's leading imports of its group (the standard library's,
    or the others): in its sorted place when they are sorted, else after the group's last
    plain import (a `try` block's fallback code is no place for it). A first standard import
    opens its group above the others, as import sorters order groups; any other first import
    goes after the last import (after the docstring when there is none)."""
    after = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        after = body[0].end_lineno or 0  # the docstring
    leading: list[ast.stmt] = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            break
        if _imports(node):
            leading.append(node)
    standard = _is_standard(wanted)
    group = [node for node in leading if _is_standard(node) == standard]
    before = _sorted_place(group, wanted)
    if before is not None:
        return _above(before, lines), False
    others = [node for node in leading if _module(node) != "__future__"]
    if standard and others and all(_module(node) == "__future__" for node in group):
        return _above(others[0], lines), True
    plain = [node for node in group if isinstance(node, (ast.Import, ast.ImportFrom))]
    last = (plain or group or leading)[-1:]
    return (last[0].end_lineno or after) if last else after, False


def _above(node: ast.stmt, lines: list[str]) -> int:
    """The line after which something goes above `node` and the comment lines right above it
    (a comment above an import belongs to it)."""
    first = node.lineno - 1
    while first > 0 and lines[first - 1].lstrip().startswith("#"):
        first -= 1
    return first


def _sorted_place(group: list[ast.stmt], wanted: ast.Import | ast.ImportFrom,
                  ) -> ast.stmt | None:
    """The import of `group` the wanted one goes before, when the group's absolute imports
    are sorted the way isort and ruff sort them (plain imports first, or `from` imports
    among them by module) and one of them sorts after it; None otherwise. A relative import,
    and `__future__`'s, keep their own places."""
    if _module(wanted).startswith((".", "__future__")):
        return None
    imports = [node for node in group if not _module(node).startswith((".", "__future__"))]
    if not all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in imports):
        return None  # a `try` or `if` block of imports: no order to keep
    for key in (_plain_first, _by_module):
        keys = [key(node) for node in imports]
        if keys == sorted(keys):
            return next((node for node in imports if key(node) > key(wanted)), None)
    return None


def _module(node: ast.stmt) -> str:
    """The module an import reads ("" for a block of imports), relative ones with their dots."""
    if isinstance(node, ast.Import):
        return node.names[0].name
    if isinstance(node, ast.ImportFrom):
        return "." * node.level + (node.module or "")
    return ""


def _plain_first(node: ast.stmt) -> tuple[bool, str]:
    return isinstance(node, ast.ImportFrom), _module(node).lower()


def _by_module(node: ast.stmt) -> tuple[str, bool]:
    return _module(node).lower(), isinstance(node, ast.ImportFrom)


def _is_standard(node: ast.stmt) -> bool:
    """Whether an import reads the standard library (`__future__` counts: nothing goes
    before it)."""
    if isinstance(node, ast.Import):
        return all(alias.name.split(".")[0] in sys.stdlib_module_names for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return not node.level and (node.module or "").split(".")[0] in sys.stdlib_module_names
    imports = [child for child in getattr(node, "body", []) if _imports(child)]
    return bool(imports) and all(_is_standard(child) for child in imports)


def _imports(node: ast.stmt) -> bool:
    """An import, or a `try`/`if` whose body imports (`try: import json except ...`)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    return isinstance(node, (ast.Try, ast.If)) and any(
        isinstance(child, (ast.Import, ast.ImportFrom)) for child in node.body)


def _joined(lines: list[str], body: list[ast.stmt], wanted: ast.ImportFrom) -> str | None:
    """The text with the wanted name joined to the last module-level import from the same
    module, when that import is one line short enough to take it, or one name per line in
    brackets; None otherwise."""
    name = wanted.names[0].name + (f" as {wanted.names[0].asname}"
                                   if wanted.names[0].asname else "")
    same = [node for node in body if isinstance(node, ast.ImportFrom)
            and (node.module, node.level) == (wanted.module, wanted.level)
            and not any(alias.name == "*" for alias in node.names)]
    if not same:
        return None
    node = same[-1]
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    if first == last:
        code, ending = _split_ending(lines[first])
        if "(" in code or "#" in code or ";" in code:
            return None
        width = max(LINE_WIDTH, *(len(_split_ending(line)[0]) for line in lines))
        if len(code) + len(name) + 2 > width:
            return None
        return "".join(lines[:first]) + f"{code}, {name}{ending}" + "".join(lines[first + 1:])
    closing, ending = _split_ending(lines[last])
    previous, previous_ending = _split_ending(lines[last - 1])
    if closing.strip() != ")" or "#" in previous:
        return None
    indent = previous[:len(previous) - len(previous.lstrip())]
    if not previous.rstrip().endswith(","):
        previous = previous.rstrip() + ","
    return ("".join(lines[:last - 1]) + previous + previous_ending
            + f"{indent}{name},{ending}" + "".join(lines[last:]))


def _split_ending(line: str) -> tuple[str, str]:
    """(the line without its line ending, the ending)."""
    code = line.rstrip("\r\n")
    return code, line[len(code):]
