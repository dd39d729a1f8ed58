"""The whole-file checks: what each reports and repairs, what it leaves alone, the review's
findings for them and how the evaluation counts them."""

from __future__ import annotations

import numpy as np
import pytest

from bugmodel.calibration import Scaling
from bugmodel.cases import Case, unit_file_findings
from bugmodel.detection import detect
from bugmodel.evaluate import THRESHOLDS, Judged, fit_threshold, metrics
from bugmodel.file_checks import file_findings
from bugmodel.file_finding import PROBABILITY
from synthdata.source import SourceText

from .test_bug_detect import assert_findings_are_exact_edits
from .test_undefined_names import POOL

DEFECTS = '''import re


def axis(kind, size):
    if kind is "linear":
        return size
    if (kind) is not 'log':
        raise NotImplemented("axis %s" % kind)
    return "{0} {1}".format(kind)


def slug(text):
    return re.sub(r"\\W+", "-", text, re.IGNORECASE | re.ASCII)


class Reader:
    def read(self):
        return 1


class Parser(Reader):
    def read(self):
        return super(Writer, self).read() + super.read()


class Writer:
    pass
'''

CORRECT = '''import re


def axis(kind, size=None, unit=None):
    if kind is None or size is True or unit is ...:
        return NotImplemented
    if kind == "linear":
        raise NotImplementedError("axis %s, %s" % (kind, size))
    return "{0} {1}".format(kind, size) + "%(unit)s" % {"unit": unit}


def words(text):
    first, rest = re.split(r"\\s+", text, 1)
    return re.sub(r"\\W+", "-", rest, count=1, flags=re.I), first


class Base:
    def read(self):
        return 1


class Middle(Base):
    pass


class Leaf(Middle):
    def read(self):
        return super(Middle, self).read() + super(Leaf, self).read() + super().read()
'''


def _applied(text: str, found) -> str:
    src = SourceText(text)
    start = src.line_start(found.line) + found.column
    return text[:start] + found.replacement + text[src.line_start(found.end_line)
                                                   + found.end_column:]


def test_each_defect_is_reported_with_its_repair():
    found = file_findings(DEFECTS)
    assert [(f.line, f.kind) for f in found] == [
        (5, "identity_literal"), (7, "identity_literal"), (8, "raise_not_implemented"),
        (9, "format_mismatch"), (13, "regex_flag_as_count"), (23, "wrong_super"),
        (23, "wrong_super")]
    repaired = [_applied(DEFECTS, f).split("\n")[f.line - 1].strip() for f in found]
    assert repaired == [
        'if kind == "linear":', "if (kind) != 'log':",
        'raise NotImplementedError("axis %s" % kind)', 'return "{0} {1}".format(kind)',
        'return re.sub(r"\\W+", "-", text, flags=re.IGNORECASE | re.ASCII)',
        "return super(Parser, self).read() + super.read()",
        "return super(Writer, self).read() + super().read()"]
    by_kind = {f.kind: f for f in found}
    assert by_kind["format_mismatch"].effect == "exception"  # `{1}` has no argument
    assert by_kind["raise_not_implemented"].effect == "exception"
    assert "count" in by_kind["regex_flag_as_count"].message


def test_correct_code_is_left_alone():
    """Identity with None/True/..., NotImplemented returned, formats that match, a real
    maxsplit and keyword flags, `super` given the class itself or one it builds on."""
    assert file_findings(CORRECT) == []


def test_an_unused_format_argument_is_a_wrong_text_not_an_exception():
    (found,) = file_findings('def f(code):\n    return "code %s".format(code)\n')
    assert (found.kind, found.effect) == ("format_mismatch", "wrong result")
    assert "unused" in found.message


@pytest.mark.parametrize("code", ["", "x = (\n", "def f(:\n"])
def test_empty_and_broken_files(code):
    if code:
        with pytest.raises(SyntaxError):
            file_findings(code)
    else:
        assert file_findings(code) == []


