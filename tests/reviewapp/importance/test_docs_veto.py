"""Edits of documentation are never grayed by the detectors of code edits (move, rename, copies,
import order): in prose files, and where only comments or docstrings change."""

from __future__ import annotations

from reviewapp.importance import GRAY, NORMAL, score_hunks_mechanical

GAP = "".join(f"\nSETTING_{i} = {i}\n" for i in range(6))


def test_rename_in_a_prose_file_is_shown(diff_of):
    """`Draft4Validator → Draft6Validator` in a manual's examples changes what readers copy;
    the same rename in code stays gray."""
    doc = ("Use it:\n\n    v = Draft4Validator(s)\n" + "\ntext\n" * 8
           + "\n    Draft4Validator(s).ok()\n")
    code = ("def f(s):\n    return Draft4Validator(s)\n" + GAP
            + "\ndef g(s):\n    Draft4Validator(s)\n")
    scores = score_hunks_mechanical(diff_of({
        "docs/faq.rst": (doc, doc.replace("Draft4", "Draft6")),
        "v.py": (code, code.replace("Draft4", "Draft6"))}))
    assert [s.tier for s in scores[0]] == [NORMAL, NORMAL]
    assert [s.tier for s in scores[1]] == [GRAY, GRAY]


def test_import_comment_change_is_not_a_reordering(diff_of):
    """The same import with its comment changed is a comment edit, not `imports reordered`."""
    old = "import os\nfrom m import f  # legacy re-export\n\nVALUE = 1\n"
    new = "import os\nfrom m import f  # kept for plugins written before 2.0\n\nVALUE = 1\n"
    score = score_hunks_mechanical(diff_of({"m.py": (old, new)}))[0][0]
    assert score.tier != GRAY


def test_docstring_examples_moved_to_the_manual_are_shown(diff_of):
    """Doctest lines cut from a docstring and pasted into docs/api.rst leave the docstring
    without them: a documentation change, not a mechanical move."""
    example = ("    >>> from pkg import render\n    >>> render({'a': 1})\n    'a=1'\n")
    code = 'def render(d):\n    """Render.\n\n' + example + '    """\n    return d\n'
    manual = "API\n===\n\nrender\n------\n"
    scores = score_hunks_mechanical(diff_of({
        "pkg/render.py": (code, code.replace(example, "")),
        "docs/api.rst": (manual, manual + "\n" + example)}))
    assert scores[0][0].tier != GRAY
    assert scores[0][0].detector in ("docs", "moved")
