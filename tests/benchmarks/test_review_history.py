"""The review-history benchmark on a small real git history."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from benchmarks.review_history import measure

OLD = '''from chai import Chai


class ParserTests(Chai):
    def test_day(self):
        assertEqual(parse_day("2013-02-03"), 3)
'''


def commit_files(repo: Path, files: dict[str, str | None], message: str) -> None:
    """Commit `files` (path -> text; None deletes the file) to the repository."""
    for path, text in files.items():
        if text is None:
            subprocess.run(["git", "-C", str(repo), "rm", "-q", path], check=True)
            continue
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", message], check=True)


def test_injected_names_are_provided_and_a_new_typo_is_kept(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit_files(tmp_path, {"README": "r\n"}, "start")
    commit_files(tmp_path, {"parser_tests.py": OLD}, "tests")
    commit_files(tmp_path, {"parser_tests.py": OLD + "\n    def test_hour(self):\n"
                       "        assertEqual(parse_hour('04:05'), 4)\n"
                       "        asertEqual(parse_hour('05:06'), 5)\n"}, "more tests")
    row = measure(tmp_path, commits=10)  # the root commit is no review
    assert row["reviews_with_python"] == 2
    # The file's first commit has no old version: its two names are reported both ways. The
    # second commit reads `parse_hour` twice in one function: one finding.
    assert row["findings_without_base_rule"] == {"undefined_name": 2 + 3}
    assert row["names_provided"] == {"assertEqual": 1}
    assert row["findings_with_old_files_only"] == row["findings"] == {"undefined_name": 2 + 2}
    assert [(k["line"], k["code"]) for k in row["kept"][:2]] == [
        (9, "parse_hour"), (10, "asertEqual")]
    assert "(read again on line 10)" in row["kept"][0]["message"]


def test_names_the_unchanged_files_beside_read_are_provided_and_imports_suggested(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit_files(tmp_path, {"parser_tests.py": OLD,
                       "compat.py": "def parse_minute(text):\n    return 0\n"}, "start")
    commit_files(tmp_path, {"hour_tests.py": OLD.replace("test_day", "test_hour")
                       + "        minute = parse_minute('04:05')\n"}, "hour tests")
    row = measure(tmp_path, commits=10)
    assert row["reviews_with_python"] == 1
    # assertEqual and parse_day are read unbound by parser_tests.py, which this commit left.
    assert row["findings_without_base_rule"] == row["findings_with_old_files_only"] == {
        "undefined_name": 3}
    assert row["names_provided_by_siblings"] == {"assertEqual": 1, "parse_day": 1}
    assert row["findings"] == {"undefined_name": 1}
    assert row["import_hints"] == 1
    assert "a missing `from compat import parse_minute`?" in row["kept"][0]["message"]


TOTAL = '''def total(prices):
    """Sum of every price."""
    result = 0
    for i in range(len(prices)):
        result += prices[i]
    return result
'''


@pytest.mark.ml
def test_with_the_model_its_findings_are_counted_as_learned(tmp_path):
    from bugmodel.detector import load_detector

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit_files(tmp_path, {"README": "r\n"}, "start")
    commit_files(tmp_path, {"total.py": TOTAL}, "total")
    commit_files(tmp_path, {"total.py": TOTAL.replace("len(prices)", "len(prices) - 1")},
                 "skip one")
    row = measure(tmp_path, commits=10, detector=load_detector())
    assert row["findings"] == {"learned:off_by_one": 1}
    [kept] = row["kept"]
    assert (kept["commit"], kept["line"], kept["code"]) == (
        _head(tmp_path)[:10], 4, "len(prices) - 1")
    assert measure(tmp_path, commits=10)["findings"] == {}  # the checks alone find nothing


@pytest.mark.ml
def test_the_learned_detector_is_not_counted_in_tests_as_the_review_leaves_it_out(tmp_path):
    from bugmodel.detector import load_detector

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit_files(tmp_path, {"tests/test_total.py": TOTAL}, "total")
    commit_files(tmp_path, {"tests/test_total.py": TOTAL.replace("len(prices)",
                                                                 "len(prices) - 1")}, "skip one")
    assert measure(tmp_path, commits=10, detector=load_detector())["findings"] == {}


def test_names_a_harness_binds_for_the_code_it_runs_are_provided(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit_files(tmp_path, {"tests/harness.py": "def load(path):\n    config = {}\n"
                            "    config['uri'] = str\n    exec(open(path).read(), config)\n"},
                 "harness")
    commit_files(tmp_path, {"tests/requests/001.py": "request = {'uri': uri('/a')}\n",
                            "tests/requests/002.py": "request = {'uri': uri('/b')}\n",
                            "pkg/other.py": "target = uri('/c')\n"}, "data")
    row = measure(tmp_path, commits=10)
    assert row["names_provided_by_harnesses"] == {"uri": 2}
    assert [k["path"] for k in row["kept"]] == ["pkg/other.py"]  # not below the harness


def _head(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_a_suggested_import_is_compared_with_the_one_the_developers_wrote_later(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit_files(tmp_path, {"pkg/__init__.py": "", "pkg/compat.py": "def reraise(exc):\n    pass\n",
                       "pkg/log.py": "X = 1\n"}, "start")
    uses = "def report():\n    return traceback.format_exc()\n"
    commit_files(tmp_path, {"pkg/log.py": "from . import compat\n\n\n" + uses,
                       "pkg/run.py": "def run(exc):\n    reraise(exc)\n",
                       "pkg/when.py": "def now():\n    return datetime.now()\n"},
            "three NameErrors")
    commit_files(tmp_path, {"pkg/log.py": "import traceback\n\n\n" + uses,  # the same import
                       "pkg/run.py": "from .compat import reraise\n\n\ndef run(exc):\n"
                                     "    reraise(exc)\n",  # the same, written relatively
                       "pkg/when.py": "import datetime\n\n\ndef now():\n"
                                      "    return datetime.datetime.now()\n"}, "fixed")
    row = measure(tmp_path, commits=10)
    suggested = {k["path"]: (k["added_import"], k["developers_fix"]) for k in row["kept"]}
    assert suggested == {
        "pkg/log.py": ("import traceback", "import traceback"),
        "pkg/run.py": ("from pkg.compat import reraise", "from pkg.compat import reraise"),
        "pkg/when.py": ("from datetime import datetime", "import datetime"),
    }
    assert row["suggested_imports"] == {"the same import": 2, "another import": 1}
    # Both go where the developers put them, at the top: `import traceback` opens the
    # standard group above `from . import compat`.
    placed = {k["path"]: k.get("placed_as_developers") for k in row["kept"]}
    assert placed == {"pkg/log.py": True, "pkg/run.py": True, "pkg/when.py": None}
    assert row["same_imports_placed_as_developers"] == {"True": 2}


def test_a_moved_file_is_reviewed_against_its_old_version_as_the_review_diffs_it(tmp_path):
    """gunicorn moved its request data files into `valid/` (each reads `uri`, which the test
    harness provides): the review's `-M` diff has their old versions, so nothing is told."""
    data = "request = {'uri': uri('/stuff'), 'method': 'GET'}\n"
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit_files(tmp_path, {"README": "r\n", "requests/001.py": data}, "start")
    commit_files(tmp_path, {"requests/001.py": None, "requests/valid/001.py": data}, "move")
    row = measure(tmp_path, commits=10)
    assert row["reviews_with_python"] == 1
    assert row["findings_without_base_rule"] == {}  # a pure move changes no line
    commit_files(tmp_path, {"requests/valid/001.py": None,
                            "requests/valid/002.py": data + "body = uri('/more')\n"}, "again")
    row = measure(tmp_path, commits=10)
    assert row["names_provided"] == {"uri": 1}
    assert row["findings"] == {}


def test_an_import_placed_elsewhere_than_the_developers_did_is_counted(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit_files(tmp_path, {"README": "r\n"}, "start")
    uses = "\n\ndef report():\n    return traceback.format_exc()\n"
    commit_files(tmp_path, {"log.py": "import os\nimport sys\n" + uses}, "a NameError")
    commit_files(tmp_path, {"log.py": "import traceback\nimport os\nimport sys\n" + uses}, "fix")
    row = measure(tmp_path, commits=10)
    assert [k.get("placed_as_developers") for k in row["kept"]] == [False]  # ours: after sys
    assert row["same_imports_placed_as_developers"] == {"False": 1}