def test_a_multi_line_finding_keeps_its_lines_inside_the_unit():
    text = 'def f(a):\n    return ("{0}"\n            "{1}".format(a))\n'
    (found,) = file_findings(text)
    assert (found.line, found.end_line) == (2, 3)
    assert unit_file_findings([found], 2, "    return 1\n") == []  # ends past the unit
    (shifted,) = unit_file_findings([found], 2, "a\nb\n")
    assert (shifted.line, shifted.end_line) == (1, 2)


def test_the_review_reports_a_check_on_a_changed_line_only(tiny_model):
    changed_line = POOL.split("\n").index("    return ctypess.CDLL(path)") + 1
    findings = detect([("pool.py", POOL)], {"pool.py": {changed_line}}, model_dir=tiny_model)
    assert [(f.line, f.kind, f.replacement) for f in findings] == [
        (changed_line, "undefined_name", "ctypes")]
    assert findings[0].probability == PROBABILITY["undefined_name"]
    assert findings[0].severity == "high" and "NameError" in findings[0].message
    assert_findings_are_exact_edits(POOL, findings)
    # An operator asking for more certainty than the check has hides it too.
    assert detect([("pool.py", POOL)], {"pool.py": {changed_line}}, threshold=0.99,
                  model_dir=tiny_model) == []


def test_the_review_shows_every_defect_as_an_exact_edit(tiny_model):
    findings = detect([("axis.py", DEFECTS)], {"axis.py": set(range(1, 14))},
                      model_dir=tiny_model)
    assert {f.kind for f in findings} >= {"identity_literal", "raise_not_implemented",
                                          "format_mismatch", "regex_flag_as_count"}
    assert_findings_are_exact_edits(DEFECTS, findings)
    message = next(f.message for f in findings if f.kind == "raise_not_implemented")
    assert "NotImplementedError" in message and "raise at run time" in message


def _case(buggy: bool) -> tuple[Case, Judged]:
    """A unit reading the undefined `c` on line 3, and the ranker's verdict on it."""
    text = "def f(a):\n    b = a + 1\n    return c\n"
    case = Case("real", "dev", "wrong_variable" if buggy else "clean", "f", text, "", [],
                bug_lines=(3, 3) if buggy else None, fixed_text=text.replace("c\n", "b\n"))
    case.checked = file_findings(text)
    judged = Judged([0], np.array([2.0, 0.0]), checked=case.checked[0])
    return case, judged


def test_the_evaluation_counts_a_check_first_and_always_flagged():
    (bug, bug_judged), (clean, clean_judged) = _case(True), _case(False)
    m = metrics([bug, clean], [bug_judged, clean_judged], scaling=Scaling(), threshold=0.99)
    assert m["top1_localisation"] == 1.0 and m["recall"] == 1.0 and m["findings"] == 2
    assert m["precision"] == 0.5
    assert m["joint"] == 0.0  # `c` is like no bound name: no repair to compare with the fix
    # Each unit's best finding counts in the band of the probability it is shown with: the
    # check's 0.92 (0.9 to 0.95), right on the bug, wrong on clean code.
    assert [b for b in m["finding_reliability"] if b["findings"]] == [
        {"from": 0.9, "findings": 2, "right": 1}]
    # Checks' findings on clean code spend the false-alarm budget before the model's do.
    assert fit_threshold([clean], [clean_judged], Scaling()) == THRESHOLDS[-1]


def test_a_check_whose_repair_is_the_fix_counts_as_joint():
    text = 'def f(k):\n    return k is "x"\n'
    case = Case("real", "dev", "other", "f", text, "", [], bug_lines=(2, 2),
                fixed_text=text.replace(" is ", " == "))
    case.checked = file_findings(text)
    judged = Judged([0], np.array([2.0, 0.0]), checked=case.checked[0])
    assert metrics([case], [judged], scaling=Scaling(), threshold=0.99)["joint"] == 1.0


