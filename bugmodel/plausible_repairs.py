"""Repairs no developer would make, left out of the learned detector's findings.

The enumeration (`synthdata/rewrites.py`) proposes a rewrite wherever a bug could be injected;
the models score them without knowing what the code is for. In reviews of funcy's history the
learned detector's only finding shown as a likely bug was `def inc(x): return x + 1` with
"`x + 1` may be `x`" at 27% (`dec` got the same at 23%, and so did the lambdas of a draft), in
every commit that moved them: a repair that turns a one-statement function into the identity,
whose one statement is the function's whole point.

Jinja's history showed a second family: "a `return` seems to be missing" before
`KeyError.__init__(self, message)` in an `__init__` (returning a value there raises
`TypeError`) or before `FILTERS.update(...)` (which returns None, so the added `return`
returns what falling off the end does). A `return` added where the language discards its
value, or before a call that returns nothing, changes nothing a caller sees. A pasted diff of
fabric's showed a third: `super(Connection, self)` "may be" `super(self, Connection)`, which
raises TypeError.

Such repairs are judged after scoring, so the models' inputs are unchanged: what a model gave
them goes to NO_BUG (`fold_into_no_bug`), and the unit's other candidates keep their scores.
The default threshold is fitted on the models' scores before these rules
(`bugmodel.evaluate`), so that a rule only removes findings. A rule for rewrites inside type
annotations was measured and not kept (`bugmodel/MODEL_CARD.md`, "Repairs no developer would
make").
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Sequence

import numpy as np

from synthdata.rewrites import Candidate
from synthdata.source import SourceText, parse_unit

#: Parameters a method returns for a reason (`__enter__`, `__deepcopy__`, builders).
_RECEIVERS = frozenset({"self", "cls"})
#: Methods whose return value the language discards (`__init__` refuses one with TypeError).
_DISCARDING_METHODS = frozenset({
    "__init__", "__init_subclass__", "__post_init__", "__set_name__", "__setattr__",
    "__delattr__", "__setitem__", "__delitem__", "__set__", "__delete__"})
#: Property accessors whose return value is discarded (`@name.setter`).
_DISCARDING_DECORATORS = frozenset({"setter", "deleter"})
#: Calls that return None (the list, dict and logging methods, `print`, `Path.unlink`).
_NONE_CALLS = frozenset({
    "append", "extend", "insert", "sort", "reverse", "clear", "update", "print", "debug",
    "info", "warning", "warn", "error", "exception", "critical", "unlink", "sleep"})


#: What a one-statement function or a lambda returns (its span in the text) and the parameters
#: whose return unchanged would make it the identity.
SoleReturn = tuple[tuple[int, int], frozenset[str]]


def sole_returns(tree: ast.AST, src: SourceText) -> list[SoleReturn]:
    """Every function of `tree` whose body (after its docstring) is one `return`, and every
    lambda, in file order."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda):
            out.append((src.span(node.body), _parameters(node.args)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
                out.append((src.span(body[0].value), _parameters(node.args)))
    return sorted(out)


def discarded_return_sites(tree: ast.AST, src: SourceText) -> set[int]:
    """Offsets of the expression statements before which an added `return` changes nothing a
    caller sees: those directly in a method whose return value is discarded, and calls that
    return None."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and (
                _called_name(node.value.func) in _NONE_CALLS):
            out.add(src.span(node)[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _discards(node):
            out.update(src.span(n)[0] for n in _own_statements(node.body)
                       if isinstance(n, ast.Expr))
    return out


def implausible_repairs(src: SourceText, candidates: Sequence[Candidate],
                        returns: Sequence[SoleReturn], discarded: Collection[int] = (),
                        ) -> set[int]:
    """Indices of `candidates` (offsets into `src.text`) that no developer would make, given
    the `sole_returns` and `discarded_return_sites` of the code they are in."""
    out = set()
    for i, candidate in enumerate(candidates):
        if (candidate.kind == "dropped_return" and candidate.start == candidate.end
                and candidate.start in discarded):
            out.add(i)
        if _receiver_first_in_super(src, candidate):
            out.add(i)
        for (start, end), parameters in returns:
            if start <= candidate.start and candidate.end <= end:
                repaired = (src.text[start : candidate.start] + candidate.replacement
                            + src.text[candidate.end : end]).strip()
                if repaired in parameters:
                    out.add(i)
    return out


def _receiver_first_in_super(src: SourceText, candidate: Candidate) -> bool:
    """`super(Cls, self)` "fixed" to `super(self, Cls)`: that raises TypeError (the first
    argument must be a class), so no developer writes it."""
    return (candidate.kind == "swapped_arguments"
            and src.text[:candidate.start].rstrip().endswith("super(")
            and candidate.replacement.split(",")[0].strip() in _RECEIVERS)


def fold_into_no_bug(row: np.ndarray, columns: Collection[int]) -> np.ndarray:
    """Logits over NO_BUG and candidates with the given (1-based) columns' mass moved to
    NO_BUG: a repair that cannot be is evidence for no bug there, not for the other repairs."""
    if not columns:
        return row
    out = row.astype(np.float64)  # a copy
    picked = np.array(sorted(columns))
    out[0] = np.logaddexp.reduce(np.concatenate([[out[0]], out[picked]]))
    out[picked] = -np.inf
    return out


def implausible_in_unit(text: str, candidates: Sequence[Candidate]) -> set[int]:
    """`implausible_repairs` for a unit's text alone (a function, or an indented method)."""
    parsed = parse_unit(text)
    if parsed is None:
        return set()
    tree, prefix = parsed
    shifted = [Candidate(c.kind, c.start + len(prefix), c.end + len(prefix), c.replacement)
               for c in candidates]
    src = SourceText(prefix + text)
    return implausible_repairs(src, shifted, sole_returns(tree, src),
                               discarded_return_sites(tree, src))


def _parameters(args: ast.arguments) -> frozenset[str]:
    return frozenset(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]
                     ) - _RECEIVERS


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _discards(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return function.name in _DISCARDING_METHODS or any(
        isinstance(d, ast.Attribute) and d.attr in _DISCARDING_DECORATORS
        for d in function.decorator_list)


def _own_statements(body: list[ast.stmt]) -> list[ast.AST]:
    """The statements of a function body and its blocks (and their `except` and `case`
    clauses), not those of nested functions or classes (their `return` is their own)."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(child for child in ast.iter_child_nodes(node)
                         if isinstance(child, ast.stmt | ast.ExceptHandler | ast.match_case))
    return out
