"""Source transformations for the hunk-importance evaluation set: real edits of real Python files.

Mechanical ones (black reformatting, renames via the tokenizer, moving definitions, sorting
imports, re-indenting) keep the program's meaning; meaningful ones (injected bugs, removed
checks, feature edits) change it. Each returns the new source, or None when it does not apply
to the given file. Every result parses.
"""

from __future__ import annotations

import ast
import io
import random
import re
import textwrap
import tokenize

import black

FRESH_SUFFIXES = ("value", "item", "obj", "data", "arg", "entry", "result", "spec")


def parses(src: str) -> bool:
    try:
        ast.parse(src)
    except (SyntaxError, ValueError):
        return False
    return True


def functions(tree: ast.AST, top_level: bool = False) -> list[ast.FunctionDef]:
    """Function definitions (with their decorators' first line as `.first`), in source order."""
    nodes = tree.body if top_level else list(ast.walk(tree))  # type: ignore[attr-defined]
    out = []
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            out.append(node)
    return sorted(out, key=lambda n: n.lineno)


def _pick(rng: random.Random, items: list):
    return rng.choice(items) if items else None


def _splice(lines: list[str], first: int, last: int, new: list[str]) -> str:
    """Replace 1-based lines first..last (inclusive) with `new`."""
    return "".join(lines[: first - 1] + new + lines[last:])


# ---------------------------------------------------------------- mechanical


def black_function(src: str, rng: random.Random, line_length: int = 88) -> str | None:
    """Reformat one function with black (as a team adopting black would)."""
    lines = src.splitlines(keepends=True)
    candidates = [f for f in functions(ast.parse(src)) if 4 <= f.end_lineno - f.first <= 60]
    rng.shuffle(candidates)
    for func in candidates[:12]:
        segment = "".join(lines[func.first - 1: func.end_lineno])
        indent = segment[: len(segment) - len(segment.lstrip())]
        try:
            formatted = black.format_str(textwrap.dedent(segment),
                                         mode=black.Mode(line_length=line_length))
        except Exception:  # black refuses some inputs; try another function
            continue
        new = textwrap.indent(formatted, indent, lambda s: bool(s.strip()))
        if new != segment:
            result = _splice(lines, func.first, func.end_lineno, [new])
            if parses(result):
                return result
    return None


def _name_tokens(src: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(src).readline))


def _replace_names(src: str, old: str, new: str, first: int, last: int) -> str:
    """Rename identifier tokens `old` on lines first..last, leaving `obj.old` attributes alone."""
    tokens = _name_tokens(src)
    lines = src.splitlines(keepends=True)
    edits = []
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string == old and first <= tok.start[0] <= last:
            if i and tokens[i - 1].string == ".":
                continue
            edits.append(tok.start)
    for row, col in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + len(old):]
    return "".join(lines)


def _fresh_name(src: str, old: str, rng: random.Random) -> str:
    for _ in range(20):
        base = old.strip("_") or "x"
        candidate = f"{'_' if old.startswith('_') else ''}{base}_{rng.choice(FRESH_SUFFIXES)}"
        if not re.search(rf"\b{candidate}\b", src):
            return candidate
    return old + "_renamed"


def rename_local(src: str, rng: random.Random) -> str | None:
    """Rename a parameter or local variable throughout its function."""
    tree = ast.parse(src)
    funcs = [f for f in functions(tree) if f.end_lineno - f.first <= 80]
    rng.shuffle(funcs)
    for func in funcs[:15]:
        names = {a.arg for a in func.args.args + func.args.kwonlyargs} - {"self", "cls"}
        names |= {n.id for n in ast.walk(func) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store)}
        body = "".join(src.splitlines(keepends=True)[func.first - 1: func.end_lineno])
        usable = sorted(
            n for n in names
            if len(re.findall(rf"(?<![\w.]){n}\b", body)) >= 3
            and not re.search(rf"[(,]\s*{n}\s*=(?!=)", body.split(":", 1)[-1])
            and not re.search(rf"\b(global|nonlocal)\b.*\b{n}\b", body)
        )
        name = _pick(rng, usable)
        if name:
            result = _replace_names(src, name, _fresh_name(src, name, rng), func.first,
                                    func.end_lineno)
            if parses(result) and result != src:
                return result
    return None


def rename_global(src: str, rng: random.Random) -> str | None:
    """Rename a module-level function or class and every use of it in the file."""
    tree = ast.parse(src)
    names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    usable = [n for n in names if len(re.findall(rf"(?<![\w.]){n}\b", src)) >= 3
              and not n.startswith("__")]
    name = _pick(rng, sorted(usable))
    if not name:
        return None
    result = _replace_names(src, name, _fresh_name(src, name, rng), 1, len(src.splitlines()) + 1)
    return result if parses(result) and result != src else None


