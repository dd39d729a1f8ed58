"""Repairs no developer would make are left out of the learned detector's findings."""

from __future__ import annotations

import ast

import numpy as np

from bugmodel.detection import detect_files
from bugmodel.plausible_repairs import (
    fold_into_no_bug,
    implausible_in_unit,
    implausible_repairs,
    sole_returns,
)
from synthdata.rewrites import enumerate_candidates
from synthdata.source import SourceText


def judged(text: str) -> list[tuple[str, str, bool]]:
    """(kind, replacement, implausible) of every candidate of the file."""
    tree = ast.parse(text)
    src = SourceText(text)
    candidates = enumerate_candidates(text, tree, tree.body, 24, src)
    masked = implausible_repairs(src, candidates, sole_returns(tree, src))
    return [(c.kind, c.replacement, i in masked) for i, c in enumerate(candidates)]


def masked(text: str, kind: str, replacement: str) -> bool:
    found = [m for k, r, m in judged(text) if k == kind and r == replacement]
    assert found, f"no {kind} candidate → {replacement!r}"
    return all(found)


def test_making_a_one_statement_function_the_identity_is_implausible():
    assert masked("def inc(x):\n    return x + 1\n", "off_by_one", "x")
    assert masked('def dec(x):\n    """One less."""\n    return x - 1\n', "off_by_one", "x")
    assert masked("inc = lambda x: x + 1\n", "off_by_one", "x")
    # Not the function's whole point: a bound computed from a local, or an attribute.
    assert not masked("def last(xs):\n    n = len(xs)\n    return n - 1\n", "off_by_one", "n")
    assert not masked("def nxt(self):\n    return self.i + 1\n", "off_by_one", "self.i")
    # A method returning its receiver does so for a reason (a synthetic test bug's fix).
    assert not masked("def __deepcopy__(self, memo):\n    return memo\n", "return_variable",
                      "self")


def test_an_indented_method_is_judged_as_its_class_would_have_it():
    text = "    def inc(self, x):\n        return x + 1\n"
    wrapped = "if True:\n" + text
    tree = ast.parse(wrapped)
    src = SourceText(wrapped)
    candidates = enumerate_candidates(wrapped, tree, tree.body[0].body, 24, src)
    in_unit = [type(c)(c.kind, c.start - 9, c.end - 9, c.replacement) for c in candidates]
    identity = {i for i, c in enumerate(in_unit) if c.replacement == "x"}
    assert identity and identity == implausible_in_unit(text, in_unit)
    assert implausible_in_unit("def f(:\n", in_unit) == set()  # does not parse: nothing judged


def test_folding_moves_a_repairs_mass_to_no_bug_and_keeps_the_others():
    row = np.log(np.array([0.2, 0.5, 0.3]))
    folded = fold_into_no_bug(row, [1])
    assert np.isneginf(folded[1]) and folded[2] == row[2]
    assert np.isclose(np.exp(folded[0]), 0.7)
    assert fold_into_no_bug(row, []) is row


def test_detection_reports_no_implausible_repair_even_at_threshold_zero(tiny_model):
    files = [("numbers.py", "def inc(x):\n    return x + 1\n\n\ndef dec(x):\n    return x - 1\n")]
    findings = detect_files(files, threshold=0.0, model_dir=tiny_model).findings
    assert findings and not [f for f in findings if f.replacement == "x"]
