"""Whitespace/format-only and comment/docstring-only hunks, by comparing normalised tokens.

A hunk is formatting-only when its old side and new side (context + changed lines) lex to the
same significant tokens: whitespace between tokens ignored, quote style and trailing commas of
multi-element collections normalised. For indentation-sensitive languages the nesting of
logical lines must also be kept (a statement dedented out of an `if` is a logic change).
"""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction
from functools import cache

from pygments.token import Comment, Name, Number, Punctuation, String, Text, _TokenType

from reviewapp.importance.score import Detection
from reviewapp.importance.views import HunkView, Tok, is_blank, lex_lines

# Languages where indentation carries meaning (pygments lexer names).
INDENT_SENSITIVE = {"Python", "Python 2.x", "Cython", "YAML", "Haskell", "Nim", "CoffeeScript",
                    "Makefile", "Sass", "Pug", "F#"}
PYTHONS = {"Python", "Python 2.x", "Cython"}
# Languages where 'x' and "x" are the same string literal.
QUOTE_EQUIVALENT = {"Python", "Python 2.x", "Cython", "JavaScript", "TypeScript", "JSX", "TSX",
                    "Dart", "Lua", "CoffeeScript"}
_QUOTED = re.compile(r"^([A-Za-z]*)('''|\"\"\"|'|\")(.*)\2$", re.S)
_OPEN, _CLOSE = "([{", ")]}"
NL = "\n"  # logical line end, kept for Python where statements end at newlines
# Keywords after which black adds or removes "invisible" parentheses around the whole clause.
_PAREN_CLAUSES = {"=", "return", "if", "elif", "while", "assert", "in", "+=", "-=", "*=", "/=",
                  "|=", "&=", "del", "with", ":"}
FORMATTING_IMPORTANCE = 0.03
DOCS_IMPORTANCE = 0.3


@cache
def category(ttype: _TokenType) -> str:
    """The coarse kind of a pygments token type, cached (pygments' `in` test is slow)."""
    for kind, parent in (("doc", String.Doc), ("str", String), ("comment", Comment),
                         ("number", Number), ("punct", Punctuation), ("name", Name)):
        if ttype in parent:
            return kind
    return "text" if ttype is Text else "other"


def _string_key(value: str, language: str, doc: bool) -> str:
    if doc:  # re-wrapping a docstring is formatting
        value = " ".join(value.split())
    match = _QUOTED.match(value)
    if language in QUOTE_EQUIVALENT and match:
        prefix, _, body = match.groups()
        return prefix.lower() + "|" + body.replace("\\'", "'").replace('\\"', '"')
    return value


def normalise(tokens: list[Tok], language: str, drop_docs: bool) -> list[str]:
    """Significant token values of a side, in order, with formatting differences removed."""
    return [value for _, value in normalise_typed(tokens, language, drop_docs)]


def normalise_typed(tokens: list[Tok], language: str, drop_docs: bool) -> list[tuple[str, str]]:
    """Like `normalise`, each value with its kind: name, str, comment, punct, close, nl, other."""
    out: list[str] = []
    kinds: list[str] = []  # parallel to out: "str", "punct", "name", "other"
    # per open bracket: [comma count, is_call]; a fragment that starts inside brackets (a hunk
    # cut mid-call) starts with that many unknown levels, so its newlines are not line ends.
    stack: list[list[int]] = [[0, 0] for _ in range(_unopened_brackets(tokens))]
    pending_string: list[str] = []
    pending_doc = False
    python = language in PYTHONS
    continued = False  # after a backslash, the next newline does not end the line

    def flush_string() -> None:
        nonlocal pending_doc
        if pending_string:
            value = "".join(pending_string)
            if not (drop_docs and pending_doc):
                out.append(_string_key(value, language, pending_doc))
                kinds.append("str")
            pending_string.clear()
            pending_doc = False

    for tok in tokens:
        ttype, value = tok
        kind = category(ttype)
        if kind in ("str", "doc"):
            pending_string.append(value)
            pending_doc = pending_doc or kind == "doc"
            continue
        if not value.strip():  # whitespace between tokens (strings and comments handled above)
            if "\n" in value and continued:
                continued = False
            elif python and "\n" in value and not stack and out and out[-1] != NL:
                flush_string()
                out.append(NL)
                kinds.append("nl")
            continue
        flush_string()
        if python and value.strip() == "\\":  # a backslash continuation: layout only
            continued = True
            continue
        if kind == "comment":
            if not drop_docs:
                out.append("#" + "".join(value.split()))
                kinds.append("comment")
            continue
        value = value.strip() if kind == "text" else value
        if kind == "number":
            value = value.lower()
        if kind == "punct" or value in _OPEN or value in _CLOSE or value == ",":
            for ch in value if set(value) <= set(_OPEN + _CLOSE + ",") else (value,):
                if ch in _OPEN:
                    is_call = bool(kinds) and kinds[-1] in ("name", "close")
                    stack.append([0, int(is_call or ch != "(")])
                elif ch == ",":
                    if stack:
                        stack[-1][0] += 1
                elif ch in _CLOSE:
                    level = stack.pop() if stack else [0, 1]
                    # Trailing comma of a call or of a multi-element tuple: formatting only
                    # (a one-element tuple's comma is kept: `(x,)` is not `(x)`).
                    if out and out[-1] == "," and (level[1] or level[0] >= 2):
                        out.pop()
                        kinds.pop()
                out.append(ch)
                kinds.append("close" if ch in _CLOSE else "punct")
            continue
        out.append(value)
        kinds.append("name" if kind == "name" else "other")
    flush_string()
    while out and out[-1] == NL:
        out.pop()
        kinds.pop()
    pairs = list(zip(kinds, out, strict=True))
    return _drop_clause_parens(pairs) if python else pairs


