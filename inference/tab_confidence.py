"""When Tab speaks: a suggestion is shown only with evidence behind it, else Tab abstains.

A wrong suggestion costs the user more than none, so each stage's answer is checked against
what made it plausible. The thresholds were chosen on the ``train`` and ``dev`` repositories of
``benchmarks/data/tab_real.jsonl.gz`` (never on ``test``); measured there, pattern suggestions
were right 43% of the time when taught by the newest edit and 5% when taught by an older one,
65-77% when the target line resembled the line the rule was learnt on (similarity 0.6-0.8) and
2-8% below 0.5, 53% within 10 lines of the cursor and 6% beyond 60; whole-line rules (a line
deleted or inserted again) were right 3% of the time. Structural repeats
(`inference.tab_analogy`, first version) on blocks at least 0.8 alike were right in 138 of 151
edit steps where the recent edits had already made the same change twice (any age, any
distance; 23 more on the 1,608 cases where nothing should change), and about half the time when
taught once by the newest edit near the cursor; below 0.8, 0-13%.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from inference.edit_history import HunkEdit
from inference.sketch import indentation

__all__ = ["ANALOGY_SIMILAR", "NEAR_LINES", "SIMILAR", "analogy_is_confident",
           "model_edit_is_supported", "pattern_is_confident", "renames_a_twin",
           "renames_binding", "renames_definition", "text_is_confident", "undoes"]

#: A target within this many lines of the cursor is where the user is working.
NEAR_LINES = 10
#: An analogy target at least this similar, token for token, to the taught block.
ANALOGY_SIMILAR = 0.85
#: An analogy taught once (not yet repeated) is shown within this many lines of the cursor.
ANALOGY_NEAR = 12
#: A target line at least this similar to the line the rule was learnt on is "the same kind".
SIMILAR = 0.6

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEFINES = r"\s*(?:async\s+)?(?:def|class)\s+{}\b"
#: a definition's header: its indentation and keyword, and the name it defines
_DEFINED = re.compile(r"(\s*(?:async\s+)?(?:def|class)\s+)(\w+)")


def pattern_is_confident(*, whole_lines: bool, age: int, taught: HunkEdit, target: str,
                         distance: int, renamed_definition: bool = False) -> bool:
    """Whether a pattern suggestion is worth showing.

    ``whole_lines``: the rule deletes or inserts whole lines; ``age``: 0 when the rule comes
    from the newest edit; ``taught``: that edit; ``target``: the line the suggestion changes (or
    inserts after); ``distance``: lines between it and the cursor; ``renamed_definition``: the
    rule renames a name whose ``def``/``class`` the recent edits renamed the same way, so every
    use must follow, however far.
    """
    if renamed_definition:
        return True
    if age != 0:
        return False  # an older edit's pattern, passed over by the newest edit, rarely resumes
    near = distance < NEAR_LINES
    if whole_lines:
        return near
    taught_line = next((line for line in taught.removed + taught.before if line.strip()), "")
    similar = difflib.SequenceMatcher(None, target.strip(), taught_line.strip()).ratio()
    return near or similar >= SIMILAR


def analogy_is_confident(*, age: int, similarity: float, repeats: int, distance: int) -> bool:
    """Whether a structural repeat (`inference.tab_analogy`) is worth showing: the target
    block nearly matches the taught one and the pattern was already made more than once, or it
    comes from the newest edit and lies where the user is working.
    """
    if similarity < ANALOGY_SIMILAR:
        return False
    return repeats >= 1 or (age == 0 and distance < ANALOGY_NEAR and similarity >= 0.9)


def text_is_confident(*, age: int, taught: HunkEdit, target: str) -> bool:
    """Whether a change inside text (`inference.tab_text`) is worth showing: the newest edit
    made it on a line like the target. Nearness alone is not enough, nor a change already made
    twice (on train/dev those were right 1 time in 3 and 1 in 10): the same words recur in a
    file's strings and comments for other reasons.
    """
    if age != 0:
        return False
    taught_line = next((line for line in taught.removed if line.strip()), "")
    return difflib.SequenceMatcher(None, target.strip(), taught_line.strip()).ratio() >= SIMILAR


def renames_definition(pairs: Sequence[tuple[Sequence[str], Sequence[str]]],
                       edits: Sequence[HunkEdit]) -> bool:
    """Whether every ``old → new`` pair is one name renamed, and some recent edit renamed the
    ``def``/``class`` of that name the same way."""
    if not pairs:
        return False
    for old, new in pairs:
        if len(old) != 1 or len(new) != 1 or not (old[0].isidentifier() and new[0].isidentifier()):
            return False
        before, after = _DEFINES.format(re.escape(old[0])), _DEFINES.format(re.escape(new[0]))
        if not any(any(re.match(before, line) for line in edit.removed)
                   and any(re.match(after, line) for line in edit.added) for edit in edits):
            return False
    return True


def renames_binding(pairs: Sequence[tuple[Sequence[str], Sequence[str]]], taught: HunkEdit,
                    lines: Sequence[str], target: int) -> bool:
    """Whether the one ``old → new`` rename of ``pairs`` was made, by ``taught`` (an edit of
    this file), where the old name is bound (a parameter, an assignment, a ``for`` or ``as``
    target), and 0-based line ``target`` lies in that binding's scope (the function, or the
    module for a binding outside any): every use there must follow, however far."""
    if len(pairs) != 1 or len(pairs[0][0]) != 1 or len(pairs[0][1]) != 1:
        return False
    old, new = pairs[0][0][0], pairs[0][1][0]
    if not (old.isidentifier() and new.isidentifier()) or not taught.stands_in(lines):
        return False
    start = taught.new_start - 1
    for offset, (was, now) in enumerate(zip(taught.removed, taught.added, strict=False)):
        kind = _binds(was, old)
        if kind is None or kind != _binds(now, new):
            continue
        line = start + offset
        if kind == "parameter":
            return _in_body(lines, line, target)
        header = _enclosing_def(lines, line)
        return header is None or _in_body(lines, header, target)
    return False


def _binds(line: str, name: str) -> str | None:
    """How ``line`` binds ``name``: ``"parameter"``, ``"local"`` (an assignment, a ``for`` or
    an ``as`` target), or None."""
    word = re.escape(name)
    if re.match(rf"\s*(?:async\s+)?def\s+\w+\s*\((?:[^()]|\([^()]*\))*\b{word}\b", line):
        return "parameter"
    if (re.match(rf"\s*(?:\w+\s*,\s*)*{word}(?:\s*,\s*\w+)*\s*(?::[^=]+)?=(?!=)", line)
            or re.match(rf"\s*(?:async\s+)?for\s+[\w\s,()]*\b{word}\b[\w\s,()]*\bin\b", line)
            or re.search(rf"\bas\s+{word}\s*[:,)]", line)):
        return "local"
    return None


def _enclosing_def(lines: Sequence[str], number: int) -> int | None:
    """The 0-based line of the ``def`` whose body holds line ``number``, or None."""
    depth = len(indentation(lines[number]))
    for above in range(number - 1, -1, -1):
        line = lines[above]
        if line.strip() and len(indentation(line)) < depth:
            if re.match(r"\s*(?:async\s+)?def\s", line):
                return above
            depth = len(indentation(line))
    return None


def _in_body(lines: Sequence[str], header: int, target: int) -> bool:
    """Whether 0-based line ``target`` is in the body of the definition at ``header``."""
    if target <= header:
        return False
    depth = len(indentation(lines[header]))
    return all(not line.strip() or len(indentation(line)) > depth
               or line.lstrip().startswith((")", "]", "}"))
               for line in lines[header + 1:target + 1])


def renames_a_twin(lines: Sequence[str], number: int, written: str,
                   edits: Sequence[HunkEdit]) -> bool:
    """Whether writing ``written`` over 0-based line ``number`` renames a second ``def`` or
    ``class`` of a name that one of ``edits`` renamed the same way in the same block: two
    definitions of one name told apart (the second was shadowing the first), not a use."""
    old, new = _DEFINED.match(lines[number]), _DEFINED.match(written)
    if old is None or new is None or old[2] == new[2] or old[1] != new[1]:
        return False
    for edit in edits:
        if not edit.stands_in(lines):
            continue
        for offset, (was, now) in enumerate(zip(edit.removed, edit.added, strict=False)):
            before, after = _DEFINED.match(was), _DEFINED.match(now)
            if (before and after and (before[1], before[2], after[2]) == (old[1], old[2], new[2])
                    and _same_block(lines, edit.new_start - 1 + offset, number)):
                return True
    return False


def _same_block(lines: Sequence[str], a: int, b: int) -> bool:
    """Whether lines ``a`` and ``b`` stand at one indentation with no line less indented
    between them (the same class body, function body or module)."""
    low, high = sorted((a, b))
    depth = len(indentation(lines[a]))
    return all(not line.strip() or len(indentation(line)) >= depth
               for line in lines[low:high + 1])


def model_edit_is_supported(replaced: Sequence[str], written: Sequence[str],
                            edits: Sequence[HunkEdit]) -> bool:
    """Whether a model suggestion continues the recent edits: it writes a name the newest
    edits introduced, and does not put back what they removed (an undo is never the next edit).
    """
    if not edits:
        return False
    introduced: set[str] = set()
    for edit in edits[-3:]:
        introduced |= _words(edit.added) - _words(edit.removed)
    new_words = _words(written) - _words(replaced)
    if not new_words & introduced:
        return False
    return not undoes(replaced, written, edits)


def undoes(replaced: Sequence[str], written: Sequence[str], edits: Sequence[HunkEdit]) -> bool:
    """Whether writing ``written`` over ``replaced`` puts back lines one of ``edits`` changed
    (an undo is never the next edit)."""
    stripped_written = {line.strip() for line in written} - {""}
    stripped_replaced = {line.strip() for line in replaced} - {""}
    if not stripped_written and not stripped_replaced:
        return False
    for edit in edits:
        added = {line.strip() for line in edit.added} - {""}
        removed = {line.strip() for line in edit.removed} - {""}
        if stripped_replaced <= added and stripped_written <= removed:
            return True
    return False


def _words(lines: Sequence[str]) -> set[str]:
    return {word for line in lines for word in _WORD.findall(line)}
