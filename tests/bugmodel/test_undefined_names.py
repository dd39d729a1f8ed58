"""Undefined names across the whole file: what pyflakes reports and the repair offered
(the review's findings and the evaluation's counting: `test_file_checks.py`)."""

from __future__ import annotations

import ast

import pytest

from bugmodel.file_checks import file_findings
from bugmodel.undefined_names import (
    silenced_lines,
    unbound_reads,
    undefined_names,
    version_guarded_lines,
)

POOL = '''import ctypes


class Pool:
    def __init__(self):
        self.pool = []

    def size(self):
        return len(pool)


def load(path):
    return ctypess.CDLL(path)
'''

DEFINED_ELSEWHERE = '''try:
    text_type = unicode
except NameError:
    text_type = str


def first(items):
    return helper(items)[0] if items else max([x for x in items])


def helper(items):
    global COUNT
    COUNT = len(items)
    return sorted(items)


class Config:
    NAME = "x"
    LABEL = NAME.upper()
'''


def test_a_typo_and_a_missing_self_are_reported_with_their_repairs():
    found = [(u.line, u.name, u.replacement) for u in undefined_names(POOL)]
    assert found == [(9, "pool", "self.pool"), (13, "ctypess", "ctypes")]


def test_a_method_of_the_class_read_without_self_is_repaired_with_self():
    """gunicorn's `write_file` called `can_sendfile()`, the method its class had just gained;
    the fix was `self.can_sendfile()`, not the module's `sendfile`."""
    code = '''try:
    from os import sendfile
except ImportError:
    sendfile = None


class Response:
    chunked = False

    def can_sendfile(self):
        return sendfile is not None

    def write_file(self, data):
        if can_sendfile() and not chunked:
            return sendfile(data)
'''
    found = [(u.name, u.replacement) for u in undefined_names(code)]
    assert found == [("can_sendfile", "self.can_sendfile"), ("chunked", "self.chunked")]
    message = file_findings(code)[0].message
    assert "the class around it has it as an attribute; probably `self.can_sendfile`" in message


def test_names_bound_anywhere_in_the_file_are_not_reported():
    """Defined below their use, a comprehension's variable, `global`, a class attribute read
    in the class body, a builtin, and a Python 2 name guarded by `except NameError`."""
    assert undefined_names(DEFINED_ELSEWHERE) == []


def test_a_star_import_and_an_unlike_name_give_no_guess():
    assert undefined_names("from os import *\n\ndef f():\n    return getcwd()\n") == []
    (name,) = undefined_names("def f():\n    return zqxw + 1\n")
    assert (name.line, name.column, name.replacement) == (2, 11, None)


def test_columns_count_characters_after_non_ascii_text():
    (name,) = undefined_names('def f():\n    return "é" + valeu\n\nvalue = 1\n')
    assert (name.column, name.end_column, name.replacement) == (17, 22, "value")


def test_a_method_without_self_is_told_apart_from_a_name_nothing_defines():
    code = '''class Logger:
    def error(self, msg):
        return msg

    def log(lvl, msg):
        return self.error(msg), undefined_thing
'''
    found = undefined_names(code)
    assert [(u.name, u.replacement, u.bound_elsewhere) for u in found] == [
        ("self", None, True), ("undefined_thing", None, False)]

    messages = [f.message for f in file_findings(code)]
    assert "only another scope of this file defines it (a missing parameter?)" in messages[0]
    assert "probably" not in messages[0]
    assert "nothing in this file defines it; a typo or a missing import?" in messages[1]


def test_unbound_reads_leaves_out_the_skipped_lines_and_broken_texts():
    text = "x = _('hi')\nprint(assertEqual)\n"
    assert unbound_reads(text) == {"_", "assertEqual"}
    assert unbound_reads(text, skip_lines={2}) == {"_"}
    assert unbound_reads("def f(:\n") == set()


def test_silenced_lines_reads_noqa_comments_and_their_codes():
    code = 'a = 1  # noqa\nb = "# noqa"\nc = 2  # noqa: e501, F821\nd = (  # NoQA:F\n  3)\n'
    assert silenced_lines(code) == {1: frozenset(), 3: frozenset({"E501", "F821"}),
                                    4: frozenset({"F"})}
    assert silenced_lines('s = """\n') == {}  # an unterminated string: nothing read


def test_version_guarded_lines_are_both_branches_of_a_version_test_only():
    code = '''import six, sys
if six.PY3:
    a = 1
else:
    a = 2
if sys.version_info < (3, 8):
    b = 3
if debug:
    c = 4
d = 5 if is_py2 else 6
if type('') is not type(b''):
    e = 7
if str is bytes:
    f = 8
if isinstance(value, str):
    g = 9
if isinstance(value, (str, bytes)) or version > 2:
    h = 10
if isinstance(b'', type('')) or sys.version.startswith('2'):
    i = 11
'''
    assert version_guarded_lines(ast.parse(code)) == {3, 5, 7, 10, 12, 14, 20}


def test_a_short_name_gets_no_builtin_and_no_repair_runs_code_from_a_string():
    """gunicorn's `raise ConfigError("%r not found" % val)` meant `path`, not `eval`."""
    found = undefined_names("def f(path):\n    raise ValueError(val)\n")
    assert [(u.name, u.replacement) for u in found] == [("val", None)]
    found = undefined_names("def f(x):\n    return isintance(x, int) and exce(x)\n")
    assert [(u.name, u.replacement) for u in found] == [("isintance", "isinstance"),
                                                         ("exce", None)]


@pytest.mark.parametrize("runner, reported", [
    ('exec(open("h11/_version.py").read())', []),
    ('exec(open("h11/_version.py").read(), globals())', []),
    ('execfile("h11/_version.py")', ["execfile"]),
    ('exec(open("h11/_version.py").read(), namespace)', ["__version__"]),
    ('def load():\n    exec(open("h11/_version.py").read())', ["__version__"]),
])
def test_a_module_that_execs_code_into_its_globals_reports_no_name_read_at_import(runner,
                                                                              reported):
    """h11's setup.py reads `__version__` that `exec(open(...).read())` bound; code run into
    another namespace, or inside a function, binds nothing in the module. A function's read
    is still reported (IPython's `setupbase.py`: `system` for `os.system`), and so is Python 2's
    `execfile` itself, a NameError under Python 3."""
    code = (f"namespace = {{}}\n{runner}\n\nVERSION = __version__\n\n\n"
            f"def run(command):\n    return system(command)\n")
    assert [code.split("\n")[f.line - 1][f.column:f.end_column]
            for f in file_findings(code)] == [*reported, "system"]
    assert "__version__" in unbound_reads(code)  # still evidence the name is provided


def test_a_name_deleted_after_a_star_import_is_not_undefined():
    """funcy's `py3.py` renames what `from .py2 import *` bound and deletes the old names;
    without a star import a deleted unbound name is still a NameError, and so is deleting a
    name a function never bound."""
    renames = "zip_values = izip_values; del izip_values\n"
    assert undefined_names(f"from .py2 import *\n{renames}") == []
    assert [u.name for u in undefined_names(renames)] == ["izip_values", "izip_values"]
    in_function = "from .py2 import *\n\n\ndef clean():\n    del izip_values\n"
    assert [(u.line, u.name) for u in undefined_names(in_function)] == [(5, "izip_values")]
