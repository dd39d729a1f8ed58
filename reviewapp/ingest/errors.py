"""Why ingest refused an input. Every message is one sentence a reviewer can act on.

    IngestError                 the input could not become a ParsedDiff
     ├── DiffParseError         malformed diff text: says what is wrong and at which line
     ├── DiffTooLarge           past a size limit: says the limit and the actual size
     └── GitSourceError         bad repository, range or git failure
"""

from __future__ import annotations


class IngestError(Exception):
    """The input could not be turned into a parsed diff."""


class DiffParseError(IngestError):
    """The diff text is malformed; `line` is the 1-based line of the diff, when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class DiffTooLarge(IngestError):
    """The diff is past one of the IngestLimits; `what` names it ("bytes", "files", "lines")."""

    def __init__(self, what: str, limit: int, actual: int) -> None:
        self.what = what
        self.limit = limit
        self.actual = actual
        if what == "bytes":
            size, cap = _megabytes(actual), _megabytes(limit)
            message = f"the diff is {size}, more than the limit of {cap}"
        elif what == "files":
            message = f"the diff touches {actual:,} files, more than the limit of {limit:,}"
        else:
            message = f"the diff has {actual:,} {what}, more than the limit of {limit:,}"
        super().__init__(message)


class GitSourceError(IngestError):
    """The repository or range cannot be read with git."""


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
