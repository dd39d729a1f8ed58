"""What a whole-file check reports: a span of the file, what is wrong there, a repair."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

#: How sure a report of each kind is a bug: Laplace's rule over the first report in each
#: function a later commit fixed (train and dev repositories), counting those on the fixed line.
PROBABILITY = {
    "undefined_name": 0.92,  # 60 of 64
    "python2_name": 0.38,  # 9 of 24
    # The misuse checks pooled (one alone fires too rarely to estimate): 25 of 27.
    "identity_literal": 0.9, "format_mismatch": 0.9, "raise_not_implemented": 0.9,
    "regex_flag_as_count": 0.9, "call_arity": 0.9, "wrong_super": 0.9,
    "attribute_typo": 0.9,
}

#: Kinds that report a name nothing binds.
NAME_KINDS = frozenset({"undefined_name", "python2_name"})


@dataclass(frozen=True)
class FileFinding:
    """A defect at lines [line, end_line] (1-based), character columns [column, end_column);
    `replacement` replaces exactly that span (the span's own text: no repair to offer);
    `added_import` is a statement the repair adds among the file's imports ("" for none)."""

    line: int
    column: int
    end_line: int
    end_column: int
    kind: str
    message: str  # what is wrong, in plain words
    effect: str  # exception | wrong result (as `bugmodel.messages.effect`)
    replacement: str
    added_import: str = ""

    @property
    def probability(self) -> float:
        return PROBABILITY[self.kind]


def character_column(lines: list[str], line: int, byte_offset: int) -> int:
    """The character column of an ast byte offset on a 1-based line."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode()[:byte_offset].decode(errors="ignore"))


def node_span(node: ast.AST, lines: list[str]) -> tuple[int, int, int, int]:
    """(line, column, end_line, end_column) of a node, columns in characters."""
    end_line = node.end_lineno or node.lineno
    return (node.lineno, character_column(lines, node.lineno, node.col_offset), end_line,
            character_column(lines, end_line, node.end_col_offset or 0))


def span_text(lines: list[str], line: int, column: int, end_line: int, end_column: int) -> str:
    """The text of a span of `lines` (1-based lines, character columns)."""
    if line == end_line:
        return lines[line - 1][column:end_column]
    return "\n".join([lines[line - 1][column:], *lines[line:end_line - 1],
                      lines[end_line - 1][:end_column]])


def repairs_to(text: str, finding: FileFinding, fixed_text: str) -> bool:
    """Whether the finding's replacement turns `text` into `fixed_text`, whitespace aside
    (a `bugmodel.detection.Finding` has the same span fields and is read the same way)."""
    lines = text.split("\n")
    head = lines[finding.line - 1][: finding.column]
    tail = lines[finding.end_line - 1][finding.end_column :]
    lines[finding.line - 1 : finding.end_line] = [head + finding.replacement + tail]
    return "".join("\n".join(lines).split()) == "".join(fixed_text.split())


def walk_outside_classes(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk` below `node` that does not enter nested class definitions (whose methods'
    `self` is another class's)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            continue
        yield child
        yield from walk_outside_classes(child)
