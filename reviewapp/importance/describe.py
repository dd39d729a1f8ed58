"""Plain-words descriptions of what a hunk changes ("new error branch", "removed check").

Read from the changed lines only (keywords and line shapes common to C-like languages and
Python), so it works for any language; the language model may add
"predictable from context" beside it.
"""

from __future__ import annotations

import re

from reviewapp.importance.views import HunkView

_RAISE = re.compile(r"^\s*(raise|throw)\b|\bpanic!?\(|\breturn\s+(err|Err\(|None, err)")
_COND = re.compile(r"^\s*(if|elif|else\s+if|while|unless|switch|case|match)\b|^\s*}\s*else\s+if\b")
_DEF = re.compile(r"^\s*(?:async\s+)?(?:def|class|function|func|fn)\s+([A-Za-z_]\w*)")
_RETURN = re.compile(r"^\s*return\b")
_TRY = re.compile(r"^\s*(try|except|catch|finally|rescue)\b|}\s*catch\b")
_LOOP = re.compile(r"^\s*(for|while|loop)\b")


def _has(pattern: re.Pattern[str], lines: list[str]) -> bool:
    return any(pattern.search(t) for t in lines)


def describe(view: HunkView) -> str:
    """What the hunk changes, in a few words."""
    added = [t for t in view.added_lines if t.strip()]
    removed = [t for t in view.removed_lines if t.strip()]
    new_defs = [m.group(1) for t in added if (m := _DEF.match(t))]
    old_defs = {m.group(1) for t in removed if (m := _DEF.match(t))}
    fresh = [name for name in new_defs if name not in old_defs]
    if fresh:
        more = f" (+{len(fresh) - 1} more)" if len(fresh) > 1 else ""
        return f"new definition `{fresh[0]}`{more}"
    if not added and removed:
        if _has(_COND, removed) and (_has(_RAISE, removed) or _has(_RETURN, removed)):
            return "removed check"
        gone = sorted(old_defs)
        if gone:
            return f"removed `{gone[0]}`"
        return f"deleted code ({len(removed)} line{'s' if len(removed) != 1 else ''})"
    if _has(_RAISE, added) and not _has(_RAISE, removed):
        return "new error branch" if _has(_COND, added) else "new error path"
    if _has(_COND, removed) and _has(_RAISE, removed) and not _has(_RAISE, added):
        return "removed check"
    if _has(_TRY, added) and not _has(_TRY, removed):
        return "new exception handling"
    if _has(_COND, added) and not _has(_COND, removed):
        return "new condition"
    if _has(_COND, added) and _has(_COND, removed):
        return "changed condition"
    if _has(_LOOP, added) and not _has(_LOOP, removed):
        return "new loop"
    if _has(_RETURN, added) and _has(_RETURN, removed):
        return "changed return value"
    if not removed:
        return f"new code ({len(added)} line{'s' if len(added) != 1 else ''})"
    return f"changed code ({len(removed)} → {len(added)} lines)"