def _def_block(lines: list[str], func: ast.AST) -> tuple[int, int]:
    """1-based line range of a top-level definition plus the blank lines after it."""
    last = func.end_lineno
    while last < len(lines) and not lines[last].strip():
        last += 1
    return func.first, last


def move_function(src: str, rng: random.Random) -> str | None:
    """Move a top-level function to after another top-level function."""
    funcs = [f for f in functions(ast.parse(src), top_level=True) if f.end_lineno - f.first >= 3]
    if len(funcs) < 3:
        return None
    lines = src.splitlines(keepends=True)
    moved, target = rng.sample(funcs, 2)
    if abs(funcs.index(moved) - funcs.index(target)) < 2:
        return None
    a, b = _def_block(lines, moved)
    block = lines[a - 1: b]
    if not block[-1].endswith("\n"):
        block[-1] += "\n"
    _, t_end = _def_block(lines, target)
    if a <= t_end <= b:
        return None
    if t_end < a:
        result = lines[:t_end] + block + lines[t_end: a - 1] + lines[b:]
    else:
        result = lines[: a - 1] + lines[b:t_end] + block + lines[t_end:]
    text = "".join(result)
    return text if parses(text) and text != src else None


def cut_function(src: str, rng: random.Random) -> tuple[str, str] | None:
    """Remove a top-level function; returns (new source, the removed block)."""
    funcs = [f for f in functions(ast.parse(src), top_level=True) if f.end_lineno - f.first >= 3]
    func = _pick(rng, funcs)
    if func is None:
        return None
    lines = src.splitlines(keepends=True)
    a, b = _def_block(lines, func)
    block = "".join(lines[a - 1: b])
    rest = "".join(lines[: a - 1] + lines[b:])
    return (rest, block) if parses(rest) else None


def sort_imports(src: str, rng: random.Random) -> str | None:
    """Sort the module's leading block of one-line imports (isort-style), or shuffle it."""
    tree = ast.parse(src)
    block = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and node.lineno == node.end_lineno:
            if block and node.lineno != block[-1].lineno + 1:
                break
            block.append(node)
        elif block:
            break
    if len(block) < 3:
        return None
    lines = src.splitlines(keepends=True)
    stmts = [lines[n.lineno - 1] for n in block]
    ordered = sorted(stmts, key=lambda s: (s.startswith("from"), s.split()[1].lower()))
    if ordered == stmts:
        ordered = stmts[:]
        while ordered == stmts:
            rng.shuffle(ordered)
    result = _splice(lines, block[0].lineno, block[-1].lineno, ordered)
    return result if parses(result) else None


def reindent_function(src: str, rng: random.Random) -> str | None:
    """Re-indent one function's body from 4 to 2 spaces per level (nesting kept)."""
    funcs = [f for f in functions(ast.parse(src)) if 4 <= f.end_lineno - f.lineno <= 40]
    func = _pick(rng, funcs)
    if func is None:
        return None
    lines = src.splitlines(keepends=True)
    base = len(lines[func.lineno - 1]) - len(lines[func.lineno - 1].lstrip())
    strings = {tok.start[0] + k for tok in _name_tokens(src) if tok.type == tokenize.STRING
               for k in range(1, tok.end[0] - tok.start[0] + 1)}
    new = []
    for no in range(func.lineno + 1, func.end_lineno + 1):
        line = lines[no - 1]
        width = len(line) - len(line.lstrip(" "))
        if not line.strip() or no in strings or width < base + 4 or (width - base) % 4:
            new.append(line)
            continue
        new.append(" " * (base + (width - base) // 2) + line.lstrip(" "))
    result = _splice(lines, func.lineno + 1, func.end_lineno, new)
    return result if parses(result) and result != src else None


# ---------------------------------------------------------------- docs


def edit_comment_or_docstring(src: str, rng: random.Random) -> str | None:
    """Reword a comment or extend a docstring inside a function."""
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    funcs = functions(tree)
    rng.shuffle(funcs)
    for func in funcs[:20]:
        comments = [no for no in range(func.lineno, func.end_lineno + 1)
                    if lines[no - 1].lstrip().startswith("#")]
        if comments:
            no = rng.choice(comments)
            text = lines[no - 1].rstrip("\n")
            lines[no - 1] = text + rng.choice(
                [" (see the note above)", " -- kept for compatibility", "; this is intended"]
            ) + "\n"
            return "".join(lines)
        doc = ast.get_docstring(func, clean=False)
        if doc and isinstance(func.body[0], ast.Expr) and func.body[0].end_lineno > func.lineno:
            end = func.body[0].end_lineno
            if lines[end - 1].strip() in ('"""', "'''"):
                indent = lines[end - 1][: len(lines[end - 1]) - len(lines[end - 1].lstrip())]
                note = rng.choice(["Callers must hold no locks.", "This may be slow.",
                                   "See the module docstring for details."])
                lines.insert(end - 1, f"{indent}{note}\n")
                return "".join(lines)
    return None
