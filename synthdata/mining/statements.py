"""Single-statement fixes: the one statement two versions of a file differ in, its smallest
differing span, and the kind of the change.

Both versions must parse; everything outside one function must be AST-equal, and inside that
function exactly one statement may differ (a compound statement counts by its header), or one
`if` guard may be added before or around a statement. Comments and formatting do not count
because ASTs are compared with `ast.dump` (no positions).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from synthdata.source import SourceText

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Header fields of compound statements; the rest of their fields are statement blocks.
_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
_LOG_CALLS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log",
              "print", "write", "echo", "secho"}
_OP_TRIM = " \t\n\\()"
_MAX_GUARD_LINES = 5


@dataclass(frozen=True)
class StatementFix:
    """Where a buggy file differs from its fix: character span in the buggy text and the text
    that replaces it, plus the enclosing function and statement."""

    func_name: str
    func_start: int  # 1-based `def` line (decorators excluded)
    func_end: int
    stmt_start: int  # 1-based lines of the buggy statement (its header for compound ones)
    stmt_end: int
    start: int  # character offsets of the smallest differing span in the buggy text
    end: int
    replacement: str
    kind: str


def _dump(node: ast.AST) -> str:
    return ast.dump(node)


def functions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Functions and methods by qualified name (nested classes included, nested functions not)."""
    def walk(body: list[ast.stmt], prefix: str):
        for node in body:
            if isinstance(node, _FUNCTIONS):
                yield prefix + node.name, node
            elif isinstance(node, ast.ClassDef):
                yield from walk(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, (ast.If, ast.Try)):  # `if TYPE_CHECKING:` / try-import blocks
                for field in ("body", "orelse", "finalbody"):
                    yield from walk(getattr(node, field, []), prefix)
    yield from walk(tree.body, "")


def _skeleton(tree: ast.Module, funcs: dict[str, ast.AST]) -> str:
    """Dump of the module with every function body emptied (bodies restored afterwards)."""
    saved = {name: f.body for name, f in funcs.items()}
    try:
        for f in funcs.values():
            f.body = []
        return _dump(tree)
    finally:
        for name, f in funcs.items():
            f.body = saved[name]


def changed_function(before: ast.Module, after: ast.Module) -> tuple[str, ast.AST, ast.AST] | None:
    """The only function whose body differs, when nothing else in the module does."""
    fb, fa = dict(functions(before)), dict(functions(after))
    if list(fb) != list(fa):
        return None
    changed = [name for name in fb if _dump(fb[name]) != _dump(fa[name])]
    if len(changed) != 1 or _skeleton(before, fb) != _skeleton(after, fa):
        return None
    name = changed[0]
    return name, fb[name], fa[name]


@dataclass
class _Change:
    """A differing pair of nodes; `statement` is the buggy statement containing them."""

    before: ast.AST | None
    after: ast.AST
    statement: ast.stmt
    after_statement: ast.stmt
    how: str  # "expr": nodes differ; "op": only the operator differs; "insert"; "wrap"


def _diff_block(a: list[ast.stmt], b: list[ast.stmt]) -> _Change | None:
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if _dump(a[i]) != _dump(b[i])]
        return _diff_statement(a[diffs[0]], b[diffs[0]]) if len(diffs) == 1 else None
    if len(b) != len(a) + 1:
        return None
    prefix = 0
    while prefix < len(a) and _dump(a[prefix]) == _dump(b[prefix]):
        prefix += 1
    if any(_dump(x) != _dump(y) for x, y in zip(a[prefix:], b[prefix + 1:], strict=True)):
        return None
    inserted = b[prefix]
    if (prefix == len(a) or not isinstance(inserted, ast.If) or inserted.orelse
            or inserted.end_lineno - inserted.lineno > _MAX_GUARD_LINES):
        return None  # only a short guard `if` inserted before an existing statement
    return _Change(None, inserted, a[prefix], inserted, "insert")


