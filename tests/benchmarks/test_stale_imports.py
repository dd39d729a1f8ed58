"""The stale-imports benchmark on a small real git history."""

from __future__ import annotations

import subprocess

from benchmarks.stale_imports import measure

from .test_review_history import commit_files


def test_stale_imports_are_counted_and_followed_to_their_fix(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit_files(tmp_path, {"pkg/__init__.py": "", "pkg/util.py": "def helper():\n    pass\n",
                       "pkg/compat.py": "PY2 = False\n",
                       "pkg/app.py": "from pkg.util import helper\n",
                       "demo.py": "from pkg.compat import PY2\n"}, "start")
    commit_files(tmp_path, {"pkg/util.py": "def assist():\n    pass\n"}, "rename helper")
    commit_files(tmp_path, {"pkg/compat.py": None}, "drop compat")
    commit_files(tmp_path, {"pkg/app.py": "from pkg.util import assist\n"}, "follow the rename")
    row = measure(tmp_path, commits=10, follow=5)
    assert row["reviews_with_stale_imports"] == 2
    assert (row["findings"], row["notes"]) == (1, 1)  # the deleted module's importer: a note
    assert row["fates"] == {"fixed": 1, "still there": 1}
    assert {(s["name"], s["fate"]) for s in row["listed"]} == {("helper", "fixed in 2"),
                                                               ("PY2", "still there")}


def test_a_moved_module_s_importers_are_counted(tmp_path):
    """paramiko and fabric moved modules that others still imported: git's rename detection
    must not hide the move from the benchmark's cheap filter."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    compat = "PY2 = False\nPY3 = True\nstring_types = (str,)\n"
    commit_files(tmp_path, {"pkg/__init__.py": "", "pkg/compat.py": compat,
                            "pkg/app.py": "from pkg.compat import PY2\n"}, "start")
    commit_files(tmp_path, {"pkg/compat.py": None, "pkg/_compat.py": compat}, "move compat")
    row = measure(tmp_path, commits=10, follow=5)
    assert row["reviews_with_stale_imports"] == 1
    assert (row["findings"], row["notes"]) == (0, 1)
    assert row["fates"] == {"still there": 1}