def _unopened_brackets(tokens: list[Tok]) -> int:
    """How many brackets the fragment closes without opening them."""
    depth = lowest = 0
    for ttype, value in tokens:
        if category(ttype) in ("str", "doc", "comment"):
            continue
        for ch in value:
            if ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth -= 1
                lowest = min(lowest, depth)
    return -lowest


def _drop_clause_parens(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Remove parentheses that wrap a whole clause (`x = (a + b)`, `if (c):`), as black does.

    Only where they cannot change meaning: the clause ends right after `)`, and a top-level
    comma inside is allowed only after `=` or `return` (where `(a, b)` and `a, b` are one tuple).
    """
    values = [v for _, v in pairs]
    match: dict[int, int] = {}
    commas: dict[int, bool] = {}
    stack: list[int] = []
    for i, v in enumerate(values):
        if v in _OPEN:
            stack.append(i)
            commas[i] = False
        elif v in _CLOSE and stack:
            match[stack.pop()] = i
        elif v == "," and stack:
            commas[stack[-1]] = True
    drop: set[int] = set()
    for i, j in match.items():
        if values[i] != "(" or i == 0 or j == i + 1 or values[i - 1] not in _PAREN_CLAUSES:
            continue
        ends = j + 1 == len(values) or values[j + 1] in (NL, ":")
        # `assert (cond), "message"`: black drops the parentheses around the condition.
        ends = ends or values[i - 1] == "assert" and values[j + 1] == ","
        if ends and (not commas[i] or values[i - 1] in ("=", "return")):
            drop.update((i, j))
    return [p for k, p in enumerate(pairs) if k not in drop]

def _logical_indents(lines: list[list[Tok]]) -> list[int]:
    """Indent width of each logical line start (outside brackets and multi-line strings)."""
    indents: list[int] = []
    depth = _unopened_brackets([tok for line in lines for tok in line])
    continued = False
    for toks in lines:
        first = next((t for t in toks if not is_blank(t)), None)
        if first is not None and depth == 0 and not continued and first[0] not in Comment:
            lead = ""
            for _, value in toks:
                if value.strip():
                    break
                lead += value
            indents.append(len(lead.replace("\t", " " * 8)))
        for ttype, value in toks:
            if ttype in String or ttype in Comment:
                continue
            depth += sum(value.count(c) for c in _OPEN) - sum(value.count(c) for c in _CLOSE)
        depth = max(depth, 0)
        last = toks[-1] if toks else None
        text = "".join(v for _, v in toks).rstrip("\n")
        in_string = last is not None and last[0] in String and last[1] == "\n"
        continued = in_string or text.endswith("\\")
    return indents


def same_nesting(old: list[list[Tok]], new: list[list[Tok]]) -> bool:
    """Whether logical lines keep their block structure: new indent = a * old + b, a > 0.

    Unchanged indentation passes; so does a uniform re-indentation (4 → 2 spaces) anchored on
    at least one line that kept its indent. A statement dedented out of its block does not.
    """
    pairs = list(zip(_logical_indents(old), _logical_indents(new), strict=False))
    if len(_logical_indents(old)) != len(_logical_indents(new)):
        return False
    if all(o == n for o, n in pairs):
        return True
    if not any(o == n for o, n in pairs):
        return False
    distinct = sorted(set(pairs))
    (o1, n1), (o2, n2) = distinct[0], distinct[-1]
    if o1 == o2:
        return False
    a = Fraction(n2 - n1, o2 - o1)
    return a > 0 and all(n == n1 + a * (o - o1) for o, n in pairs)


LAYOUT = re.compile(r"[\s'\"(),\\]")  # characters a formatter may add, drop or change
_COMMENTISH = re.compile(r"#|//|/\*|^\s*\*|\"\"\"|\'\'\'|^\s*(--|;|%|<!--)")


def _same_characters(view: HunkView) -> bool:
    """Cheap necessary condition for formatting: the same characters, layout aside."""
    return Counter(LAYOUT.sub("", "".join(view.removed_lines))) == Counter(
        LAYOUT.sub("", "".join(view.added_lines)))


_TRIPLE_QUOTES = ('"""', "'''")


def _odd_triple_quote(text: str) -> str | None:
    """A triple quote `text` holds an odd number of (a string left open, or closed, in it)."""
    return next((quote for quote in _TRIPLE_QUOTES if text.count(quote) % 2), None)


def _leading_context(view: HunkView) -> list[str]:
    """The hunk's context lines before its first change."""
    leading = []
    for line in view.hunk.lines:
        if line.kind != " ":
            break
        leading.append(line.text)
    return leading


def _may_touch_docs(view: HunkView) -> bool:
    """Cheap necessary condition for a comment/docstring change (checked before lexing)."""
    if any(_COMMENTISH.search(t) for t in view.changed_lines):
        return True
    lines = view.new_source.lines or view.old_source.lines
    if lines is None:
        return False
    # Everything above the first changed line: the file above the hunk and the hunk's leading
    # context (a docstring may open in the context: `def f():` / `"""Doc.` / `-    >>> f()`).
    above = "\n".join(lines[: max(view.hunk.new_start - 1, 0)] + _leading_context(view))
    return _odd_triple_quote(above) is not None or above.rfind("/*") > above.rfind("*/")


def detect_formatting(view: HunkView) -> Detection | None:
    """Whitespace-only / formatting-only (exact) or comment/docstring-only (not grayed)."""
    if not view.has_change:
        return None
    maybe_format = _same_characters(view)
    if not maybe_format and not _may_touch_docs(view):
        return None
    language = view.language
    old = normalise(view.old_flat, language, drop_docs=False)
    new = normalise(view.new_flat, language, drop_docs=False)
    if old == new:
        if language in INDENT_SENSITIVE and not same_nesting(view.old_tokens, view.new_tokens):
            return None
        raw_old = [v for t, v in view.old_flat if not is_blank((t, v))]
        raw_new = [v for t, v in view.new_flat if not is_blank((t, v))]
        only_space = [v.strip() for v in raw_old] == [v.strip() for v in raw_new]
        what = "whitespace only" if only_space else "formatting only (same tokens)"
        return Detection("formatting", what, True, FORMATTING_IMPORTANCE)
    if not (view.old_flat or view.new_flat):
        return None
    old_code = normalise(view.old_flat, language, drop_docs=True)
    new_code = normalise(view.new_flat, language, drop_docs=True)
    if old_code == new_code:
        if language in INDENT_SENSITIVE and not same_nesting(view.old_tokens, view.new_tokens):
            return None
        quote = _quote_open_above(view)
        if quote and _code_changed_inside(view, quote):
            return None  # read as starting inside a string, the hunk changes code
        return Detection("docs", "comments/docstrings only", False, DOCS_IMPORTANCE)
    return None


def _quote_open_above(view: HunkView) -> str | None:
    """A triple quote that a hunk lexed without its file may start inside: the lines before
    its first change hold an odd number of them, and the one there may as well close a
    docstring opened above the hunk (fabric's, ending a method's docstring before code) as
    open one. None when the file is known (its lexing starts above the hunk)."""
    if view.new_source.lines is not None or view.old_source.lines is not None:
        return None
    return _odd_triple_quote("\n".join(_leading_context(view)))


def _code_changed_inside(view: HunkView, quote: str) -> bool:
    """Whether the hunk's two sides differ in code when read as starting inside a `quote`
    string."""
    def reread(side: list[str]) -> list[Tok]:
        lines = lex_lines(quote + "\n" + "\n".join(side) + "\n", view.lexer)
        return [tok for line in lines[1 : 1 + len(side)] for tok in line]

    return (normalise(reread(view.old_side), view.language, drop_docs=True)
            != normalise(reread(view.new_side), view.language, drop_docs=True))
