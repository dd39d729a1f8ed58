"""A reviewed repository is hostile input: no command its configuration names ever runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reviewapp.ingest import diff_from_git


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@x.invalid",
                    *args], check=True, capture_output=True)


@pytest.fixture
def hostile_repo(tmp_path):
    """A repository whose config wires a command into every hook git diff could use; each
    command would leave a marker file if it ever ran."""
    repo, marker = tmp_path / "repo", tmp_path / "pwned"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "app.py").write_text("A = 1\n")
    (repo / "notes.txt").write_text("one\n")
    (repo / ".gitattributes").write_text("*.py filter=evil diff=evil\n*.txt filter=sneaky\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    run = f"sh -c 'touch {marker}; cat'"
    extra = tmp_path / "extra.config"
    extra.write_text(f'[filter "sneaky"]\n\tclean = {run}\n')
    for key, value in [("filter.evil.clean", run), ("filter.evil.smudge", run),
                       ("filter.evil.process", f"touch {marker}"),
                       ("filter.evil.required", "true"),
                       ("diff.evil.textconv", f"sh -c 'touch {marker}; cat \"$1\"' -"),
                       ("diff.evil.command", f"touch {marker}"),
                       ("diff.external", f"touch {marker}"),
                       ("core.fsmonitor", f"touch {marker}"),
                       ("core.pager", f"touch {marker}"),
                       ("include.path", str(extra))]:
        _git(repo, "config", key, value)
    (repo / "app.py").write_text("A = 2\n")
    (repo / "notes.txt").write_text("two\n")
    (repo / "new.py").write_text("B = 1\n")
    return repo, marker


def test_working_tree_review_runs_no_configured_command(hostile_repo):
    repo, marker = hostile_repo
    parsed = diff_from_git(str(repo), None)
    assert {f.path for f in parsed.files} == {"app.py", "notes.txt", "new.py"}
    assert not marker.exists()


def test_range_review_runs_no_configured_command(hostile_repo):
    repo, marker = hostile_repo
    _git(repo, "-c", "filter.evil.clean=cat", "-c", "filter.sneaky.clean=cat",
         "-c", "filter.evil.process=", "-c", "filter.evil.required=false",
         "-c", "core.fsmonitor=false", "commit", "-qam", "head",
         "--no-verify")
    marker.unlink(missing_ok=True)
    parsed = diff_from_git(str(repo), "HEAD~1..HEAD")
    assert {f.path for f in parsed.files} == {"app.py", "notes.txt"}
    assert not marker.exists()
