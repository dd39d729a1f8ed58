"""Detection on a file known only by a pasted diff's hunks: parseable stretches around the
change, findings at the file's own lines and columns."""

from __future__ import annotations

import ast

import pytest

from bugmodel.partial_sources import detect_partial, partial_source

from .test_bug_detect import assert_findings_are_exact_edits

FILE = '''import os


class Walker:
    def walk(self, root):
        for name in os.listdir(root):
            if name.startswith("."):
                continue
            else:
                path = os.path.join(root, name)
            if os.path.isdir(path):
                yield from self.walk(path)
            yield path

    def count(self, root, limit):
        seen = 0
        for i in range(len(limit)):
            seen += i
        return seen
'''


def _known(text: str, first: int, last: int) -> dict[int, str]:
    lines = text.split("\n")
    return {n: lines[n - 1] for n in range(first, last + 1)}


def test_a_hunk_inside_a_method_is_cut_to_what_parses_and_keeps_its_line_numbers():
    """Lines 8–11: a `continue` then a dangling `else:` at the top, a block opener whose body
    the hunk does not show at the bottom; the stretch kept holds the changed line 10."""
    source = partial_source(_known(FILE, 8, 11), {10})
    assert source is not None
    ast.parse(source.text)
    lines = source.text.split("\n")
    assert lines[9] == "path = os.path.join(root, name)"
    assert source.dedent[10] == " " * 16
    assert 9 not in source.dedent and 11 not in source.dedent  # `else:` and `if ...:` cut
    assert all(not lines[n - 1] for n in range(1, 8))


def test_several_hunks_are_laid_out_together_at_their_own_lines():
    known = {**_known(FILE, 6, 8), **_known(FILE, 16, 19)}
    source = partial_source(known, {7, 17})
    assert source is not None and {6, 7, 8, 17} <= set(source.dedent)
    lines = source.text.split("\n")
    assert lines[16] == "for i in range(len(limit)):" and source.dedent[17] == " " * 8


def test_no_parseable_stretch_around_the_change_gives_none():
    assert partial_source({3: "    total = sum(", 4: "    prices"}, {3}) is None
    assert partial_source(_known(FILE, 5, 7), {20}) is None  # the change is not among them


@pytest.mark.ml
def test_findings_map_back_to_the_files_lines_and_columns():
    """At threshold 0 each changed window reports its best repair; applied to the real file
    at the reported span it gives valid Python, and it touches a changed line."""
    known = {**_known(FILE, 7, 13), **_known(FILE, 15, 19)}
    result = detect_partial([("walker.py", known)], {"walker.py": {10, 17}}, threshold=0.0)
    assert result.skipped == []
    assert result.findings
    assert all(any(f.line <= n <= f.end_line for n in (10, 17)) for f in result.findings)
    assert_findings_are_exact_edits(FILE, result.findings)


@pytest.mark.ml
def test_a_file_whose_change_does_not_parse_is_skipped_with_a_reason():
    result = detect_partial([("broken.py", {1: "def f(:", 2: "    return 1"})],
                            {"broken.py": {1}})
    assert result.findings == []
    assert [(s.path, "do not parse" in s.reason) for s in result.skipped] == [("broken.py", True)]


@pytest.mark.ml
def test_the_misuse_checks_run_on_the_stretches_and_the_name_checks_do_not():
    """`is` against a literal is wrong whatever the rest of the file says; `helper`, bound
    outside the hunk, must not read as undefined."""
    known = {20: "    def kind(self, name):", 21: "        if name is 'dir':",
             22: "            return helper(name)", 23: "        return None"}
    result = detect_partial([("walker.py", known)], {"walker.py": {21, 22}})
    assert [(f.kind, f.line, f.column) for f in result.findings] == [
        ("identity_literal", 21, 11)]
