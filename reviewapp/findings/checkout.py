"""Where a reviewed change's head comes from: a local repository at a commit (or its working
tree), or an archive of the head's files (a pull request's, from GitHub). The stage that runs
the change's tests opens it as a hunt sandbox's scratch copy (nothing runs in place); the
findings stage reads a few files of it beside the change (`reviewapp.findings.repository_names`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from reviewapp.hunts.engine.sandbox import Sandbox, SandboxLimits
from reviewapp.ingest.git_source import files_beside, files_matching, tree_archive

# The largest head (uncompressed `git archive`) copied into a sandbox.
MAX_CHECKOUT_BYTES = 200_000_000


class HeadCheckout(ABC):
    """The files of the change's head, opened as a sandbox's scratch copy.

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
        is the top level), path -> text. None by default: a checkout that would have to
        download the whole head to read them (a pull request's tarball) reads none."""
        return {}

    def files_matching(self, pattern: str, suffix: str, max_files: int) -> dict[str, str]:
        """Texts of the head's files ending in `suffix` with a line matching the extended
        regular expression `pattern`; none by default, as for `files_beside`."""
        return {}


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

    def files_beside(self, directories: Collection[str], suffix: str,
                     max_files: int) -> dict[str, str]:
        # The working tree's unchanged files are HEAD's: its changed ones are in the diff.
        return files_beside(self.repo_dir, self.head_sha or "HEAD", directories,
                            suffix=suffix, max_files=max_files)

    def files_matching(self, pattern: str, suffix: str, max_files: int) -> dict[str, str]:
        return files_matching(self.repo_dir, self.head_sha or "HEAD", pattern, suffix=suffix,
                              max_files=max_files)


@dataclass(frozen=True)
class ArchiveCheckout(HeadCheckout):
    """The head's files as a tar archive that `fetch` downloads when the tests are about to
    run (GitHub's tarball of a pull request's head)."""

    fetch: Callable[[], bytes]

    def open(self, limits: SandboxLimits) -> Sandbox:
        return Sandbox.from_archive(self.fetch(), limits)
