"""Read a (bare) git repository: commits with their changed files, blobs, trees, licenses."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_LICENSE_FILE = re.compile(r"^(LICEN[CS]E|COPYING)(\.(txt|rst|md))?$", re.IGNORECASE)
# (SPDX id, phrases that must all occur), most specific first among equal starts.
_LICENSE_TEXTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Apache-2.0", ("apache license", "version 2.0")),
    ("MPL-2.0", ("mozilla public license", "2.0")),
    ("LGPL-2.1", ("gnu lesser general public license", "version 2.1")),
    ("LGPL-3.0", ("gnu lesser general public license", "version 3")),
    ("GPL-3.0", ("gnu general public license", "version 3")),
    ("GPL-2.0", ("gnu general public license", "version 2")),
    ("PSF-2.0", ("python software foundation license",)),
    ("BSD-3-Clause", ("redistribution and use", "neither the name")),
    ("BSD-3-Clause", ("redistribution and use", "names of its contributors")),
    ("BSD-2-Clause", ("redistribution and use",)),
    ("MIT", ("permission is hereby granted, free of charge",)),
    ("ISC", ("permission to use, copy, modify, and/or distribute",)),
    ("MIT-CMU", ("permission to use, copy, modify and distribute this software and its "
                 "documentation for any purpose and without fee is hereby granted",)),
    ("Unlicense", ("this is free and unencumbered software",)),
)
# Licenses whose code we may mine and publish derived records of.
OPEN_LICENSES = frozenset(spdx for spdx, _ in _LICENSE_TEXTS) - {"GPL-2.0", "GPL-3.0"}


def spdx_of(text: str) -> str | None:
    """The SPDX id of a license text (None when not recognised). A file that quotes several
    licenses (a main one, then those of bundled parts) is the one whose text starts first."""
    lowered = " ".join(text.lower().split())
    found = [(lowered.index(phrases[0]), order, spdx)
             for order, (spdx, phrases) in enumerate(_LICENSE_TEXTS)
             if all(p in lowered for p in phrases)]
    return min(found)[2] if found else None


@dataclass(frozen=True)
class FileChange:
    """One file of a commit: old and new blob ids ('0'*40 when absent) and its status."""

    path: str
    old_blob: str
    new_blob: str
    status: str  # A, M, D, T


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # YYYY-MM-DD (committer date)
    message: str
    parent: str | None
    files: tuple[FileChange, ...]


class GitRepository:
    """A git directory read with `git` subprocesses; blobs through one `cat-file --batch`."""

    def __init__(self, git_dir: Path) -> None:
        git_dir = Path(git_dir)
        self.git_dir = git_dir / ".git" if (git_dir / ".git").is_dir() else git_dir
        self._batch: subprocess.Popen | None = None
        self._licenses: dict[str, str | None] = {}

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "--git-dir", str(self.git_dir), *args], check=True,
                              capture_output=True).stdout.decode("utf-8", errors="replace")

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def commits(self, rev: str = "HEAD") -> Iterator[Commit]:
        """Non-merge commits reachable from `rev`, newest first, with their changed files."""
        proc = subprocess.Popen(
            ["git", "--git-dir", str(self.git_dir), "log", "--no-merges", "--no-renames",
             "--raw", "--no-abbrev", "--format=%x00%H %P%x1f%cs%x1f%B%x1e", rev],
            stdout=subprocess.PIPE)
        buffer = b""
        assert proc.stdout is not None
        for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):
            buffer += chunk
            *records, buffer = buffer.split(b"\x00")
            for record in records:
                if record:
                    yield _parse_commit(record.decode("utf-8", errors="replace"))
        if buffer:
            yield _parse_commit(buffer.decode("utf-8", errors="replace"))
        proc.wait()

    def blob(self, sha: str) -> bytes | None:
        """Contents of a blob (None when missing)."""
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "--git-dir", str(self.git_dir), "cat-file", "--batch"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._batch.stdin is not None and self._batch.stdout is not None
        self._batch.stdin.write(sha.encode() + b"\n")
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            return None
        size = int(header[2])
        data = self._batch.stdout.read(size)
        self._batch.stdout.read(1)  # the newline after the contents
        return data

    def text(self, sha: str) -> str | None:
        """A blob as UTF-8 text with LF newlines (None when missing or not UTF-8)."""
        data = self.blob(sha)
        if data is None:
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def tree(self, rev: str, recursive: bool = False) -> list[tuple[str, str]]:
        """(path, blob id) of the files of a commit's tree (top level unless recursive)."""
        args = ["ls-tree", "-z", *(["-r"] if recursive else []), rev]
        rows = []
        for entry in self.git(*args).split("\x00"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            _, kind, sha = meta.split()
            if kind == "blob":
                rows.append((path, sha))
        return rows

    def license_at(self, rev: str) -> str | None:
        """SPDX id of the license file at the root of `rev` (None when none is recognised)."""
        for path, sha in sorted(self.tree(rev)):
            if _LICENSE_FILE.match(path):
                if sha not in self._licenses:
                    text = self.text(sha)
                    self._licenses[sha] = spdx_of(text) if text else None
                if self._licenses[sha]:
                    return self._licenses[sha]
        return None

    def close(self) -> None:
        if self._batch is not None:
            assert self._batch.stdin is not None
            self._batch.stdin.close()
            self._batch.wait()
            self._batch = None


def _parse_commit(record: str) -> Commit:
    header, _, rest = record.partition("\x1e")
    ids, date, message = header.split("\x1f", 2)
    sha, *parents = ids.split()
    files = []
    for line in rest.splitlines():
        if not line.startswith(":"):
            continue
        meta, _, path = line.partition("\t")
        parts = meta.split()
        if len(parts) >= 5:
            files.append(FileChange(path, parts[2], parts[3], parts[4][0]))
    return Commit(sha, date, message.strip(), parents[0] if parents else None, tuple(files))
