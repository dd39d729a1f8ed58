"""A finding's identity across revisions: path + whitespace-normalised code + kind.

Line numbers are left out on purpose: a dismissed finding must stay dismissed when lines above
it move in a later revision of the same change.
"""

from __future__ import annotations

import hashlib
import re

from reviewapp.ingest.parsed import ParsedFile

from .detect import hunk_lines, new_source


def normalise_code(code: str) -> str:
    """Runs of whitespace collapsed to one space, ends stripped."""
    return re.sub(r"\s+", " ", code).strip()


def fingerprint(path: str, code_line: str, kind: str) -> str:
    """The sha256 hex digest of path, normalised code and kind."""
    return hashlib.sha256(f"{path}\0{normalise_code(code_line)}\0{kind}".encode()).hexdigest()


def known_new_lines(file: ParsedFile) -> dict[int, str]:
    """The new side's text by 1-based line number: every line when the source is known, else
    the hunks' context and added lines."""
    text = new_source(file)
    if text is not None:
        return dict(enumerate(text.splitlines(), start=1))
    return hunk_lines(file)
