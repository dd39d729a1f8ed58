"""What the rest of a reviewed repository says about a change's names: the unchanged files
beside a changed file read a name unbound (so it is provided at run time), or another module
defines a name the change reads undefined (so the message says where to import it from)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reviewapp.findings import find_bugs
from reviewapp.findings.checkout import ArchiveCheckout, LocalCheckout
from reviewapp.findings.repository_names import (
    defines,
    import_statement,
    module_name,
    sibling_bases,
)
from reviewapp.hunts.engine.sandbox import SandboxLimits
from reviewapp.ingest.git_source import diff_from_git, tree_archive

HARNESS = ("import glob\n\nfor name in glob.glob('valid/*.py'):\n"
           "    exec(open(name).read(), {'uri': 1})\n")
DATA = "request = {\n    'method': 'GET',\n    'uri': uri('/stuff'),\n}\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                          cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Request data files a harness execs with `uri` bound (gunicorn's tests/requests), and a
    package whose compatibility module defines `reraise` (flask's _compat.py)."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    commit(path, {
        "tests/requests/treq.py": HARNESS,
        "tests/requests/valid/001.py": DATA,
        "tests/requests/valid/002.py": DATA.replace("stuff", "other"),
        "pkg/__init__.py": "",
        "pkg/_compat.py": "import sys\n\nif sys.version_info[0] == 2:\n    pass\nelse:\n"
                          "    def reraise(tp, value, tb=None):\n        raise value\n",
        "pkg/ctx.py": "def pop(exc):\n    return exc\n",
    }, "start")
    return path


def review(repo: Path, files: dict[str, str], *, with_checkout: bool = True,
           from_archive: bool = False) -> list:
    """The findings stage on a commit of `files`; the head read through git, or through an
    archive of it as a pull request's head is (`from_archive`)."""
    head = commit(repo, files, "change")
    diff = diff_from_git(str(repo), f"{head}^..{head}")
    checkout = LocalCheckout(str(repo), head)
    if from_archive:
        checkout = ArchiveCheckout(lambda: tree_archive(str(repo), head, 10_000_000))
    return find_bugs(diff, checkout if with_checkout else None)


@pytest.mark.ml
def test_a_name_the_unchanged_files_beside_read_unbound_is_not_called_undefined(repo):
    new_data = DATA.replace("stuff", "new").replace("GET", "POST")
    assert [f.kind for f in review(repo, {"tests/requests/valid/003.py": new_data},
                                   with_checkout=False)] == ["undefined_name"]
    git(repo, "reset", "-q", "--hard", "HEAD^")
    assert review(repo, {"tests/requests/valid/003.py": new_data}) == []


@pytest.mark.ml
def test_a_name_a_harness_above_binds_for_the_code_it_runs_is_not_called_undefined(repo):
    # A new folder of data files: no file beside vouches for `uri`, the harness does.
    new_data = {"tests/requests/invalid/001.py": DATA, "tests/requests/invalid/002.py": DATA}
    assert [f.kind for f in review(repo, new_data, with_checkout=False)] == [
        "undefined_name", "undefined_name"]
    git(repo, "reset", "-q", "--hard", "HEAD^")
    assert review(repo, new_data) == []


@pytest.mark.ml
def test_a_harness_binds_names_only_for_files_at_or_below_its_folder(repo):
    findings = review(repo, {"pkg/request.py": DATA})
    assert [(f.kind, f.line) for f in findings] == [("undefined_name", 3)]


@pytest.mark.ml
def test_a_pull_requests_archive_gives_the_same_evidence_and_hints(repo):
    new_data = DATA.replace("stuff", "new").replace("GET", "POST")
    assert review(repo, {"tests/requests/valid/003.py": new_data}, from_archive=True) == []
    findings = review(repo, {"pkg/ctx.py": "def pop(exc):\n    reraise(type(exc), exc)\n"},
                      from_archive=True)
    assert "a missing `from pkg._compat import reraise`?" in findings[0].message


def test_an_archive_is_downloaded_once_for_both_readers_and_the_sandbox(repo):
    downloads = []

    def fetch() -> bytes:
        downloads.append(1)
        return tree_archive(str(repo), "HEAD", 10_000_000)

    checkout = ArchiveCheckout(fetch)
    assert set(checkout.files_beside(["tests/requests/valid"], ".py", 5)) == {
        "tests/requests/valid/001.py", "tests/requests/valid/002.py"}
    assert list(checkout.files_matching("def[ \t]+reraise", ".py", 5)) == ["pkg/_compat.py"]
    with checkout.open(SandboxLimits()) as box:
        assert (box.work / "pkg" / "ctx.py").exists()
    assert downloads == [1]


@pytest.mark.ml
def test_a_name_no_file_beside_reads_is_still_reported(repo):
    typo = DATA.replace("uri(", "url(")
    findings = review(repo, {"tests/requests/valid/003.py": typo})
    assert [(f.kind, f.line) for f in findings] == [("undefined_name", 3)]


@pytest.mark.ml
def test_an_undefined_names_message_says_which_module_defines_it(repo):
    findings = review(repo, {"pkg/ctx.py": "def pop(exc):\n    reraise(type(exc), exc)\n"})
    assert [(f.kind, f.line) for f in findings] == [("undefined_name", 2)]
    assert "`pkg/_compat.py` defines it: a missing `from pkg._compat import reraise`?" in \
        findings[0].message


