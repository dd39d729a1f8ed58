"""The stale-imports benchmark on a small real git history."""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks.stale_imports import measure


def _commit(repo: Path, files: dict[str, str | None], message: str) -> None:
    for path, text in files.items():
        if text is None:
            subprocess.run(["git", "-C", str(repo), "rm", "-q", path], check=True)
            continue
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", message], check=True)


def test_stale_imports_are_counted_and_followed_to_their_fix(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _commit(tmp_path, {"pkg/__init__.py": "", "pkg/util.py": "def helper():\n    pass\n",
                       "pkg/compat.py": "PY2 = False\n",
                       "pkg/app.py": "from pkg.util import helper\n",
                       "demo.py": "from pkg.compat import PY2\n"}, "start")
    _commit(tmp_path, {"pkg/util.py": "def assist():\n    pass\n"}, "rename helper")
    _commit(tmp_path, {"pkg/compat.py": None}, "drop compat")
    _commit(tmp_path, {"pkg/app.py": "from pkg.util import assist\n"}, "follow the rename")
    row = measure(tmp_path, commits=10, follow=5)
    assert row["reviews_with_stale_imports"] == 2
    assert (row["findings"], row["notes"]) == (1, 1)  # the deleted module's importer: a note
    assert row["fates"] == {"fixed": 1, "still there": 1}
    assert {(s["name"], s["fate"]) for s in row["listed"]} == {("helper", "fixed in 2"),
                                                               ("PY2", "still there")}
