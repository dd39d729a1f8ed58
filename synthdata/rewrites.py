"""Bug rewrites: one enumeration used both to inject bugs and to list repair candidates.

Every rewrite is a `Candidate`: replace the character span [start, end) of a text with
`replacement`. The rewrite families are symmetric, so enumerating the candidates of a buggy
text contains the inverse of the rewrite that injected the bug (tests check this per kind).
"""

from __future__ import annotations

import ast
import bisect
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from synthdata.scope import FileNames, assigned_names, bound_names, file_names
from synthdata.source import SourceText

KINDS: tuple[str, ...] = (
    "comparison",
    "off_by_one",
    "arithmetic",
    "boolean",
    "negation",
    "swapped_arguments",
    "return_variable",
    "variable_misuse",
    "literal",
    "attribute",
    "swapped_branches",
    "dropped_return",
    "dropped_increment",
    "dropped_guard",
)


@dataclass(frozen=True)
class Candidate:
    """Replace text[start:end] (character offsets) with `replacement`; `kind` names the family."""

    kind: str
    start: int
    end: int
    replacement: str

    def apply(self, text: str) -> str:
        """Return `text` with this rewrite applied."""
        return text[: self.start] + self.replacement + text[self.end :]


_CMP_SYMBOL = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}
_ORDERED = ("<", "<=", ">", ">=", "==", "!=")
_CMP_ALTERNATIVES: dict[str, list[str]] = {op: [o for o in _ORDERED if o != op] for op in _ORDERED}
_CMP_ALTERNATIVES["=="].append("is")
_CMP_ALTERNATIVES["!="].append("is not")
_CMP_ALTERNATIVES.update(
    {"is": ["is not", "=="], "is not": ["is", "!="], "in": ["not in"], "not in": ["in"]}
)
_CMP_RE = re.compile(r"not\s+in\b|is\s+not\b|<=|>=|==|!=|<|>|\bin\b|\bis\b")

_BIN_SYMBOL = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^",
    ast.BitAnd: "&", ast.MatMult: "@",
}
_ARITH_GROUPS = (("+", "-", "*", "/", "//", "%"), ("|", "&", "^"), ("<<", ">>"))
_BIN_ALTERNATIVES: dict[str, list[str]] = {
    op: [o for o in group if o != op] for group in _ARITH_GROUPS for op in group
}
_BIN_ALTERNATIVES["*"].append("**")
_BIN_ALTERNATIVES["**"] = ["*"]
_BIN_RE = re.compile(r"\*\*|//|<<|>>|[-+*/%|^&@]")
_AUG_RE = re.compile(r"(?:\*\*|//|<<|>>|[-+*/%|^&@])=")
_BOOL_RE = re.compile(r"\band\b|\bor\b")
_RETURN_RE = re.compile(r"return\b[ \t]*")
_NOT_RE = re.compile(r"not\b[ \t]*")

_EMPTY_FOR_NONE = ("[]", '""', "{}")
# Expressions that a None check or truthiness test applies to without parentheses.
_OPERANDS = (ast.Name, ast.Attribute, ast.Subscript, ast.Call)
_MAX_SWAPPED_ARGS = 4
_MAX_GUARD_SUBJECTS = 3
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_LEADING_GUARD = re.compile(r"[A-Za-z_][\w.]*( is not None)? and\s+")
# Callees real fixes swap for a counterpart with the same arguments (symmetric pairs).
_CALLEE_SWAPS = {"min": ("max",), "max": ("min",), "any": ("all",), "all": ("any",),
                 "isinstance": ("issubclass",), "issubclass": ("isinstance",)}
_METHOD_SWAPS = {
    "startswith": ("endswith",), "endswith": ("startswith",), "lstrip": ("rstrip",),
    "rstrip": ("lstrip",), "append": ("extend",), "extend": ("append",),
    "find": ("rfind",), "rfind": ("find",), "index": ("rindex",), "rindex": ("index",),
    "split": ("rsplit",), "rsplit": ("split",), "remove": ("discard",), "discard": ("remove",),
    "lower": ("upper",), "upper": ("lower",), "keys": ("values",), "values": ("keys",),
    "get": ("pop",), "pop": ("get",),
}
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def enumerate_candidates(
    text: str, tree: ast.AST | None = None, scope: Sequence[ast.AST] | None = None,
    max_names: int | None = None, source: SourceText | None = None,
) -> list[Candidate]:
    """All rewrites of `text` inside `scope` (default: the whole tree), deduplicated, in order.

    `tree` must be `ast.parse(text)` when given; `scope` is a list of its nodes (e.g. one
    function) to which candidates are restricted. `max_names` bounds the variables offered
    per misuse site to the nearest ones (long functions with hundreds of locals would
    otherwise yield sites x names candidates); the dataset is built without it. `source`
    reuses a `SourceText` of `text` across calls.
    """
    if tree is None:
        tree = ast.parse(text)
    enumerator = _Enumerator(source or SourceText(text), max_names)
    return enumerator.run(list(scope) if scope is not None else [tree], tree)


