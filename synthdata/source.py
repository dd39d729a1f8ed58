"""Source text with character offsets for AST nodes (ast columns are UTF-8 byte offsets)."""

from __future__ import annotations

import ast
import bisect
import re

_NEWLINE = re.compile(r"\n")


def normalise_newlines(text: str) -> str:
    """Return text with CRLF/CR turned into LF, the line convention `ast` reports against."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_source(data: bytes) -> str | None:
    """UTF-8 source bytes as text with LF newlines (None when not UTF-8)."""
    try:
        return normalise_newlines(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


#: What a unit's text is parsed under when it is an indented method without its class.
INDENTED_UNIT_PREFIX = "if True:\n"


def parse_unit(text: str) -> tuple[ast.Module, str] | None:
    """A unit's syntax tree and the prefix it was parsed under ("", or `INDENTED_UNIT_PREFIX`
    for an indented method), or None when it does not parse either way."""
    for prefix in ("", INDENTED_UNIT_PREFIX):
        try:
            return ast.parse(prefix + text), prefix
        except (SyntaxError, ValueError, RecursionError):
            continue
    return None


class SourceText:
    """A text and its line table, mapping (line, byte column) pairs to character offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        self._ascii = text.isascii()

    def line_start(self, lineno: int) -> int:
        """Offset of the first character of 1-based line `lineno` (len(text) past the end)."""
        if lineno - 1 >= len(self.line_starts):
            return len(self.text)
        return self.line_starts[lineno - 1]

    def line_end(self, lineno: int) -> int:
        """Offset of the newline ending 1-based line `lineno` (or len(text))."""
        if lineno >= len(self.line_starts):
            return len(self.text)
        return self.line_starts[lineno] - 1

    def offset(self, lineno: int, col_bytes: int) -> int:
        """Character offset of a (1-based line, UTF-8 byte column) position."""
        start = self.line_start(lineno)
        if self._ascii:
            return start + col_bytes
        line = self.text[start : self.line_end(lineno)]
        return start + len(line.encode("utf-8")[:col_bytes].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Character span [start, end) of an AST node with positions."""
        return (
            self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def segment(self, node: ast.AST) -> str:
        """Exact source text of a node."""
        start, end = self.span(node)
        return self.text[start:end]

    def position(self, offset: int) -> tuple[int, int]:
        """(1-based line, 0-based character column) of a character offset."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index]

    def indentation(self, lineno: int) -> str:
        """Leading whitespace of a 1-based line."""
        line = self.text[self.line_start(lineno) : self.line_end(lineno)]
        return line[: len(line) - len(line.lstrip(" \t"))]
