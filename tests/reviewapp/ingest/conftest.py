"""Fixtures for ingest tests: the diff generator and real temporary git repositories."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def diffgen() -> ModuleType:
    """benchmarks/diffgen.py, loaded by path so the tests work however pytest is started."""
    path = ROOT / "benchmarks" / "diffgen.py"
    spec = importlib.util.spec_from_file_location("squiggle_diffgen", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


class Repo:
    """A real git repository in a temporary directory, with its own user config."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dir = str(path)

    def git(self, *args: str, input: bytes | None = None) -> str:
        """Run git here and return stdout; fail the test on a git error."""
        result = subprocess.run(["git", *args], cwd=self.path, input=input,
                                capture_output=True, check=False)
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout.decode().strip()

    def write(self, files: dict[str, str | bytes]) -> None:
        for name, content in files.items():
            path = self.path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")

    def commit(self, message: str, files: dict[str, str | bytes] | None = None) -> str:
        """Write `files`, stage everything and commit; returns the new commit id."""
        if files:
            self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Repo]:
    """`make_repo(files)`: a fresh repository, with `files` committed when given."""
    def make(files: dict[str, str | bytes] | None = None, name: str = "repo",
             bare: bool = False) -> Repo:
        path = tmp_path / name
        path.mkdir()
        repo = Repo(path)
        repo.git("init", "-q", "-b", "main", *(["--bare"] if bare else []))
        repo.git("config", "user.name", "Squiggle Test")
        repo.git("config", "user.email", "test@example.com")
        repo.git("config", "commit.gpgsign", "false")
        if files:
            repo.commit("initial", files)
        return repo
    return make
