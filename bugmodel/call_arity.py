"""Calls that their callee's signature cannot take: a `TypeError` when run.

Only callees whose signature is pinned down are checked: a module-level function, a
method called as `self.method(...)` from a method of the same class, or a module-level
class's `__init__`; each defined once, undecorated (a decorator may change the signature;
`staticmethod` and `classmethod` are understood), never rebound or imported under the same
name, and a class without a metaclass, decorators or `__new__`. Builtin functions the file
never rebinds, in a file without a star import (`hasattr(obj)`), and methods called on a
literal (`" ".join(a, b)`) are checked against the running Python's own signatures. Calls that
spread `*args` or `**kwargs` are not judged. On the mined real fixes this fired on the fixed
line of 9 functions (`self.finish()` for `self.finish(request)`, an extra `self` passed to a
method, `" ".join(enc, description)`) and once elsewhere, and never in the clean files
(`bugmodel/MODEL_CARD.md`).
"""

from __future__ import annotations

import ast
import builtins
import inspect
from dataclasses import dataclass

from bugmodel.file_finding import FileFinding, node_span, span_text
from bugmodel.undefined_names import bound_names, imports_star

_FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Signature:
    """What a callee accepts, its bound first parameter (`self`, `cls`) left out."""

    positional: list[str]  # positional parameter names, in order
    required: int  # how many of them have no default
    keywords: set[str]  # names a keyword argument may use
    required_keywords: set[str]  # keyword-only parameters without a default
    any_keyword: bool  # **kwargs

    def problem(self, call: ast.Call) -> str | None:
        """Why `call` cannot bind to this signature, or None when it can (or may)."""
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords):
            return None
        given = len(call.args)
        named = {k.arg for k in call.keywords if k.arg is not None}
        if given > len(self.positional):
            return (f"it takes {len(self.positional)} positional argument(s) but {given} "
                    "are given")
        unknown = sorted(named - self.keywords) if not self.any_keyword else []
        if unknown:
            return f"it has no parameter `{unknown[0]}`"
        twice = sorted(set(self.positional[:given]) & named)
        if twice:
            return f"`{twice[0]}` is given both by position and by keyword"
        filled = set(self.positional[:given]) | named
        missing = [p for p in self.positional[: self.required] if p not in filled]
        missing += sorted(self.required_keywords - named)
        if missing:
            return f"the required argument `{missing[0]}` is missing"
        return None


def signature(function: ast.FunctionDef | ast.AsyncFunctionDef, bound: bool,
              ) -> Signature | None:
    """The signature of `function` (`bound`: called through an instance or class), or None
    when a decorator or `*args` leaves it open."""
    kinds = {d.id for d in function.decorator_list if isinstance(d, ast.Name)}
    if len(kinds) != len(function.decorator_list) or kinds - {"staticmethod", "classmethod"}:
        return None
    arguments = function.args
    if arguments.vararg is not None:
        return None
    positional = [a.arg for a in arguments.posonlyargs + arguments.args]
    if bound and "staticmethod" not in kinds:
        if not positional:
            return None
        positional = positional[1:]
    keyword_only = {a.arg for a in arguments.kwonlyargs}
    return Signature(
        positional, len(positional) - len(arguments.defaults),
        {a.arg for a in arguments.args} - {a.arg for a in arguments.posonlyargs} | keyword_only,
        {a.arg for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
         if d is None},
        arguments.kwarg is not None)


def runtime_signature(callable_: object, bound: bool) -> Signature | None:
    """The signature Python itself reports for a builtin (`bound`: a method of a type, called
    through an instance), or None when it reports none or takes `*args`."""
    try:
        parameters = list(inspect.signature(callable_).parameters.values())
    except (TypeError, ValueError):
        return None
    if bound:
        parameters = parameters[1:]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    keyword_only = [p for p in parameters if p.kind is p.KEYWORD_ONLY]
    return Signature(
        [p.name for p in positional], sum(p.default is p.empty for p in positional),
        {p.name for p in positional if p.kind is p.POSITIONAL_OR_KEYWORD}
        | {p.name for p in keyword_only},
        {p.name for p in keyword_only if p.default is p.empty},
        any(p.kind is p.VAR_KEYWORD for p in parameters))


#: Builtin functions (not types, whose constructors take many forms) with a fixed signature.
BUILTIN_CALLEES = {name: sig for name, value in vars(builtins).items()
                   if callable(value) and not isinstance(value, type)
                   and not name.startswith("_")
                   for sig in [runtime_signature(value, bound=False)] if sig is not None}