def test_documentation_snippets_are_left_out(tiny_model):
    """Example code is read in pieces: its undefined names are on purpose."""
    snippet = "async def dependency_a():\n    dep_a = generate_dep_a()\n    yield dep_a\n"

    def named(path: str) -> list[int]:
        return [f.line for f in detect([(path, snippet)], model_dir=tiny_model)
                if f.kind == "undefined_name"]

    assert named("docs_src/dependencies/tutorial008.py") == []
    assert named("app/dependencies.py") == [2]


def test_a_unit_with_a_check_reports_only_that(tiny_model):
    """At threshold 0 every unit reports its best candidate; the unit reading `ctypess`
    reports the undefined name instead, the other units their candidates as before."""
    findings = detect([("pool.py", POOL)], threshold=0.0, model_dir=tiny_model)
    load = [f for f in findings if f.line >= POOL.split("\n").index("def load(path):") + 1]
    assert [f.kind for f in load] == ["undefined_name"]
    assert any(f.kind != "undefined_name" for f in findings)


def test_a_python2_builtin_is_its_own_kind_with_its_python3_spelling(tiny_model):
    """In code of the Python 2 era `xrange` is often not the bug a later commit fixed (9 of 24
    on real train): its probability says so, and an operator's threshold above it hides it."""
    code = "def evens(n):\n    return [i for i in xrange(n) if i % 2 == 0]\n"
    (found,) = file_findings(code)
    assert (found.kind, found.replacement) == ("python2_name", "range")
    assert found.probability < PROBABILITY["undefined_name"]
    shown = detect([("evens.py", code)], {"evens.py": {2}}, model_dir=tiny_model)
    assert [f.kind for f in shown] == ["python2_name"]
    assert "Python 2" in shown[0].message
    assert_findings_are_exact_edits(code, shown)
    assert detect([("evens.py", code)], {"evens.py": {2}}, threshold=0.5,
                  model_dir=tiny_model) == []


CHAI_TEST = '''from chai import Chai


class ParserTests(Chai):
    def test_date(self):
        assertEqual(parse("2013-02-03").day, 3)
'''


def test_a_name_the_code_before_the_change_already_read_unbound_is_not_reported(tiny_model):
    """chai installs `assertEqual` into builtins: code that read it before the change ran."""
    new = CHAI_TEST + '''
    def test_time(self):
        assertEqual(parse("04:05").hour, 4)
'''
    line = new.split("\n").index('        assertEqual(parse("04:05").hour, 4)') + 1

    def names(base_files: list[tuple[str, set[int]]]) -> list[str]:
        found = detect([("tests/test_parser.py", new)], {"tests/test_parser.py": {line}},
                       model_dir=tiny_model, base_files=base_files)
        return [f.kind for f in found if f.kind == "undefined_name"]

    assert names([]) == ["undefined_name", "undefined_name"]  # assertEqual and parse
    assert names([(CHAI_TEST, set())]) == []
    # Another file of the change counts too: a new test module beside an old one.
    assert names([("x = 1\n", set()), (CHAI_TEST, set())]) == []


def test_a_long_standing_typo_on_a_line_the_change_rewrites_is_still_reported(tiny_model):
    base = "def run(**kwargs):\n    return start(**kwgars)\n\n\ndef start(**kw):\n    return kw\n"
    new = base.replace("start(**kwgars)", "start(debug=True, **kwgars)")
    found = detect([("main.py", new)], {"main.py": {2}}, model_dir=tiny_model,
                   base_files=[(base, {2})])
    assert [(f.line, f.kind) for f in found if f.kind == "undefined_name"] == [
        (2, "undefined_name")]


def test_a_name_whose_binding_the_change_removed_is_still_reported(tiny_model):
    base = "import traceback\n\n\ndef log(exc):\n    traceback.print_exc()\n"
    new = "def log(exc):\n    traceback.print_exception(exc)\n"
    found = detect([("log.py", new)], {"log.py": {1, 2}}, model_dir=tiny_model,
                   base_files=[(base, {1, 5})])
    assert [(f.line, f.kind) for f in found if f.kind == "undefined_name"] == [
        (2, "undefined_name")]



