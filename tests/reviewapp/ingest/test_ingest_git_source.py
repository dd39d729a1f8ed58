"""diff_from_git against real temporary repositories: ranges, the working tree, contents, safety."""

from __future__ import annotations

import os

import pytest

from reviewapp.ingest import DiffTooLarge, GitSourceError, IngestLimits, diff_from_git
from reviewapp.ingest.git_source import files_beside, files_matching, paths_beside
from reviewapp.ingest.parsed import ADDED, COPIED, DELETED, MODIFIED, RENAMED

BASE_FILES = {
    "pkg/models.py": "class Order:\n    pass\n",
    "pkg/views.py": "from pkg.models import Order\n\n\ndef show(order):\n    return order\n",
    "old_name.txt": "".join(f"line {i}\n" for i in range(20)),
    "gone.c": "int gone(void) { return 0; }\n",
}


def by_path(parsed):
    return {f.path: f for f in parsed.files}


def test_range_gives_statuses_shas_and_full_contents(make_repo):
    """A..B diffs the two commits: statuses, base/head ids, old and new file contents."""
    repo = make_repo(BASE_FILES)
    base = repo.git("rev-parse", "HEAD")
    repo.git("mv", "old_name.txt", "new_name.txt")
    os.remove(repo.path / "gone.c")
    head = repo.commit("change", {"pkg/models.py": "class Order:\n    total = 0\n",
                                  "pkg/new.py": "X = 1\n"})
    parsed = diff_from_git(repo.dir, f"{base}..{head}")
    files = by_path(parsed)
    assert (parsed.base_sha, parsed.head_sha) == (base, head)
    assert {p: f.status for p, f in files.items()} == {
        "pkg/models.py": MODIFIED, "pkg/new.py": ADDED, "new_name.txt": RENAMED,
        "gone.c": DELETED}
    models = files["pkg/models.py"]
    assert models.old_content == "class Order:\n    pass\n"
    assert models.new_content == "class Order:\n    total = 0\n"
    assert len(models.old_blob) == 40  # --full-index
    assert (files["pkg/new.py"].old_content, files["pkg/new.py"].new_content) == (None, "X = 1\n")
    gone = files["gone.c"]
    assert (gone.old_content, gone.new_content) == (BASE_FILES["gone.c"], None)
    renamed = files["new_name.txt"]
    assert (renamed.old_path, renamed.similarity) == ("old_name.txt", 100)
    # A pure rename has no index line: its contents come from commit:path instead.
    assert renamed.old_content == renamed.new_content == BASE_FILES["old_name.txt"]
    assert "deleted file mode 100644" in parsed.raw_text