def _diff_statement(a: ast.stmt, b: ast.stmt) -> _Change | None:
    if type(a) is not type(b):
        if (isinstance(b, ast.If) and not b.orelse and len(b.body) == 1
                and _dump(b.body[0]) == _dump(a)):
            return _Change(a, b, a, b, "wrap")
        if _is_compound(a) or _is_compound(b):
            return None
        return _Change(a, b, a, b, "expr")
    if not _is_compound(a):
        before, after, how = _smallest(a, b)
        return _Change(before, after, a, b, how)
    differing = [f for f in a._fields if _field_dump(a, f) != _field_dump(b, f)]
    if len(differing) != 1:
        return None
    field = differing[0]
    if field in _BLOCK_FIELDS:
        if field == "handlers":
            return _diff_handlers(a.handlers, b.handlers)
        return _diff_block(getattr(a, field), getattr(b, field))
    va, vb = getattr(a, field), getattr(b, field)
    if isinstance(va, ast.AST) and isinstance(vb, ast.AST) and hasattr(va, "lineno"):
        before, after, how = _smallest(va, vb)
        return _Change(before, after, a, b, how)
    return None  # a list header (with-items, decorators) or a name: not a one-node change


def _diff_handlers(a: list[ast.ExceptHandler], b: list[ast.ExceptHandler]) -> _Change | None:
    if len(a) != len(b):
        return None
    diffs = [i for i in range(len(a)) if _dump(a[i]) != _dump(b[i])]
    if len(diffs) != 1:
        return None
    ha, hb = a[diffs[0]], b[diffs[0]]
    if _dump(ast.Module(ha.body, [])) != _dump(ast.Module(hb.body, [])):
        return _diff_block(ha.body, hb.body) if ha.name == hb.name and _dump_opt(ha.type) == \
            _dump_opt(hb.type) else None
    if ha.type is None or hb.type is None or ha.name != hb.name:
        return None
    before, after, how = _smallest(ha.type, hb.type)
    return _Change(before, after, ha, hb, how)


def _dump_opt(node: ast.AST | None) -> str:
    return "" if node is None else _dump(node)


def _field_dump(node: ast.AST, field: str) -> str:
    value = getattr(node, field, None)
    if isinstance(value, list):
        return repr([_dump(v) if isinstance(v, ast.AST) else v for v in value])
    return _dump(value) if isinstance(value, ast.AST) else repr(value)


def _is_compound(node: ast.AST) -> bool:
    return any(isinstance(getattr(node, f, None), list) for f in _BLOCK_FIELDS
               if f in node._fields)


def _smallest(a: ast.AST, b: ast.AST) -> tuple[ast.AST, ast.AST, str]:
    """Descend while exactly one positioned child differs; "op" when only an operator does."""
    while type(a) is type(b):
        diffs = []
        for field in a._fields:
            va, vb = getattr(a, field), getattr(b, field)
            if isinstance(va, list) and isinstance(vb, list):
                if len(va) != len(vb):
                    return a, b, "expr"
                diffs += [(field, x, y) for x, y in zip(va, vb, strict=True)
                          if (_dump(x) if isinstance(x, ast.AST) else x)
                          != (_dump(y) if isinstance(y, ast.AST) else y)]
            elif isinstance(va, ast.AST) and isinstance(vb, ast.AST):
                if _dump(va) != _dump(vb):
                    diffs.append((field, va, vb))
            elif va != vb:
                diffs.append((field, va, vb))
        if len(diffs) != 1:
            return a, b, "expr"
        field, x, y = diffs[0]
        if field in ("op", "ops"):
            return a, b, "op"
        if not (isinstance(x, ast.AST) and hasattr(x, "lineno") and hasattr(y, "lineno")):
            return a, b, "expr"
        a, b = x, y
    return a, b, "expr"


def _operator_span(src: SourceText, node: ast.AST, other: ast.AST) -> tuple[int, int] | None:
    """Span of the (single) operator token by which `node` differs from `other`."""
    if isinstance(node, ast.Compare):
        i = next(i for i, (x, y) in enumerate(zip(node.ops, other.ops, strict=True))
                 if type(x) is not type(y))
        operands = [node.left, *node.comparators]
        left, right = operands[i], operands[i + 1]
    elif isinstance(node, ast.BinOp):
        left, right = node.left, node.right
    elif isinstance(node, ast.AugAssign):
        left, right = node.target, node.value
    elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
        left, right = node.values
    else:
        return None
    a, b = src.span(left)[1], src.span(right)[0]
    seg = src.text[a:b]
    token = seg.strip(_OP_TRIM)
    if not token or "#" in token or "\n" in token:
        return None
    at = a + seg.index(token)
    return at, at + len(token)


