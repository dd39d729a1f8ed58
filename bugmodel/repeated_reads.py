"""One finding for a name read undefined several times that one fix mends.

A method written without `self` reads `self` on every line of its body, and a forgotten
`import logging` leaves every `logging.` call unbound: reported read by read, one mistake
shows as six likely bugs. `fold_repeated_reads` keeps the first read, and its message lists
the lines of the others. Reads whose fix rewrites each read (`project_path` →
`self.project_path`, `unicode` → `str`) stay apart, since a finding's fix applies to its own
span.
"""

from __future__ import annotations

import ast
import dataclasses

from bugmodel.file_finding import NAME_KINDS, FileFinding, span_text
from bugmodel.undefined_names import bound_names


def fold_repeated_reads(found: list[FileFinding], lines: list[str],
                        tree: ast.Module) -> list[FileFinding]:
    """`found` in order, each later read of a name that an earlier finding's fix also mends
    folded into that finding: the same import in the whole file, or no repair at all in the
    same function. `lines`: the file's text split on newlines."""
    if not any(finding.kind in NAME_KINDS for finding in found):
        return found  # most files: no walk of the tree
    functions = [(node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    bound = bound_names(tree)
    kept: list[FileFinding] = []
    again: dict[tuple, tuple[int, list[int]]] = {}  # key -> (index in kept, later lines)
    for finding in found:
        key = _mended_by(finding, lines, functions, bound)
        if key is not None and key in again:
            again[key][1].append(finding.line)
            continue
        if key is not None:
            again[key] = (len(kept), [])
        kept.append(finding)
    for index, later in again.values():
        other_lines = sorted(set(later) - {kept[index].line})
        if other_lines:
            kept[index] = dataclasses.replace(
                kept[index],
                message=f"{kept[index].message} (read again on {_lines(other_lines)})")
    return kept


def _mended_by(finding: FileFinding, lines: list[str], functions: list[tuple[int, int]],
               bound: set[str]) -> tuple | None:
    """What one fix of the read mends: (name, import) for a forgotten import, (name, "module")
    for a name no scope binds with no repair offered (yarl's tests read `pytest.mark`,
    `pytest.raises` with no `import pytest`: one import or definition, wherever it is read),
    (name, the innermost function's first line) for another read with no repair offered (a
    method written without `self`); None otherwise."""
    if finding.kind not in NAME_KINDS:
        return None
    name = span_text(lines, finding.line, finding.column, finding.end_line, finding.end_column)
    if finding.added_import:
        return name, finding.added_import
    if finding.replacement != name:
        return None
    if name not in bound:
        return name, "module"
    inside = [span for span in functions if span[0] <= finding.line <= span[1]]
    return name, max(inside, default=(0, 0))[0]


def _lines(numbers: list[int]) -> str:
    """`line 4`, `lines 4 and 9`, `lines 4, 9 and 12`."""
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return "lines " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
