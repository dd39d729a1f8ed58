"""Names a change removes from a module while other files of the head still import them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewapp.findings import find_bugs
from reviewapp.findings.checkout import LocalCheckout
from reviewapp.findings.stale_imports import imported_from, module_names, stale_import_findings
from reviewapp.ingest.git_source import diff_from_git

from .test_repository_names import commit, git

UTIL = "def helper(x):\n    return x + 1\n\n\ndef other():\n    return 2\n"
APP = "from pkg.util import helper\n\n\ndef run():\n    return helper(1)\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    commit(path, {"pkg/__init__.py": "", "pkg/util.py": UTIL, "pkg/app.py": APP}, "start")
    return path


def review(repo: Path, files: dict[str, str], removed: tuple[str, ...] = (),
           with_checkout: bool = True) -> tuple[list, list[str]]:
    for path in removed:
        git(repo, "rm", "-q", path)
    head = commit(repo, files, "change")
    notes: list[str] = []
    checkout = LocalCheckout(str(repo), head) if with_checkout else None
    found = stale_import_findings(diff_from_git(str(repo), f"{head}^..{head}"), checkout, notes)
    return found, notes


def test_a_renamed_function_still_imported_elsewhere_is_reported_where_it_was_renamed(repo):
    (found,), notes = review(repo, {"pkg/util.py": UTIL.replace("helper", "assist")})
    assert (found.path, found.line, found.kind) == ("pkg/util.py", 1, "stale_import")
    assert found.message == ("this change removes `helper` from `pkg.util`, but `pkg/app.py` "
                             "line 1 still imports it: ImportError when it is imported")
    assert found.replacement == "def assist(x):" and notes == []  # nothing to accept


def test_an_import_the_diff_shows_gets_the_finding(repo):
    (found,), _ = review(repo, {"pkg/util.py": UTIL.replace("helper", "assist"),
                                "pkg/app.py": APP.replace("helper\n", "helper\nimport os\n", 1)})
    assert (found.path, found.line, found.column, found.end_column) == ("pkg/app.py", 1, 21, 27)
    assert "`pkg.util` no longer has `helper`" in found.message


def test_an_import_the_diff_does_not_show_is_named_where_the_name_was_removed(repo):
    (found,), _ = review(repo, {"pkg/util.py": UTIL.replace("helper", "assist"),
                                "pkg/app.py": APP + "\n" * 6 + "X = 1\n"})
    assert (found.path, found.line) == ("pkg/util.py", 1)
    assert "`pkg/app.py` line 1 still imports it" in found.message


def test_a_relative_import_is_an_import_too(repo):
    commit(repo, {"pkg/app.py": APP.replace("pkg.util", ".util")}, "relative")
    (found,), _ = review(repo, {"pkg/util.py": UTIL.replace("def helper", "def assist")})
    assert "`pkg/app.py` line 1" in found.message


@pytest.mark.parametrize("importer", [
    # another branch handles the ImportError
    "try:\n    from pkg.util import helper\nexcept ImportError:\n    helper = None\n",
    # imported where it is used: not this check's to say
    "def run():\n    from pkg.util import helper\n    return helper(1)\n",
])
def test_guarded_and_local_imports_are_left_alone(repo, importer):
    commit(repo, {"pkg/app.py": importer}, "guarded")
    assert review(repo, {"pkg/util.py": UTIL.replace("helper", "assist")}) == ([], [])


def test_a_module_that_makes_names_at_run_time_is_left_alone(repo):
    dynamic = UTIL.replace("helper", "assist") + "\n\ndef __getattr__(name):\n    return assist\n"
    assert review(repo, {"pkg/util.py": dynamic}) == ([], [])


def test_a_submodule_is_still_importable_from_its_package(repo):
    commit(repo, {"pkg/__init__.py": "from . import util\n",
                  "pkg/app.py": "from pkg import util\n"}, "package import")
    assert review(repo, {"pkg/__init__.py": ""}) == ([], [])


def test_a_deleted_module_still_imported_is_a_note(repo):
    found, notes = review(repo, {}, removed=("pkg/util.py",))
    assert found == []
    assert notes == ["imports: `pkg/app.py` line 1 still imports `helper` from `pkg.util`, "
                     "which this change deletes: ImportError when it is imported"]


def test_a_module_that_became_a_package_keeps_its_names(repo):
    found = review(repo, {"pkg/util/__init__.py": UTIL}, removed=("pkg/util.py",))
    assert found == ([], [])


def test_a_moved_module_still_imported_by_its_old_name_is_a_note(repo):
    found, notes = review(repo, {"pkg/tools.py": UTIL}, removed=("pkg/util.py",))
    assert found == [] and "which this change moves to `pkg/tools.py`" in notes[0]


@pytest.mark.ml
def test_the_review_reports_the_stale_import_with_its_findings(repo):
    head = commit(repo, {"pkg/util.py": UTIL.replace("helper", "assist")}, "rename")
    notes: list[str] = []
    found = find_bugs(diff_from_git(str(repo), f"{head}^..{head}"),
                      LocalCheckout(str(repo), head), notes)
    assert [(f.kind, f.path, f.line) for f in found] == [("stale_import", "pkg/util.py", 1)]


def test_a_module_that_became_a_package_keeps_its_submodules(repo):
    commit(repo, {"pkg/util.py": UTIL + "\n\ndef parse():\n    pass\n",
                  "pkg/app.py": "from pkg.util import parse\n"}, "a parse function")
    found = review(repo, {"pkg/util/__init__.py": UTIL, "pkg/util/parse.py": "X = 1\n"},
                   removed=("pkg/util.py",))
    assert found == ([], [])  # `parse` is now the submodule pkg.util.parse


def test_a_deleted_module_that_the_package_aliases_in_sys_modules_is_left_alone(repo):
    commit(repo, {"pkg/__init__.py": "import sys\nfrom .core import util as _util\n"
                                     "sys.modules['pkg.util'] = _util\n",
                  "pkg/core/__init__.py": "", "pkg/core/util.py": UTIL}, "an alias")
    assert review(repo, {}, removed=("pkg/util.py",)) == ([], [])


def test_a_module_whose_new_text_is_unknown_removes_nothing(repo):
    head = commit(repo, {"pkg/util.py": UTIL.replace("helper", "assist")}, "rename")
    diff = diff_from_git(str(repo), f"{head}^..{head}")
    diff.files[0].new_content = None  # as a pull request's file too large to fetch
    notes: list[str] = []
    assert stale_import_findings(diff, LocalCheckout(str(repo), head), notes) == []
    assert notes == []  # not "which this change deletes"


def test_no_checkout_no_reading(repo):
    assert review(repo, {"pkg/util.py": ""}, with_checkout=False) == ([], [])


def test_module_names_include_imports_and_refuse_star_imports():
    assert module_names("import os.path\nfrom a import b as c\nif X:\n    def f(): pass\n") == {
        "os", "c", "f"}
    assert module_names("from a import *\n") is None
    assert module_names("def f(:\n") is None


def test_imported_from_resolves_relative_imports():
    text = "from . import util\nfrom ..other import thing\nfrom pkg.util import (\n    a,\n)\n"
    assert imported_from(text, "pkg/sub/mod.py", "pkg.sub") == {"util": (1, 14, 18)}
    assert imported_from(text, "pkg/sub/mod.py", "pkg.other") == {"thing": (2, 20, 25)}
    assert imported_from(text, "pkg/sub/mod.py", "pkg.util") == {"a": (4, 4, 5)}
