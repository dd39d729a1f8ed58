"""Size limits for ingest; Django settings build one from the environment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IngestLimits:
    """Past `max_bytes`, `max_files` or `max_lines` a diff is refused with DiffTooLarge.

    `max_file_bytes` is softer: a file content bigger than that is not loaded (the diff still
    is), and a warning says so. The defaults let a 100k-line diff through with room to spare.
    """

    max_bytes: int = 50_000_000  # size of the diff text
    max_files: int = 5_000  # file entries in the diff
    max_lines: int = 500_000  # lines of diff text
    max_file_bytes: int = 2_000_000  # one file's full content loaded from git
