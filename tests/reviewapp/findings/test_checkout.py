"""A change's head opens as a sandbox's scratch copy: a commit's files, a working tree, or an
archive; the reviewed repository is never touched."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from reviewapp.findings.checkout import ArchiveCheckout, LocalCheckout
from reviewapp.hunts.engine.sandbox import SandboxLimits
from reviewapp.ingest.errors import GitSourceError
from reviewapp.ingest.git_source import tree_archive


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                          cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Two commits of `app.py` (A = 1, then A = 2) and an uncommitted A = 3."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    for value in (1, 2):
        (path / "app.py").write_text(f"A = {value}\n")
        git(path, "add", "-A")
        git(path, "commit", "-qm", f"A = {value}")
    (path / "app.py").write_text("A = 3\n")
    return path


def test_a_commit_opens_with_that_commits_files_and_no_git_folder(repo):
    first = git(repo, "rev-parse", "HEAD~1")
    with LocalCheckout(str(repo), first).open(SandboxLimits()) as box:
        assert (box.work / "app.py").read_text() == "A = 1\n"
        assert not (box.work / ".git").exists()
        (box.work / "app.py").write_text("changed in the sandbox\n")
    assert (repo / "app.py").read_text() == "A = 3\n"
    assert LocalCheckout.trusted


def test_no_commit_opens_the_working_tree(repo):
    with LocalCheckout(str(repo)).open(SandboxLimits()) as box:
        assert (box.work / "app.py").read_text() == "A = 3\n"


def test_an_archive_opens_gzipped_as_github_sends_it():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"A = 4\n"
        info = tarfile.TarInfo("app.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    checkout = ArchiveCheckout(lambda: buffer.getvalue())
    with checkout.open(SandboxLimits()) as box:
        assert (box.work / "app.py").read_text() == "A = 4\n"
    assert not checkout.trusted


def test_a_head_over_the_size_limit_is_refused(repo):
    with pytest.raises(GitSourceError, match="over the limit of 100"):
        tree_archive(str(repo), "HEAD", max_bytes=100)


def test_both_heads_list_a_folder_s_paths_without_reading_them(repo):
    """Stale imports only need a package's module names, not its texts."""
    (repo / "pkg" / "sub").mkdir(parents=True)
    for path, text in {"pkg/__init__.py": "", "pkg/a.py": "A = 1\n", "pkg/big.py": "B\n" * 9000,
                       "pkg/notes.txt": "n\n", "pkg/sub/__init__.py": ""}.items():
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pkg")
    head = git(repo, "rev-parse", "HEAD")
    archive = tree_archive(str(repo), head, 10_000_000)
    for checkout in (LocalCheckout(str(repo), head), ArchiveCheckout(lambda: archive)):
        assert checkout.paths_beside(["pkg"], ".py") == {
            "pkg/__init__.py", "pkg/a.py", "pkg/big.py"}
        assert checkout.paths_beside(["pkg/sub", "pkg/none"], "__init__.py") == {
            "pkg/sub/__init__.py"}
