"""Repair candidates at the suspicious lines, cheapest sources first, deduplicated by AST.

Stages, in the order they are tried:
1. `inverse` — the single-token rewrites of `synthdata.rewrites` (the inverses of the
   injected bug kinds) plus swapped call names (`min`/`max`, `append`/`extend`, ...), and
   `bugmodel` — the bug model's suggested replacements;
2. `multi_token` — edits beyond one token: swapped branches, a dropped or added `return`,
   guard or increment (from `synthdata.rewrites`), plus those built here: deleting an extra
   statement, keeping one side of an `and`/`or`, loop starts, returning a local at the end of
   a function that falls off it, and pairs of single-token edits on one line;
3. `lm` — language-model rewrites (see `lm_candidates.py`), when the budget allows.
Candidates are ordered by likelihood (a prior per kind) x suspiciousness x a stage weight
(cheaper stages first).
"""

from __future__ import annotations

import ast
import bisect
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from reviewapp.findings.import_lines import UnplacedImport, add_import
from synthdata.rewrites import Candidate as Rewrite
from synthdata.rewrites import enumerate_candidates
from synthdata.source import SourceText

from .localize import SuspiciousLine

INVERSE = "inverse"
BUGMODEL = "bugmodel"
MULTI_TOKEN = "multi_token"
LM = "lm"
STAGES = (BUGMODEL, INVERSE, MULTI_TOKEN, LM)

SINGLE_TOKEN_KINDS = {
    "call_name", "comparison", "off_by_one", "arithmetic", "boolean", "negation",
    "swapped_arguments",
    "return_variable", "variable_misuse", "literal", "attribute",
}
# How often each kind is the real fix, roughly: the likelihood half of the ordering.
KIND_PRIOR = {
    "comparison": 1.0, "off_by_one": 0.9, "arithmetic": 0.7, "boolean": 0.8, "negation": 0.7,
    "swapped_arguments": 0.6, "return_variable": 0.6, "variable_misuse": 0.35, "literal": 0.6,
    "attribute": 0.4, "swapped_branches": 0.6, "dropped_return": 0.6, "dropped_increment": 0.6,
    "dropped_guard": 0.4, "delete_statement": 0.5, "boolean_operand": 0.5, "loop_start": 0.5,
    "return_at_end": 0.6, "pair": 0.25, "call_name": 0.6, "bugmodel": 1.2, "lm": 0.3,
}
# Cheaper sources first: a stage's weight scales its candidates' scores in the ordering.
STAGE_WEIGHT = {BUGMODEL: 1.5, INVERSE: 1.0, MULTI_TOKEN: 0.6, LM: 0.3}
# Call names often written in place of each other, beyond the swaps `synthdata.rewrites`
# already enumerates (min/max, any/all, append/extend, startswith/endswith, lower/upper, ...).
CALL_NAME_SWAPS = {
    "floor": ("ceil",), "ceil": ("floor",), "keys": ("items",), "values": ("items",),
    "items": ("keys", "values"), "lstrip": ("strip",), "rstrip": ("strip",),
    "sorted": ("reversed",), "pop": ("popleft",), "popleft": ("pop",), "find": ("index",),
}
PAIR_LINES = 4  # pairs of single-token edits are tried on this many top lines
PAIR_PER_LINE = 12  # ... among the best this many single-token edits of each line


@dataclass(frozen=True)
class RepairCandidate:
    """A whole-file rewrite of `path`; `stage` and `kind` say where it came from."""

    path: str
    new_text: str
    stage: str
    kind: str
    line: int
    score: float
    description: str


def _line_range(src: SourceText, start: int, end: int) -> range:
    """1-based lines the character span [start, end) touches."""
    first = bisect.bisect_right(src.line_starts, start)
    return range(first, bisect.bisect_right(src.line_starts, max(start, end - 1)) + 1)


def _function_nodes(tree: ast.AST, lines: set[int]) -> list[ast.AST]:
    """Innermost functions (or the module) containing any of `lines`."""
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            span = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
            inner = [n for n in ast.walk(node) if n is not node
                     and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            if span & lines and not any(
                    set(range(n.lineno, (n.end_lineno or n.lineno) + 1)) >= (span & lines)
                    for n in inner):
                found.append(node)
    return found or [tree]


def _describe(src: SourceText, rewrite: Rewrite) -> str:
    old = src.text[rewrite.start:rewrite.end].strip() or "(nothing)"
    new = rewrite.replacement.strip() or "(nothing)"
    return f"{rewrite.kind}: {old[:60]} → {new[:60]}"


def _extra_rewrites(src: SourceText, scope: list[ast.AST]) -> Iterator[Rewrite]:
    """Multi-token rewrites that `synthdata.rewrites` does not enumerate."""
    text = src.text
    for root in scope:
        for node in ast.walk(root):
            if isinstance(node, ast.Call):
                yield from _call_name_swaps(src, node)
            if isinstance(node, ast.BoolOp):
                for value in node.values:
                    start, end = src.span(value)
                    yield Rewrite("boolean_operand", *src.span(node), text[start:end])
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "range" and node.args:
                a0 = src.span(node.args[0])[0]
                if len(node.args) == 1:
                    yield Rewrite("loop_start", a0, a0, "1, ")
                elif len(node.args) == 2:
                    yield Rewrite("loop_start", a0, src.span(node.args[1])[0], "")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from _return_at_end(src, node)
            for body_name in ("body", "orelse"):
                block = getattr(node, body_name, None)
                if isinstance(block, list) and len(block) >= 2 and isinstance(node, ast.stmt):
                    for stmt in block:
                        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return,
                                             ast.Break, ast.Continue)) \
                                and stmt.lineno == stmt.end_lineno:
                            start = src.line_start(stmt.lineno)
                            yield Rewrite("delete_statement", start,
                                          src.line_start(stmt.lineno + 1), "")