def _walk(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """ast.walk that also says whether each node sits inside a function body."""
    yield node, in_function
    if isinstance(node, _FUNCTIONS):
        inner = True
    elif isinstance(node, ast.ClassDef):
        inner = False
    else:
        inner = in_function
    for child in ast.iter_child_nodes(node):
        yield from _walk(child, inner)


def _ends_flow(roots: list[ast.AST]) -> set[int]:
    """Ids of the statements after which their function goes on with no other statement of the
    same block: the last of a function body or of a branch (if/else, loop body, except, case),
    and the last of a `with`/`try` body when that statement itself ends the flow. A `return`
    anywhere else would make the statements after it unreachable, so it is never a repair."""
    found: set[int] = set()

    def block(statements: list[ast.stmt], ends: bool) -> None:
        for i, statement in enumerate(statements):
            last = ends and i == len(statements) - 1
            if last:
                found.add(id(statement))
            visit(statement, last)

    def visit(node: ast.AST, last: bool) -> None:
        if isinstance(node, _FUNCTIONS):
            block(node.body, True)
        elif isinstance(node, ast.ClassDef):
            block(node.body, False)
        elif isinstance(node, (ast.If, *_LOOPS)):
            block(node.body, True)
            block(node.orelse, True if isinstance(node, ast.If) else last)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            block(node.body, last)
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            block(node.body, last)
            for handler in node.handlers:
                block(handler.body, True)
            block(node.orelse, last)
            block(node.finalbody, last)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                block(case.body, True)

    for root in roots:
        if isinstance(root, ast.Module):
            block(root.body, False)
        else:
            visit(root, False)
    return found


def _balanced(text: str) -> bool:
    """No comment and as many closing as opening brackets of each kind."""
    return "#" not in text and all(text.count(a) == text.count(b)
                                   for a, b in ("()", "[]", "{}"))


def _guard_subjects(test: ast.AST, src: SourceText) -> list[str]:
    """Dotted names (`x`, `self.x.y`) a test reads, first occurrence first; callees excluded."""
    callees = {id(n.func) for n in ast.walk(test) if isinstance(n, ast.Call)}
    found: dict[str, None] = {}
    for node in ast.walk(test):
        if id(node) in callees or not isinstance(node, (ast.Name, ast.Attribute)):
            continue
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        # `self` alone is never None; `self.x` may be
        if isinstance(root, ast.Name) and (node is not root or root.id not in ("self", "cls")):
            text = src.segment(node)
            if _DOTTED.fullmatch(text):
                found.setdefault(text, None)
    return sorted(found, key=lambda t: src.text.find(t, src.span(test)[0]))


def _docstring_skipped(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements of a block after its docstring, if any."""
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return body[1:]
    return body


class _Enumerator:
    """Collects candidates for one text; each `_visit_*` handles one node type."""

    def __init__(self, src: SourceText, max_names: int | None = None) -> None:
        self.src = src
        self.max_names = max_names
        self.occurrences: dict[str, list[int]] = {}
        self.found: dict[tuple[int, int, str], Candidate] = {}
        self.ends_flow: set[int] = set()

    def add(self, kind: str, start: int, end: int, replacement: str) -> None:
        # The first kind to propose an edit keeps it, so specific kinds are visited first.
        if self.src.text[start:end] != replacement:
            key = (start, end, replacement)
            self.found.setdefault(key, Candidate(kind, start, end, replacement))

    def run(self, roots: list[ast.AST], tree: ast.AST) -> list[Candidate]:
        local_names = assigned_names(roots)
        self.ends_flow = _ends_flow(roots)
        if self.max_names is not None and len(local_names) > self.max_names + 1:
            self.occurrences = self._name_occurrences(roots, local_names)
        attributes: dict[str, set[str]] = defaultdict(set)
        nodes: list[tuple[ast.AST, bool]] = [pair for root in roots for pair in _walk(root)]
        for node, _ in nodes:
            if isinstance(node, ast.Attribute):
                attributes[self.src.segment(node.value)].add(node.attr)
        for node, in_function in nodes:
            self._visit(node, in_function, local_names)
        names = file_names(tree) if isinstance(tree, ast.Module) else None
        self_attributes = set(attributes.get("self", set()))
        if names is not None and len(roots) == 1:
            self_attributes |= names.class_attributes.get(id(roots[0]), frozenset())
        bound = bound_names(roots, local_names)
        for node, _ in nodes:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self._variable_misuse("variable_misuse", node, local_names)
                self._instance_variable(node, local_names, self_attributes)
                if names is not None:
                    self._undefined_name(node, bound, names)
            elif isinstance(node, ast.Attribute):
                self._attribute(node, attributes)
                self._instance_variable(node, local_names, self_attributes)
                if names is not None:
                    self._misspelt_attribute(node, names)
        return list(self.found.values())

    def _visit(self, node: ast.AST, in_function: bool, local_names: set[str]) -> None:
        if isinstance(node, (ast.Return, ast.Yield)) and isinstance(node.value, ast.Name):
            self._variable_misuse("return_variable", node.value, local_names)
        if isinstance(node, ast.Compare):
            self._compare(node)
        elif isinstance(node, ast.BinOp):
            self._binop(node)
        elif isinstance(node, ast.AugAssign):
            self._augassign(node)
        elif isinstance(node, ast.BoolOp):
            self._boolop(node)
        elif isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.Subscript):
            self._subscript(node)
        elif isinstance(node, (ast.Constant, ast.List, ast.Dict)):
            self._literal(node)
        elif isinstance(node, ast.If):
            self._if(node)
        elif isinstance(node, ast.IfExp):
            self._ifexp(node)
        elif isinstance(node, ast.While):
            self._while(node)
        elif isinstance(node, ast.Return) and in_function and node.value is not None:
            m = _RETURN_RE.match(self.src.text, self.src.span(node)[0])
            if m:
                self.add("dropped_return", m.start(), m.end(), "")
        elif isinstance(node, ast.Expr) and in_function:
            self._expr_statement(node)
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            self._condition(node.test)
            if not isinstance(node, ast.Assert):
                self._guard_condition(node.test)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self._condition(value)
        elif isinstance(node, ast.Return) and node.value is not None:
            self._negation(node.value)
        elif isinstance(node, ast.comprehension):
            for cond in node.ifs:
                self._condition(cond)
        if isinstance(node, _FUNCTIONS):
            params = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
            self._guards(node.body, [p for p in params if p not in ("self", "cls")], loop=False)
        elif isinstance(node, _LOOPS):
            self._guards(node.body, self._loop_names(node), loop=True)

    # -- operators -------------------------------------------------------------------------

    def _operator(self, left: ast.AST, right: ast.AST, pattern: re.Pattern[str]) -> re.Match | None:
        """The operator token between two operands (None when a comment hides it)."""
        a, b = self.src.span(left)[1], self.src.span(right)[0]
        seg = self.src.text[a:b]
        if "#" in seg:
            return None
        return pattern.search(self.src.text, a, b)

    def _compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            m = self._operator(operands[i], operands[i + 1], _CMP_RE)
            symbol = _CMP_SYMBOL[type(op)]
            if m is None or " ".join(m.group().split()) != symbol:
                continue
            for alt in _CMP_ALTERNATIVES[symbol]:
                self.add("comparison", m.start(), m.end(), alt)
        if any(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in node.ops):
            for operand in operands:
                self._off_by_one(operand)

    def _binop(self, node: ast.BinOp) -> None:
        if isinstance(node.op, (ast.Add, ast.Sub)):
            self._off_by_one(node)  # `x + 1` / `x - 1` -> `x` wherever it is computed
        symbol = _BIN_SYMBOL[type(node.op)]
        m = self._operator(node.left, node.right, _BIN_RE)
        if m is None or m.group() != symbol:
            return
        for alt in _BIN_ALTERNATIVES.get(symbol, []):
            self.add("arithmetic", m.start(), m.end(), alt)

    def _augassign(self, node: ast.AugAssign) -> None:
        symbol = _BIN_SYMBOL[type(node.op)]
        m = self._operator(node.target, node.value, _AUG_RE)
        if m is None or m.group() != symbol + "=":
            return
        for alt in _BIN_ALTERNATIVES.get(symbol, []):
            self.add("arithmetic", m.start(), m.end(), alt + "=")

    def _boolop(self, node: ast.BoolOp) -> None:
        symbol = "and" if isinstance(node.op, ast.And) else "or"
        for left, right in zip(node.values, node.values[1:], strict=False):
            m = self._operator(left, right, _BOOL_RE)
            if m is not None and m.group() == symbol:
                self.add("boolean", m.start(), m.end(), "or" if symbol == "and" else "and")
        # one operand too many: drop it with its operator (`x is None or x > 0` -> `x > 0`)
        spans = [self.src.span(v) for v in node.values]
        cuts = [(spans[0][0], spans[1][0])] + [(spans[i - 1][1], spans[i][1])
                                                for i in range(1, len(spans))]
        for start, end in cuts:
            if _balanced(self.src.text[start:end]):
                self.add("boolean", start, end, "")

    def _condition(self, node: ast.AST) -> None:
        """A test: its `not` toggled, and its None check switched with truthiness."""
        self._negation(node)
        self._none_check(node)

    def _guard_condition(self, test: ast.AST) -> None:
        """`T` -> `x and T` / `x is not None and T` for a name `x` that T uses (the guard real
        fixes add most), and such a leading guard dropped."""
        text = self.src.text
        start, _ = self.src.span(test)
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            first, second = self.src.span(test.values[0])[0], self.src.span(test.values[1])[0]
            if _LEADING_GUARD.fullmatch(text[first:second]):
                self.add("dropped_guard", first, second, "")
        elif isinstance(test, (ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr)):
            return  # `x and a or b` would not guard the whole test
        whole = self.src.segment(test)
        for subject in _guard_subjects(test, self.src)[:_MAX_GUARD_SUBJECTS]:
            if subject != whole:
                self.add("dropped_guard", start, start, f"{subject} and ")
                self.add("dropped_guard", start, start, f"{subject} is not None and ")

    def _none_check(self, node: ast.AST) -> None:
        """`x is None` <-> `not x` and `x is not None` <-> `x` (real fixes go both ways)."""
        start, end = self.src.span(node)
        if (isinstance(node, ast.Compare) and len(node.ops) == 1
                and isinstance(node.ops[0], (ast.Is, ast.IsNot))
                and isinstance(node.comparators[0], ast.Constant)
                and node.comparators[0].value is None and isinstance(node.left, _OPERANDS)):
            operand = self.src.segment(node.left)
            negated = isinstance(node.ops[0], ast.Is)
            self.add("comparison", start, end, f"not {operand}" if negated else operand)
        elif (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
              and isinstance(node.operand, _OPERANDS)):
            self.add("comparison", start, end, f"{self.src.segment(node.operand)} is None")
        elif isinstance(node, _OPERANDS):
            self.add("comparison", start, end, f"{self.src.segment(node)} is not None")

    def _negation(self, node: ast.AST) -> None:
        start, _ = self.src.span(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            m = _NOT_RE.match(self.src.text, start)
            if m:
                self.add("negation", m.start(), m.end(), "")
        else:
            self.add("negation", start, start, "not ")

    # -- indices, bounds and literals --------------------------------------------------------

    def _off_by_one(self, node: ast.AST) -> None:
        start, end = self.src.span(node)
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, (ast.Add, ast.Sub))
            and isinstance(node.right, ast.Constant)
            and node.right.value == 1
            and not isinstance(node.right.value, bool)
        ):
            m = self._operator(node.left, node.right, _BIN_RE)
            if m is not None:
                self.add("off_by_one", start, end, self.src.text[start : m.start()].rstrip())
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            for value in (node.value + 1, node.value - 1):
                if value >= 0:
                    self.add("off_by_one", start, end, str(value))
        elif isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
            text = self.src.text[start:end]
            self.add("off_by_one", start, end, text + " + 1")
            self.add("off_by_one", start, end, text + " - 1")

    def _subscript(self, node: ast.Subscript) -> None:
        index = node.slice
        if isinstance(index, ast.Slice):
            for bound in (index.lower, index.upper):
                if bound is not None:
                    self._off_by_one(bound)
        elif not isinstance(index, ast.Tuple):
            self._off_by_one(index)

    def _literal(self, node: ast.AST) -> None:
        start, end = self.src.span(node)
        text = self.src.text[start:end]
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                self.add("literal", start, end, str(not value))
            elif value is None:
                for empty in _EMPTY_FOR_NONE:
                    self.add("literal", start, end, empty)
            elif type(value) is int:
                if text in ("0", "1"):
                    self.add("literal", start, end, "1" if text == "0" else "0")
                self._off_by_one(node)  # any int literal may be one off, not only bounds
            elif text in ('""', "''"):
                self.add("literal", start, end, "None")
        elif text in ("[]", "{}"):
            self.add("literal", start, end, "None")

    # -- calls, names, attributes ------------------------------------------------------------

    def _call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "range":
            for arg in node.args[:2]:
                self._off_by_one(arg)
        elif isinstance(node.func, ast.Name) and node.func.id == "len":
            self._off_by_one(node)  # `len(x)` vs `len(x) - 1` wherever a length is used
        args = node.args[:_MAX_SWAPPED_ARGS]
        text = self.src.text
        for i, a in enumerate(args):
            for b in args[i + 1:]:
                if isinstance(a, ast.Starred) or isinstance(b, ast.Starred):
                    continue
                (a0, a1), (b0, b1) = self.src.span(a), self.src.span(b)
                if text[a0:a1] != text[b0:b1]:
                    self.add("swapped_arguments", a0, b1,
                             text[b0:b1] + text[a1:b0] + text[a0:a1])
        self._callee(node.func)

    def _callee(self, func: ast.AST) -> None:
        """A called function swapped for its usual counterpart (`min` <-> `max`, ...)."""
        if isinstance(func, ast.Name) and func.id in _CALLEE_SWAPS:
            start, end = self.src.span(func)
            for other in _CALLEE_SWAPS[func.id]:
                self.add("variable_misuse", start, end, other)
        elif isinstance(func, ast.Attribute) and func.attr in _METHOD_SWAPS:
            span = self._attribute_name_span(func)
            if span is not None:
                for other in _METHOD_SWAPS[func.attr]:
                    self.add("attribute", *span, other)

    def _variable_misuse(self, kind: str, node: ast.Name, local_names: set[str]) -> None:
        if node.id not in local_names:
            return
        start, end = self.src.span(node)
        others = local_names - {node.id}
        if self.occurrences:
            others = set(sorted(others, key=lambda n: self._distance(n, start))[: self.max_names])
        for name in sorted(others):
            self.add(kind, start, end, name)

    def _name_occurrences(self, roots: Sequence[ast.AST], names: set[str]) -> dict[str, list[int]]:
        """Sorted offsets where each local name appears (for nearest-name selection)."""
        found: dict[str, list[int]] = defaultdict(list)
        for root in roots:
            for node in ast.walk(root):
                if isinstance(node, ast.Name) and node.id in names:
                    found[node.id].append(self.src.span(node)[0])
                elif isinstance(node, ast.arg) and node.arg in names:
                    found[node.arg].append(self.src.span(node)[0])
        return {name: sorted(offsets) for name, offsets in found.items()}

    def _distance(self, name: str, offset: int) -> int:
        offsets = self.occurrences.get(name)
        if not offsets:
            return 1 << 30
        i = bisect.bisect_left(offsets, offset)
        near = offsets[max(0, i - 1) : i + 1]
        return min(abs(o - offset) for o in near)

    def _instance_variable(self, node: ast.Name | ast.Attribute, local_names: set[str],
                           self_attributes: set[str]) -> None:
        """`self.x` <-> `x` where both a local `x` and an attribute `self.x` are in scope."""
        start, end = self.src.span(node)
        if isinstance(node, ast.Name):
            if node.id in self_attributes and node.id in local_names:
                self.add("variable_misuse", start, end, f"self.{node.id}")
        elif (isinstance(node.value, ast.Name) and node.value.id == "self"
              and isinstance(node.ctx, ast.Load) and node.attr in local_names):
            self.add("variable_misuse", start, end, node.attr)

    def _undefined_name(self, node: ast.Name, bound: set[str], names: FileNames) -> None:
        """A name bound nowhere (a typo or a stale name) -> similar names that are bound."""
        if names.star_import or node.id in bound or node.id in names.defined:
            return
        start, end = self.src.span(node)
        for name in names.similar_defined(node.id, bound):
            self.add("variable_misuse", start, end, name)

    def _misspelt_attribute(self, node: ast.Attribute, names: FileNames) -> None:
        """An attribute name -> attribute names of the file spelt almost the same (typos,
        `x` vs `_x`)."""
        span = self._attribute_name_span(node)
        if span is not None:
            for attr in names.similar_attributes(node.attr):
                self.add("attribute", *span, attr)

    def _attribute(self, node: ast.Attribute, attributes: dict[str, set[str]]) -> None:
        siblings = attributes.get(self.src.segment(node.value), set()) - {node.attr}
        span = self._attribute_name_span(node)
        if span is None:
            return
        for attr in sorted(siblings):
            self.add("attribute", *span, attr)

    def _attribute_name_span(self, node: ast.Attribute) -> tuple[int, int] | None:
        """Span of the name after the dot (None when a comment or line break hides it)."""
        _, end = self.src.span(node)
        start = end - len(node.attr)
        return (start, end) if self.src.text[start:end] == node.attr else None

    # -- statements ------------------------------------------------------------------------------

    def _if(self, node: ast.If) -> None:
        if not node.orelse or node.body[0].lineno == node.lineno:
            return
        first_else = node.orelse[0]
        else_line = self.src.text[self.src.line_start(first_else.lineno) :].lstrip()
        if else_line.startswith("elif") or first_else.lineno == node.body[-1].end_lineno:
            return
        src = self.src
        body = (src.line_start(node.body[0].lineno), src.line_end(node.body[-1].end_lineno))
        orelse = (src.line_start(first_else.lineno), src.line_end(node.orelse[-1].end_lineno))
        if src.text[body[1] : orelse[0]].strip() != "else:":
            return  # comments between the blocks would move with them; skip those
        text = src.text
        self.add(
            "swapped_branches", body[0], orelse[1],
            text[orelse[0] : orelse[1]] + text[body[1] : orelse[0]] + text[body[0] : body[1]],
        )

    def _ifexp(self, node: ast.IfExp) -> None:
        (b0, b1), (o0, o1) = self.src.span(node.body), self.src.span(node.orelse)
        text = self.src.text
        self.add("swapped_branches", b0, o1, text[o0:o1] + text[b1:o0] + text[b0:b1])

    def _expr_statement(self, node: ast.Expr) -> None:
        value = node.value
        if isinstance(value, (ast.Constant, ast.Yield, ast.YieldFrom, ast.Await)):
            return
        if id(node) not in self.ends_flow:
            return  # code follows in the same flow: a `return` here would make it unreachable
        start, _ = self.src.span(node)
        self.add("dropped_return", start, start, "return ")

    def _while(self, node: ast.While) -> None:
        names = sorted({n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)})
        last = node.body[-1]
        src = self.src
        indent = src.indentation(node.body[0].lineno)
        if len(node.body) >= 2 and last.lineno == last.end_lineno:
            line = src.text[src.line_start(last.lineno) : src.line_end(last.lineno)]
            if any(line == f"{indent}{v} {op}= 1" for v in names for op in "+-"):
                self.add("dropped_increment", src.line_start(last.lineno),
                         src.line_start(last.lineno + 1), "")
        insert_at = src.line_start(last.end_lineno + 1)
        if last.end_lineno + 1 > len(src.line_starts) or node.body[0].lineno == node.lineno:
            return
        for v in names:
            for op in "+-":
                self.add("dropped_increment", insert_at, insert_at, f"{indent}{v} {op}= 1\n")

    @staticmethod
    def _loop_names(node: ast.AST) -> list[str]:
        target = node.target if isinstance(node, (ast.For, ast.AsyncFor)) else node.test
        return sorted({n.id for n in ast.walk(target) if isinstance(n, ast.Name)})

    def _guards(self, body: list[ast.stmt], names: list[str], loop: bool) -> None:
        """`if not x: return` style early exits at the top of a block, dropped or re-added."""
        statements = _docstring_skipped(body)
        if not statements:
            return
        src = self.src
        first = statements[0]
        header_line = src.text[src.line_start(first.lineno) : src.line_end(first.lineno)]
        if not header_line.strip() or header_line.lstrip().startswith(("def ", "class ", "@")):
            return
        indent = src.indentation(first.lineno)
        if src.span(first)[0] != src.line_start(first.lineno) + len(indent):
            return  # the block starts on its header's line (`def f(): return 1`)
        exits = ("continue", "break", "return") if loop else ("return", "return None")
        at = src.line_start(first.lineno)
        templates = [
            f"{indent}if {cond}:\n{indent}    {exit_}\n"
            for name in names
            for cond in (f"not {name}", f"{name} is None")
            for exit_ in exits
        ]
        if isinstance(first, ast.If) and not first.orelse and len(statements) >= 2:
            end = src.line_start(first.end_lineno + 1)
            if src.text[at:end] in templates:
                self.add("dropped_guard", at, end, "")
        for template in templates:
            self.add("dropped_guard", at, at, template)
