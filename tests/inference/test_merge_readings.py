"""Placing sketches by softer evidence: a new line's clear old version (its counterpart), lines
indented anew or given a comment, edge lines read both ways when only one reading holds
together; and refusing where the readings disagree."""

from __future__ import annotations

import pytest

from inference.apply import ApplyFailed, apply_sketch
from inference.merge_readings import orphaned_name

DOCSTRINGS = '''class Char:
    def is_sep(self):
        """
        Whether the character is a separator ot not.
        """
        return self in SEPS

    def is_space(self):
        """
        Whether the character is a space.
        """
        return self in SPACES
'''


def test_a_rewritten_line_places_a_segment_anchored_by_repeated_lines() -> None:
    """`\"\"\"` opens and closes every docstring; the typo fixed in between is like one
    original line only, so the segment replaces that docstring's line, not another's."""
    sketch = ('# ... existing code ...\n        """\n'
              "        Whether the character is a separator or not.\n"
              '        """\n# ... existing code ...\n')
    result = apply_sketch(DOCSTRINGS, sketch, path="char.py")
    assert result.text == DOCSTRINGS.replace("ot not", "or not")


WRAPPED = """def check(tlz, toolz):
    import os

    assert tlz.functoolz.__file__ == toolz.functoolz.__file__
    assert tlz.pipe is toolz.pipe
"""


def test_code_wrapped_in_a_new_block_is_anchored_by_its_lines_indented_anew() -> None:
    """No line of the segment is in the original as written, but one is, indented deeper:
    it anchors the segment and the new `if` above it is inserted."""
    sketch = ("# ... existing code ...\n    if hasattr(tlz.functoolz, '__file__'):\n"
              "        assert tlz.functoolz.__file__ == toolz.functoolz.__file__\n"
              "# ... existing code ...\n")
    result = apply_sketch(WRAPPED, sketch, path="test_tlz.py")
    assert result.text == WRAPPED.replace(
        "    assert tlz.functoolz", "    if hasattr(tlz.functoolz, '__file__'):\n"
        "        assert tlz.functoolz")


def test_a_line_given_a_trailing_comment_anchors_its_segment() -> None:
    """`assert fc1 == fc1  # noqa` is the original line with a comment: the comment line
    written above it is new."""
    original = "def test_eq():\n    fc1 = make()\n    assert fc1 == fc1\n    assert fc1 is fc1\n"
    sketch = ("# ...\n    # Comparing fc1 with itself is the point.\n"
              "    assert fc1 == fc1  # noqa: PLR0124\n    # ...\n")
    result = apply_sketch(original, sketch, path="test_eq.py")
    assert result.text == original.replace(
        "    assert fc1 == fc1\n",
        "    # Comparing fc1 with itself is the point.\n    assert fc1 == fc1  # noqa: PLR0124\n")


def test_a_generic_original_line_gives_way_to_a_line_indented_anew() -> None:
    """`else:` occurs elsewhere in the file; the assignment moved under the new `if` is
    the anchor, and the segment replaces it."""
    original = ("def a(x):\n    if x:\n        return 1\n    else:\n        return 2\n\n\n"
                "def names(code):\n    n = code.count\n    kwnames = code.names[n:] + extra\n"
                "\n    return kwnames\n")
    sketch = ("# existing code\n    if hasattr(code, 'names'):\n"
              "        kwnames = code.names[n:] + extra\n    else:\n"
              "        kwnames = extra\n\n    return kwnames\n")
    result = apply_sketch(original, sketch, path="names.py")
    assert result.text == original.replace(
        "    kwnames = code.names[n:] + extra\n",
        "    if hasattr(code, 'names'):\n        kwnames = code.names[n:] + extra\n"
        "    else:\n        kwnames = extra\n")


