"""Placements of issue 18's third Apply round: edge lines that rewrite a labelled comment, a
statement reflowed or spread over lines, a line the segment moved; merges that keep a moved
line, a rewritten definition or an import twice, or code after a raise; the one anchored
merge that parses or binds the names it reads; a new definition's own lines; a block
reopened where it was continued."""

from __future__ import annotations

import pytest

from inference.apply import ApplyFailed, apply_sketch
from inference.merge import _Placement, duplicated_lines
from inference.merge_check import check_merge
from inference.merge_doubts import left_behind
from inference.merge_flow import doubled_imports, unreachable_statements
from inference.sketch import Segment, parse_sketch

DOCTEST = '''def length(value):
    """Check the length.

    Examples:
        >>> length('something')
        # Output: True
        >>> length('')
        # Output: False

    Args:
        value: the text
    """
    return bool(value)
'''


def test_a_labelled_comment_is_rewritten_by_its_text_as_code() -> None:
    """``True`` at the segment's edge rewrites ``# Output: True`` beside it: the comment's
    text after its label is the new line."""
    sketch = ("# existing code\n        True\n        >>> length('')\n        False\n\n"
              "    Args:\n# existing code\n")
    result = apply_sketch(DOCTEST, sketch, path="length.py")
    assert result.text == DOCTEST.replace("# Output: ", "")


def test_a_rewritten_definition_kept_beside_its_old_version_is_a_duplicate() -> None:
    original = ["def check(value):", "    return value"]
    merged = ["def check():", "    return 1", "", "def check(value):", "    return value"]
    assert duplicated_lines(original, merged) == ["def check(value):"]
    setter = ["@property", "def x(self):", "    return 1", "@x.setter", "def x(self, v):",
              "    pass"]
    assert duplicated_lines(setter[:3], setter) == []


def test_a_reordered_segment_moves_the_line_instead_of_keeping_it_twice() -> None:
    original = ("from semver import (\n    bump_patch,\n    bump_prerelease,\n    compare,\n"
                "    finalize_version,\n)\n")
    sketch = ("# ... keep existing code ...\n    compare,\n    bump_prerelease,\n"
              "    finalize_version,\n    # ... keep existing code ...\n")
    result = apply_sketch(original, sketch, path="semver.py")
    assert result.text == original.replace("    bump_prerelease,\n    compare,\n",
                                           "    compare,\n    bump_prerelease,\n")


MATCHES = '''@pytest.mark.parametrize("left,right", [("1.0.0", "=1.0.0")])
def test_unexpected(left, right):
    with pytest.raises(ValueError):
        match(left, right)


@pytest.mark.parametrize(
    "left,right", [("1.0.0", ""), ("1.0.0", "!")]
)
def test_invalid(left, right):
    with pytest.raises(ValueError):
        match(left, right)
'''


def test_a_call_joined_onto_one_line_rewrites_the_lines_it_joins() -> None:
    """The decorator over three lines written on one: its lines are rewritten, not dropped,
    so the placement after the repeated ``match(left, right)`` that replaces them wins over
    the one that keeps them and writes the test a second time."""
    one_line = '@pytest.mark.parametrize("left,right", [("1.0.0", ""), ("1.0.0", "!")])\n'
    sketch = ("# ... previous code ...\n        match(left, right)\n\n\n" + one_line
              + MATCHES[MATCHES.index("def test_invalid"):])
    result = apply_sketch(MATCHES, sketch, path="test_match.py")
    start = MATCHES.index("@pytest.mark.parametrize(\n")
    assert result.text == (MATCHES[:start] + one_line
                           + MATCHES[MATCHES.index("def test_invalid"):])


SIGNATURE = '''class Validator:
    def __init__(
        self,
        schema: dict,
        registry: referencing.jsonschema.SchemaRegistry,
        format_checker: Checker | None = None,
    ) -> None:
        ...

    @classmethod
    def check(cls):
        pass
'''


