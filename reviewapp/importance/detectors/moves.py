"""Moved blocks: lines removed in one place and added unchanged in another, in or across files.

A block counts as moved when at least MIN_BLOCK non-blank lines reappear in the same order with
one constant change of indentation (a method moved out of a class is still a move). Within one
file only blocks that start at a definition (or a decorator) count: swapping two statements
inside a function changes the program. A hunk is mechanical when all its non-blank changed lines
belong to moved blocks.
"""

from __future__ import annotations

import re
from collections import defaultdict

from reviewapp.importance.score import Detection
from reviewapp.importance.views import HunkView

MIN_BLOCK = 3
MAX_CANDIDATES = 64  # per anchor line; keeps huge diffs of repeated lines linear
DEFINITION = re.compile(
    r"^\s*(?:@|(?:async\s+)?def\s|class\s|function\s|func\s|fn\s|pub\s|export\s|"
    r"(?:public|private|protected|static|internal)\s|interface\s|struct\s|impl\s|module\s)"
)
MOVED_IMPORTANCE = 0.04

Pos = tuple[int, int]  # (global hunk number, index among that hunk's removed/added lines)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _match_length(rem: list[str], a: int, add: list[str], b: int) -> int:
    """How many lines from rem[a:] and add[b:] agree (stripped) with one constant indent shift."""
    shift = None
    n = 0
    while a + n < len(rem) and b + n < len(add):
        r, d = rem[a + n], add[b + n]
        if r.strip() != d.strip():
            break
        if r.strip():
            delta = _indent(d) - _indent(r)
            if shift is None:
                shift = delta
            elif delta != shift:
                break
        n += 1
    return n


def detect_moves(views: list[HunkView]) -> dict[int, Detection]:
    """Detections keyed by position of the hunk in `views` (the flat list of all hunks)."""
    removed = [v.removed_lines for v in views]
    added = [v.added_lines for v in views]
    index: dict[str, list[Pos]] = defaultdict(list)
    for h, lines in enumerate(removed):
        for i, text in enumerate(lines):
            key = text.strip()
            if len(key) >= 4 and len(index[key]) < MAX_CANDIDATES:
                index[key].append((h, i))
    rem_cov = [[False] * len(x) for x in removed]
    add_cov = [[False] * len(x) for x in added]
    sources: dict[int, set[str]] = defaultdict(set)  # hunk -> paths on the other end of its moves
    for h, lines in enumerate(added):
        i = 0
        while i < len(lines):
            best, best_pos = 0, None
            for (rh, ri) in index.get(lines[i].strip(), ()):
                n = _match_length(removed[rh], ri, lines, i)
                if n > best:
                    best, best_pos = n, (rh, ri)
            if best_pos is not None:
                rh, ri = best_pos
                block = lines[i:i + best]
                nonblank = sum(1 for t in block if t.strip())
                same_file = views[rh].file_index == views[h].file_index
                if nonblank >= MIN_BLOCK and (not same_file or DEFINITION.match(block[0])):
                    for k in range(best):
                        add_cov[h][i + k] = True
                        rem_cov[rh][ri + k] = True
                    sources[h].add(views[rh].path)
                    sources[rh].add(views[h].path)
                    i += best
                    continue
            i += 1
    out: dict[int, Detection] = {}
    for h, view in enumerate(views):
        lines = [(t, c) for t, c in zip(removed[h], rem_cov[h], strict=True) if t.strip()]
        lines += [(t, c) for t, c in zip(added[h], add_cov[h], strict=True) if t.strip()]
        if lines and all(c for _, c in lines):
            others = sorted(sources[h] - {view.path})
            where = f"`{others[0]}`" if others else "another place in this file"
            if not view.added_lines:
                reason = f"code moved to {where}, unchanged"
            elif not view.removed_lines:
                reason = f"code moved from {where}, unchanged"
            else:
                reason = "code moved, unchanged"
            out[h] = Detection("moved", reason, True, MOVED_IMPORTANCE,
                               {"counterparts": sorted(sources[h])})
    return out
