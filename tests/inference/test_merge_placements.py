"""Placements of issue 18's second Apply round: a new line that rewrites a line the file
repeats is anchored at each copy and the segments' order picks one; a line the segment keeps
once accounts for one copy of it; a block of new rows goes where it rewrites line for line;
rows shown out of order move where the list's order puts them; a reading that keeps an
import it left unused does not count."""

from __future__ import annotations

import pytest

from inference.apply import ApplyFailed, apply_sketch
from inference.line_similarity import counterpart, counterpart_copies

PADDED = '''def center(text, width, fill=" "):
    """Center the text."""
    if len(fill) != 1:
        raise ValueError("The padding character must be one character wide")
    return text.center(width, fill)


def ljust(text, width, fill=" "):
    """Pad the text on the right."""
    if len(fill) != 1:
        raise ValueError("The padding character must be one character wide")
    return text.ljust(width, fill)
'''
NEW_LINES = ('        msg = "The padding character must be one character wide"\n'
             "        raise ValueError(msg)\n")


def test_the_copies_of_a_repeated_line_are_its_counterparts() -> None:
    lines = PADDED.splitlines()
    new = NEW_LINES.splitlines()[0]
    assert counterpart(lines, new) is None  # two lines qualify ...
    assert counterpart_copies(lines, new) == [3, 10]  # ... and they are the same text
    assert counterpart_copies(lines, "    return text.zfill(width)") == []  # unlike two lines


def test_the_order_of_the_segments_picks_the_copy_a_new_line_rewrites() -> None:
    sketch = ("# ... existing code ...\n"
              "    if len(fill) != 1:\n" + NEW_LINES +
              "    return text.center(width, fill)\n"
              "# ... existing code ...\n" + NEW_LINES +
              "# ... existing code ...\n")
    result = apply_sketch(PADDED, sketch, path="pad.py")
    old = '        raise ValueError("The padding character must be one character wide")\n'
    assert result.text == PADDED.replace(old, NEW_LINES)


def test_a_lone_rewrite_of_repeated_code_is_refused() -> None:
    """Nothing says which copy a segment of new lines alone rewrites."""
    sketch = "# ... existing code ...\n" + NEW_LINES + "# ... existing code ...\n"
    with pytest.raises(ApplyFailed):
        apply_sketch(PADDED, sketch, path="pad.py")


CURRY = '''def curry(func, spec, args, kwargs, kw):
    """Call func once it has enough arguments."""
    kwargs = kwargs.copy()
    kwargs.update(kw)

    if not spec.kw and len(args) + len(kwargs) >= spec.max_n:
        return func(*args, **kwargs)
    elif len(args) + len(set(kwargs) & spec.names) >= spec.max_n:
        return func(*args, **kwargs)
    return None
'''


def test_a_segment_does_not_reach_over_a_second_copy_of_its_last_line() -> None:
    """The segment ends on a line the function has twice: placed over both, it would delete
    the ``elif`` and one of them; it rewrites the first ``if`` only."""
    sketch = ("# ... existing code ...\n"
              "    kwargs.update(kw)\n\n"
              "    if not spec.varkw and len(args) + len(kwargs) >= spec.max_n:\n"
              "        return func(*args, **kwargs)\n"
              "# ... existing code ...\n")
    result = apply_sketch(CURRY, sketch, path="curry.py")
    assert result.text == CURRY.replace("spec.kw and", "spec.varkw and")


NAMES = '''__all__ = [
    "intcomma",
    "intword",
    "metric",
    "naturaldate",
    "naturalday",
    "naturaldelta",
    "natural_list",
    "naturalsize",
    "naturaltime",
]
'''


def test_a_row_shown_before_the_rows_it_sorts_before_moves_there() -> None:
    """``"natural_list",`` shown alone, then the rows around its old place shown together:
    it moves where the list's order puts it."""
    sketch = ('# ... existing code ...\n    "natural_list",\n# ... existing code ...\n'
              '    "naturaldelta",\n    "naturalsize",\n# ... existing code ...\n')
    result = apply_sketch(NAMES, sketch, path="names.py")
    expected = NAMES.replace('    "natural_list",\n', "").replace(
        '    "naturaldate",', '    "natural_list",\n    "naturaldate",')
    assert result.text == expected


def test_a_moved_row_whose_old_line_no_segment_deletes_is_refused() -> None:
    sketch = '# ... existing code ...\n    "natural_list",\n    "naturaldate",\n' \
             '# ... existing code ...\n    "intword",\n# ... existing code ...\n'
    with pytest.raises(ApplyFailed):
        apply_sketch(NAMES, sketch, path="names.py")


def test_the_rows_of_a_block_rewritten_alike_go_where_they_rewrite_line_for_line() -> None:
    """Each new row is as like two or three old rows; only one stretch pairs them off."""
    views = ("items", "keys", "values")
    head = ("def test_lazy():\n    def bad(x):\n        raise ValueError\n    assert bad\n\n\n"
            "def test_views():\n    d = {'a': 1}\n")
    original = ("from compat import iteritems, iterkeys, itervalues\n\n\n" + head
                + "".join(f"    assert not isinstance(iter{v}(d), list)\n" for v in views)
                + "".join(f"    assert set(iter{v}(d)) == set(d.{v}())\n" for v in views))
    new = ("".join(f"    assert not isinstance(d.{v}(), list)\n" for v in views)
           + "".join(f"    assert set(d.{v}()) == set(d.{v}())\n" for v in views))
    sketch = "\n\ndef test_lazy():\n    def bad(x):\n        # rest unchanged\n" + new
    result = apply_sketch(original, sketch, path="views.py")
    assert result.text == "\n\n" + head + new


def test_of_two_readings_the_one_that_strands_an_import_is_not_it() -> None:
    """``import sys`` where ``import sysconfig`` stood, the one use of ``sysconfig``
    rewritten to use ``sys``: the reading that keeps ``sysconfig`` leaves it unused."""
    original = ("from __future__ import annotations\n\nimport sysconfig\nimport typing as t\n\n\n"
                "def header() -> list[str]:\n    \"\"\"The report's header.\"\"\"\n"
                "    return [f\"GIL: {sysconfig.get_config_var('Py_GIL_DISABLED')}\"]\n\n\n"
                "def other() -> t.Any:\n    return None\n")
    sketch = ("from __future__ import annotations\n\nimport sys\n# ... existing code ...\n"
              "def header() -> list[str]:\n    \"\"\"The report's header.\"\"\"\n"
              "    return [f\"GIL: {sys._is_gil_enabled()}\"]\n\n\n# ... existing code ...\n")
    result = apply_sketch(original, sketch, path="conftest.py")
    assert result.text == original.replace("import sysconfig", "import sys").replace(
        "sysconfig.get_config_var('Py_GIL_DISABLED')", "sys._is_gil_enabled()")
