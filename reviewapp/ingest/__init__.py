"""Ingest: a unified diff or a git range in, a ParsedDiff out (pure Python, no Django)."""

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