def test_an_edge_line_replaces_the_old_version_of_a_line_moved_further_in() -> None:
    """``registry: ...,`` moved below ``*,``: the new first line takes its old place
    instead of standing beside it."""
    sketch = ("# ... previous code ...\n        resolver: Any = None,  # deprecated\n"
              "        format_checker: Checker | None = None,\n        *,\n"
              "        registry: referencing.jsonschema.SchemaRegistry = ...,\n"
              "    ) -> None: ...\n\n    @classmethod\n"
              "    # ... previous code ...\n")
    moved = SIGNATURE.replace("        registry: referencing.jsonschema.SchemaRegistry,\n",
                              "        resolver: Any = None,  # deprecated\n")
    expected = moved.replace(
        "    ) -> None:\n        ...\n",
        "        *,\n        registry: referencing.jsonschema.SchemaRegistry = ...,\n"
        "    ) -> None: ...\n")
    assert apply_sketch(SIGNATURE, sketch, path="validators.pyi").text == expected


def test_the_lines_of_a_new_definition_are_not_left_behind() -> None:
    """The new function repeats ``pred = make_pred(pred)`` of the one above: its own line,
    not a line moved away from there."""
    original = ("__all__ = ['select_values', 'compact']\n\n\n"
                'def select_values(pred, coll):\n    """Select values."""\n'
                "    pred = make_pred(pred)\n    return select(lambda pair: pred(pair[1]), coll)\n"
                "\n\ndef compact(coll):\n    return select(bool, coll)\n")
    new = ('def split_keys(pred, coll):\n    """Split by keys."""\n'
           "    pred = make_pred(pred)\n    return yes, no\n\n\n")
    names = "__all__ = ['select_values', 'split_keys', 'compact']\n"
    sketch = (names + "# ... unchanged ...\n    return select(lambda pair: pred(pair[1]), coll)"
              "\n\n\n" + new + "def compact(coll):\n    # ... unchanged ...\n")
    result = apply_sketch(original, sketch, path="colls.py")
    assert result.text == names + original[original.index("\n") + 1:].replace(
        "def compact", new + "def compact")


def test_the_one_anchored_merge_that_parses_is_returned() -> None:
    """The docstring's closing quotes occur twice: the placement that ends at the first
    leaves the old text outside any string; the one that ends at the second parses."""
    original = ('# -*- coding: utf-8 -*-\n"""\n    pkg._compat\n    ~~~~~~~~~~~\n\n'
                "    Compatibility module.\n\n    :license: BSD, see LICENSE for more details.\n"
                '"""\nimport sys\n\n\ndef f():\n    """Doc."""\n    return sys.argv\n')
    head = ('# -*- coding: utf-8 -*-\n"""\npkg._compat\n~~~~~~~~~~~\n\n'
            ':license: BSD, see LICENSE for more details.\n"""\n')
    result = apply_sketch(original, head + "# existing code\n", path="_compat.py")
    assert result.text == head + original[original.index("import sys"):]


HOOKS = '''def test_a():
    out = []

    def m1():
        out.append("init")
        yield None
        out.append("finish")


def test_b(exc):
    out = []

    def m1():
        out.append("init")
        yield None
        out.append("finish")
'''


def test_of_two_copies_the_one_whose_scope_binds_the_new_names_is_rewritten() -> None:
    """``exc`` is bound only in ``test_b``: the edit of the repeated hook is there."""
    new = ('        result = yield\n        assert isinstance(result.exception, exc)\n')
    sketch = ('# existing code\n    def m1():\n        out.append("init")\n' + new
              + '        out.append("finish")\n# existing code\n')
    result = apply_sketch(HOOKS, sketch, path="test_hooks.py")
    head, tail = HOOKS.split("def test_b")
    assert result.text == head + "def test_b" + tail.replace("        yield None\n", new)


LICENSES = ('def license_check(session):\n    """\n    Check licenses.\n    """\n'
            '    session.install("pip-licenses")\n    session.run(\n'
            + "".join(f'        "package-{n}",\n' for n in range(30))
            + '    )\n\n\ndef build(session):\n    pass\n')


