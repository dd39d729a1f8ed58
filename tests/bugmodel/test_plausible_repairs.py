"""Repairs no developer would make are left out of the learned detector's findings."""

from __future__ import annotations

import ast

import numpy as np

from bugmodel.detection import detect_files
from bugmodel.plausible_repairs import (
    discarded_return_sites,
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
    masked = implausible_repairs(src, candidates, sole_returns(tree, src),
                                 discarded_return_sites(tree, src))
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


def added_return(text: str, before: str) -> bool:
    """Whether the candidate adding `return` before the statement starting `before` is masked."""
    at = text.index(before)
    tree, src = ast.parse(text), SourceText(text)
    candidates = enumerate_candidates(text, tree, tree.body, 24, src)
    found = [i for i, c in enumerate(candidates)
             if c.kind == "dropped_return" and c.start == c.end == at]
    assert found, f"no added `return` before {before!r}"
    return found[0] in implausible_repairs(src, candidates, sole_returns(tree, src),
                                           discarded_return_sites(tree, src))


def test_a_return_whose_value_nothing_sees_is_implausible():
    # Returning a value from `__init__` raises TypeError; a setter's is discarded.
    init = ("class E(KeyError):\n    def __init__(self, message):\n"
            "        KeyError.__init__(self, message)\n")
    assert added_return(init, "KeyError.__init__(self")
    setter = ("class C:\n    @size.setter\n    def size(self, value):\n"
              "        self.resize(value)\n")
    assert added_return(setter, "self.resize")
    # A call that returns None returns what falling off the end does.
    assert added_return("def register(f):\n    FILTERS.update(f=f)\n", "FILTERS.update")
    assert added_return("def log(msg):\n    logger.warning(msg)\n", "logger.warning")
    # Elsewhere a missing `return` is a real bug, a closure in `__init__` included.
    assert not added_return("def area(r):\n    compute(r)\n", "compute(r)")
    nested = ("class C:\n    def __init__(self):\n        def key(item):\n"
              "            normalise(item)\n        self.key = key\n")
    assert not added_return(nested, "normalise(item)")


def test_putting_the_instance_first_in_super_is_implausible_and_the_converse_is_not():
    """`super(self, Connection)` raises TypeError; `super(self, Connection)` written by
    mistake is fixed by the swap."""
    code = ("class Connection(Context):\n    def sudo(self, command):\n"
            "        return super({}).sudo(command)\n")
    assert masked(code.format("Connection, self"), "swapped_arguments", "self, Connection")
    assert not masked(code.format("self, Connection"), "swapped_arguments", "Connection, self")
    assert not masked("def f(a, b):\n    return g(a, b)\n", "swapped_arguments", "b, a")


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
