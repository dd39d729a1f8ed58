"""Malformed or oversized diffs raise ingest errors: one sentence saying what and where."""

from __future__ import annotations

import pytest

from reviewapp.ingest import (
    DiffParseError,
    DiffTooLarge,
    GitSourceError,
    IngestError,
    IngestLimits,
    errors,
    parse_diff,
)

HEADER = "diff --git a/a.py b/a.py\nindex 1..2 100644\n--- a/a.py\n+++ b/a.py\n"
SECOND_FILE = ("diff --git a/b.py b/b.py\nindex 3..4 100644\n--- a/b.py\n+++ b/b.py\n"
               "@@ -1 +1 @@\n-x\n+y\n")


def parse_error(text: str | bytes) -> DiffParseError:
    with pytest.raises(DiffParseError) as info:
        parse_diff(text)
    return info.value


def test_error_classes_form_the_documented_tree():
    """DiffParseError, DiffTooLarge and GitSourceError are IngestErrors, drawn in the docstring."""
    for cls in (DiffParseError, DiffTooLarge, GitSourceError):
        assert issubclass(cls, IngestError)
        assert cls.__name__ in errors.__doc__


@pytest.mark.parametrize("text", ["", "   \n\n", b"", "hello world\nthis is not a diff\n",
                                  bytes(range(256)) * 4])
def test_input_without_file_changes_is_refused(text):
    """Empty input, blank input and text that is no diff say there are no file changes."""
    error = parse_error(text)
    assert str(error) == "no file changes found in the diff"


def test_hunk_claiming_more_lines_than_present_names_the_hunk_and_line():
    """A hunk cut short by the next file header names the hunk's line and the line that broke it."""
    error = parse_error(HEADER + "@@ -1,5 +1,5 @@\n a\n-b\n+c\n" + SECOND_FILE)
    assert error.line == 9
    assert "line 9 ('diff --git a/b.py b/b.py') is not a hunk line" in str(error)
    assert "the hunk at line 5 (@@ -1,5 +1,5 @@) announces more lines" in str(error)


def test_truncated_hunk_at_end_of_input_says_the_diff_ends_inside_it():
    """A diff that stops inside a hunk says so and names that hunk."""
    error = parse_error(HEADER + "@@ -1,5 +1,5 @@\n a\n-b\n+c\n")
    assert str(error) == ("the diff ends inside the hunk at line 5 (@@ -1,5 +1,5 @@): it has "
                          "fewer lines than its header announces")
    assert error.line == 8


def test_hunk_with_more_lines_than_its_header_is_refused():
    """Body lines past the header's counts would be silently dropped; they are an error instead."""
    error = parse_error(HEADER + "@@ -1,2 +1,2 @@\n a\n-b\n+c\n+d\n")
    assert error.line == 9
    assert "has more lines than its header announces (line 9: '+d')" in str(error)


def test_hunk_overflowing_its_old_side_is_refused():
    """More removed lines than the header's old count is reported at the overflowing line."""
    error = parse_error(HEADER + "@@ -1,2 +1,2 @@\n-a\n-b\n-c\n+d\n+e\n")
    assert error.line == 8
    assert "more lines than its header announces (line 8: '-c')" in str(error)


def test_file_header_without_hunks_is_truncation():
    """A ---/+++ header with nothing after it looks truncated, and the message says so."""
    error = parse_error(HEADER)
    assert str(error) == ("the file entry for 'a.py' at line 1 has no hunks; "
                          "the diff looks truncated")


def test_invalid_line_inside_a_hunk_is_named():
    """A line with an unknown marker inside a hunk is quoted with its line number."""
    error = parse_error("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n*b\n")
    assert error.line == 5
    assert "line 5 ('*b') is not a hunk line" in str(error)


