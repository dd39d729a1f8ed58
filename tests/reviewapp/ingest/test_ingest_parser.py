"""parse_diff on every shape of diff the issue lists: git headers, binaries, encodings, plain."""

from __future__ import annotations

import codecs

from reviewapp.ingest import parse_diff
from reviewapp.ingest.parsed import ADDED, COPIED, DELETED, MODIFIED, RENAMED

MODIFIED_DIFF = """\
diff --git a/pkg/parse.py b/pkg/parse.py
index 1111111..2222222 100644
--- a/pkg/parse.py
+++ b/pkg/parse.py
@@ -1,4 +1,5 @@ import os
 import os
-import sys
+import re
+import json
 VERSION = 1
 def parse(text):
@@ -10,3 +11,3 @@ def parse(text):
     a = 1
-    return a
+    return a + 1
     # end
"""


def test_modified_file_has_paths_status_ranges_and_line_numbers():
    """A modified file keeps its path, both ranges per hunk and 1-based line numbers per side."""
    diff = parse_diff(MODIFIED_DIFF)
    (f,) = diff.files
    assert (f.path, f.old_path, f.status, f.language) == (
        "pkg/parse.py", "pkg/parse.py", MODIFIED, "Python")
    assert (f.old_blob, f.new_blob) == ("1111111", "2222222")
    assert (f.old_mode, f.new_mode, f.mode_changed) == ("100644", "100644", False)
    first, second = f.hunks
    assert (first.old_start, first.old_lines, first.new_start, first.new_lines) == (1, 4, 1, 5)
    assert first.section_header == "import os"
    assert [(ln.kind, ln.text, ln.old_lineno, ln.new_lineno) for ln in first.lines] == [
        (" ", "import os", 1, 1), ("-", "import sys", 2, None), ("+", "import re", None, 2),
        ("+", "import json", None, 3), (" ", "VERSION = 1", 3, 4), (" ", "def parse(text):", 4, 5)]
    assert [(ln.kind, ln.old_lineno, ln.new_lineno) for ln in second.lines] == [
        (" ", 10, 11), ("-", 11, None), ("+", None, 12), (" ", 12, 13)]
    assert (f.added_count, f.removed_count, diff.line_count) == (3, 2, 10)
    assert diff.raw_text == MODIFIED_DIFF


def test_hunk_text_round_trips_the_body():
    """ParsedHunk.text is the body as it appeared in the diff, markers included."""
    hunk = parse_diff(MODIFIED_DIFF).files[0].hunks[1]
    assert hunk.text == "     a = 1\n-    return a\n+    return a + 1\n     # end"


def test_rename_with_changes_has_old_path_and_similarity():
    """`rename from/to` make a renamed file with its similarity index and its hunk."""
    text = """\
diff --git a/old/name.go b/new/name.go
similarity index 87%
rename from old/name.go
rename to new/name.go
index 3333333..4444444 100644
--- a/old/name.go
+++ b/new/name.go
@@ -1,2 +1,2 @@
-package old
+package new
 func F() {}
"""
    (f,) = parse_diff(text).files
    assert (f.path, f.old_path, f.status, f.similarity, f.language) == (
        "new/name.go", "old/name.go", RENAMED, 87, "Go")
    assert len(f.hunks) == 1


def test_pure_rename_without_hunks_is_accepted():
    """A 100% rename has no hunks and is still a file entry."""
    text = ("diff --git a/a.txt b/b.txt\nsimilarity index 100%\n"
            "rename from a.txt\nrename to b.txt\n")
    (f,) = parse_diff(text).files
    assert (f.path, f.old_path, f.status, f.similarity, f.hunks) == (
        "b.txt", "a.txt", RENAMED, 100, [])


def test_copy_is_its_own_status():
    """`copy from/to` make a copied file, distinct from a rename."""
    text = """\
diff --git a/src/a.c b/src/b.c
similarity index 95%
copy from src/a.c
copy to src/b.c
index 5555555..6666666 100644
--- a/src/a.c
+++ b/src/b.c
@@ -1 +1 @@
-int a;
+int b;
"""
    (f,) = parse_diff(text).files
    assert (f.path, f.old_path, f.status, f.similarity) == ("src/b.c", "src/a.c", COPIED, 95)


def test_deleted_file_uses_old_path_and_old_line_numbers():
    """A deletion is named by its old path; every line is removed and numbered on the old side."""
    text = """\
diff --git a/gone.js b/gone.js
deleted file mode 100644
index 7777777..0000000
--- a/gone.js
+++ /dev/null
@@ -1,2 +0,0 @@
-export const a = 1;
-export const b = 2;
"""
    (f,) = parse_diff(text).files
    assert (f.path, f.old_path, f.status, f.old_mode, f.language) == (
        "gone.js", "gone.js", DELETED, "100644", "JavaScript")
    assert [(ln.kind, ln.old_lineno, ln.new_lineno) for ln in f.hunks[0].lines] == [
        ("-", 1, None), ("-", 2, None)]