def test_a_renamed_function_shown_whole_replaces_the_old_one() -> None:
    """`def test_key` where `def key` stood: read as a new header, the old header would be
    left with no body (the file does not parse); read as a rename, it does."""
    original = ("class T:\n    def test_a(self):\n        self.assertEqual(1, 1)\n\n"
                "    def key(self, k=keys.key):\n        self.assertEqual(k(1), k(1))\n"
                "        self.assertEqual(k(2), k(2))\n\n"
                "    def test_b(self, k=keys.other):\n        self.assertEqual(k(3), k(3))\n")
    sketch = ("# ... other methods ...\n    def test_key(self, k=keys.key):\n"
              "        self.assertEqual(k(1), k(1))\n        self.assertEqual(k(2), k(2))\n"
              "# ... other methods ...\n")
    result = apply_sketch(original, sketch, path="test_keys.py")
    assert result.text == original.replace("def key(", "def test_key(")
    assert (result.path, result.method) == ("fuzzy", "readings")


def test_a_header_split_over_lines_replaces_the_one_line_header() -> None:
    """The three lines of the new signature read the same whichever way their doubtful
    lines are read: they replace the old header."""
    original = ('def emit(pair):\n    return pair\n\n\n'
                'def get_kwargs(kwargs_map: dict[str, str]) -> list[str]:\n'
                '    """Make a list of options."""\n    return list(map(emit, kwargs_map))\n')
    sketch = ("# ...\ndef get_kwargs(\n    kwargs_map: dict[str, str | dict[str, str]],\n"
              ") -> list[str]:\n"
              '    """Make a list of options."""\n    return list(map(emit, kwargs_map))\n')
    result = apply_sketch(original, sketch, path="transform.py")
    assert result.text == original.replace(
        "def get_kwargs(kwargs_map: dict[str, str]) -> list[str]:\n",
        "def get_kwargs(\n    kwargs_map: dict[str, str | dict[str, str]],\n) -> list[str]:\n")


def test_a_new_standard_import_beyond_a_blank_line_joins_the_standard_imports() -> None:
    """Above `import pytest` and a blank line, a standard-library import joins the
    standard-library block; read as a rewrite it would delete `contextmanager`, which the
    file still uses."""
    original = ("from argparse import Namespace\nfrom contextlib import contextmanager\n\n"
                "import pytest\n\n\n@contextmanager\ndef nothing():\n    yield Namespace()\n")
    sketch = ("# [...]\nfrom unittest.mock import patch\n\nimport pytest\n# [...]\n")
    result = apply_sketch(original, sketch, path="test_cli.py")
    assert result.text == original.replace(
        "contextmanager\n\n", "contextmanager\nfrom unittest.mock import patch\n\n", 1)


def test_a_one_line_docstring_joining_two_lines_rewrites_them() -> None:
    """The new one-line docstring is the two-line one joined (the same text but for
    whitespace): it rewrites both lines, and the old docstring does not stay."""
    original = ('def schema_error(*args):\n    """ Tests whether validation fails on a\n'
                '        schema. """\n    check(SchemaError, *args)\n\n\n'
                'def document_error(*args):\n    """ Tests whether validation fails on a\n'
                '        document. """\n    check(DocumentError, *args)\n')
    sketch = ('# ... keep existing code ...\n'
              '    """ Tests whether validation fails on a schema. """\n'
              "    check(SchemaError, *args)\n# ... keep existing code ...\n")
    result = apply_sketch(original, sketch, path="checks.py")
    assert result.text == original.replace(
        'a\n        schema. """', 'a schema. """', 1)


def test_a_binding_still_read_is_an_orphaned_name_when_deleted() -> None:
    """Deleting `import sysconfig` (or `copy = make()`) while the name is still read orphans
    it; deleting it with its last use, or keeping it, does not."""
    original = "import sysconfig\n\nX = sysconfig.x\n"
    assert orphaned_name(original, "import sys\n\nX = sysconfig.x\n") == "sysconfig"
    assert orphaned_name(original, "import sys\n\nX = sys.x\n") is None
    assert orphaned_name(original, "import sys\nimport sysconfig\n\nX = sysconfig.x\n") is None
    body = "def f():\n    copy = make()\n    return copy(1)\n"
    assert orphaned_name(body, "def f():\n    return copy(1)\n") == "copy"
    assert orphaned_name(body, "def f(copy):\n    return copy(1)\n") is None


