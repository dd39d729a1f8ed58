"""Rewrites: injection then enumeration contains the inverse repair, for every kind."""

from __future__ import annotations

import ast
import random

import pytest

from synthdata.dataset import inject
from synthdata.rewrites import KINDS, Candidate, enumerate_candidates

# One function exercising every rewrite family (each kind has an injectable site here).
SAMPLE = '''def scan(items, limit, seen=None):
    """Collect items below a limit."""
    if seen is None:
        return
    total = 0
    count = len(items)
    result = []
    while count > 0:
        item = items[count - 1]
        if item < limit and item not in seen:
            result.append(item)
            total = total + item * 2
        else:
            seen.add(item)
        count -= 1
    flag = not result
    pair = divmod(total, limit)
    items.sort(key=None, reverse=True)
    if flag:
        print(items.count, items.index, items.count(0), items.index(0))
    value = result if flag else seen
    return total
'''


def test_every_kind_is_injectable_into_the_sample():
    """The sample offers at least one candidate of each kind, so the per-kind test is real."""
    kinds = {c.kind for c in enumerate_candidates(SAMPLE)}
    assert kinds == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_injection_then_enumeration_contains_the_inverse_repair(kind):
    """For each kind, several random injections each have a repair restoring the clean text."""
    rng = random.Random(kind)
    for _ in range(5):
        injection = inject(SAMPLE, rng, kind=kind)
        assert injection is not None, kind
        assert injection.kind == kind
        assert injection.buggy != SAMPLE
        ast.parse(injection.buggy)
        repair = injection.candidates[injection.target]
        assert repair.apply(injection.buggy) == SAMPLE


def test_dropped_statement_kinds_are_injected_by_deleting():
    """Dropped return/increment/guard bugs remove code; re-adding it is only the repair."""
    rng = random.Random(0)
    for kind in ("dropped_return", "dropped_increment", "dropped_guard"):
        injection = inject(SAMPLE, rng, kind=kind)
        assert len(injection.buggy) < len(SAMPLE)
        assert injection.candidates[injection.target].replacement != ""


def test_comparison_candidate_spans_cover_exactly_the_operator():
    """`a <= b` yields candidates replacing only the `<=` characters."""
    text = "def f(a, b):\n    return a  <=  b\n"
    comparisons = [c for c in enumerate_candidates(text) if c.kind == "comparison"]
    assert {text[c.start : c.end] for c in comparisons} == {"<="}
    assert Candidate("comparison", comparisons[0].start, comparisons[0].end, "<").apply(
        text) == "def f(a, b):\n    return a  <  b\n"


def test_spans_are_character_offsets_on_non_ascii_lines():
    """ast's byte columns are converted: the span after a non-ASCII string is still exact."""
    text = "def f(x):\n    return 'é' if x == 1 else 'ü'\n"
    (cand,) = [c for c in enumerate_candidates(text) if c.replacement == "!="]
    assert text[cand.start : cand.end] == "=="


def test_every_candidate_of_the_sample_produces_valid_python():
    """Applying any candidate keeps the code parseable."""
    for cand in enumerate_candidates(SAMPLE):
        ast.parse(cand.apply(SAMPLE))


def test_enumeration_is_restricted_to_the_given_scope():
    """With a scope, no candidate falls outside that function's text."""
    text = "def a(x):\n    return x + 1\n\ndef b(y):\n    return y - 1\n"
    tree = ast.parse(text)
    start = text.index("def b")
    cands = enumerate_candidates(text, tree, [tree.body[1]])
    assert cands and all(c.start >= start for c in cands)


def _repairs(buggy: str) -> set[str]:
    """Every text one candidate of `buggy` turns it into."""
    return {cand.apply(buggy) for cand in enumerate_candidates(buggy)}


@pytest.mark.parametrize(("buggy", "fixed"), [
    # None checks and truthiness, both ways (real fixes switch `x is None` and `not x`)
    ("def f(q):\n    if q is None:\n        return 1\n",
     "def f(q):\n    if not q:\n        return 1\n"),
    ("def f(q):\n    if not q:\n        return 1\n",
     "def f(q):\n    if q is None:\n        return 1\n"),
    ("def f(q):\n    while q.next:\n        q = q.next\n",
     "def f(q):\n    while q.next is not None:\n        q = q.next\n"),
    ("def f(q, r):\n    return [x for x in q if x is not None and r]\n",
     "def f(q, r):\n    return [x for x in q if x and r]\n"),
    # an instance attribute where the local of the same name was meant, and back
    ("class C:\n    def f(self, prefix):\n        self.prefix = self.prefix.upper()\n",
     "class C:\n    def f(self, prefix):\n        self.prefix = prefix.upper()\n"),
    ("class C:\n    def f(self, size):\n        self.size = 2\n        return size + 1\n",
     "class C:\n    def f(self, size):\n        self.size = 2\n        return self.size + 1\n"),
    # arguments swapped that are not neighbours
    ("def f(a, b, c):\n    return g(c, b, a)\n", "def f(a, b, c):\n    return g(a, b, c)\n"),
    # the called function or method swapped for its counterpart
    ("def f(a, b):\n    return min(a, b)\n", "def f(a, b):\n    return max(a, b)\n"),
    ("def f(s):\n    return s.startswith('x')\n", "def f(s):\n    return s.endswith('x')\n"),
])
def test_enumeration_expresses_real_fix_patterns(buggy, fixed):
    """Patterns seen in mined real fixes are among the repairs of the buggy code."""
    assert fixed in _repairs(buggy)
    assert buggy in _repairs(fixed)  # and the rewrite is symmetric, so it can be injected
