"""Grow a one-line suggestion over the run of neighbouring lines the recent edits' rules change.

A rename, an import change or a quoting change reaches two adjacent lines as often as one
(``bold = openpyxl.styles.Font(...)`` over ``wrap_text = openpyxl.styles.Alignment(...)``);
the user makes them as one edit, so Tab suggests them as one: the lines just above and below
the suggested line that its rule, or another rule of the recent edits (``json`` → ``json_dumps``
on one line, the import alias ``json_dump`` → ``json_dumps`` on the next), also rewrites one for
one join it. Lines the recent edits wrote are never rewritten again, a run stays in code or
in prose (comments and docstrings) as its first line does, and a structural repeat
(`inference.tab_analogy`) reaches a neighbour only as alike as its own suggestions must be
(``read_text()`` → ``read_text(encoding=...)`` is not carried onto ``text.splitlines()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from inference.edit_history import LineEdit
from inference.tab_analogy import AnalogyRule, skeleton
from inference.tab_confidence import ANALOGY_SIMILAR
from inference.tab_patterns import Rule, tokenize

__all__ = ["grow_run"]

#: A run longer than this is more likely several edits than one.
MAX_RUN = 6
#: A neighbour joins only when its shape (`inference.tab_analogy.skeleton`) is at least this
#: like the suggested line's: a rule that reaches an unlike line there (``1`` → ``101`` in a
#: loop bound, then in an unrelated ``i+1`` below) is a coincidence, not the same edit.
MIN_SHAPE = 0.5


def grow_run(rules: Sequence[Rule], lines: Sequence[str], edit: LineEdit,
             written: frozenset[str] = frozenset(),
             prose: frozenset[int] = frozenset()) -> LineEdit:
    """``edit`` (made by ``rules[0]``) with the adjacent lines one of ``rules`` (the first that
    does, in order) also rewrites one for one joined to it; ``edit`` itself when it is not a
    one-line rewrite or has no such neighbour. ``prose``: 0-based numbers of comment and
    docstring lines."""
    if edit.start_line != edit.end_line or edit.new_text.count("\n") != 1:
        return edit
    first = last = edit.start_line - 1
    in_prose = first in prose
    rewritten = {first: edit.new_text}

    def rewrite(number: int) -> str | None:
        if not 0 <= number < len(lines) or (number in prose) != in_prose:
            return None
        if lines[number].rstrip() in written or not lines[number].strip():
            return None
        if _shape_ratio(lines[number], lines[edit.start_line - 1]) < MIN_SHAPE:
            return None
        for rule in rules:
            if isinstance(rule, AnalogyRule) and rule.similarity(lines, number) < ANALOGY_SIMILAR:
                continue  # shaped alike, but not the same kind of line: not the same edit
            found = rule.edit_at(lines, number)
            if (found is not None and (found.start_line, found.end_line) == (number + 1, number + 1)
                    and found.new_text.count("\n") == 1):
                return found.new_text
        return None

    while last - first + 1 < MAX_RUN and (text := rewrite(last + 1)) is not None:
        last += 1
        rewritten[last] = text
    while last - first + 1 < MAX_RUN and (text := rewrite(first - 1)) is not None:
        first -= 1
        rewritten[first] = text
    if first == last:
        return edit
    return LineEdit(first + 1, last + 1, "".join(rewritten[n] for n in range(first, last + 1)))


def _shape_ratio(a: str, b: str) -> float:
    shape_a = [skeleton(t) for t in tokenize(a.strip())]
    shape_b = [skeleton(t) for t in tokenize(b.strip())]
    return SequenceMatcher(None, shape_a, shape_b, autojunk=False).ratio()
