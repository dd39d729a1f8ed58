"""Whole files for a pasted diff, read from the registered checkout (`contents_from_objects`)."""

from __future__ import annotations

from reviewapp.ingest.git_source import contents_from_objects
from reviewapp.ingest.parser import parse_diff

BASE = "import os\n\n\ndef size(path):\n    return os.path.getsize(path)\n\n\nLIMIT = 10\n"


def _patch(repo, files: dict[str, str]) -> str:
    """The diff of `files` against HEAD as `git diff` writes it (index lines included), the
    work tree put back afterwards: a patch the repository has the old side of only."""
    for path, text in files.items():
        (repo.path / path).write_text(text)
    diff = repo.git("diff")
    repo.git("checkout", "--", ".")
    return diff


def test_a_pasted_diff_gets_the_old_file_from_its_blob_and_the_new_one_by_its_hunks(
        make_repo):
    repo = make_repo({"pkg/files.py": BASE})
    new = BASE.replace("LIMIT = 10", "LIMIT = 20").replace("getsize", "getsizee")
    parsed = parse_diff(_patch(repo, {"pkg/files.py": new}).encode())
    assert contents_from_objects(str(repo.path), parsed) == ["pkg/files.py"]
    [f] = parsed.files
    assert (f.old_content, f.new_content) == (BASE, new)


def test_a_hand_edited_diff_is_read_as_its_hunks_say_not_as_its_index_line(make_repo):
    repo = make_repo({"pkg/files.py": BASE})
    diff = _patch(repo, {"pkg/files.py": BASE.replace("LIMIT = 10", "LIMIT = 20")})
    parsed = parse_diff(diff.replace("+LIMIT = 20", "+LIMIT = 30").encode())
    contents_from_objects(str(repo.path), parsed)
    assert parsed.files[0].new_content == BASE.replace("LIMIT = 10", "LIMIT = 30")


def test_a_file_the_checkout_never_had_or_whose_context_differs_stays_as_its_hunks(
        make_repo):
    repo = make_repo({"pkg/files.py": BASE})
    diff = _patch(repo, {"pkg/files.py": BASE.replace("LIMIT = 10", "LIMIT = 20")})
    elsewhere = parse_diff(diff.replace("index ", "index 1234567").encode())
    assert contents_from_objects(str(repo.path), elsewhere) == []
    assert elsewhere.files[0].old_content is None
    stale = parse_diff(diff.replace(" " * 5 + "return os.path.getsize",
                                    " " * 5 + "return os.path.getsizes").encode())
    assert stale.files[0].hunks[0].lines[0].text == "    return os.path.getsizes(path)"
    assert contents_from_objects(str(repo.path), stale) == []
    assert stale.files[0].new_content is None


def test_added_files_and_crlf_files_come_out_whole(make_repo):
    crlf = BASE.replace("\n", "\r\n")
    repo = make_repo({"win.py": crlf.encode()})
    (repo.path / "new.py").write_text("X = 1\n")
    repo.git("add", "-N", "new.py")
    diff = _patch(repo, {"win.py": crlf.replace("LIMIT = 10", "LIMIT = 11")})
    (repo.path / "new.py").unlink()
    parsed = parse_diff(diff.encode())
    assert sorted(contents_from_objects(str(repo.path), parsed)) == ["new.py", "win.py"]
    files = {f.path: f for f in parsed.files}
    assert files["win.py"].new_content == crlf.replace("LIMIT = 10", "LIMIT = 11")
    assert files["new.py"].new_content == "X = 1\n"