@pytest.mark.parametrize("after_hunk", [False, True])
def test_unreadable_hunk_header_is_refused(after_hunk):
    """A malformed "@@" line is reported, not dropped with the lines under it."""
    good = "@@ -1 +1 @@\n-a\n+b\n" if after_hunk else ""
    text = "--- a/x\n+++ b/x\n" + good + "@@ -x +1 @@\n-c\n"
    error = parse_error(text)
    assert "is not a valid hunk header" in str(error)
    assert error.line == text.splitlines().index("@@ -x +1 @@") + 1


def test_hunk_before_any_file_header_is_refused():
    """A hunk with no file header above it cannot belong to a file."""
    error = parse_error("@@ -1 +1 @@\n-a\n+b\n")
    assert str(error) == "line 1 is a hunk header ('@@ -1 +1 @@') that follows no file header"


def test_long_offending_lines_are_shortened_in_messages():
    """Quoted lines are cut so a message stays one readable sentence."""
    error = parse_error("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n*" + "z" * 500 + "\n")
    assert len(str(error)) < 200 and "..." in str(error)


def test_diff_past_the_byte_limit_says_limit_and_size():
    """Past max_bytes the message gives the limit and the actual size."""
    with pytest.raises(DiffTooLarge) as info:
        parse_diff(SECOND_FILE * 10, limits=IngestLimits(max_bytes=100))
    error = info.value
    assert (error.what, error.limit, error.actual) == ("bytes", 100, len(SECOND_FILE) * 10)
    size = len(SECOND_FILE) * 10
    assert str(error) == f"the diff is {size:,} bytes, more than the limit of 100 bytes"


def test_diff_past_the_line_limit_says_limit_and_count():
    """Past max_lines the message gives both counts."""
    with pytest.raises(DiffTooLarge) as info:
        parse_diff(SECOND_FILE * 3, limits=IngestLimits(max_lines=20))
    assert str(info.value) == "the diff has 21 lines, more than the limit of 20"


def test_diff_past_the_file_limit_says_limit_and_count():
    """Past max_files the message gives both counts."""
    with pytest.raises(DiffTooLarge) as info:
        parse_diff(SECOND_FILE * 3, limits=IngestLimits(max_files=2))
    assert str(info.value) == "the diff touches 3 files, more than the limit of 2"


def test_megabyte_sizes_are_printed_in_megabytes():
    """Large sizes read as MB, not as a long byte count."""
    error = DiffTooLarge("bytes", 50_000_000, 61_234_567)
    assert str(error) == "the diff is 61.2 MB, more than the limit of 50.0 MB"


def test_default_limits_admit_a_100k_line_diff():
    """The defaults are generous enough for the 100k-line diffs the issue requires."""
    limits = IngestLimits()
    assert limits.max_lines >= 100_000 and limits.max_bytes >= 20_000_000
    assert limits.max_files >= 2_000


def test_same_file_twice_is_refused_as_a_patch_series():
    """`git log -p` style input changes one path twice; the message names it and both lines."""
    error = parse_error(SECOND_FILE + SECOND_FILE)
    assert str(error) == ("'b.py' appears twice in the diff (lines 1 and 8); give one combined "
                          "diff such as `git diff A..B`, not a series of patches")
    assert error.line == 8


def test_combined_merge_diff_is_refused_with_advice():
    """`git show MERGE` output (diff --cc, @@@ hunks) gets a message saying what to do."""
    text = (SECOND_FILE + "diff --cc pkg/m.py\nindex 1,2..3\n--- a/pkg/m.py\n+++ b/pkg/m.py\n"
            "@@@ -1,1 -1,1 +1,1 @@@\n- a\n -b\n++c\n")
    error = parse_error(text)
    assert error.line == 8
    assert str(error) == ("line 8 starts a combined diff of a merge commit, which is not "
                          "supported; diff against one parent instead (git diff MERGE^1 MERGE)")


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "pkg/../../x.py",
                                  "C:/Windows/x.py"])
def test_a_path_outside_the_repository_is_refused(path):
    diff = f"--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n"
    if path.startswith(("/", "C:")):
        diff = f"--- {path}\n+++ {path}\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(DiffParseError, match="outside the repository"):
        parse_diff(diff)