def _attribute_name_span(src: SourceText, node: ast.Attribute) -> tuple[int, int] | None:
    _, end = src.span(node)
    if src.text[end - len(node.attr):end] != node.attr:
        return None
    return end - len(node.attr), end


def locate(change: _Change, before: SourceText, after: SourceText) -> tuple[int, int, str] | None:
    """Character span in the buggy text and its replacement text."""
    if change.how == "insert":
        at = before.line_start(change.statement.lineno)
        start = after.line_start(change.after.lineno)
        return at, at, after.text[start:after.line_end(change.after.end_lineno) + 1]
    if change.how == "wrap":
        s0, s1 = before.span(change.before)
        a0, a1 = after.span(change.after)
        return s0, s1, after.text[a0:a1]
    a, b = change.before, change.after
    if change.how == "op":
        span, new = _operator_span(before, a, b), _operator_span(after, b, a)
        if span is not None and new is not None:
            return span[0], span[1], after.text[new[0]:new[1]]
    if (isinstance(a, ast.Attribute) and isinstance(b, ast.Attribute)
            and _dump(a.value) == _dump(b.value)):
        span = _attribute_name_span(before, a)
        if span is not None:
            return span[0], span[1], b.attr
    s0, s1 = before.span(a)
    a0, a1 = after.span(b)
    return s0, s1, after.text[a0:a1]


# -- rejection and kinds ------------------------------------------------------------------------


def _names(node: ast.AST) -> set[str]:
    found = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            found.add(n.id)
        elif isinstance(n, ast.arg):
            found.add(n.arg)
    return found


def _is_logging(stmt: ast.AST) -> bool:
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in _LOG_CALLS
    return False


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)))


def rejected(change: _Change) -> str | None:
    """Why a one-statement change is not a logic fix (None when it may be one)."""
    stmt = change.statement
    if isinstance(stmt, (ast.Import, ast.ImportFrom)) or isinstance(change.after,
                                                                    (ast.Import, ast.ImportFrom)):
        return "import"
    if isinstance(stmt, ast.Expr) and _is_text(stmt.value):
        return "docstring"
    if _is_logging(stmt) or _is_logging(change.after_statement):
        return "logging"
    if isinstance(stmt, ast.Raise) and isinstance(stmt.exc, ast.Call) and change.before not in (
            stmt.exc, stmt.exc.func):
        return "exception message"
    if isinstance(stmt, ast.Assert) and _is_text(change.before):
        return "message text"
    if isinstance(stmt, ast.AnnAssign) and isinstance(change.after_statement, ast.AnnAssign) \
            and _dump(stmt.annotation) != _dump(change.after_statement.annotation):
        return "annotation"
    if isinstance(stmt, ast.Pass) or isinstance(change.after_statement, ast.Pass):
        return "pass"
    if change.how == "wrap" and "TYPE_CHECKING" in _dump(change.after.test):
        return "typing"
    return None


def _plus_minus_one(node: ast.AST, base: ast.AST) -> bool:
    """`node` is `base + 1` or `base - 1`."""
    return (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))
            and isinstance(node.right, ast.Constant) and node.right.value == 1
            and not isinstance(node.right.value, bool) and _dump(node.left) == _dump(base))


def _call_kind(a: ast.Call, b: ast.Call) -> str | None:
    same_func = _dump(a.func) == _dump(b.func)
    args_a = [_dump(x) for x in a.args] + [_dump(k) for k in a.keywords]
    args_b = [_dump(x) for x in b.args] + [_dump(k) for k in b.keywords]
    if not same_func and args_a == args_b:
        return "wrong_call"
    if not same_func:
        return None
    if args_a != args_b and sorted(args_a) == sorted(args_b):
        return "swapped_args"
    if len(args_b) == len(args_a) + 1 and all(x in args_b for x in args_a):
        return "argument_added"
    if len(args_a) == len(args_b) + 1 and all(x in args_a for x in args_b):
        return "argument_removed"
    return None