def test_a_short_statement_rewrites_one_spread_over_many_lines_whole() -> None:
    """``session.run(...)`` over 32 lines becomes one line: the whole call is replaced, and
    the check counts it as one statement dropped, not 32 lines swallowed."""
    sketch = ('# existing code\n    Check no copyleft licenses.\n    """\n'
              '    session.install("amigpl")\n    session.run("amigpl", "check")\n\n\n'
              "def build(session):\n# existing code\n")
    result = apply_sketch(LICENSES, sketch, path="noxfile.py")
    start, end = LICENSES.index("    Check"), LICENSES.index("\n\n\ndef build")
    assert result.text == (LICENSES[:start] + '    Check no copyleft licenses.\n    """\n'
                           '    session.install("amigpl")\n    session.run("amigpl", "check")'
                           + LICENSES[end:])
    assert check_merge(LICENSES, parse_sketch(sketch), result.text)


def test_a_block_opened_where_the_old_one_continued_is_refused() -> None:
    """``if x:`` where ``elif x:`` stood: whether the branch above goes too is not said."""
    original = ('for token in parsed:\n    if token.type == "at-rule":\n        print("omg")\n'
                '    elif token.type == "declaration":\n        keep(token)\n')
    sketch = ('# ... unchanged ...\n    if token.type == "declaration":\n'
              "        # ... unchanged ...\n")
    with pytest.raises(ApplyFailed):
        apply_sketch(original, sketch, path="sanitize.py")


EXTREMES = '''class AbsMax:
    """Greater than anything.

    Examples:
        >>> AbsMax > 99
        # Output: True
    """


class AbsMin:
    """Less than anything.

    Examples:
        >>> AbsMin < 99
        # Output: True
    """
'''


def test_a_segment_on_repeated_anchors_that_rewrites_labelled_comments_loses_nothing() -> None:
    """``Examples:`` and the closing quotes repeat, but the lines the segment drops are the
    ``# Output: True`` comments it writes as code: a rewrite, not a copy beside them."""
    sketch = ('# (unchanged)\n    Examples:\n        >>> AbsMax() > 99\n        True\n    """\n'
              '# (unchanged)\n    Examples:\n        >>> AbsMin() < 99\n        True\n    """\n')
    expected = EXTREMES.replace("AbsMax >", "AbsMax() >").replace("AbsMin <", "AbsMin() <")
    result = apply_sketch(EXTREMES, sketch, path="extremes.py")
    assert result.text == expected.replace("# Output: True", "True")


def test_a_merge_that_keeps_the_old_line_after_a_new_raise_is_refused() -> None:
    """``raise KeyError(...)`` written for ``msg = ...`` / ``raise KeyError(msg)``: the
    literal reading keeps the old ``raise`` below the new one, where nothing runs."""
    original = ("def popitem(self):\n    try:\n        key = self.choice()\n"
                "    except IndexError:\n        msg = '%s is empty' % type(self).__name__\n"
                "        raise KeyError(msg) from None\n    return key\n")
    sketch = ("# rest unchanged\n        raise KeyError('%s is empty' % type(self).__name__)"
              " from None\n    # rest unchanged\n")
    assert unreachable_statements(original) == 0
    with pytest.raises(ApplyFailed):
        apply_sketch(original, sketch, path="cache.py")


def test_a_name_imported_twice_from_one_module_is_a_kept_old_import() -> None:
    original = "from .compat import basestring, Mapping\nfrom .strings import re_tester\n"
    assert doubled_imports(original, "from .compat import basestring, Mapping\n"
                                     "from .compat import basestring\n") == ["basestring"]
    assert doubled_imports(original, original + "from .compat import Set\n") == []


def test_a_line_beside_its_stretch_with_only_another_comment_is_left_behind() -> None:
    """``return v  # value too large`` written where ``pass  # value too large`` stood,
    with ``return v`` right after it: the old line would stay."""
    lines = ["    except ValueError:", "        pass", "        return v  # old", "    x = 1"]
    segment = Segment(("        return v  # value too large",), True, True)
    assert left_behind(lines, segment, _Placement(1, 2)) == segment.lines[0]