CLASSIFIERS = """setup(
    classifiers=[
        "Programming Language :: Python :: 3.8",
        "Programming Language :: Python :: 3.9",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: Implementation :: CPython",
        "Topic :: Text Processing",
    ],
)
"""


def test_a_new_row_of_a_sorted_list_goes_where_the_order_puts_it() -> None:
    """`3.11` alone between markers: the rows sharing its start (`... :: 3.`) are in
    natural order (`3.9` before `3.10`), so it goes after `3.10`."""
    sketch = '# [...]\n        "Programming Language :: Python :: 3.11",\n# [...]\n'
    result = apply_sketch(CLASSIFIERS, sketch, path="setup.py")
    assert result.text == CLASSIFIERS.replace(
        '3.10",\n', '3.10",\n        "Programming Language :: Python :: 3.11",\n')


def test_a_new_row_of_an_unsorted_list_is_refused() -> None:
    """Rows out of order say nothing about where a new one goes."""
    unsorted = CLASSIFIERS.replace(":: 3.8", ":: 3.12")
    sketch = '# [...]\n        "Programming Language :: Python :: 3.11",\n# [...]\n'
    with pytest.raises(ApplyFailed):
        apply_sketch(unsorted, sketch, path="setup.py")


def test_settings_rewritten_in_another_order_replace_their_block() -> None:
    """`release = ...` and `version = ...` set the names the original sets in the other
    order, on two adjacent lines: the segment rewrites that block; the new import above it
    is inserted."""
    original = ("project = 'boltons'\nauthor = 'Mahmoud'\n\nversion = '25.0'\n"
                "release = '25.0.0'\n\nif os.name != 'nt':\n    today_fmt = '%B'\n")
    sketch = ("# ... rest of the code unchanged ...\nimport boltons\n"
              "release = boltons.__version__\nversion = '.'.join(release.split('.')[:2])\n"
              "# ... rest of the code unchanged ...\n")
    result = apply_sketch(original, sketch, path="conf.py")
    assert result.text == original.replace(
        "version = '25.0'\nrelease = '25.0.0'\n",
        "import boltons\nrelease = boltons.__version__\n"
        "version = '.'.join(release.split('.')[:2])\n")


SIBLINGS = '''import time


class ByDeadline:
    """Stop once the deadline has passed."""

    def __init__(self, deadline):
        self.deadline = deadline

    def __call__(self, state):
        if state.started is None:
            raise RuntimeError("not started")
        return time.monotonic() - state.started >= self.deadline


class BeforeDeadline:
    """Stop before the next wait would pass the deadline."""

    def __init__(self, deadline):
        self.deadline = deadline

    def __call__(self, state):
        if state.started is None:
            raise RuntimeError("not started")
        return (
            time.monotonic() - state.started + state.wait
            >= self.deadline
        )
'''


def test_a_method_repeated_in_a_sibling_class_is_edited_in_the_class_the_sketch_names() -> None:
    """Every line of the edited method but its last also stands in the next class (whose
    return is split over lines, so the new last line may be new or a rewrite there too); the
    marker after `class ByDeadline:` elides that class's code only, so the segment goes there."""
    sketch = ("# ... existing code ...\nclass ByDeadline:\n    # ... docstring and __init__ ...\n"
              "\n    def __call__(self, state):\n        if state.started is None:\n"
              '            raise RuntimeError("not started")\n'
              "        # stop a little early\n"
              "        return time.monotonic() - state.started >= self.deadline - 0.001\n"
              "# ... rest of the file ...\n")
    result = apply_sketch(SIBLINGS, sketch, path="stop.py")
    assert result.text == SIBLINGS.replace(
        "        return time.monotonic() - state.started >= self.deadline\n",
        "        # stop a little early\n"
        "        return time.monotonic() - state.started >= self.deadline - 0.001\n")