def test_new_file_from_dev_null_is_added_with_new_mode():
    """A new file comes from /dev/null; its lines are numbered on the new side only."""
    text = """\
diff --git a/tools/run.sh b/tools/run.sh
new file mode 100755
index 0000000..8888888
--- /dev/null
+++ b/tools/run.sh
@@ -0,0 +1,2 @@
+#!/bin/sh
+echo hi
"""
    (f,) = parse_diff(text).files
    assert (f.path, f.old_path, f.status, f.old_mode, f.new_mode) == (
        "tools/run.sh", "tools/run.sh", ADDED, None, "100755")
    assert [ln.new_lineno for ln in f.hunks[0].lines] == [1, 2]


def test_empty_new_file_without_hunks_is_accepted():
    """`git add` of an empty file gives a header only; that is an added file, not truncation."""
    text = "diff --git a/empty b/empty\nnew file mode 100644\nindex 0000000..e69de29\n"
    (f,) = parse_diff(text).files
    assert (f.path, f.status, f.hunks) == ("empty", ADDED, [])


def test_mode_change_only_has_no_hunks_and_both_modes():
    """A chmod is a modified file with no hunks whose modes differ."""
    text = "diff --git a/bin/tool b/bin/tool\nold mode 100644\nnew mode 100755\n"
    (f,) = parse_diff(text).files
    assert (f.status, f.old_mode, f.new_mode, f.mode_changed, f.hunks) == (
        MODIFIED, "100644", "100755", True, [])


def test_binary_files_differ_marks_binary_without_hunks():
    """`Binary files a/x and b/x differ` gives a binary file; the next file still parses."""
    text = """\
diff --git a/img/logo.png b/img/logo.png
index 9999999..aaaaaaa 100644
Binary files a/img/logo.png and b/img/logo.png differ
diff --git a/img/new.png b/img/new.png
new file mode 100644
index 0000000..bbbbbbb
Binary files /dev/null and b/img/new.png differ
""" + MODIFIED_DIFF
    logo, new, code = parse_diff(text).files
    assert (logo.path, logo.status, logo.is_binary, logo.hunks) == (
        "img/logo.png", MODIFIED, True, [])
    assert (new.path, new.status, new.is_binary) == ("img/new.png", ADDED, True)
    assert (code.path, len(code.hunks)) == ("pkg/parse.py", 2)


def test_git_binary_patch_data_is_not_read_as_hunks():
    """`GIT binary patch` literal data is skipped; the file is binary and the next file parses."""
    text = """\
diff --git a/data.bin b/data.bin
index cccccccccccccccccccccccccccccccccccccccc..dddddddddddddddddddddddddddddddddddddddd 100644
GIT binary patch
literal 12
Tcmd;KVr1Z8V`SoD;9vj%0C@lf

literal 8
PcmZ?wbYf&=WMBXQ0dN2O

""" + MODIFIED_DIFF
    binary, code = parse_diff(text).files
    assert (binary.path, binary.is_binary, binary.hunks) == ("data.bin", True, [])
    assert binary.old_blob == "c" * 40
    assert code.path == "pkg/parse.py" and len(code.hunks) == 2


def test_no_newline_at_end_of_file_marks_the_line_before_it():
    """`\\ No newline at end of file` flags the line it follows, on either side."""
    text = """\
diff --git a/a.txt b/a.txt
index 1..2 100644
--- a/a.txt
+++ b/a.txt
@@ -1,2 +1,2 @@
 keep
-old
\\ No newline at end of file
+new
\\ No newline at end of file
"""
    (hunk,) = parse_diff(text).files[0].hunks
    assert [(ln.kind, ln.text, ln.no_newline_at_end) for ln in hunk.lines] == [
        (" ", "keep", False), ("-", "old", True), ("+", "new", True)]
    assert hunk.text.count("\\ No newline at end of file") == 2


def test_non_utf8_bytes_are_decoded_per_line_with_a_warning():
    """Latin-1 bytes in one file decode with a fallback and a warning naming it; no crash."""
    text = ("diff --git a/caf\xe9.txt b/caf\xe9.txt\nindex 1..2 100644\n--- a/caf\xe9.txt\n"
            "+++ b/caf\xe9.txt\n@@ -1 +1 @@\n-na\xefve\n+na\xefve caf\xe9\n")
    data = text.encode("latin-1") + MODIFIED_DIFF.encode()
    diff = parse_diff(data)
    latin, utf8 = diff.files
    assert latin.path == "café.txt"
    assert [ln.text for ln in latin.hunks[0].lines] == ["naïve", "naïve café"]
    assert utf8.path == "pkg/parse.py"
    assert len(diff.warnings) == 1
    assert diff.warnings[0].startswith("café.txt: 5 lines not valid UTF-8")


