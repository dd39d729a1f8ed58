"""Import reordering/regrouping: the file's changed import lines add and remove the same imports.

Python imports are compared item by item (`from a import (b, c)` = `from a import c, b`); other
languages line by line (JS/TS `import`/`require`, Java/Kotlin/Scala `import`, C/C++ `#include`,
Rust `use`, C# `using`, Go import-block lines).
"""

from __future__ import annotations

import ast
import re
from collections import Counter, defaultdict

from reviewapp.importance.score import Detection
from reviewapp.importance.views import HunkView

IMPORT_LINE = re.compile(
    r"""^\s*(?:import\s|from\s+\S+\s+import\b|export\s+\*?\s*\{?.*\bfrom\s|
    \#\s*include\s|\#\s*import\s|use\s+[\w:{}]|using\s+[\w.]+\s*;|
    (?:const|let|var)\s+[\w{}\s,]+=\s*require\(|
    "[\w./-]+"$|[\w.]+\s+"[\w./-]+"$|
    [\w.]+(?:\s+as\s+\w+)?,?\s*\)?$|\)\s*;?$)""",
    re.X,
)
IMPORTS_IMPORTANCE = 0.05


def _python_items(lines: list[str]) -> Counter[str] | None:
    """Normalised import items in a block of Python import lines, None if they do not parse."""
    try:
        tree = ast.parse("\n".join(t.strip() for t in lines))
    except SyntaxError:
        return None
    items: Counter[str] = Counter()
    for node in tree.body:
        if isinstance(node, ast.Import):
            items.update(f"import {a.name} as {a.asname}" for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            items.update(f"from {module} import {a.name} as {a.asname}" for a in node.names)
        else:
            return None
    return items


def _blocks(view: HunkView, kind: str) -> list[list[str]]:
    """Runs of consecutive changed lines of one kind, extended into their import statement."""
    runs: list[list[str]] = []
    lines = view.hunk.lines
    i = 0
    while i < len(lines):
        if lines[i].kind != kind:
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].kind == kind:
            j += 1
        runs.append([ln.text for ln in lines[i:j]])
        i = j
    return runs


def _looks_like_imports(view: HunkView) -> bool:
    changed = [t for t in view.changed_lines if t.strip()]
    if not changed:
        return False
    if not any(re.match(r"^\s*(import|from|#\s*include|use|using|const|let|var|export)\b", t)
               for t in changed) and not view.hunk.section_header.lstrip().startswith("import"):
        return False
    return all(IMPORT_LINE.match(t) for t in changed)


def _side_items(views: list[HunkView], kind: str, python: bool) -> Counter[str]:
    items: Counter[str] = Counter()
    for view in views:
        for run in _blocks(view, kind):
            run = [t for t in run if t.strip()]
            if not run:
                continue
            # Indentation is part of the key: an import moved out of `if TYPE_CHECKING:`
            # is not a reordering.
            items.update(f"indent {len(t) - len(t.lstrip())}" for t in run)
            parsed = _python_items(run) if python else None
            if parsed is not None:
                items.update(parsed)
            else:  # a fragment of a parenthesised import, or another language: line by line
                items.update(t.strip().rstrip(",;") for t in run)
    return items


def detect_imports(views: list[HunkView]) -> dict[int, Detection]:
    """Detections keyed by position in the flat hunk list."""
    by_file: dict[int, list[int]] = defaultdict(list)
    for h, view in enumerate(views):
        if _looks_like_imports(view):
            by_file[view.file_index].append(h)
    out: dict[int, Detection] = {}
    for members in by_file.values():
        group = [views[h] for h in members]
        python = group[0].language.startswith("Python") or group[0].path.endswith(".py")
        removed = _side_items(group, "-", python)
        added = _side_items(group, "+", python)
        if not removed or removed != added:
            continue
        for h in members:
            out[h] = Detection("imports", "imports reordered, none added or removed", True,
                               IMPORTS_IMPORTANCE, {"imports": sum(removed.values())})
    return out
