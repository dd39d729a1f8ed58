"""Ingest: a unified diff or a git range in, a ParsedDiff out (pure Python, no Django).

Modules in data-flow order: `decoding` (bytes to text) → `unidiff_guard` (lines made safe
for unidiff) → `parser` (unidiff for structure, a tight loop for hunk bodies; `headers` and
`language` per file) → `parsed` (the value objects). `git_source` runs git and feeds the
parser, then loads full file contents. `errors` draws the exception tree; `limits` holds
the size limits.
"""

from .errors import DiffParseError, DiffTooLarge, GitSourceError, IngestError
from .git_source import diff_from_git
from .limits import IngestLimits
from .parsed import ParsedDiff, ParsedFile, ParsedHunk, ParsedLine
from .parser import parse_diff

__all__ = [
    "DiffParseError",
    "DiffTooLarge",
    "GitSourceError",
    "IngestError",
    "IngestLimits",
    "ParsedDiff",
    "ParsedFile",
    "ParsedHunk",
    "ParsedLine",
    "diff_from_git",
    "parse_diff",
]
