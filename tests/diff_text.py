"""Diffs written by tests: a whole file added, so the bug model has all of its source."""

from __future__ import annotations


def added_file_diff(text: str, path: str = "shop/items.py") -> str:
    """A git diff adding `path` with `text` as its content."""
    lines = text.splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\n"
            f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}")
