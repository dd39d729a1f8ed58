"""Edit histories as an editor sends them to Tab, for the Tab tests: the unified diffs between
consecutive versions of one file, and Tab's prediction after them (patterns only)."""

from __future__ import annotations

import difflib

from inference.edit_history import LineEdit
from inference.tab import TabPredictor


def edit_history(*versions: str, path: str = "m.py", context: int = 2) -> str:
    """The diffs an editor records between consecutive versions of `path`."""
    return "".join(
        "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), f"a/{path}",
                                     f"b/{path}", n=context))
        for a, b in zip(versions, versions[1:], strict=False))


def predict(before: str, after: str, cursor: int, path: str = "m.py") -> LineEdit | None:
    """Tab's next edit at `cursor` (1-based line) after the file went from `before` to
    `after`."""
    return TabPredictor().predict(after, cursor, edit_history(before, after, path=path)).edit
