"""Meaningful edits for the hunk-importance evaluation set: changes a reviewer must read.

Injected bugs come from `synthdata.rewrites` (the same rewrites the bug model trains on);
removed checks, feature edits and a dedented statement are written here. Each function returns
the new source or None when it does not apply; every result parses.
"""

from __future__ import annotations

import ast
import random

from importance_edits import functions, parses

from synthdata.rewrites import enumerate_candidates


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _body_start(func: ast.FunctionDef) -> ast.stmt | None:
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body[0] if body else None


def _params(func: ast.FunctionDef) -> list[str]:
    return [a.arg for a in func.args.args + func.args.kwonlyargs if a.arg not in ("self", "cls")]


def inject_bug(src: str, rng: random.Random, kind: str | None = None,
               func: ast.FunctionDef | None = None) -> str | None:
    """One synthdata rewrite (comparison, off-by-one, operator, argument swap, …) in a function."""
    tree = ast.parse(src)
    funcs = [func] if func is not None else functions(tree)
    rng.shuffle(funcs)
    for f in funcs[:10]:
        candidates = enumerate_candidates(src, tree, [f])
        if kind:
            candidates = [c for c in candidates if c.kind == kind]
        if candidates:
            result = rng.choice(candidates).apply(src)
            if parses(result) and result != src:
                return result
    return None


def remove_check(src: str, rng: random.Random) -> str | None:
    """Delete an `if` whose body only raises, returns or continues (a guard)."""
    tree = ast.parse(src)
    guards = [n for n in ast.walk(tree) if isinstance(n, ast.If) and not n.orelse
              and len(n.body) == 1 and isinstance(n.body[0], (ast.Raise, ast.Return, ast.Continue))]
    rng.shuffle(guards)
    lines = src.splitlines(keepends=True)
    for node in guards[:10]:
        result = "".join(lines[: node.lineno - 1] + lines[node.end_lineno:])
        if parses(result):
            return result
    return None


def _insert_at_body(src: str, func: ast.FunctionDef, block: list[str]) -> str | None:
    first = _body_start(func)
    if first is None or first.lineno <= func.lineno:
        return None
    lines = src.splitlines(keepends=True)
    indent = _indent_of(lines[first.lineno - 1])
    new = [indent + b + "\n" for b in block]
    result = "".join(lines[: first.lineno - 1] + new + lines[first.lineno - 1:])
    return result if parses(result) else None


def add_feature(src: str, rng: random.Random) -> str | None:
    """A small feature edit at the top of a function: a guard, an early return or a new option."""
    funcs = [f for f in functions(ast.parse(src)) if _params(f)]
    rng.shuffle(funcs)
    for func in funcs[:10]:
        p = rng.choice(_params(func))
        choice = rng.randrange(4)
        if choice == 0:
            block = [f"if {p} is None:", f"    raise ValueError(\"{p} is required\")"]
        elif choice == 1:
            block = [f"if not {p}:", "    return None"]
        elif choice == 2:
            block = [f"if isinstance({p}, str):", f"    {p} = {p}.strip()"]
        else:
            block = ["try:", f"    _ = len({p})", "except TypeError:",
                     f"    raise TypeError(\"{p} must be sized\") from None"]
        result = _insert_at_body(src, func, block)
        if result:
            return result
    return None


def change_default(src: str, rng: random.Random) -> str | None:
    """Change a numeric or boolean default argument value in a signature."""
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    options = []
    for func in functions(tree):
        for d in func.args.defaults + [d for d in func.args.kw_defaults if d is not None]:
            if isinstance(d, ast.Constant) and d.lineno == d.end_lineno and (
                    isinstance(d.value, (bool, int)) or d.value is None):
                options.append(d)
    rng.shuffle(options)
    for d in options[:10]:
        old = repr(d.value)
        flips = {"True": "False", "False": "True", "None": "0"}
        new = flips[old] if old in flips else str(int(d.value) * 2 + 1)
        line = lines[d.lineno - 1]
        if line[d.col_offset: d.end_col_offset] != old:
            continue
        lines[d.lineno - 1] = line[: d.col_offset] + new + line[d.end_col_offset:]
        result = "".join(lines)
        if parses(result):
            return result
    return None


def dedent_statement(src: str, rng: random.Random) -> str | None:
    """Move the last statement of an `if` body out of the `if` (a whitespace-only logic change)."""
    tree = ast.parse(src)
    ifs = [n for n in ast.walk(tree) if isinstance(n, ast.If) and not n.orelse
           and len(n.body) >= 2 and n.body[-1].lineno == n.body[-1].end_lineno]
    lines = src.splitlines(keepends=True)
    rng.shuffle(ifs)
    for node in ifs[:10]:
        last = node.body[-1]
        outer = _indent_of(lines[node.lineno - 1])
        lines2 = list(lines)
        lines2[last.lineno - 1] = outer + lines[last.lineno - 1].lstrip()
        result = "".join(lines2)
        if parses(result):
            return result
    return None


def add_function(src: str, donor: str, rng: random.Random) -> str | None:
    """Append a new top-level function (real code taken from another module)."""
    funcs = [f for f in functions(ast.parse(donor), top_level=True)
             if 4 <= f.end_lineno - f.first <= 30]
    func = rng.choice(funcs) if funcs else None
    if func is None:
        return None
    lines = donor.splitlines(keepends=True)
    block = "".join(lines[func.first - 1: func.end_lineno])
    result = src.rstrip("\n") + "\n\n\n" + block
    return result if parses(result) else None
