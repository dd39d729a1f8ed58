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


def test_a_return_is_proposed_only_where_nothing_follows_in_the_same_flow():
    """`return` before a call is a repair at the end of a function, a branch, an except
    handler or a `with` that ends the function, never where it would make code unreachable
    (a call inside `pytest.raises` followed by asserts was a confident false alarm)."""
    text = (
        "def f(x):\n"
        "    with pytest.raises(ValueError):\n"
        "        parse(x)\n"
        "    log(x)\n"
        "    if x:\n"
        "        g(x)\n"
        "    try:\n"
        "        h(x)\n"
        "    except OSError:\n"
        "        k(x)\n"
        "    with open(x) as fh:\n"
        "        load(fh)\n")
    lines = {text[: c.start].count("\n") + 1 for c in enumerate_candidates(text)
             if c.kind == "dropped_return"}
    assert lines == {6, 10, 12}


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
    # a guard on a name the test reads, added and dropped
    ("def f(h):\n    if '://' in h.name:\n        return 1\n",
     "def f(h):\n    if h.name and '://' in h.name:\n        return 1\n"),
    ("class C:\n    def f(self):\n        while self.page.focus():\n            pass\n",
     "class C:\n    def f(self):\n        while self.page is not None and self.page.focus():\n"
     "            pass\n"),
    # any int literal or `len()` may be one off, and `x - 1` may be `x`, wherever they are
    ("def f(s):\n    s.round(1)\n", "def f(s):\n    s.round(2)\n"),
    ("def f(n):\n    m = len(n)\n    return m\n", "def f(n):\n    m = len(n) - 1\n    return m\n"),
])
def test_enumeration_expresses_real_fix_patterns(buggy, fixed):
    """Patterns seen in mined real fixes are among the repairs of the buggy code."""
    assert fixed in _repairs(buggy)
    assert buggy in _repairs(fixed)  # and the rewrite is symmetric, so it can be injected


@pytest.mark.parametrize(("buggy", "fixed"), [
    # a name bound nowhere is a typo of a bound one
    ("def f(self):\n    sself.close()\n", "def f(self):\n    self.close()\n"),
    ("DEFAULT = 1\n\n\ndef f(x):\n    return x or DEFAUALT\n",
     "DEFAULT = 1\n\n\ndef f(x):\n    return x or DEFAULT\n"),
    # an attribute spelt like another attribute of the file (`_x` vs `x`, typos)
    ("class C:\n    def f(self):\n        return self.app\n\n    def g(self):\n"
     "        self._app = 1\n",
     "class C:\n    def f(self):\n        return self._app\n\n    def g(self):\n"
     "        self._app = 1\n"),
    # a local where the class's attribute of that name was meant (used in another method)
    ("class C:\n    def f(self, environ):\n        return parse(environ)\n\n"
     "    def g(self):\n        return self.environ\n",
     "class C:\n    def f(self, environ):\n        return parse(self.environ)\n\n"
     "    def g(self):\n        return self.environ\n"),
])
def test_enumeration_repairs_names_from_the_whole_file(buggy, fixed):
    """Typos and instance attributes are found among the names the file defines."""
    tree = ast.parse(buggy)
    function = tree.body[-1] if isinstance(tree.body[-1], ast.FunctionDef) else \
        tree.body[-1].body[0]
    repairs = {c.apply(buggy) for c in enumerate_candidates(buggy, tree, [function])}
    assert fixed in repairs


def test_defined_names_get_no_typo_candidates():
    """Bound names (locals, module names, builtins, imports) are not treated as typos."""
    text = "import os\nLIMIT = 3\n\n\ndef f(items):\n    return len(items) < LIMIT or os\n"
    tree = ast.parse(text)
    names = {c.replacement for c in enumerate_candidates(text, tree, [tree.body[-1]])
             if c.kind == "variable_misuse"}
    assert "LIMIT" not in names and "os" not in names


def test_an_operand_too_many_can_be_dropped():
    """`x is None or x > 0` -> `x > 0` (a one-way repair: nothing says which operand to add)."""
    assert "def f(r):\n    return r > 0\n" in _repairs("def f(r):\n    return r is None or r > 0\n")
    for text in _repairs("def f(r, q, s):\n    return (r and q) or s\n"):
        ast.parse(text)  # cuts through the parentheses are skipped
