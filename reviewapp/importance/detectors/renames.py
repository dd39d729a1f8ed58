"""One identifier renamed consistently: `foo → bar` across the hunks of a diff.

A hunk is a rename when its removed and added lines have the same normalised tokens except at
identifiers, each old name always becomes the same new name (attribute positions after `.` may
keep the old name: `obj.foo` is another namespace), and strings or comments differ only by the
same substitution. It is grayed only when the rename is safe to skim: the new name did not exist
before in that file (else it is a variable swap, a classic bug) and the mapping occurs at least
twice in the diff (a single changed name is a changed call, not a rename).
"""

from __future__ import annotations

import builtins
import re
from collections import Counter, defaultdict

from reviewapp.importance.detectors.formatting import LAYOUT, normalise_typed
from reviewapp.importance.score import Detection
from reviewapp.importance.views import HunkView

RENAME_IMPORTANCE = 0.05
MIN_OCCURRENCES = 2


_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def _same_shape(view: HunkView) -> bool:
    """Cheap necessary condition: equal text once identifiers and layout are masked."""
    def shape(lines: list[str]) -> str:
        return LAYOUT.sub("", _IDENTIFIER.sub("I", "".join(lines)))
    return shape(view.removed_lines) == shape(view.added_lines)


def hunk_renames(view: HunkView) -> Counter[tuple[str, str]] | None:
    """Occurrences of each (old, new) name mapping if the hunk is a pure rename, else None."""
    if not view.has_change or not view.removed_lines or not _same_shape(view):
        return None
    # Changed lines only: context lines may keep the old name where it belongs to another scope.
    old = normalise_typed(view.changed_old_tokens, view.language, drop_docs=False)
    new = normalise_typed(view.changed_new_tokens, view.language, drop_docs=False)
    if len(old) != len(new) or old == new:
        return None
    mapping: dict[str, str] = {}
    counts: Counter[tuple[str, str]] = Counter()
    text_diffs: list[tuple[str, str]] = []
    for (ok, ov), (nk, nv) in zip(old, new, strict=True):
        if ov == nv:
            continue
        if ok == nk == "name":
            if mapping.setdefault(ov, nv) != nv:
                return None
            counts[(ov, nv)] += 1
        elif ok == nk and ok in ("str", "comment"):
            text_diffs.append((ov, nv))
        else:
            return None
    if not mapping or len(set(mapping.values())) != len(mapping):
        return None
    # Every non-attribute occurrence of an old name in the changed lines must be renamed.
    for i, (kind, value) in enumerate(old):
        if kind == "name" and value in mapping and new[i][1] == value:
            if not (i and old[i - 1][1] == "."):
                return None
    for ov, nv in text_diffs:
        replaced = ov
        for a, b in mapping.items():
            replaced = re.sub(rf"\b{re.escape(a)}\b", b, replaced)
        if replaced != nv:
            return None
    return counts


def _present(name: str, views: list[HunkView], side: str) -> bool:
    """Whether `name` is an identifier in one version ("old" or "new") of these hunks' file."""
    pattern = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    content = views[0].file.old_content if side == "old" else views[0].file.new_content
    if content is not None:
        return bool(pattern.search(content))
    return any(pattern.search(line) for v in views
               for line in (v.old_side if side == "old" else v.new_side))


# A builtin or a dunder swapped for another name changes behaviour (`float` → `Decimal`,
# `__call__` → `handle`): never a mechanical rename.
NOT_RENAMEABLE = frozenset(name for name in dir(builtins) if not name.startswith("_"))


def _renameable(name: str) -> bool:
    return name not in NOT_RENAMEABLE and not (name.startswith("__") and name.endswith("__"))


def detect_renames(views: list[HunkView]) -> dict[int, Detection]:
    """Detections keyed by position in the flat hunk list."""
    per_hunk = {h: hunk_renames(v) for h, v in enumerate(views)}
    per_hunk = {h: c for h, c in per_hunk.items() if c}
    total: Counter[tuple[str, str]] = Counter()
    hunks_with: Counter[tuple[str, str]] = Counter()
    by_file: dict[int, list[HunkView]] = defaultdict(list)
    for v in views:
        by_file[v.file_index].append(v)
    for counts in per_hunk.values():
        total.update(counts)
        hunks_with.update(counts.keys())
    out: dict[int, Detection] = {}
    for h, counts in per_hunk.items():
        view = views[h]
        pairs = sorted(counts)
        siblings = by_file[view.file_index]
        # A rename replaces a name everywhere: the new one is fresh and the old one is gone
        # (on real commits, `string → tzinfo_string` with `string` still used was a real edit).
        fresh = all(not _present(b, siblings, "old") and not _present(a, siblings, "new")
                    and _renameable(a) and _renameable(b) for a, b in pairs)
        enough = all(total[p] >= MIN_OCCURRENCES for p in pairs)
        shown = ", ".join(f"`{a} → {b}`" for a, b in pairs)
        others = min(hunks_with[p] for p in pairs) - 1
        details = {"renames": [list(p) for p in pairs], "hunks_sharing": others + 1}
        if fresh and enough:
            reason = (f"same rename {shown} as {others} other hunk{'s' if others != 1 else ''}"
                      if others else f"rename {shown}")
            out[h] = Detection("rename", reason, True, RENAME_IMPORTANCE, details)
        else:
            why = "name already existed" if not fresh else "changed only once"
            out[h] = Detection("rename", f"identifier changed {shown} ({why})", False, 0.5,
                               details)
    return out