@pytest.mark.ml
def test_the_import_is_the_fix_in_the_file_s_own_import_style(repo):
    absolute, = review(repo, {"pkg/ctx.py": "def pop(exc):\n    reraise(type(exc), exc)\n"})
    assert absolute.added_import == "from pkg._compat import reraise"
    git(repo, "reset", "-q", "--hard", "HEAD^")
    relative, = review(repo, {"pkg/ctx.py": "from . import _compat\n\n\ndef pop(exc):\n"
                                            "    reraise(type(exc), exc)\n"})
    assert relative.added_import == "from ._compat import reraise"


@pytest.mark.ml
def test_a_standard_module_keeps_its_import_though_the_repository_binds_the_name(repo):
    commit(repo, {"pkg/log.py": "traceback = None\n"}, "a module-level traceback")
    found, = review(repo, {"pkg/ctx.py": "def pop(exc):\n    return traceback.format_exc()\n"})
    assert found.added_import == "import traceback" and "pkg/log.py" not in found.message


@pytest.mark.parametrize(("path", "text", "module", "statement"), [
    ("flask/app.py", "import os\n", "flask._compat", "from flask._compat import reraise"),
    ("flask/app.py", "from .x import y\n", "flask._compat", "from ._compat import reraise"),
    ("src/flask/json/tag.py", "from ..x import y\n", "flask._compat",
     "from .._compat import reraise"),
    ("flask/json/tag.py", "from . import x\n", "flask.json", "from . import reraise"),
    ("flask/json/__init__.py", "from . import x\n", "flask._compat",
     "from .._compat import reraise"),
    # a relative import reaches only inside the importing file's own package
    ("tests/test_app.py", "from . import x\n", "flask._compat",
     "from flask._compat import reraise"),
    ("flask/app.py", "from .x import y\n", "", ""),
])
def test_import_statement_follows_the_file_s_style(path, text, module, statement):
    assert import_statement(path, text, module, "reraise") == statement


@pytest.mark.ml
def test_a_file_outside_the_package_imports_what_the_package_re_exports(repo):
    commit(repo, {"pkg/__init__.py": "from ._compat import reraise\n"}, "a public reraise")
    outside, = review(repo, {"tools/run.py": "def run(exc):\n    reraise(type(exc), exc)\n"})
    assert outside.added_import == "from pkg import reraise"
    inside, = review(repo, {"pkg/ctx.py": "def pop(exc):\n    reraise(type(exc), exc)\n"})
    assert inside.added_import == "from pkg._compat import reraise"  # no circular import


@pytest.mark.ml
def test_no_import_is_suggested_from_examples_or_tests_into_the_library(repo):
    commit(repo, {"examples/bad.py": "app = object()\n", "tests/helpers.py": "app = 1\n"},
           "an example app")
    found, = review(repo, {"pkg/main.py": "def run():\n    return app\n"})
    assert found.added_import == "" and "a typo or a missing import?" in found.message
    beside, = review(repo, {"tests/test_run.py": "def test_run():\n    assert app\n"})
    assert beside.added_import == "from tests.helpers import app"


@pytest.mark.ml
def test_no_import_is_suggested_for_gettext_s_underscore(repo):
    commit(repo, {"pkg/twisted.py": "_ = None\n"}, "a throwaway at module level")
    found, = review(repo, {"pkg/messages.py": "def hello():\n    return _('Hello')\n"})
    assert found.added_import == "" and "pkg/twisted.py" not in found.message


@pytest.mark.ml
def test_no_import_is_suggested_from_a_method_of_the_same_name(repo):
    commit(repo, {"pkg/errors.py": "class Error:\n    def reraise(self):\n        raise self\n"},
           "a method called reraise")
    findings = review(repo, {"pkg/ctx.py": "def pop(exc):\n    reraise(type(exc), exc)\n"})
    assert "pkg/errors.py" not in findings[0].message


def test_files_the_change_touches_are_not_evidence(repo):
    """The reviewed file's own new text must not excuse its names, nor an old path."""
    head = git(repo, "rev-parse", "HEAD")
    checkout = LocalCheckout(str(repo), head)
    paths = ["tests/requests/valid/001.py"]
    in_diff = {"tests/requests/valid/001.py", "tests/requests/valid/002.py"}
    assert sibling_bases(paths, in_diff, checkout) == []
    assert len(sibling_bases(paths, {"tests/requests/valid/001.py"}, checkout)) == 1


def test_a_checkout_that_cannot_read_its_files_gives_no_evidence(repo, tmp_path):
    assert sibling_bases(["a/b.py"], set(), ArchiveCheckout(lambda: b"")) == []
    assert sibling_bases(["a/b.py"], set(), LocalCheckout(str(tmp_path / "empty"))) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("def reraise(tp):\n    pass\n", True),
    ("try:\n    from six import reraise\nexcept ImportError:\n    reraise = None\n", True),
    ("reraise: object = print\n", True),
    ("a, (b, reraise) = 1, (2, 3)\n", True),
    ("class Base:\n    def reraise(self):\n        pass\n", False),
    ("def outer():\n    reraise = 1\n", False),
    ("def reraise(:\n", False),
])
def test_defines_reads_module_level_bindings_only(text, expected):
    assert defines(text, "reraise") is expected


@pytest.mark.parametrize(("path", "module"), [
    ("flask/_compat.py", "flask._compat"),
    ("src/flask/helpers.py", "flask.helpers"),
    ("pkg/sub/__init__.py", "pkg.sub"),
    ("tools/build-docs.py", ""),
    ("setup.py", "setup"),
])
def test_module_name_is_the_dotted_import_path(path, module):
    assert module_name(path) == module