def _call_name_swaps(src: SourceText, node: ast.Call) -> Iterator[Rewrite]:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else (
        func.attr if isinstance(func, ast.Attribute) else None)
    if name not in CALL_NAME_SWAPS:
        return
    end = src.span(func)[1]
    start = end - len(name)
    if src.text[start:end] != name:
        return
    for other in CALL_NAME_SWAPS[name]:
        yield Rewrite("call_name", start, end, other)


def _return_at_end(src: SourceText, node: ast.AST) -> Iterator[Rewrite]:
    last = node.body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return
    names = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Store)})
    indent = src.indentation(node.body[0].lineno)
    at = src.line_start((last.end_lineno or last.lineno) + 1)
    for name in names:
        yield Rewrite("return_at_end", at, at, f"{indent}return {name}\n")


def _apply_pair(text: str, a: Rewrite, b: Rewrite) -> str | None:
    if not (a.end <= b.start or b.end <= a.start):
        return None
    first, second = sorted((a, b), key=lambda r: r.start, reverse=True)
    return second.apply(first.apply(text))


def ast_key(path: str, text: str) -> str | None:
    """What two candidates share when they are the same program (None: does not parse)."""
    try:
        return path + "\0" + ast.dump(ast.parse(text))
    except SyntaxError:
        return None


def new_candidates(candidates: list[RepairCandidate], files: dict[str, str],
                   earlier: list[RepairCandidate]) -> list[RepairCandidate]:
    """`candidates` that parse and differ from the files and from `earlier` ones."""
    seen = {ast_key(c.path, c.new_text) for c in earlier}
    seen |= {ast_key(path, text) for path, text in files.items()}
    out = []
    for candidate in candidates:
        key = ast_key(candidate.path, candidate.new_text)
        if key is not None and key not in seen:
            seen.add(key)
            out.append(candidate)
    return out


def generate(files: dict[str, str], suspicious: list[SuspiciousLine], bug_findings: list[dict],
             top_lines: int = 12) -> list[RepairCandidate]:
    """Candidates over the `top_lines` most suspicious lines, in stage then score order."""
    chosen = suspicious[:top_lines]
    line_score = {(item.path, item.line): item.score for item in chosen}
    by_path: dict[str, set[int]] = {}
    for item in chosen:
        by_path.setdefault(item.path, set()).add(item.line)
    seen: set[str | None] = set()
    out: list[RepairCandidate] = []

    def keep(path: str, new_text: str, stage: str, kind: str, line: int, description: str,
             weight: float = 1.0) -> None:
        key = ast_key(path, new_text)
        if key is None or key in seen:
            return
        seen.add(key)
        score = KIND_PRIOR.get(kind, 0.3) * weight * line_score.get((path, line), 0.01)
        out.append(RepairCandidate(path, new_text, stage, kind, line, score, description))

    seen |= {ast_key(path, text) for path, text in files.items()}
    # Relative to the strongest finding: the detector's scores are calibrated to how rare bugs
    # are in real code (a NO_BUG offset leaves them small), so their scale is not a weight.
    strongest = max((f["score"] or 0.0 for f in bug_findings), default=0.0) or 1.0
    for finding in bug_findings:
        path = finding["path"]
        if (path, finding["line"]) not in line_score or path not in files:
            continue
        src = SourceText(files[path])
        start = src.line_start(finding["line"]) + finding["column"]
        end = src.line_start(finding["end_line"]) + finding["end_column"]
        rewrite = Rewrite(finding["kind"], start, end, finding["replacement"])
        new_text, what = rewrite.apply(src.text), _describe(src, rewrite)
        if finding.get("added_import"):  # a forgotten import: the fix is the import
            try:
                new_text = add_import(new_text, finding["added_import"])
            except UnplacedImport:
                continue
            what = f"{finding['kind']}: add `{finding['added_import']}`"
        keep(path, new_text, BUGMODEL, "bugmodel", finding["line"], "bug model " + what,
             weight=0.5 + (finding["score"] or 0.0) / strongest)
    singles: dict[tuple[str, int], list[Rewrite]] = {}
    for path, lines in by_path.items():
        text = files[path]
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        src = SourceText(text)
        scope = _function_nodes(tree, lines)
        rewrites = enumerate_candidates(text, tree, scope=scope, source=src, max_names=12)
        rewrites += list(_extra_rewrites(src, scope))
        for rewrite in rewrites:
            touched = _line_range(src, rewrite.start, rewrite.end)
            hit = [line for line in touched if line in lines]
            if not hit and rewrite.start == rewrite.end:
                hit = [line for line in (touched.start - 1,) if line in lines]
            if not hit:
                continue
            line = max(hit, key=lambda n: line_score[(path, n)])
            stage = INVERSE if rewrite.kind in SINGLE_TOKEN_KINDS else MULTI_TOKEN
            keep(path, rewrite.apply(text), stage, rewrite.kind, line, _describe(src, rewrite))
            if stage == INVERSE:
                singles.setdefault((path, line), []).append(rewrite)
    for item in chosen[:PAIR_LINES]:
        options = sorted(singles.get((item.path, item.line), []),
                         key=lambda r: -KIND_PRIOR.get(r.kind, 0.3))[:PAIR_PER_LINE]
        for a, b in itertools.combinations(options, 2):
            new_text = _apply_pair(files[item.path], a, b)
            if new_text is not None:
                src = SourceText(files[item.path])
                keep(item.path, new_text, MULTI_TOKEN, "pair", item.line,
                     f"{_describe(src, a)}; {_describe(src, b)}")
    out.sort(key=lambda c: -c.score * STAGE_WEIGHT[c.stage])
    return out
