"""Where a reviewed change's head comes from: a local repository at a commit (or its working
tree), or an archive of the head's files (a pull request's, from GitHub). The stage that runs
the change's tests opens it as a hunt sandbox's scratch copy (nothing runs in place); the
findings stage reads a few files of it beside the change (`reviewapp.findings.repository_names`)."""

from __future__ import annotations

import io
import posixpath
import re
import tarfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from reviewapp.hunts.engine.sandbox import Sandbox, SandboxLimits
from reviewapp.ingest.decoding import decode_content
from reviewapp.ingest.errors import GitSourceError
from reviewapp.ingest.git_source import (
    files_beside,
    files_matching,
    paths_beside,
    tree_archive,
)
from reviewapp.ingest.limits import IngestLimits

# The largest head (uncompressed `git archive`) copied into a sandbox.
MAX_CHECKOUT_BYTES = 200_000_000
# The largest file of an archive read as text, as for a diff's file contents.
MAX_READ_FILE_BYTES = IngestLimits().max_file_bytes


class CheckoutUnreadable(Exception):
    """The head's files could not be read (git failed, the download failed, a bad archive)."""


class HeadCheckout(ABC):
    """The files of the change's head, opened as a sandbox's scratch copy (and read one by
    one by the findings stage, where the subclass can: `files_beside`, `paths_beside`,
    `files_matching`).

    `trusted` is whether the change's tests run when the repository's configuration does not
    say (`RepoConfig.runs_tests`): a local checkout holds the reviewer's own code; a pull
    request's code may come from anyone. A subclass implements `open`, e.g.::

        class Folder(HeadCheckout):
            def __init__(self, path: Path) -> None:
                self.path = path

            def open(self, limits: SandboxLimits) -> Sandbox:
                return Sandbox.from_repository(self.path, limits)
    """

    trusted: ClassVar[bool] = False

    @abstractmethod
    def open(self, limits: SandboxLimits) -> Sandbox:
        """A sandbox over a fresh copy of the head's files (the caller closes it)."""

    def files_beside(self, directories: Collection[str], suffix: str,
                     max_files: int) -> dict[str, str]:
        """Texts of the head's files ending in `suffix` directly inside `directories` (""
        is the top level), path -> text, at most `max_files` (the smallest first). Raises
        CheckoutUnreadable when the head cannot be read (always, unless overridden)."""
        raise CheckoutUnreadable(f"{type(self).__name__} reads no single files")

    def paths_beside(self, directories: Collection[str], suffix: str) -> set[str]:
        """Paths of the head's files ending in `suffix` directly inside `directories`, their
        texts unread. Raises CheckoutUnreadable (always, unless overridden)."""
        raise CheckoutUnreadable(f"{type(self).__name__} reads no single files")

    def files_matching(self, pattern: str, suffix: str, max_files: int) -> dict[str, str]:
        """Texts of the head's files ending in `suffix` with a line matching `pattern` (an
        extended regular expression that means the same to `git grep -E` and Python's `re`:
        no backslash classes), at most `max_files` in path order. Raises CheckoutUnreadable."""
        raise CheckoutUnreadable(f"{type(self).__name__} reads no single files")


@dataclass(frozen=True)
class LocalCheckout(HeadCheckout):
    """A local git repository at the head commit, or its working tree when `head_sha` is None
    (a review of uncommitted changes)."""

    trusted: ClassVar[bool] = True

    repo_dir: str
    head_sha: str | None = None

    def open(self, limits: SandboxLimits) -> Sandbox:
        if self.head_sha is None:
            return Sandbox.from_repository(Path(self.repo_dir), limits)
        return Sandbox.from_archive(tree_archive(self.repo_dir, self.head_sha,
                                                 MAX_CHECKOUT_BYTES), limits)

    # The working tree's unchanged files are HEAD's: its changed ones are in the diff.
    def files_beside(self, directories: Collection[str], suffix: str,
                     max_files: int) -> dict[str, str]:
        try:
            return files_beside(self.repo_dir, self.head_sha or "HEAD", directories,
                                suffix=suffix, max_files=max_files)
        except GitSourceError as exc:
            raise CheckoutUnreadable(str(exc)) from None

    def paths_beside(self, directories: Collection[str], suffix: str) -> set[str]:
        try:
            return paths_beside(self.repo_dir, self.head_sha or "HEAD", directories,
                                suffix=suffix)
        except GitSourceError as exc:
            raise CheckoutUnreadable(str(exc)) from None

    def files_matching(self, pattern: str, suffix: str, max_files: int) -> dict[str, str]:
        try:
            return files_matching(self.repo_dir, self.head_sha or "HEAD", pattern,
                                  suffix=suffix, max_files=max_files)
        except GitSourceError as exc:
            raise CheckoutUnreadable(str(exc)) from None


@dataclass(frozen=True)
class ArchiveCheckout(HeadCheckout):
    """The head's files as a tar archive that `fetch` downloads the first time they are
    needed (GitHub's tarball of a pull request's head): when the tests are about to run, or
    when the findings stage reads files beside the change. One download per analysis."""

    fetch: Callable[[], bytes]
    _downloaded: list[bytes] = field(default_factory=list, compare=False, repr=False)

    def archive(self) -> bytes:
        """The archive's bytes, downloaded on the first call."""
        if not self._downloaded:
            self._downloaded.append(self.fetch())
        return self._downloaded[0]

    def open(self, limits: SandboxLimits) -> Sandbox:
        return Sandbox.from_archive(self.archive(), limits)

    def files_beside(self, directories: Collection[str], suffix: str,
                     max_files: int) -> dict[str, str]:
        wanted = set(directories)
        texts = self._texts(lambda path: posixpath.dirname(path) in wanted, suffix)
        return dict(sorted(texts.items(), key=lambda item: len(item[1]))[:max_files])

    def paths_beside(self, directories: Collection[str], suffix: str) -> set[str]:
        wanted = set(directories)
        return set(self._texts(lambda path: posixpath.dirname(path) in wanted, suffix,
                               read=False))

    def files_matching(self, pattern: str, suffix: str, max_files: int) -> dict[str, str]:
        line = re.compile(pattern, re.MULTILINE)
        texts = self._texts(lambda path: True, suffix, lambda text: bool(line.search(text)))
        return {path: texts[path] for path in sorted(texts)[:max_files]}

    def _texts(self, wanted: Callable[[str], bool], suffix: str,
               keep: Callable[[str], bool] = lambda text: True,
               read: bool = True) -> dict[str, str]:
        """The archive's text files ending in `suffix` whose path is `wanted` and whose text
        the caller `keep`s (only those are held); with `read=False`, every such regular file
        with an empty text, none of them read."""
        texts = {}
        try:
            with tarfile.open(fileobj=io.BytesIO(self.archive()), mode="r:*") as tar:
                for member in tar:
                    path = member.name.removeprefix("./")
                    if not (member.isfile() and path.endswith(suffix) and wanted(path)):
                        continue
                    if not read:
                        texts[path] = ""
                    elif member.size <= MAX_READ_FILE_BYTES:
                        data = tar.extractfile(member).read()  # type: ignore[union-attr]
                        text = decode_content(data)[0] if b"\0" not in data[:8000] else None
                        if text is not None and keep(text):
                            texts[path] = text
        except Exception as exc:  # the download fails its own way (GitHub, size, tar)
            raise CheckoutUnreadable(f"the head's files could not be read: {exc}") from None
        return texts