#: The types of literals whose method calls are checked, by the literal's AST node.
_LITERAL_TYPES = {ast.List: list, ast.Dict: dict, ast.Set: set, ast.Tuple: tuple}


def wrong_arity_calls(tree: ast.Module, lines: list[str]) -> list[FileFinding]:
    """Every call in the file that its callee's signature cannot take."""
    callees = _module_callees(tree)
    found = [(call, callees[call.func.id], call.func.id) for call in ast.walk(tree)
             if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
             and callees.get(call.func.id) is not None]
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            found += _self_calls(node)
    found += _builtin_calls(tree)
    findings = []
    for call, callee, name in found:
        problem = callee.problem(call)
        if problem is not None:
            span = node_span(call, lines)
            findings.append(FileFinding(*span, "call_arity", f"`{name}(...)` cannot take "
                                        f"these arguments: {problem} (TypeError)",
                                        "exception", span_text(lines, *span)))
    return findings


def _module_callees(tree: ast.Module) -> dict[str, Signature | None]:
    """Signatures of the module's functions and classes (None: defined more than once, rebound,
    defined inside a function, taken as a parameter or imported under the same name, or with
    an open signature)."""
    callees: dict[str, Signature | None] = {}
    for node in tree.body:
        if isinstance(node, (*_FUNCTION, ast.ClassDef)):
            callees[node.name] = None if node.name in callees else _callee(node)
    # A method does not hide a module function from the class's other methods; a function
    # defined inside another does, as a parameter of the same name does.
    not_local = {id(node) for scope in [tree, *(n for n in ast.walk(tree)
                                                if isinstance(n, ast.ClassDef))]
                 for node in scope.body}
    for node in ast.walk(tree):
        rebound = []
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            rebound = [node.id]
        elif isinstance(node, ast.arg):
            rebound = [node.arg]
        elif isinstance(node, (*_FUNCTION, ast.ClassDef)) and id(node) not in not_local:
            rebound = [node.name]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            rebound = [(a.asname or a.name).split(".")[0] for a in node.names]
        elif isinstance(node, ast.Global | ast.Nonlocal):
            rebound = node.names
        for name in rebound:
            if name in callees:
                callees[name] = None
    return callees


def _callee(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Signature | None:
    if not isinstance(node, ast.ClassDef):
        return signature(node, bound=False)
    if node.decorator_list or node.keywords:
        return None
    methods = {b.name: b for b in node.body if isinstance(b, _FUNCTION)}
    if "__new__" in methods or "__init__" not in methods:
        return None
    return signature(methods["__init__"], bound=True)


def _self_calls(cls: ast.ClassDef) -> list[tuple[ast.Call, Signature, str]]:
    """`self.method(...)` calls in the class's own methods, with the method's signature."""
    methods: dict[str, Signature | None] = {}
    for node in cls.body:
        if isinstance(node, _FUNCTION):
            methods[node.name] = None if node.name in methods else signature(node, bound=True)
    for node in ast.walk(cls):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            methods[node.attr] = None  # an instance attribute may shadow the method
    found = []
    for method in cls.body:
        if not isinstance(method, _FUNCTION) or not method.args.args or any(
                isinstance(d, ast.Name) and d.id == "staticmethod"
                for d in method.decorator_list):
            continue  # no `self` to call through
        me = method.args.args[0].arg
        for call in ast.walk(method):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Name) and call.func.value.id == me
                    and methods.get(call.func.attr) is not None):
                found.append((call, methods[call.func.attr], f"{me}.{call.func.attr}"))
    return found


def _builtin_calls(tree: ast.Module) -> list[tuple[ast.Call, Signature, str]]:
    """Calls of builtin functions the file never rebinds (nor may rebind, through a star
    import: funcy's tests call its own `all(pred, seq)`), and of methods on literals."""
    rebound = bound_names(tree)
    builtins_known = not imports_star(rebound)
    found = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        if (isinstance(func, ast.Name) and builtins_known and func.id in BUILTIN_CALLEES
                and func.id not in rebound):
            found.append((call, BUILTIN_CALLEES[func.id], func.id))
        elif isinstance(func, ast.Attribute) and not func.attr.startswith("_"):
            literal = func.value
            kind = (type(literal.value) if isinstance(literal, ast.Constant)
                    else _LITERAL_TYPES.get(type(literal)))
            method = (getattr(kind, func.attr, None)
                      if kind in (str, bytes, *_LITERAL_TYPES.values()) else None)
            callee = runtime_signature(method, bound=True) if callable(method) else None
            if callee is not None:
                found.append((call, callee, f"{kind.__name__}.{func.attr}"))
    return found
