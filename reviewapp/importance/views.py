"""Per-hunk views shared by the detectors: both sides' text and pygments tokens, lexed once.

Tokens come from lexing the file around the hunk when its content is known (so a hunk that
starts inside a docstring is still lexed as a docstring), else from the hunk's own side text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, String, Text, _TokenType
from pygments.util import ClassNotFound

from reviewapp.ingest.parsed import ParsedDiff, ParsedFile, ParsedHunk

Tok = tuple[_TokenType, str]


@lru_cache(maxsize=256)
def lexer_for(path: str, language: str = "") -> Lexer | None:
    """The pygments lexer for a file, by language name first and file name second."""
    options = {"stripnl": False, "ensurenl": False}
    if language:
        try:
            return get_lexer_by_name(language, **options)
        except ClassNotFound:
            pass
    try:
        return get_lexer_for_filename(path.rsplit("/", 1)[-1] or path, **options)
    except ClassNotFound:
        return None


def lex_lines(text: str, lexer: Lexer | None) -> list[list[Tok]]:
    """Tokens of `text` per line; multi-line tokens are cut after each newline."""
    lines: list[list[Tok]] = [[]]
    if lexer is None:
        for line_no, line in enumerate(text.split("\n")):
            if line_no:
                lines.append([])
            lines[-1].append((Text, line))
        return lines
    for ttype, value in lexer.get_tokens(text):
        while "\n" in value:
            head, value = value.split("\n", 1)
            if head:
                lines[-1].append((ttype, head))
            lines[-1].append((ttype, "\n"))
            lines.append([])
        if value:
            lines[-1].append((ttype, value))
    return lines


@cache
def is_literal(ttype: _TokenType) -> bool:
    """String or comment token types (pygments' `in` test is slow; there are few types)."""
    return ttype in String or ttype in Comment


def is_blank(tok: Tok) -> bool:
    """Whitespace between tokens (not whitespace inside a string or comment)."""
    ttype, value = tok
    return not value.strip() and not is_literal(ttype)


class FileLines:
    """A file side's content split into lines once, shared by the views of its hunks."""

    def __init__(self, content: str | None) -> None:
        self.content = content

    @cached_property
    def lines(self) -> list[str] | None:
        return self.content.split("\n") if self.content is not None else None


@dataclass
class HunkView:
    """One hunk with its file and both sides' line texts; tokens are lexed on first use.

    Most hunks of a real diff never need tokens (the detectors' cheap text checks rule them
    out), so lexing, the costly part, happens only for the hunks that do.
    """

    file_index: int
    hunk_index: int
    file: ParsedFile
    hunk: ParsedHunk
    lexer: Lexer | None
    old_source: FileLines = field(repr=False)
    new_source: FileLines = field(repr=False)

    @cached_property
    def old_tokens(self) -> list[list[Tok]]:
        """Tokens per old-side line (context + removed)."""
        side = [ln for ln in self.hunk.lines if ln.kind != "+"]
        return _side_tokens(self.old_source.lines, [ln.text for ln in side],
                            [ln.old_lineno for ln in side], self.lexer)

    @cached_property
    def new_tokens(self) -> list[list[Tok]]:
        """Tokens per new-side line (context + added)."""
        side = [ln for ln in self.hunk.lines if ln.kind != "-"]
        return _side_tokens(self.new_source.lines, [ln.text for ln in side],
                            [ln.new_lineno for ln in side], self.lexer)

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def language(self) -> str:
        return self.lexer.name if self.lexer is not None else ""

    @cached_property
    def removed_lines(self) -> list[str]:
        return [line.text for line in self.hunk.lines if line.kind == "-"]

    @cached_property
    def added_lines(self) -> list[str]:
        return [line.text for line in self.hunk.lines if line.kind == "+"]

    @property
    def changed_lines(self) -> list[str]:
        return self.removed_lines + self.added_lines

    @property
    def old_side(self) -> list[str]:
        return [line.text for line in self.hunk.lines if line.kind != "+"]

    @property
    def new_side(self) -> list[str]:
        return [line.text for line in self.hunk.lines if line.kind != "-"]

    @property
    def old_flat(self) -> list[Tok]:
        return [tok for line in self.old_tokens for tok in line]

    @property
    def new_flat(self) -> list[Tok]:
        return [tok for line in self.new_tokens for tok in line]

    @cached_property
    def changed_old_tokens(self) -> list[Tok]:
        """Tokens of the removed lines only."""
        side = [line for line in self.hunk.lines if line.kind != "+"]
        return [t for line, toks in zip(side, self.old_tokens, strict=False) if line.kind == "-"
                for t in toks]

    @cached_property
    def changed_new_tokens(self) -> list[Tok]:
        """Tokens of the added lines only."""
        side = [line for line in self.hunk.lines if line.kind != "-"]
        return [t for line, toks in zip(side, self.new_tokens, strict=False) if line.kind == "+"
                for t in toks]

    @property
    def has_change(self) -> bool:
        return any(line.kind != " " for line in self.hunk.lines)


LEAD_LINES = 25  # lexed above a hunk so that it starts in the right lexer state
TAIL_LINES = 1


def _window_start(lines: list[str], first: int, backticks: bool) -> int:
    """0-based line to start lexing at: `first` moved up out of an unclosed string or comment.

    Lexing the whole file costs ~0.2 s per 50 kB side, so only a window above each hunk is
    lexed; a window must not start inside a triple-quoted string, a template literal or a
    block comment that opened earlier, so the text above is checked for those (cheap counts).
    """
    above = "\n".join(lines[:first])
    pairs = [('"""', '"""'), ("'''", "'''"), ("/*", "*/")] + ([("`", "`")] if backticks else [])
    for opener, closer in pairs:
        if opener == closer:
            if above.count(opener) % 2:
                first = above[: above.rindex(opener)].count("\n")
                above = "\n".join(lines[:first])
        elif above.rfind(opener) > above.rfind(closer):
            first = above[: above.rindex(opener)].count("\n")
            above = "\n".join(lines[:first])
    return first


def _file_side_tokens(
    lines: list[str], numbers: list[int], lexer: Lexer | None,
) -> dict[int, list[Tok]]:
    """Tokens of the given 1-based lines of a file, lexing merged windows around them."""
    backticks = lexer is not None and lexer.name in ("JavaScript", "TypeScript", "JSX", "TSX")
    wanted = sorted({n for n in numbers if 1 <= n <= len(lines)})
    windows: list[list[int]] = []
    for n in wanted:
        lo, hi = max(0, n - 1 - LEAD_LINES), min(len(lines), n + TAIL_LINES)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    out: dict[int, list[Tok]] = {}
    for lo, hi in windows:
        lo = _window_start(lines, lo, backticks) if lo else 0
        lexed = lex_lines("\n".join(lines[lo:hi]) + "\n", lexer)
        for k, toks in enumerate(lexed[: hi - lo]):
            out[lo + k + 1] = toks
    return out


def _side_tokens(
    file_lines: list[str] | None, side_lines: list[str], numbers: list[int | None],
    lexer: Lexer | None,
) -> list[list[Tok]]:
    """Tokens for the lines of one hunk side, from a window of the file when it is known."""
    if file_lines is not None and all(numbers):
        lexed = _file_side_tokens(file_lines, numbers, lexer)  # type: ignore[arg-type]
        if all(n in lexed for n in numbers):
            return [lexed[n] for n in numbers]  # type: ignore[index]
    lines = lex_lines("\n".join(side_lines) + "\n", lexer)
    return lines[: len(side_lines)]


def build_views(diff: ParsedDiff) -> list[list[HunkView]]:
    """A HunkView for every hunk of every file, in diff order."""
    views: list[list[HunkView]] = []
    for fi, pfile in enumerate(diff.files):
        lexer = None if pfile.is_binary else lexer_for(pfile.path, pfile.language)
        old, new = FileLines(pfile.old_content), FileLines(pfile.new_content)
        views.append([HunkView(fi, hi, pfile, hunk, lexer, old, new)
                      for hi, hunk in enumerate(pfile.hunks)])
    return views
