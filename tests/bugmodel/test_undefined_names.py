"""Undefined names across the whole file: what pyflakes reports, the repair offered, the
review's findings for them and how the evaluation counts them."""

from __future__ import annotations

import numpy as np

from bugmodel.cases import Case
from bugmodel.detection import detect
from bugmodel.evaluate import Judged, fit_threshold, metrics
from bugmodel.undefined_names import PROBABILITY, undefined_names

from .test_bug_detect import assert_findings_are_exact_edits

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


def test_the_review_reports_an_undefined_name_on_a_changed_line_only(tiny_model):
    changed_line = POOL.split("\n").index("    return ctypess.CDLL(path)") + 1
    findings = detect([("pool.py", POOL)], {"pool.py": {changed_line}}, model_dir=tiny_model)
    assert [(f.line, f.kind, f.replacement) for f in findings] == [
        (changed_line, "undefined_name", "ctypes")]
    assert findings[0].probability == PROBABILITY and findings[0].severity == "high"
    assert "NameError" in findings[0].message
    assert_findings_are_exact_edits(POOL, findings)
    # An operator asking for more certainty than the rule has hides it too.
    assert detect([("pool.py", POOL)], {"pool.py": {changed_line}}, threshold=0.99,
                  model_dir=tiny_model) == []


def _case(buggy: bool) -> tuple[Case, Judged]:
    """A unit reading the undefined `c` on line 3, and the ranker's verdict on it."""
    text = "def f(a):\n    b = a + 1\n    return c\n"
    case = Case("real", "dev", "wrong_variable" if buggy else "clean", "f", text, "", [],
                bug_lines=(3, 3) if buggy else None, fixed_text=text.replace("c\n", "b\n"))
    case.undefined = undefined_names(text)
    judged = Judged([0], np.array([2.0, 0.0]), named=case.undefined[0])
    return case, judged


def test_the_evaluation_counts_a_named_finding_first_and_always_flagged():
    (bug, bug_judged), (clean, clean_judged) = _case(True), _case(False)
    m = metrics([bug, clean], [bug_judged, clean_judged], temperature=1.0, threshold=0.99)
    assert m["top1_localisation"] == 1.0 and m["recall"] == 1.0 and m["findings"] == 2
    assert m["precision"] == 0.5
    assert m["joint"] == 0.0  # `c` is like no bound name: no repair to compare with the fix
    # Named findings on clean code spend the false-alarm budget before the model's do.
    assert fit_threshold([clean], [clean_judged], 1.0) == 0.99


def test_documentation_snippets_are_left_out(tiny_model):
    """Example code is read in pieces: its undefined names are on purpose."""
    snippet = "async def dependency_a():\n    dep_a = generate_dep_a()\n    yield dep_a\n"

    def named(path: str) -> list[int]:
        return [f.line for f in detect([(path, snippet)], model_dir=tiny_model)
                if f.kind == "undefined_name"]

    assert named("docs_src/dependencies/tutorial008.py") == []
    assert named("app/dependencies.py") == [2]


def test_a_unit_with_an_undefined_name_reports_only_that(tiny_model):
    """At threshold 0 every unit reports its best candidate; the unit reading `ctypess`
    reports the undefined name instead, the other units their candidates as before."""
    findings = detect([("pool.py", POOL)], threshold=0.0, model_dir=tiny_model)
    load = [f for f in findings if f.line >= POOL.split("\n").index("def load(path):") + 1]
    assert [f.kind for f in load] == ["undefined_name"]
    assert any(f.kind != "undefined_name" for f in findings)
