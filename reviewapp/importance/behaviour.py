"""What a hunk does to behaviour, for the key tier: the few hunks a reviewer should read first.

A hunk qualifies by what its changed code lines do (comments and blank lines ignored), strongest
first: a security-relevant call, a new or removed error path, a new or changed condition, a
changed public signature, a changed return value. Test files never qualify (the code they test
is the change), nor do settings and prose files; conditions that only gate type checking or the
interpreter's version are upkeep, not behaviour. `choose_key` then keeps the strongest
qualifying hunks of a diff, at most `share` of its hunks, so key stays a highlight: on real
commits and 30-commit ranges (benchmarks/guidance.py) that is about one hunk in six.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from reviewapp.importance.views import HunkView
from reviewapp.ordering.roles import CONFIG_EXTENSIONS, DOC_EXTENSIONS, is_test_path

SECURITY = re.compile(
    r"\b(?:eval|exec|os\.system|os\.popen|subprocess\.\w+|pickle\.loads?|marshal\.loads?"
    r"|yaml\.(?:unsafe_)?load|tempfile\.mktemp|hashlib\.(?:md5|sha1)|mark_safe|Markup"
    r"|extractall|urlopen|set_cookie)\s*\(|\b(?:shell|verify|check_hostname|secure|httponly"
    r"|autoescape)\s*=")
RAISE = re.compile(r"^\s*(?:raise|throw)\b\s*([\w.]*)|\bpanic!?\(")
HANDLER = re.compile(r"^\s*(?:except|catch|rescue)\b\s*\(?\s*([\w.]*)|^\s*}\s*catch\b")
CONDITION = re.compile(r"^\s*(?:if|elif|else\s+if|while|assert|unless|case|match)\b(.*)")
#: Conditions that gate only type checking or the interpreter's version or platform: adding or
#: dropping them (a Python version dropped, imports moved under TYPE_CHECKING) is upkeep, and on
#: a 30-commit uvicorn range they were 9 of 19 key hunks.
STATIC_GATE = re.compile(r"^\s*(?:if|elif)\s+(?:not\s+)?(?:typing\.)?TYPE_CHECKING\s*:"
                         r"|^\s*(?:if|elif)\b.*\bsys\.(?:version_info|platform)\b")
DEFINITION = re.compile(r"^\s*(?:async\s+)?(?:def|func|fn|function)\s+([A-Za-z]\w*)")
RETURN = re.compile(r"^\s*(?:return|yield)\b")
ENCLOSING = re.compile(r"^\s*(?:async\s+)?(?:def|class|func|fn|function)\s+(\w+)")


@dataclass(frozen=True)
class BehaviourChange:
    strength: int  # 5 security call … 1 changed return value
    reason: str  # specific to the hunk: names the condition, exception or function


def _code(lines: Sequence[str]) -> list[str]:
    """Lines that hold code: not blank, not a whole-line comment or docstring delimiter."""
    return [t for t in lines if t.strip() and not t.lstrip().startswith(("#", "//", '"""', "'''"))]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.strip().rstrip(":{").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _enclosing(view: HunkView) -> str | None:
    """The function the hunk edits: the last definition line shown above its first change,
    else git's section header."""
    name = None
    for line in view.hunk.lines:
        if line.kind != " ":
            break
        if found := ENCLOSING.match(line.text):
            name = found.group(1)
    if name is None and (found := ENCLOSING.match(view.hunk.section_header or "")):
        name = found.group(1)
    return name


def _new(pattern: re.Pattern[str], added: list[str], removed: list[str]) -> list[str]:
    """Lines matching `pattern` on one side whose stripped text the other side lacks."""
    other = {t.strip() for t in removed}
    return [t for t in added if pattern.search(t) and t.strip() not in other]


def _conditions(side: list[str], other: list[str]) -> list[str]:
    """Conditions on one side the other lacks, leaving out type-checking and version gates."""
    return [t for t in _new(CONDITION, side, other) if not STATIC_GATE.match(t)]


def behaviour_change(view: HunkView) -> BehaviourChange | None:
    """The strongest behaviour change the hunk makes, or None."""
    # Settings and prose only look like code: a `raise ...` line listed in setup.cfg is a
    # coverage exclusion pattern, not an error path.
    if is_test_path(view.path) or PurePosixPath(view.path).suffix.lower() in (
            CONFIG_EXTENSIONS | DOC_EXTENSIONS):
        return None
    added, removed = _code(view.added_lines), _code(view.removed_lines)
    if not added and not removed:
        return None
    where = _enclosing(view)
    inside = f" in `{where}`" if where else ""
    if calls := _new(SECURITY, added, removed) or _new(SECURITY, removed, added):
        return BehaviourChange(5, f"security-relevant call changed{inside}: `{_short(calls[0])}`")
    if raised := _new(RAISE, added, removed):
        what = RAISE.search(raised[0]).group(1) if RAISE.search(raised[0]) else ""
        return BehaviourChange(4, f"new error path{inside}" + (f": raises `{what}`" if what
                                                                 else ""))
    if handlers := _new(HANDLER, added, removed):
        return BehaviourChange(4, f"new error handling{inside}: `{_short(handlers[0])}`")
    if gone := _new(RAISE, removed, added) or _new(HANDLER, removed, added):
        return BehaviourChange(4, f"removes an error path{inside}: `{_short(gone[0])}`")
    added_tests, removed_tests = _conditions(added, removed), _conditions(removed, added)
    if added_tests:
        verb = "changes the condition" if removed_tests else "new condition"
        return BehaviourChange(3, f"{verb}{inside}: `{_short(added_tests[0])}`")
    if dropped := removed_tests:
        return BehaviourChange(3, f"removes the condition{inside}: `{_short(dropped[0])}`")
    signatures = [m.group(1) for t in _new(DEFINITION, added, removed) + _new(
        DEFINITION, removed, added) if (m := DEFINITION.match(t))]
    public = [name for name in signatures if not name.startswith("_")]
    if public:
        old = {m.group(1) for t in removed if (m := DEFINITION.match(t))}
        verb = "changes the signature of" if public[0] in old else "new public function"
        return BehaviourChange(2, f"{verb} `{public[0]}`")
    if _new(RETURN, added, removed) and _new(RETURN, removed, added):
        return BehaviourChange(1, f"changes what `{where}` returns" if where
                               else "changes a return value")
    return None


def key_budget(hunks: int, share: float) -> int:
    """How many hunks of a diff may be key: `share` of them, rounded; none in a 1-2 hunk diff."""
    return int(hunks * share + 0.5)


def choose_key(candidates: list[tuple[int, BehaviourChange, int]], hunks: int,
               share: float) -> set[int]:
    """The (position, change, changed lines) candidates that become key: strongest first,
    then the bigger change, then diff order; at most `key_budget` of them."""
    ranked = sorted(candidates, key=lambda c: (-c[1].strength, -c[2], c[0]))
    return {position for position, _, _ in ranked[: key_budget(hunks, share)]}
