"""Names a harness puts into the namespace of the code it runs.

gunicorn's request tests run data files with `uri` bound: `config["uri"] = treq.uri` then
`execfile(fname, config)` in 2010, `setattr(mod, 'uri', uri)` then
`loader.exec_module(mod)` today. Read alone, such a data file reads `uri` unbound, yet nothing
is wrong with it: the harness binds the name. `injected_names` reads what a module binds
that way, so that a review can leave those names alone in the files the harness runs.

Only namespaces handed to code runners count (`exec`, `execfile`, `exec_module`,
`runpy.run_path`/`run_module`), and only keys written into them in the same function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

#: Calls that run code in a namespace the caller provides: builtins, called by name...
BUILTIN_RUNNERS = frozenset({"exec", "execfile"})
#: ... and functions or methods (`loader.exec_module`, `runpy.run_path`).
RUNNERS = BUILTIN_RUNNERS | {"exec_module", "run_path", "run_module"}
#: Calls whose first argument is the namespace (a module object), not the code.
_MODULE_RUNNERS = frozenset({"exec_module"})
_NAMESPACE_KEYWORDS = frozenset({"globals", "locals", "init_globals"})


def injected_names(text: str) -> set[str]:
    """Names the module writes into a namespace that, in the same function (or at module
    level), it hands to a code runner; empty when the text does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    scopes = [tree, *(node for node in ast.walk(tree)
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))]
    names: set[str] = set()
    for scope in scopes:
        nodes = list(_scope_nodes(scope))
        variables: set[str] = set()
        for node in nodes:
            if isinstance(node, ast.Call) and _is_runner(node):
                for namespace in _namespaces(node):
                    if isinstance(namespace, ast.Name):
                        variables.add(namespace.id)
                    else:
                        names |= _literal_keys(namespace)
        if variables:
            names |= {name for node in nodes for name in _written_keys(node, variables)}
    return {name for name in names if name.isidentifier()}


def _scope_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a module or function body, not those of the functions and classes it
    defines (their namespaces are their own)."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _is_runner(call: ast.Call) -> bool:
    """Whether the call runs code: `exec(...)`, not a client's `exec` method."""
    called = _called(call)
    return called in RUNNERS and (isinstance(call.func, ast.Name)
                                  or called not in BUILTIN_RUNNERS)


def _called(call: ast.Call) -> str:
    function = call.func
    if isinstance(function, ast.Name):
        return function.id
    return function.attr if isinstance(function, ast.Attribute) else ""


def _namespaces(call: ast.Call) -> list[ast.expr]:
    """The arguments of a runner call that are namespaces."""
    positional = call.args[:1] if _called(call) in _MODULE_RUNNERS else call.args[1:]
    return [*positional, *(k.value for k in call.keywords if k.arg in _NAMESPACE_KEYWORDS)]


def _literal_keys(value: ast.expr) -> set[str]:
    """The keys of `{"k": ...}` or `dict(k=...)`."""
    if isinstance(value, ast.Dict):
        return {key for key in map(_string, value.keys) if key}
    if isinstance(value, ast.Call) and _called(value) == "dict":
        return {keyword.arg for keyword in value.keywords if keyword.arg}
    return set()


def _written_keys(node: ast.AST, variables: set[str]) -> set[str]:
    """The keys `node` writes into one of the namespace `variables`: `ns["k"] = ...`,
    `mod.k = ...`, `ns = {...}`, `setattr(mod, "k", ...)`, `ns.update(...)`,
    `ns.setdefault("k", ...)`."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return set().union(*(_assigned_keys(target, node.value, variables)
                             for target in targets))
    if not isinstance(node, ast.Call):
        return set()
    called, arguments = _called(node), node.args
    if called == "setattr" and len(arguments) >= 2 and _is_variable(arguments[0], variables):
        return {key for key in [_string(arguments[1])] if key}
    if not (isinstance(node.func, ast.Attribute) and _is_variable(node.func.value, variables)):
        return set()
    if called == "setdefault" and arguments:
        return {key for key in [_string(arguments[0])] if key}
    if called == "update":
        keys = {keyword.arg for keyword in node.keywords if keyword.arg}
        return keys.union(*map(_literal_keys, arguments))
    return set()


def _assigned_keys(target: ast.expr, value: ast.expr | None, variables: set[str]) -> set[str]:
    if isinstance(target, ast.Name) and target.id in variables and value is not None:
        return _literal_keys(value)
    if isinstance(target, ast.Subscript) and _is_variable(target.value, variables):
        return {key for key in [_string(target.slice)] if key}
    if isinstance(target, ast.Attribute) and _is_variable(target.value, variables):
        return {target.attr}
    return set()


def _string(node: ast.expr | None) -> str:
    """A string constant's value; "" for anything else."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _is_variable(node: ast.expr, variables: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in variables