def classify(change: _Change, function_names: set[str]) -> str:
    """The fix kind of one change (see KINDS in synthdata.mining)."""
    a, b = change.before, change.after
    if change.how in ("insert", "wrap"):
        return "missing_guard"
    if change.how == "op":
        if isinstance(a, ast.Compare):
            ops = {(type(x).__name__, type(y).__name__) for x, y in zip(a.ops, b.ops, strict=True)
                   if type(x) is not type(y)}
            if ops <= {("Is", "IsNot"), ("In", "NotIn")}:
                return "missing_not"
            if ops <= {("IsNot", "Is"), ("NotIn", "In")}:
                return "extra_not"
            return "comparison"
        if isinstance(a, ast.BoolOp):
            return "boolean_op"
        return "wrong_operator"
    if isinstance(b, ast.UnaryOp) and isinstance(b.op, ast.Not) and _dump(b.operand) == _dump(a):
        return "missing_not"
    if isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.Not) and _dump(a.operand) == _dump(b):
        return "extra_not"
    if isinstance(a, ast.Constant) and isinstance(b, ast.Constant):
        if (type(a.value) is int and type(b.value) is int and abs(a.value - b.value) == 1):
            return "off_by_one"
        return "wrong_literal"
    if _plus_minus_one(a, b) or _plus_minus_one(b, a):
        return "off_by_one"
    if isinstance(a, ast.Call) and isinstance(b, ast.Call):
        kind = _call_kind(a, b)
        if kind:
            return kind
    if any(isinstance(n, ast.Call) and n.func is a for n in ast.walk(change.statement)):
        return "wrong_call"  # the called function (or method) is the differing node
    if isinstance(a, ast.Name) and isinstance(b, (ast.Name, ast.Attribute)):
        return "wrong_variable" if _names(b) & function_names else "other"
    if isinstance(a, ast.Attribute) and isinstance(b, ast.Attribute):
        if _dump(a.value) == _dump(b.value):
            return "wrong_attribute"
    if isinstance(a, ast.Attribute) and isinstance(b, ast.Name) and b.id in function_names:
        return "wrong_variable"
    if isinstance(b, ast.BoolOp) and any(_dump(v) == _dump(a) for v in b.values):
        return "missing_guard"  # a condition added to a test
    if isinstance(change.statement, ast.Return) or isinstance(change.after_statement, ast.Return):
        return "wrong_return"
    return "other"


def single_statement_fix(before_text: str, after_text: str) -> tuple[StatementFix | None, str]:
    """The fix between two versions of a file, or None and the reason it is not one."""
    try:
        before_tree, after_tree = ast.parse(before_text), ast.parse(after_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, "syntax"
    found = changed_function(before_tree, after_tree)
    if found is None:
        return None, "not one function"
    name, fb, fa = found
    if _field_dump(fb, "body") == _field_dump(fa, "body"):
        return None, "signature"
    change = _diff_block(fb.body, fa.body)
    if change is None:
        return None, "not one statement"
    reason = rejected(change)
    if reason:
        return None, reason
    before, after = SourceText(before_text), SourceText(after_text)
    located = locate(change, before, after)
    if located is None:
        return None, "no span"
    start, end, replacement = located
    stmt = change.statement
    stmt_end = _header_end(stmt) if _is_compound(stmt) else stmt.end_lineno
    fixed = before_text[:start] + replacement + before_text[end:]
    try:
        if _dump(ast.parse(fixed)) != _dump(after_tree):
            return None, "span does not reproduce the fix"
    except (SyntaxError, ValueError, RecursionError):
        return None, "span does not reproduce the fix"
    kind = classify(change, _names(fb) | _module_names(before_tree))
    return StatementFix(name, fb.lineno, fb.end_lineno, stmt.lineno, stmt_end, start, end,
                        replacement, kind), "ok"


def _header_end(stmt: ast.AST) -> int:
    """Last line of a compound statement's header (`if test:`, `for x in y:`, `except E:`)."""
    ends = [stmt.lineno]
    for field in stmt._fields:
        if field in _BLOCK_FIELDS:
            continue
        value = getattr(stmt, field)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST) and hasattr(child, "end_lineno"):
                ends.append(child.end_lineno)
    return max(ends)


def _module_names(tree: ast.Module) -> set[str]:
    """Names bound at module level (imports, assignments, functions, classes)."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


_WS = re.compile(r"\s+")


def whitespace_free(text: str) -> str:
    """Code without whitespace or comment-only lines: the key for duplicate functions."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return _WS.sub("", "\n".join(lines))
