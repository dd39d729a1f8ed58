"""How a segment's edited edge lines are read against the original lines beside them.

Walking outwards from a segment's anchor, each edited line either *rewrites* the original line
next to it (similar words, the same definition or statement key, a comment reworded, a
statement reflowed by a formatter or a multi-line statement rewritten on one line) or is new
and inserted; when neither reading is clearly right the walk raises `Unsure`, and the caller
refuses or tries every reading (`inference.merge_readings`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from inference.line_similarity import (
    FUZZY_RATIO,
    UNSURE_RATIO,
    reopens,
    similarity_unbounded,
)
from inference.line_similarity import TRAILING_COMMENT as _TRAILING_COMMENT
from inference.line_similarity import WORDS as _WORDS
from inference.line_similarity import counterpart as _counterpart
from inference.line_similarity import shares_a_word as _shares_a_word
from inference.merge_imports import different_imports, import_section
from inference.statement_keys import DEFINITION, statement_key


def rewrites(new: str, old: str) -> bool | None:
    """Whether the sketch line ``new`` reads as a rewrite of the original line ``old``:
    similar words, or the same function/class header with a new signature. None when it
    cannot be told (somewhat similar: ``import sys`` where ``import sysconfig`` stood)."""
    if not new.strip() or not old.strip():
        return not new.strip() and not old.strip()  # blank for blank
    if reopens(new, old):
        return None
    a, b = DEFINITION.match(new), DEFINITION.match(old)
    if a and b:  # two headers: the same definition, or a new one beside it (or a rename)
        return True if a.groups() == b.groups() else None
    key = statement_key(new)
    if key is not None and key[1] != "from" and key == statement_key(old):
        return True  # a new value for the same name (two imports from one module may be both)
    ratio = similarity_unbounded(new, old)
    if ratio >= FUZZY_RATIO:
        # Alike only in shape (`"__version__",` beside `"rules_set_registry",`, two items of
        # a list), or two imports of different names (`from pkg import b` where `from pkg
        # import c` stood): not clearly a rewrite of that line, maybe a new one beside it.
        return True if _shares_a_word(new, old) and not different_imports(new, old) else None
    # A comment added or reworded at the end of the same code: the code decides.
    code_new, code_old = _TRAILING_COMMENT.sub("", new), _TRAILING_COMMENT.sub("", old)
    if code_new.strip() and code_old.strip() and (code_new, code_old) != (new, old):
        return rewrites(code_new, code_old)
    # A comment's text written as code (``# Output: True`` -> ``True``): the text decides.
    text_old = _commented_text(old)
    if text_old is not None and _commented_text(new) is None:
        return rewrites(new, text_old)
    if ratio >= UNSURE_RATIO or _same_statement_kind(new, old):
        return None
    return False


_FIRST_WORD = re.compile(r"^(\s*)(\w+)")
#: A whole-line comment, its text after an optional label (``# Output: True``, ``# was: x``).
_LABELLED_COMMENT = re.compile(r"^(\s*)#+\s*(?:\w+:\s+)?(\S.*)$")


def _commented_text(line: str) -> str | None:
    """The text of a whole-line comment, without its label, at the comment's indentation
    (``# Output: True`` -> ``True``); None for any other line."""
    match = _LABELLED_COMMENT.match(line)
    return match.group(1) + match.group(2) if match else None


def _same_statement_kind(a: str, b: str) -> bool:
    """Same indentation and first word (``return x`` / ``return y``, two imports): a line
    that may as well replace the other as stand beside it."""
    x, y = _FIRST_WORD.match(a), _FIRST_WORD.match(b)
    return bool(x and y and x.groups() == y.groups())


class Unsure(Exception):
    """An edge line that may rewrite its neighbour or be new: no reading is clearly right."""


def walk_out(lines: Sequence[str], seg: Sequence[str], at: int, pos: int, step: int) -> int:
    """From the anchor (``seg[at]`` is ``lines[pos]``) walk the segment's edited edge lines
    outwards: each rewrites the next original line when it reads as a rewrite of it, else it
    is inserted. Returns the outermost original line rewritten (``pos`` when none). Blank
    lines matched beyond it stay original: the sketch's blank lines next to a marker belong
    to the elision (`parse_sketch`), so a new line written after a blank one is inserted."""
    k, q = at + step, pos + step
    outermost = pos
    while 0 <= k < len(seg):
        reflowed = spanned(seg, k, lines, q, step)
        if reflowed is not None:  # a statement reflowed, or one over several lines rewritten
            taken, replaced = reflowed
            outermost = q + step * (replaced - 1)
            k, q = k + step * taken, q + step * replaced
            continue
        verdict = edge_verdict(lines, seg, k, q, step)
        if verdict is None:
            raise Unsure(seg[k])
        if verdict:
            if seg[k].strip():
                outermost = q
            q += step
        elif seg[k].strip() and q != outermost + step and joins_group(seg[k], lines[q]):
            raise Unsure(seg[k])
        k += step
    return outermost


def edge_verdict(lines: Sequence[str], seg: Sequence[str], k: int, q: int, step: int
                  ) -> bool | None:
    """Whether the edge line ``seg[k]`` rewrites ``lines[q]`` (`rewrites`; None: unsure).
    A line it does not rewrite is still replaced when it is the one clear old version
    (`_counterpart`) of a new line further in, on the anchor's side: the segment moved
    that line (``registry: X,`` shown lower down as ``registry: X = ...,``, a new
    parameter in its old place)."""
    if not 0 <= q < len(lines):
        return False
    verdict = rewrites(seg[k], lines[q])
    if verdict is False and seg[k].strip() and lines[q].strip() and lines[q] not in seg:
        inner = seg[k + 1:] if step < 0 else seg[:k]
        if any(line.strip() and line not in lines and _counterpart(lines, line) == q
               for line in inner):
            return True
    return verdict


#: Most lines a statement reflowed by a formatter spans (`reflow`).
REFLOW_LINES = 8
#: Least characters (spaces aside) of a reflowed statement: shorter ones match by chance.
REFLOW_CHARS = 12
_TRAILING_COMMA = re.compile(r",(?=[)\]}])")


def _flat(lines: Sequence[str]) -> str:
    """The lines' text joined without whitespace, a comma before a closing bracket dropped
    (a formatter adds one when it splits a call over lines)."""
    return _TRAILING_COMMA.sub("", "".join("".join(line.split()) for line in lines))


def joined_lines(stretch: Sequence[str], written: Sequence[str]) -> set[int]:
    """Positions in ``stretch`` of the runs of lines that a written line joins onto one line
    (`_flat` text equal): a formatter's reflow rewrites them."""
    found: set[int] = set()
    for new in written:
        flat = _flat([new])
        if len(flat) < REFLOW_CHARS:
            continue
        for start, line in enumerate(stretch):
            head = _flat([line])
            if not head or not flat.startswith(head):
                continue
            for n in range(2, REFLOW_LINES + 1):
                if _flat(stretch[start:start + n]) == flat and start + n <= len(stretch):
                    found.update(range(start, start + n))
                    break
    return found


_STRING = re.compile(r"""(?:[rbfuRBFU]{0,2})(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
#: Most lines of a bracketed statement that an edge line may rewrite whole.
STATEMENT_LINES = 40


def bracket_depth(line: str) -> int:
    """Brackets the line opens minus those it closes (strings and comments aside)."""
    code = _TRAILING_COMMENT.sub("", _STRING.sub('""', line))
    if code.lstrip().startswith("#"):
        return 0
    return sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")


def spanned(seg: Sequence[str], k: int, lines: Sequence[str], q: int, step: int
             ) -> tuple[int, int] | None:
    """``(segment lines, original lines)`` that the walk takes at once: a reflowed statement
    (`_reflow`), or a one-line statement that rewrites one spread over several lines
    (`_rewritten_statement`); None when the lines are compared one by one."""
    return _reflow(seg, k, lines, q, step) or _rewritten_statement(seg, k, lines, q, step)


def _rewritten_statement(seg: Sequence[str], k: int, lines: Sequence[str], q: int,
                         step: int) -> tuple[int, int] | None:
    """``(1, n)`` when ``seg[k]`` is a whole one-line statement and ``lines[q]`` is the end
    nearest the walk of an n-line bracketed statement (its opening line walking forwards,
    its closing line walking backwards) whose first line ``seg[k]`` rewrites (`rewrites`,
    or it starts with that line's text):
    a call spread over lines replaced by a short one (``session.run(...)`` over 24 lines by
    ``session.run("amigpl", "check")``) replaces all of it, not its first or last line."""
    if not (0 <= k < len(seg) and 0 <= q < len(lines)) or not seg[k].strip() \
            or bracket_depth(seg[k]) != 0 or not lines[q].strip():
        return None
    depth, end = bracket_depth(lines[q]), q
    if depth * step <= 0:  # walking forwards from an opener, or backwards from a closer
        return None
    while depth != 0 and abs(end - q) < STATEMENT_LINES:
        end += step
        if not 0 <= end < len(lines):
            return None
        depth += bracket_depth(lines[end])
    head = min(q, end)
    opener = lines[head].strip()  # ``session.run(``: the new line calls the same
    if depth != 0 or not (rewrites(seg[k], lines[head]) or (
            _WORDS.search(opener) and seg[k].strip().startswith(opener))):
        return None
    return 1, abs(end - q) + 1


def _reflow(seg: Sequence[str], k: int, lines: Sequence[str], q: int, step: int
           ) -> tuple[int, int] | None:
    """Walking outwards (``step``) from ``seg[k]`` and ``lines[q]``: ``(segment lines, original
    lines)`` when one side's single line is the other side's run of 2 to `REFLOW_LINES` lines
    reflowed (the same text but for whitespace and a trailing comma: a call joined onto one
    line, or split over several); None otherwise."""
    if not (0 <= k < len(seg) and 0 <= q < len(lines)) or not seg[k].strip() \
            or seg[k].rstrip() == lines[q].rstrip():
        return None

    def run(side: Sequence[str], at: int, n: int) -> list[str] | None:
        end = at + step * (n - 1)
        if not 0 <= end < len(side):
            return None
        return list(side[min(at, end):max(at, end) + 1])

    one_new, one_old = _flat([seg[k]]), _flat([lines[q]])
    for n in range(2, REFLOW_LINES + 1):
        for single, side, at, answer in ((one_new, lines, q, (1, n)), (one_old, seg, k, (n, 1))):
            if len(single) < REFLOW_CHARS:
                continue
            many = run(side, at, n)
            if many is not None and all(line.strip() for line in many) \
                    and _flat(many) == single:
                return answer
    return None


def joins_group(new: str, beyond: str) -> bool:
    """Whether a new assignment (or import) written beyond a blank line may as well belong
    to the group of assignments (imports) on the far side of that blank (``master_doc = ...``
    / new ``toc_entries = False`` / blank / the anchor): then it goes before or after the
    blank line, and the sketch does not say which. A new definition, block or comment starts
    a paragraph of its own and goes after it."""
    a, b = statement_key(new), statement_key(beyond)
    if a and b and a[1] == b[1] == "set" and a[0] == b[0]:
        return True
    # Two imports of one kind (standard library, one third-party package, ...): the new one
    # may join the block beyond the blank line or open one of its own.
    return not (new[:1].isspace() or beyond[:1].isspace()) \
        and import_section(new) is not None and import_section(new) == import_section(beyond)
