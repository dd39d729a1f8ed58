"""Diffs for the importance tests, made from before/after texts through the real diff parser."""

from __future__ import annotations

import difflib

import pytest

from reviewapp.ingest.parsed import ParsedDiff
from reviewapp.ingest.parser import parse_diff


def make_diff(files: dict[str, tuple[str, str]], *, contents: bool = True) -> ParsedDiff:
    """A ParsedDiff of {path: (old, new)}, as `git diff -U3` shows it, with file contents."""
    text = ""
    for path, (old, new) in files.items():
        body = "".join(difflib.unified_diff(old.splitlines(keepends=True),
                                            new.splitlines(keepends=True),
                                            f"a/{path}", f"b/{path}"))
        text += f"diff --git a/{path} b/{path}\n" + body
    diff = parse_diff(text)
    if contents:
        for pfile in diff.files:
            pfile.old_content, pfile.new_content = files[pfile.path]
    return diff


@pytest.fixture
def diff_of():
    return make_diff


def tiers(scores) -> list[list[str]]:
    return [[s.tier for s in row] for row in scores]