def test_three_dot_range_diffs_from_the_merge_base(make_repo):
    """A...B shows only B's side since it forked, not what A gained after."""
    repo = make_repo(BASE_FILES)
    fork = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "feature")
    feature = repo.commit("feature work", {"pkg/feature.py": "F = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on", {"pkg/main_only.py": "M = 1\n"})
    two_dot = by_path(diff_from_git(repo.dir, "main..feature"))
    three_dot = diff_from_git(repo.dir, "main...feature")
    assert set(two_dot) == {"pkg/feature.py", "pkg/main_only.py"}
    assert set(by_path(three_dot)) == {"pkg/feature.py"}
    assert (three_dot.base_sha, three_dot.head_sha) == (fork, feature)


def test_single_revision_means_that_commit_against_its_parent(make_repo):
    """A lone revision diffs the commit with its first parent; a root commit with nothing."""
    repo = make_repo(BASE_FILES)
    root = repo.git("rev-parse", "HEAD")
    repo.commit("second", {"pkg/models.py": "class Order:\n    total = 1\n"})
    last = diff_from_git(repo.dir, "HEAD")
    assert [f.path for f in last.files] == ["pkg/models.py"]
    assert last.base_sha == root
    first = diff_from_git(repo.dir, root)
    assert first.base_sha is None and first.head_sha == root
    assert {f.status for f in first.files} == {ADDED}
    assert len(first.files) == len(BASE_FILES)


def test_working_tree_includes_staged_unstaged_and_untracked_but_not_ignored(make_repo):
    """None diffs HEAD against the work tree, untracked files as new, and leaves the index alone."""
    repo = make_repo({**BASE_FILES, ".gitignore": "*.log\n"})
    head = repo.git("rev-parse", "HEAD")
    repo.write({"pkg/models.py": "class Order:\n    staged = 1\n"})
    repo.git("add", "pkg/models.py")
    repo.write({"pkg/views.py": "def show(order):\n    return None\n",
                "notes/todo.md": "- write tests\n", "debug.log": "noise\n"})
    status_before = repo.git("status", "--porcelain")
    parsed = diff_from_git(repo.dir, None)
    files = by_path(parsed)
    assert set(files) == {"pkg/models.py", "pkg/views.py", "notes/todo.md"}
    assert files["notes/todo.md"].status == ADDED
    assert files["notes/todo.md"].new_content == "- write tests\n"
    assert files["pkg/views.py"].new_content == "def show(order):\n    return None\n"
    assert files["pkg/views.py"].old_content == BASE_FILES["pkg/views.py"]
    assert (parsed.base_sha, parsed.head_sha) == (head, None)
    assert repo.git("status", "--porcelain") == status_before


def test_working_tree_of_a_repository_without_commits_is_all_new(make_repo):
    """Before the first commit every file is added and there is no base commit."""
    repo = make_repo()
    repo.write({"main.go": "package main\n"})
    parsed = diff_from_git(repo.dir, None)
    (f,) = parsed.files
    assert (f.path, f.status, f.language) == ("main.go", ADDED, "Go")
    assert f.new_content == "package main\n"
    assert parsed.base_sha is None


def test_copies_are_detected(make_repo):
    """-C -C style detection reports a copied file with its source."""
    body = "".join(f"def f{i}():\n    return {i}\n\n" for i in range(15))
    repo = make_repo({"a.py": body})
    base = repo.git("rev-parse", "HEAD")
    head = repo.commit("copy", {"b.py": body, "a.py": body + "def extra():\n    pass\n"})
    files = by_path(diff_from_git(repo.dir, f"{base}..{head}"))
    assert files["b.py"].status == COPIED and files["b.py"].old_path == "a.py"


def test_binary_and_oversized_contents_are_not_loaded(make_repo):
    """Binary files get no content; a file over max_file_bytes gets none and a warning."""
    repo = make_repo({"img.bin": b"\x89PNG\x00\x01\x02", "big.txt": "x\n" * 10})
    base = repo.git("rev-parse", "HEAD")
    head = repo.commit("grow", {"img.bin": b"\x89PNG\x00\x03", "big.txt": "y\n" * 3000})
    parsed = diff_from_git(repo.dir, f"{base}..{head}", limits=IngestLimits(max_file_bytes=1000))
    files = by_path(parsed)
    assert files["img.bin"].is_binary and files["img.bin"].new_content is None
    assert files["big.txt"].old_content == "x\n" * 10
    assert files["big.txt"].new_content is None
    assert parsed.warnings == [
        "big.txt: content not loaded (6,000 bytes, over the 1,000-byte per-file limit)"]


def test_non_utf8_content_is_decoded_with_a_warning(make_repo):
    """A Latin-1 file decodes in the diff and in its contents, with warnings, without a crash."""
    repo = make_repo({"legacy.txt": "caf\xe9\n".encode("latin-1")})
    base = repo.git("rev-parse", "HEAD")
    head = repo.commit("edit", {"legacy.txt": "caf\xe9 cr\xe8me\n".encode("latin-1")})
    parsed = diff_from_git(repo.dir, f"{base}..{head}")
    (f,) = parsed.files
    assert f.new_content == "café crème\n"
    assert [ln.text for ln in f.hunks[0].lines] == ["café", "café crème"]
    assert any("legacy.txt" in w and "Windows-1252" in w for w in parsed.warnings)


def test_paths_with_spaces_and_unicode_round_trip(make_repo):
    """Git's quoting of special paths is undone, in the diff and when loading contents."""
    repo = make_repo({"my docs/café notes.md": "a\n"})
    base = repo.git("rev-parse", "HEAD")
    head = repo.commit("edit", {"my docs/café notes.md": "b\n"})
    (f,) = diff_from_git(repo.dir, f"{base}..{head}").files
    assert (f.path, f.old_content, f.new_content) == ("my docs/café notes.md", "a\n", "b\n")


def test_user_config_cannot_change_the_output_format(make_repo):
    """noprefix, mnemonic prefixes, colors, quotePath and an external diff are all overridden."""
    repo = make_repo(BASE_FILES)
    base = repo.git("rev-parse", "HEAD")
    head = repo.commit("edit", {"pkg/models.py": "class Order:\n    x = 2\n"})
    marker = repo.path / "external-diff-ran"
    for key, value in [("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true"),
                       ("color.ui", "always"), ("color.diff", "always"),
                       ("core.quotePath", "false"), ("diff.external", f"touch {marker}")]:
        repo.git("config", key, value)
    (f,) = diff_from_git(repo.dir, f"{base}..{head}").files
    assert f.path == "pkg/models.py" and f.new_content == "class Order:\n    x = 2\n"
    assert not marker.exists()


@pytest.mark.parametrize("spec", ["--output=/tmp/squiggle-injected..HEAD", "-p", "HEAD..--help",
                                  "HEAD..HEAD; rm -rf /", "HEAD\n..HEAD"])
def test_option_like_or_odd_revisions_are_refused(make_repo, tmp_path, spec):
    """A revision that could be read as an option or holds whitespace never reaches git diff."""
    repo = make_repo(BASE_FILES)
    with pytest.raises(GitSourceError) as info:
        diff_from_git(repo.dir, spec)
    assert "is not a valid revision" in str(info.value) or "is not a commit" in str(info.value)
    assert not os.path.exists("/tmp/squiggle-injected")


def test_unknown_revision_is_named(make_repo):
    """A revision that does not exist is named in the message."""
    repo = make_repo(BASE_FILES)
    with pytest.raises(GitSourceError) as info:
        diff_from_git(repo.dir, "nope..HEAD")
    assert str(info.value) == "'nope' is not a commit in this repository"


def test_unrelated_histories_have_no_merge_base(make_repo):
    """A...B with no common ancestor says so."""
    repo = make_repo(BASE_FILES)
    repo.git("checkout", "-q", "--orphan", "other")
    repo.commit("unrelated", {"z.txt": "z\n"})
    with pytest.raises(GitSourceError) as info:
        diff_from_git(repo.dir, "main...other")
    assert "have no common ancestor" in str(info.value)


def test_range_without_changes_is_an_error(make_repo):
    """An empty range is refused with a sentence, not an empty review."""
    repo = make_repo(BASE_FILES)
    with pytest.raises(GitSourceError) as info:
        diff_from_git(repo.dir, "HEAD..HEAD")
    assert str(info.value) == "the range 'HEAD..HEAD' has no changes"
    with pytest.raises(GitSourceError, match="the working tree has no changes against HEAD"):
        diff_from_git(repo.dir, None)


def test_directory_that_is_not_a_repository_is_refused(tmp_path):
    """A plain directory or a missing path is a GitSourceError naming it."""
    with pytest.raises(GitSourceError, match="is not a git repository"):
        diff_from_git(str(tmp_path), None)
    with pytest.raises(GitSourceError, match="is not a directory"):
        diff_from_git(str(tmp_path / "missing"), "A..B")


def test_bare_repository_supports_ranges_but_not_the_working_tree(make_repo):
    """A bare clone can diff commits; asking for its working tree is a clear error."""
    repo = make_repo(BASE_FILES)
    repo.commit("more", {"pkg/models.py": "class Order:\n    y = 1\n"})
    bare = repo.path.parent / "bare.git"
    repo.git("clone", "-q", "--bare", repo.dir, str(bare))
    assert [f.path for f in diff_from_git(str(bare), "HEAD~1..HEAD").files] == ["pkg/models.py"]
    with pytest.raises(GitSourceError, match="bare repository has no working tree"):
        diff_from_git(str(bare), None)


def test_git_diff_past_the_byte_limit_is_refused(make_repo):
    """The size limit applies to git's output too, with the actual size in the message."""
    repo = make_repo(BASE_FILES)
    base = repo.git("rev-parse", "HEAD")
    head = repo.commit("big", {"big.txt": "word\n" * 2000})
    with pytest.raises(DiffTooLarge) as info:
        diff_from_git(repo.dir, f"{base}..{head}", limits=IngestLimits(max_bytes=1000))
    assert info.value.limit == 1000 and info.value.actual > 10_000


def test_symlink_content_is_its_target(make_repo):
    """A symlink's content is the path it points to, as git stores it, in range and work tree."""
    repo = make_repo(BASE_FILES)
    os.symlink("pkg/models.py", repo.path / "link")
    parsed = diff_from_git(repo.dir, None)
    assert by_path(parsed)["link"].new_content == "pkg/models.py"
    repo.commit("link")
    assert by_path(diff_from_git(repo.dir, "HEAD"))["link"].new_content == "pkg/models.py"


def test_untracked_names_that_look_like_pathspec_magic_are_plain_names(make_repo):
    """Untracked files named like pathspec magic or globs are added as themselves."""
    repo = make_repo(BASE_FILES)
    repo.write({":(top)weird.txt": "w\n", "*.md": "star\n"})
    files = by_path(diff_from_git(repo.dir, None))
    assert set(files) == {":(top)weird.txt", "*.md"}
    assert files["*.md"].new_content == "star\n"


def test_git_running_past_the_time_limit_is_killed(make_repo, monkeypatch):
    """A git process (and its children) past GIT_TIMEOUT_S is killed and reported, not waited on."""
    import time

    from reviewapp.ingest import git_source

    repo = make_repo(BASE_FILES)
    monkeypatch.setattr(git_source, "GIT_TIMEOUT_S", 0.5)
    started = time.monotonic()
    with pytest.raises(GitSourceError, match="took longer than 0.5 s"):
        git_source._Repository(repo.dir).capped(
            ["-c", "alias.slow=!sleep 10", "slow"], IngestLimits())
    assert time.monotonic() - started < 5


def test_type_change_shows_as_deletion_and_addition_of_one_path(make_repo):
    """A file replaced by a symlink is git's delete + add pair for one path; both are kept."""
    repo = make_repo(BASE_FILES)
    os.remove(repo.path / "old_name.txt")
    os.symlink("pkg/views.py", repo.path / "old_name.txt")
    repo.commit("typechange")
    files = diff_from_git(repo.dir, "HEAD").files
    assert [(f.path, f.status) for f in files] == [
        ("old_name.txt", DELETED), ("old_name.txt", ADDED)]
    assert files[1].new_mode == "120000" and files[1].new_content == "pkg/views.py"


def test_mode_change_only_still_gets_contents(make_repo):
    """A chmod has no blob ids in the diff; the contents are loaded by path."""
    repo = make_repo({"run.sh": "#!/bin/sh\necho hi\n"})
    os.chmod(repo.path / "run.sh", 0o755)
    repo.commit("chmod")
    (f,) = diff_from_git(repo.dir, "HEAD").files
    assert (f.old_mode, f.new_mode, f.hunks) == ("100644", "100755", [])
    assert f.old_content == f.new_content == "#!/bin/sh\necho hi\n"


def test_large_work_tree_file_is_not_read(make_repo):
    """A work-tree file over max_file_bytes is skipped by its size, with a warning."""
    repo = make_repo(BASE_FILES)
    repo.write({"huge.txt": "z" * 5000})
    parsed = diff_from_git(repo.dir, None, limits=IngestLimits(max_file_bytes=1000))
    assert by_path(parsed)["huge.txt"].new_content is None
    assert parsed.warnings == [
        "huge.txt: content not loaded (5,000 bytes, over the 1,000-byte per-file limit)"]



def test_files_beside_reads_one_folders_files_of_a_suffix_smallest_first(make_repo):
    repo = make_repo({"pkg/a.py": "A = 1\n", "pkg/big.py": "B = 2\n" * 50,
                      "pkg/notes.txt": "not python\n", "pkg/blob.py": b"\0\1\2",
                      "pkg/sub/deep.py": "D = 3\n", "top.py": "T = 0\n"})
    assert files_beside(repo.dir, "HEAD", ["pkg"], suffix=".py", max_files=5) == {
        "pkg/a.py": "A = 1\n", "pkg/big.py": "B = 2\n" * 50}
    assert list(files_beside(repo.dir, "HEAD", ["pkg"], suffix=".py", max_files=1)) == \
        ["pkg/a.py"]
    assert files_beside(repo.dir, "HEAD", [""], suffix=".py", max_files=5) == {
        "top.py": "T = 0\n"}
    # the paths alone: every regular file of the suffix, a binary one too
    assert paths_beside(repo.dir, "HEAD", ["pkg", "pkg/sub"], suffix=".py") == {
        "pkg/a.py", "pkg/big.py", "pkg/blob.py", "pkg/sub/deep.py"}


def test_files_matching_reads_the_files_with_a_matching_line(make_repo):
    repo = make_repo({"pkg/compat.py": "def reraise(tp):\n    pass\n",
                      "pkg/compat.txt": "def reraise(tp):\n", "pkg/other.py": "X = 1\n"})
    pattern = "def[[:space:]]+reraise"
    assert files_matching(repo.dir, "HEAD", pattern, suffix=".py", max_files=5) == {
        "pkg/compat.py": "def reraise(tp):\n    pass\n"}
    assert files_matching(repo.dir, "HEAD", "nowhere", suffix=".py", max_files=5) == {}