def test_utf8_content_is_kept_exactly():
    """Valid UTF-8 (accents, CJK, emoji) passes through with no warning."""
    diff = parse_diff(MODIFIED_DIFF.replace("import re", "import ré  # 日本 🎉").encode())
    assert diff.files[0].hunks[0].lines[2].text == "import ré  # 日本 🎉"
    assert diff.warnings == []


def test_utf16_diff_with_bom_is_decoded():
    """A diff saved as UTF-16 with a BOM (PowerShell redirection) parses like the UTF-8 one."""
    data = codecs.BOM_UTF16_LE + MODIFIED_DIFF.encode("utf-16-le")
    assert parse_diff(data).files == parse_diff(MODIFIED_DIFF).files


def test_crlf_everywhere_is_transport_and_is_undone():
    """A diff with CRLF (a browser form, a Windows save) or CR-only line ends parses as LF."""
    crlf = MODIFIED_DIFF.replace("\n", "\r\n").encode()
    assert parse_diff(crlf).files == parse_diff(MODIFIED_DIFF).files
    cr_only = MODIFIED_DIFF.replace("\n", "\r")
    assert parse_diff(cr_only).files == parse_diff(MODIFIED_DIFF).files


def test_crlf_only_in_content_lines_is_kept_in_the_text():
    """A git diff of a CRLF file keeps the \\r in its lines, so a line-ending change is visible."""
    text = ("diff --git a/w.bat b/w.bat\nindex 1..2 100644\n--- a/w.bat\n+++ b/w.bat\n"
            "@@ -1,2 +1,2 @@\n echo a\r\n-echo b\r\n+echo c\r\n")
    (f,) = parse_diff(text).files
    assert [ln.text for ln in f.hunks[0].lines] == ["echo a\r", "echo b\r", "echo c\r"]


def test_paths_with_spaces_survive_gits_trailing_tab():
    """Git adds a tab after a path with spaces on ---/+++ lines; the path keeps its spaces."""
    text = ('diff --git a/docs/my notes.md b/docs/my notes.md\nindex 1..2 100644\n'
            '--- a/docs/my notes.md\t\n+++ b/docs/my notes.md\t\n@@ -1 +1 @@\n-a\n+b\n')
    (f,) = parse_diff(text).files
    assert (f.path, f.old_path, f.language) == ("docs/my notes.md", "docs/my notes.md", "Markdown")


def test_quoted_paths_with_octal_escapes_are_unquoted():
    """Git quotes non-ASCII paths as C strings with octal UTF-8 bytes; they come back readable."""
    text = ('diff --git "a/src/my caf\\303\\251.py" "b/src/my caf\\303\\251.py"\n'
            'new file mode 100644\nindex 0000000..1\n--- /dev/null\n'
            '+++ "b/src/my caf\\303\\251.py"\t\n@@ -0,0 +1 @@\n+x = 1\n')
    (f,) = parse_diff(text).files
    assert (f.path, f.status, f.language) == ("src/my café.py", ADDED, "Python")


def test_plain_unified_diff_with_timestamps():
    """`diff -u a b` output (---/+++ with timestamps, no git header) is a modified file."""
    text = """\
--- lib/util.c.orig\t2024-01-02 10:00:00.000000000 +0100
+++ lib/util.c\t2024-01-02 11:00:00.000000000 +0100
@@ -1,3 +1,3 @@
 int a;
-int b;
+long b;
 int c;
"""
    (f,) = parse_diff(text).files
    assert (f.path, f.old_path, f.status, f.language, f.old_mode) == (
        "lib/util.c", "lib/util.c.orig", MODIFIED, "C", None)
    assert [ln.kind for ln in f.hunks[0].lines] == [" ", "-", "+", " "]


def test_plain_recursive_diff_drops_the_directory_pair():
    """`diff -ruN old new` names old/x and new/x: the path is x, and the epoch means added."""
    text = """\
diff -ruN old/src/a.py new/src/a.py
--- old/src/a.py\t2024-01-01 00:00:00
+++ new/src/a.py\t2024-01-02 00:00:00
@@ -1 +1 @@
-a = 1
+a = 2
diff -ruN old/src/b.py new/src/b.py
--- old/src/b.py\t1970-01-01 00:00:00.000000000 +0000
+++ new/src/b.py\t2024-01-02 00:00:00
@@ -0,0 +1 @@
+b = 1
"""
    a, b = parse_diff(text).files
    assert (a.path, a.old_path, a.status) == ("src/a.py", "src/a.py", MODIFIED)
    assert (b.path, b.status) == ("src/b.py", ADDED)


