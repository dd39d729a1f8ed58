"""How alike two lines of code are, and which original line a new line rewrites.

The merges (`inference.merge` and the modules beside it) compare lines by their words and
symbols, not their characters: `similarity` is difflib's ratio over those tokens, and a new
line's `counterpart` is the one original line it clearly rewrites (the only line setting the
same name, else the one line clearly most like it), when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from inference.merge_imports import different_imports
from inference.statement_keys import NAMED_KINDS, statement_key

__all__ = [
    "COUNTERPART_MARGIN",
    "FUZZY_RATIO",
    "GENERIC_WORDS",
    "TRAILING_COMMENT",
    "UNSURE_RATIO",
    "WORDS",
    "code_of",
    "counterpart",
    "counterpart_copies",
    "reopens",
    "shares_a_word",
    "similar_to_any",
    "similarity",
    "similarity_unbounded",
]

#: Least `similarity` for a new line to stand in for an original one.
FUZZY_RATIO = 0.6
#: From this `similarity` up to FUZZY_RATIO a new edge line may as well be a rewrite of the
#: original line beside it as a new line: the boundary merge does not guess.
UNSURE_RATIO = 0.4
#: A line of at most this many words (``)``, ``try:``, ``parser.add_argument(``) is generic:
#: repeated, it says little about where it is.
GENERIC_WORDS = 2
#: How much more similar than any other line a new line's counterpart must be.
COUNTERPART_MARGIN = 0.1

TRAILING_COMMENT = re.compile(r"\s+(?:#|//).*$")
WORDS = re.compile(r"\w+")
_TOKEN = re.compile(r"\w+|[^\w\s]")


def similarity(a: str, b: str, floor: float = FUZZY_RATIO) -> float:
    """difflib's ratio over the lines' words and symbols: `a = 1` and `b = 3` share only `=`
    (0.33), `import json` and `import ujson as json` share two of three words (0.67).
    Below ``floor`` it may answer 0.0 (cheap upper bounds already rule the pair out)."""
    x, y = _TOKEN.findall(a), _TOKEN.findall(b)
    if not x and not y:
        return 1.0
    matcher = SequenceMatcher(None, x, y, autojunk=False)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return 0.0
    return matcher.ratio()


def similarity_unbounded(a: str, b: str) -> float:
    """`similarity` down to UNSURE_RATIO."""
    return similarity(a, b, floor=UNSURE_RATIO)


def similar_to_any(line: str, others: Sequence[str]) -> bool:
    """Whether ``line`` is similar (`FUZZY_RATIO`) to one of ``others``."""
    return any(similarity(line, other) >= FUZZY_RATIO for other in others)


def shares_a_word(a: str, b: str) -> bool:
    """Whether two lines have a word (identifier, number, word of a string) in common, or
    neither has any word."""
    x, y = set(WORDS.findall(a)), set(WORDS.findall(b))
    return bool(x & y) or not (x or y)


#: Clauses that continue a block, and the clause each continues (``elif`` an ``if``).
_CONTINUES = {"elif": "if", "else": "if", "except": "try", "finally": "try"}
_FIRST_WORD = re.compile(r"^(\s*)(\w+)")


def reopens(new: str, old: str) -> bool:
    """Whether ``new`` opens a block where ``old`` continued one at the same indentation
    (``if x:`` for ``elif x:``): the branches above were deleted or stay as a block of their
    own, and an elided stretch does not say which."""
    x, y = _FIRST_WORD.match(new), _FIRST_WORD.match(old)
    return bool(x and y and x.group(1) == y.group(1)
                and _CONTINUES.get(y.group(2)) == x.group(2))


def code_of(line: str) -> str:
    """The line's code: without indentation and trailing comment."""
    return TRAILING_COMMENT.sub("", line).strip()


def counterpart(lines: Sequence[str], new: str) -> int | None:
    """The original line that ``new`` (not itself an original line) most clearly rewrites:
    the only line of its statement key (``timeout = 5`` for ``timeout = 10``, a header of
    its name), else the one line most similar to it (sharing a word, not another import),
    clearly more similar than any other (`COUNTERPART_MARGIN`). None when no line or
    several qualify, or the line is generic."""
    found = counterpart_copies(lines, new)
    return found[0] if len(found) == 1 else None


def counterpart_copies(lines: Sequence[str], new: str) -> list[int]:
    """Every copy of the original text that ``new`` most clearly rewrites, by the rules of
    `counterpart`, where several lines tie only because they are the same text (code
    repeated in each of several functions, edited alike in each): their positions, first
    first. One position where `counterpart` finds one; empty when lines of different text
    qualify, or none does."""
    if len(WORDS.findall(new)) <= GENERIC_WORDS:
        return []
    key = statement_key(new)
    if key is not None and key[1] != "from":
        keyed = [n for n, line in enumerate(lines) if statement_key(line) == key]
        if keyed or key[1] in NAMED_KINDS:
            return keyed if len({lines[n] for n in keyed}) == 1 else []
    scored = sorted(((similarity(line, new), n) for n, line in enumerate(lines)
                     if line.strip()), reverse=True)
    if not scored or scored[0][0] < FUZZY_RATIO:
        return []
    best = lines[scored[0][1]]
    tied = sorted(n for ratio, n in scored if ratio >= scored[0][0] - COUNTERPART_MARGIN)
    if any(lines[n] != best for n in tied):
        return []
    if not shares_a_word(new, best) or different_imports(new, best) or reopens(new, best):
        return []
    return tied