def test_an_undefined_name_s_fix_is_the_import_its_use_fits():
    found, = file_findings("def f(exc):\n    return traceback.format_exc()\n")
    assert found.added_import == "import traceback" and found.replacement == "traceback"
    assert "a missing `import traceback`?" in found.message


COMPAT = '''import sys

PY2 = sys.version_info[0] == 2
if PY2:
    text_type = unicode
else:
    text_type = str
string_types = (str,) if sys.version_info >= (3,) else (basestring,)


def to_text(value):
    return unicode(value)
'''


def test_python2_builtins_in_a_branch_picked_by_the_python_version_are_left_alone():
    """Compatibility code (tornado's, arrow's, httpie's) reads `unicode` where only Python 2
    runs; the same name outside such a branch is still a NameError under Python 3."""
    found = file_findings(COMPAT)
    assert [(f.line, f.kind, f.replacement) for f in found] == [(12, "python2_name", "str")]


def test_python2_builtins_in_a_try_whose_catch_all_is_the_python3_fallback_are_left_alone():
    """boltons' `try: string_types, integer_types = (str, unicode), (int, long)` with a bare
    `except:` whose body is the Python 3 spelling; a handler for something narrower does not
    catch the NameError, nor is one that binds nothing the `try` binds a fallback (gunicorn's
    `except: sys.exit(...)` around `execfile`), and an undefined name that is not Python 2's
    is still reported."""
    code = """try:
    integer_types = (int, long)
except:
    integer_types = (int,)
try:
    text_type = unicode
except Exception:
    text_type = str
try:
    ranger = xrange
except ImportError:
    ranger = range
try:
    value = helpr()
except Exception:
    value = None
path, config = "gunicorn.conf.py", {}
try:
    execfile(path, config)
except:
    raise SystemExit("Could not read config file")
"""
    assert [(f.line, f.kind) for f in file_findings(code)] == [
        (10, "python2_name"), (14, "undefined_name"), (19, "python2_name")]


@pytest.mark.parametrize("comment, reported", [
    ("# noqa", []),
    ("# noqa: F821", []),
    ("# NOQA:E501,F821", []),
    ("# noqa: F8", []),
    ("# noqa: E501", ["undefined_name"]),
    ("# not a noqa", ["undefined_name"]),
])
def test_a_noqa_comment_that_covers_an_undefined_name_silences_it(comment, reported):
    """The developer has said the name is meant (tornado marks its Python 2 names `# noqa`);
    flake8 and ruff stay quiet on such a line, and so does the review."""
    code = f"def f(value):\n    return helper(value)  {comment}\n"
    assert [f.kind for f in file_findings(code)] == reported


def test_a_bare_noqa_silences_every_check_but_a_noqa_in_a_string_does_not():
    code = 'def f(kind):\n    return kind is "linear"  # noqa\n'
    assert file_findings(code) == []
    assert [f.kind for f in file_findings(code.replace("  # noqa", ' or "# noqa"'))] == [
        "identity_literal"]


def test_a_module_read_through_its_attributes_is_a_forgotten_import_not_a_like_name():
    """gunicorn's `warnings.warn(...)` with `warnings` unbound was offered `Warning`; the
    developers added `import warnings`. A bare read keeps the like name, and `self.` first."""
    (found,) = file_findings("def f(path):\n    warnings.warn('pending ' + path, Warning)\n")
    assert (found.added_import, found.replacement) == ("import warnings", "warnings")
    assert "a missing `import warnings`?" in found.message
    (found,) = file_findings("def f(path):\n    return Warningg(path)\n")
    assert (found.added_import, found.replacement) == ("", "Warning")
    (found,) = file_findings("class Log:\n    def __init__(self):\n        self.warnings = []\n\n"
                             "    def add(self):\n        warnings.append(1)\n")
    assert (found.added_import, found.replacement) == ("", "self.warnings")