def test_plain_diff_with_dev_null_sides():
    """Plain diffs mark a new or removed file with /dev/null."""
    text = ("--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+hello\n"
            "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n")
    new, old = parse_diff(text).files
    assert (new.path, new.status) == ("new.txt", ADDED)
    assert (old.path, old.status) == ("old.txt", DELETED)


def test_hunk_header_without_counts_means_one_line():
    """`@@ -3 +3 @@` is a one-line range on each side."""
    text = "--- a/x\n+++ b/x\n@@ -3 +3 @@\n-a\n+b\n"
    (hunk,) = parse_diff(text).files[0].hunks
    assert (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines) == (3, 1, 3, 1)
    assert [(ln.old_lineno, ln.new_lineno) for ln in hunk.lines] == [(3, None), (None, 3)]


def test_blank_context_line_without_its_space_is_context():
    """Editors strip the space of an empty context line; it still counts as context."""
    text = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n"
    (hunk,) = parse_diff(text).files[0].hunks
    assert [(ln.kind, ln.text, ln.old_lineno) for ln in hunk.lines] == [
        (" ", "a", 1), (" ", "", 2), ("-", "b", 3), ("+", "c", None)]


def test_format_patch_email_with_signature_parses():
    """`git format-patch` output: mail headers, diffstat and the "-- " signature are not files."""
    text = ("From 1234 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.com>\n"
            "Subject: [PATCH] Fix parse\n\nLonger message.\n---\n pkg/parse.py | 5 +++--\n"
            " 1 file changed\n\n" + MODIFIED_DIFF + "-- \n2.39.5\n\n")
    (f,) = parse_diff(text).files
    assert f.path == "pkg/parse.py" and len(f.hunks) == 2


def test_separator_characters_inside_a_line_do_not_split_it():
    """Form feeds and U+2028 are content, not line breaks (only \\n ends a diff line)."""
    text = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\x0cb\n+c\u2028d\x1ce\n"
    (hunk,) = parse_diff(text).files[0].hunks
    assert [ln.text for ln in hunk.lines] == ["a\x0cb", "c\u2028d\x1ce"]


def test_missing_final_newline_of_the_diff_is_fine():
    """A pasted diff whose last line has no newline parses the same."""
    assert parse_diff(MODIFIED_DIFF.rstrip("\n")).files == parse_diff(MODIFIED_DIFF).files


def test_nul_bytes_are_replaced_with_a_warning():
    """NUL cannot be stored in PostgreSQL text: it becomes U+FFFD and a warning says so."""
    diff = parse_diff(b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\x00\n+b\n")
    assert diff.files[0].hunks[0].lines[0].text == "a\ufffd"
    assert "\x00" not in diff.raw_text
    assert any("NUL" in w for w in diff.warnings)


def test_bytes_and_str_inputs_give_the_same_result():
    """parse_diff accepts bytes or str with identical results."""
    assert parse_diff(MODIFIED_DIFF.encode()) == parse_diff(MODIFIED_DIFF)


def test_language_comes_from_the_file_name():
    """Language is the pygments lexer name by extension or exact name, "" when unknown."""
    names = ["a.py", "b.ts", "c.go", "d.h", "Makefile", "e.weird-ext", "f", "g.spec.ts",
             "README.md", "Dockerfile"]
    text = "".join(f"--- a/{n}\n+++ b/{n}\n@@ -1 +1 @@\n-a\n+b\n" for n in names)
    languages = [f.language for f in parse_diff(text).files]
    assert languages == ["Python", "TypeScript", "Go", "C", "Makefile", "", "", "TypeScript",
                         "Markdown", "Docker"]


def test_trimmed_trailing_blank_context_lines_are_restored_with_a_warning():
    """A diff whose final blank context lines were trimmed away still parses, as with GNU patch."""
    full = "--- a/x\n+++ b/x\n@@ -1,4 +1,4 @@\n-b\n+c\n d\n \n \n"
    diff = parse_diff(full.rstrip())
    assert diff.files == parse_diff(full).files
    assert diff.warnings == ["the last hunk ended 2 blank context lines early (trailing "
                             "whitespace was trimmed); they were restored"]


def test_no_prefix_and_mnemonic_prefix_diffs_give_repository_paths():
    """diff.noprefix gives bare paths; diff.mnemonicPrefix gives c/ and w/: both end up as x."""
    bare = "diff --git pkg/x.py pkg/x.py\nindex 1..2 100644\n--- pkg/x.py\n+++ pkg/x.py\n"
    mnemonic = ("diff --git c/pkg/x.py w/pkg/x.py\nindex 1..2 100644\n"
                "--- c/pkg/x.py\n+++ w/pkg/x.py\n")
    for head in (bare, mnemonic):
        (f,) = parse_diff(head + "@@ -1 +1 @@\n-a\n+b\n").files
        assert (f.path, f.old_path, f.status) == ("pkg/x.py", "pkg/x.py", MODIFIED)
