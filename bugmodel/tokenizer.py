"""Code tokenizer: a Python lexer that splits identifiers into subtokens, with character offsets.

Tokens:
- `<nl{k}>` for each non-blank line start, k = indentation relative to the window's first
  line in steps of 4 columns (capped), so a method reads the same as a dedented function;
- identifiers split at `_` and camelCase humps, continuation pieces marked `##`
  (`max_len` → `max`, `##len`); leading/trailing underscores kept as a piece;
- string literals of at most 12 characters verbatim, longer ones `<str>`; numbers verbatim;
- operators and delimiters verbatim; comments dropped.
Out-of-vocabulary pieces map to one of 256 hashed `<unk{n}>` ids, so distinct unknown
names stay distinct (variable misuse needs that). The vocabulary is built from the training
split only.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_LEXER = re.compile(
    r"""
     (?P<nl>\n[ \t\f]*)
    |(?P<ws>[ \t\f]+|\\\n)
    |(?P<comment>\#[^\n]*)
    |(?P<str>(?i:[rbuf]{0,2})(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
    |(?P<num>(?:0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)[jJ]?)
    |(?P<name>[^\W\d]\w*)
    |(?P<op>\*\*=|//=|>>=|<<=|->|:=|\.\.\.|[-+*/%@&|^<>=!]=|\*\*|//|<<|>>|[-+*/%@&|^~<>=.,:;()\[\]{}])
    |(?P<other>.)
    """,
    re.VERBOSE,
)
_PIECES = re.compile(r"^_+|_+$|[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W_]+")
MAX_INDENT = 15
N_UNK = 256
SPECIALS = (
    ["<pad>", "<cls>", "<sep>", "<str>", "<num>", "<other>", "<empty>"]
    + [f"<nl{k}>" for k in range(MAX_INDENT + 1)]
    + [f"<unk{k}>" for k in range(N_UNK)]
)
PAD, CLS, SEP, EMPTY = 0, 1, 2, 6


@dataclass
class Token:
    """A token string and the character span [start, end) it came from."""

    text: str
    start: int
    end: int


def _indent_width(whitespace: str) -> int:
    return len(whitespace.expandtabs(8))


def lex(text: str) -> list[Token]:
    """Split code into vocabulary-level token strings with character offsets."""
    tokens: list[Token] = []
    first = re.match(r"[ \t\f]*", text)
    base = _indent_width(first.group()) if first else 0
    if text.strip():
        tokens.append(Token("<nl0>", 0, first.end() if first else 0))
    pos, length = 0, len(text)
    while pos < length:
        m = _LEXER.match(text, pos)
        assert m is not None  # `other` matches any character, newline is `nl`
        kind, value, start, end = m.lastgroup, m.group(), m.start(), m.end()
        pos = end
        if kind == "nl":
            nxt = text[end : end + 1]
            if nxt in ("\n", "#", ""):
                continue  # blank or comment-only line
            level = max(0, (_indent_width(value[1:]) - base) // 4)
            tokens.append(Token(f"<nl{min(level, MAX_INDENT)}>", start, end))
        elif kind in ("ws", "comment"):
            continue
        elif kind == "str":
            tokens.append(Token(value if len(value) <= 12 else "<str>", start, end))
        elif kind == "name":
            for i, piece in enumerate(_PIECES.finditer(value)):
                tokens.append(Token(piece.group() if i == 0 else "##" + piece.group().lower(),
                                    start + piece.start(), start + piece.end()))
        else:
            tokens.append(Token(value, start, end))
    return tokens


class Vocabulary:
    """Token string → id, with hashed unknown buckets."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        self.index = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, token: str) -> int:
        """Id of a token string; numbers/strings fall back to their class, others to a bucket."""
        found = self.index.get(token)
        if found is not None:
            return found
        if token[:1].isdigit():
            return self.index["<num>"]
        if token[:1] in "'\"" or token[:2].lower() in ("r'", 'r"', "b'", 'b"', "f'", 'f"'):
            return self.index["<str>"]
        return self.index[f"<unk{zlib.crc32(token.encode()) % N_UNK}>"]

    def encode(self, text: str) -> tuple[list[int], list[Token]]:
        """Token ids and tokens of a text."""
        tokens = lex(text)
        return [self.id(t.text) for t in tokens], tokens

    @classmethod
    def build(cls, texts: Iterable[str], max_size: int = 16000, min_count: int = 5) -> Vocabulary:
        """Most frequent tokens of `texts`."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(t.text for t in lex(text))
        kept = [t for t, n in counts.most_common(max_size) if n >= min_count]
        return cls(kept)

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.tokens[len(SPECIALS):], ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        return cls(json.loads(Path(path).read_text()))
