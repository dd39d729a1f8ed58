"""Repeated identical edits across files, and import reordering."""

from __future__ import annotations

from reviewapp.importance import GRAY, NORMAL, score_hunks_mechanical


def test_repeated_edit_grays_copies_but_shows_the_first(diff_of):
    """The same edit in three files: the first stays visible saying so, the copies are grayed."""
    files = {}
    for name in ("a", "b", "c"):
        old = f'"""Module {name}."""\nimport os\n\n\ndef {name}():\n    return os.sep\n'
        files[f"{name}.py"] = (old, old.replace("import os\n",
                                                "from __future__ import annotations\nimport os\n"))
    scores = score_hunks_mechanical(diff_of(files))
    first, *copies = [row[0] for row in scores]
    assert first.tier == NORMAL and "repeated in 2 other hunks" in first.reason
    assert all(s.tier == GRAY and s.detector == "repeated" for s in copies)
    assert "`a.py`" in copies[0].reason


def test_sorted_imports_are_grayed(diff_of):
    """Sorting the import block adds and removes nothing: grayed."""
    old = "import sys\nimport os\nfrom b import y, x\nimport abc\n\nVALUE = 1\n"
    new = "import abc\nimport os\nimport sys\nfrom b import x, y\n\nVALUE = 1\n"
    score = score_hunks_mechanical(diff_of({"m.py": (old, new)}))[0][0]
    assert (score.tier, score.detector) == (GRAY, "imports")


def test_added_import_is_not_a_reordering(diff_of):
    """A new import is a change, not a reordering."""
    old = "import os\nimport sys\n\nVALUE = 1\n"
    new = "import json\nimport os\nimport sys\n\nVALUE = 1\n"
    assert score_hunks_mechanical(diff_of({"m.py": (old, new)}))[0][0].tier != GRAY


def test_import_moved_out_of_a_block_is_not_a_reordering(diff_of):
    """An import dedented out of `if TYPE_CHECKING:` runs at import time now: not grayed."""
    old = "import os\nif TYPE_CHECKING:\n    from x import Y\n\nVALUE = 1\n"
    new = "import os\nif TYPE_CHECKING:\n    pass\nfrom x import Y\n\nVALUE = 1\n"
    assert score_hunks_mechanical(diff_of({"m.py": (old, new)}))[0][0].tier != GRAY


def test_javascript_imports_reordered(diff_of):
    """JavaScript import lines reordered are grayed too."""
    old = "import b from './b';\nimport a from './a';\n\nexport const v = a + b;\n"
    new = "import a from './a';\nimport b from './b';\n\nexport const v = a + b;\n"
    assert score_hunks_mechanical(diff_of({"m.js": (old, new)}))[0][0].detector == "imports"
