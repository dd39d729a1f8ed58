"""What changed between two revisions of a change set, file by file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .models import FileChange, Revision
from .rendering import Row, parse_hunk_text, render_rows


@dataclass
class InterdiffFile:
    path: str
    change: str  # "changed", "added to the change", "dropped from the change"
    compares: str  # "file contents" or "patches" (when the contents are unknown)
    hunks: list[list[Row]]


def _file_text(file: FileChange | None) -> tuple[str, str]:
    """(text, what it is) to compare: the new file when known, else the file's patch."""
    if file is None:
        return "", "file contents"
    if file.new_content is not None:
        return file.new_content, "file contents"
    return "\n".join(h.text for h in file.hunks.all()), "patches"


def _diff_hunks(old: str, new: str, language: str) -> list[list[Row]]:
    """Unified-diff hunks between two texts, rendered as rows."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3))
    hunks, body, starts = [], [], None
    for line in lines[2:]:
        if line.startswith("@@"):
            if starts:
                hunks.append(render_rows(parse_hunk_text("\n".join(body), *starts), language))
            numbers = line.split()
            starts = (int(numbers[1][1:].split(",")[0]), int(numbers[2][1:].split(",")[0]))
            body = []
        else:
            body.append(line)
    if starts:
        hunks.append(render_rows(parse_hunk_text("\n".join(body), *starts), language))
    return hunks


def interdiff(old: Revision, new: Revision) -> tuple[list[InterdiffFile], int]:
    """Files whose change differs between the revisions, and how many stayed the same."""
    old_files = {f.path: f for f in old.files.prefetch_related("hunks")}
    new_files = {f.path: f for f in new.files.prefetch_related("hunks")}
    out, unchanged = [], 0
    order = [f.path for f in sorted(new_files.values(), key=lambda f: f.order)]
    order += sorted(set(old_files) - set(new_files))
    for path in order:
        before, after = old_files.get(path), new_files.get(path)
        if before and after and before.content_hash == after.content_hash:
            unchanged += 1
            continue
        change = ("changed" if before and after else
                  "added to the change" if after else "dropped from the change")
        old_text, old_kind = _file_text(before)
        new_text, new_kind = _file_text(after)
        # Compare like with like: contents only when both sides have them.
        if old_kind != new_kind and before and after:
            old_text = "\n".join(h.text for h in before.hunks.all())
            new_text = "\n".join(h.text for h in after.hunks.all())
            new_kind = "patches"
        language = (after or before).language if new_kind == "file contents" else "diff"
        out.append(InterdiffFile(path, change, new_kind,
                                 _diff_hunks(old_text, new_text, language)))
    return out, unchanged
