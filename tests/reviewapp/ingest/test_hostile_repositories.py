"""A reviewed repository is hostile input: no command its configuration names ever runs, and
hostile contents (huge blobs, deep histories, symlinks out, submodules, odd names) get a clear
answer in working-tree and range mode alike."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from reviewapp.ingest import DiffParseError, DiffTooLarge, IngestLimits, diff_from_git


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


# -- Hostile contents: each case in working-tree and range mode, a clear answer, nothing run --

MODES = ["working tree", "range"]


def _committed_repo(repo: Path, files: dict[str, str]) -> Path:
    """A new repository at `repo` with `files` committed."""
    repo.mkdir()
    _git(repo, "init", "-q")
    for name, text in files.items():
        (repo / name).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    return repo


@pytest.fixture
def plain_repo(tmp_path) -> Path:
    return _committed_repo(tmp_path / "repo", {"app.py": "A = 1\n"})


def _review(repo: Path, mode: str, arm=lambda: None, **kwargs):
    """Commit the working tree's changes first in range mode; `arm()` (the hostile config,
    after our own git commands); then diff them as the mode reads."""
    if mode == "range":
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", "head", "--no-verify")
        arm()
        return diff_from_git(str(repo), "HEAD~1..HEAD", **kwargs)
    arm()
    return diff_from_git(str(repo), None, **kwargs)


@pytest.mark.parametrize("mode", MODES)
def test_a_blob_past_the_file_limit_is_named_not_loaded(plain_repo, mode):
    (plain_repo / "big.py").write_text("X = 1\n" * 2000)
    parsed = _review(plain_repo, mode, limits=IngestLimits(max_file_bytes=5_000))
    big = next(f for f in parsed.files if f.path == "big.py")
    assert big.new_content is None and big.hunks
    assert any("big.py: content not loaded" in warning for warning in parsed.warnings)


@pytest.mark.parametrize("mode", MODES)
def test_a_diff_past_the_size_limit_is_refused_with_the_limit(plain_repo, mode):
    (plain_repo / "big.py").write_text("X = 1\n" * 5000)
    with pytest.raises(DiffTooLarge, match="bytes"):
        _review(plain_repo, mode, limits=IngestLimits(max_bytes=10_000))


def test_a_deep_history_is_diffed_without_walking_it(tmp_path):
    """5,000 commits (made with fast-import): a range across all of them is one tree diff."""
    repo = tmp_path / "deep"
    repo.mkdir()
    _git(repo, "init", "-q")
    stream = []
    for n in range(5000):
        content = f"N = {n}\n"
        stream.append(f"commit refs/heads/main\ncommitter T <t@x.invalid> {1_700_000_000 + n} "
                      f"+0000\ndata 2\nc\nM 100644 inline counter.py\ndata {len(content)}\n"
                      f"{content}\n")
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], check=True,
                   input="".join(stream).encode(), capture_output=True)
    _git(repo, "checkout", "-q", "main")
    started = time.monotonic()
    root = subprocess.run(["git", "-C", str(repo), "rev-list", "--max-parents=0", "HEAD"],
                          check=True, capture_output=True, text=True).stdout.strip()
    parsed = diff_from_git(str(repo), f"{root}..main")
    three_dot = diff_from_git(str(repo), f"{root}...main")
    assert time.monotonic() - started < 30
    assert parsed.files[0].new_content == "N = 4999\n"
    assert three_dot.files[0].old_content == "N = 0\n"


@pytest.mark.parametrize("mode", MODES)
def test_a_symlink_pointing_outside_is_shown_as_a_link_never_followed(plain_repo, tmp_path,
                                                                      mode):
    secret = tmp_path / "outside-secret.txt"
    secret.write_text("TOP SECRET\n")
    (plain_repo / "leak.py").symlink_to(secret)
    (plain_repo / "etc").symlink_to("/etc")
    parsed = _review(plain_repo, mode)
    leak = next(f for f in parsed.files if f.path == "leak.py")
    assert leak.new_mode == "120000" and leak.new_content == str(secret)
    everything = repr([(f.path, f.old_content, f.new_content, f.hunks) for f in parsed.files])
    assert "TOP SECRET" not in everything and "root:" not in everything


@pytest.mark.parametrize("mode", MODES)
def test_a_submodule_is_listed_and_never_fetched(plain_repo, tmp_path, mode):
    """A gitlink whose .gitmodules URL is a command, checked out as a repository whose own
    config names commands too: shown as a submodule, its contents not read, nothing run."""
    marker = tmp_path / "pwned"
    vendor = _committed_repo(plain_repo / "vendor", {"lib.py": "L = 1\n"})
    (vendor / "lib.py").write_text("L = 2\n")  # dirty, so git looks inside
    head = subprocess.run(["git", "-C", str(vendor), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    (plain_repo / ".gitmodules").write_text(
        f'[submodule "vendor"]\n\tpath = vendor\n\turl = ext::sh -c touch% {marker}\n')
    _git(plain_repo, "update-index", "--add", "--cacheinfo", f"160000,{head},vendor")
    parsed = _review(plain_repo, mode, arm=lambda: _git(vendor, "config", "core.fsmonitor",
                                                        f"touch {marker}"))
    gitlink = next(f for f in parsed.files if f.path == "vendor")
    assert gitlink.new_mode == "160000" and gitlink.new_content is None
    assert not any(f.path.startswith("vendor/") for f in parsed.files)
    assert not marker.exists()


@pytest.mark.parametrize("mode", MODES)
def test_a_non_utf8_file_name_is_read_and_flagged(plain_repo, mode):
    (plain_repo / os.fsdecode(b"caf\xe9.py")).write_text("X = 1\n")
    parsed = _review(plain_repo, mode)
    [name] = [f.path for f in parsed.files if f.path.startswith("caf")]
    assert name == "caf\ufffd.py"
    assert any("caf\ufffd.py: the file name is not valid UTF-8" in w for w in parsed.warnings)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["evil\nname.py", "evil\x1b[31mname.py", "tab\there.py"])
def test_a_control_character_in_a_file_name_is_refused_by_name(plain_repo, mode, name):
    (plain_repo / name).write_text("X = 1\n")
    with pytest.raises(DiffParseError, match="NUL or control character"):
        _review(plain_repo, mode)
