"""Syntax highlighting of diff lines, with marked spans (changed words, findings) laid over it.

Lines are lexed together so multi-line tokens (strings, comments) keep their colour; a mark can
then cut through tokens anywhere without re-lexing a fragment out of context.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.utils.html import escape
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES, _TokenType
from pygments.util import ClassNotFound

# Past this many characters a line is shown plain: highlighting minified code is slow and useless.
MAX_HIGHLIGHT_LINE = 2000

Token = tuple[str, str]  # (pygments CSS class or "", text)


@dataclass(frozen=True)
class Mark:
    """A span [start, end) of a line wrapped in `<span {attrs}>`; `order` nests marks."""

    start: int
    end: int
    attrs: str
    order: int = 0


@lru_cache(maxsize=128)
def lexer_for(language: str) -> Lexer | None:
    if not language:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False, stripall=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=512)
def _css_class(token_type: _TokenType) -> str:
    """The short class pygments' HtmlFormatter uses (`k`, `nf`, ...), from the nearest parent."""
    while token_type not in STANDARD_TYPES:
        token_type = token_type.parent
    return STANDARD_TYPES[token_type]


def token_lines(lines: list[str], language: str) -> list[list[Token]]:
    """Each line as (class, text) tokens."""
    lexer = lexer_for(language)
    if lexer is None or not lines or any(len(line) > MAX_HIGHLIGHT_LINE for line in lines):
        return [[("", line)] for line in lines]
    out: list[list[Token]] = [[]]
    for token_type, value in lexer.get_tokens("\n".join(lines) + "\n"):
        css = _css_class(token_type)
        for i, part in enumerate(value.split("\n")):
            if i:
                out.append([])
            if part:
                out[-1].append((css, part))
    if len(out) < len(lines) or ["".join(t for _, t in toks) for toks in out[:len(lines)]] != lines:
        return [[("", line)] for line in lines]  # a lexer that rewrote the text: show it plain
    return out[: len(lines)]


def _tokens_html(tokens: list[Token]) -> str:
    return "".join(f'<span class="{css}">{escape(text)}</span>' if css else escape(text)
                   for css, text in tokens)


def _slice(tokens: list[Token], start: int, end: int) -> list[Token]:
    """The tokens' characters [start, end), cut at the edges."""
    out, position = [], 0
    for css, text in tokens:
        a, b = max(start, position), min(end, position + len(text))
        if a < b:
            out.append((css, text[a - position:b - position]))
        position += len(text)
        if position >= end:
            break
    return out


def line_html(tokens: list[Token], marks: list[Mark] = ()) -> str:
    """HTML of one line: highlighted tokens, each mark's span wrapped around its characters."""
    if not marks:
        return _tokens_html(tokens)
    length = sum(len(text) for _, text in tokens)
    cuts = sorted({0, length} | {max(0, min(length, p)) for m in marks for p in (m.start, m.end)})
    html = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        inner = _tokens_html(_slice(tokens, a, b))
        for mark in sorted((m for m in marks if m.start <= a and b <= m.end),
                           key=lambda m: -m.order):
            inner = f"<span {mark.attrs}>{inner}</span>"
        html.append(inner)
    return "".join(html)
