"""Builders for ParsedFile objects from before/after texts, as a git diff would produce them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

import pytest

from reviewapp.ingest.parsed import (
    ADDED,
    DELETED,
    MODIFIED,
    RENAMED,
    ParsedFile,
    ParsedHunk,
    ParsedLine,
)

# git's default "funcname" rule: the nearest line above the hunk that starts with a letter.
FUNCNAME = re.compile(r"^[A-Za-z_$]")


def make_file(
    path: str,
    old: str | None = None,
    new: str | None = None,
    *,
    old_path: str | None = None,
    with_content: bool = True,
    context: int = 3,
) -> ParsedFile:
    """A ParsedFile for `old` → `new` (None: the file is added / deleted), hunks by difflib.

    `with_content=False` drops the full texts, as for a pasted diff.
    """
    if old is None:
        status = ADDED
    elif new is None:
        status = DELETED
    elif old_path and old_path != path:
        status = RENAMED
    else:
        status = MODIFIED
    old_lines = (old or "").splitlines()
    new_lines = (new or "").splitlines()
    hunks = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        lines: list[ParsedLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for k in range(i2 - i1):
                    lines.append(ParsedLine(" ", old_lines[i1 + k], i1 + k + 1, j1 + k + 1))
                continue
            for k in range(i1, i2):
                lines.append(ParsedLine("-", old_lines[k], k + 1, None))
            for k in range(j1, j2):
                lines.append(ParsedLine("+", new_lines[k], None, k + 1))
        first = group[0]
        old_start, new_start = first[1] + 1, first[3] + 1
        header = next(
            (line for line in reversed(old_lines[: first[1]]) if FUNCNAME.match(line)), ""
        )
        hunks.append(
            ParsedHunk(
                old_start=old_start if old_lines else 0,
                old_lines=sum(1 for line in lines if line.kind != "+"),
                new_start=new_start if new_lines else 0,
                new_lines=sum(1 for line in lines if line.kind != "-"),
                section_header=header[:80],
                lines=lines,
            )
        )
    return ParsedFile(
        path=path if new is not None or old_path is None else old_path,
        old_path=old_path or path,
        status=status,
        hunks=hunks,
        old_content=old if with_content else None,
        new_content=new if with_content else None,
    )


@pytest.fixture
def build() -> Callable[..., ParsedFile]:
    """`build(path, old, new, with_content=...)` → ParsedFile (see make_file)."""
    return make_file
