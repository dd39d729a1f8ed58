"""New rows between markers go where a sorted run of rows like them puts them."""

from __future__ import annotations

from inference.apply import apply_sketch
from inference.merge_rows import row_insertion

ALL = ['__all__ = [', '    "Draft201909Validator",', '    "Draft202012Validator",',
       '    "Draft3Validator",', '    "Draft4Validator",', '    "Draft6Validator",',
       '    "Draft7Validator",', '    "FormatChecker",', ']']


def test_rows_framed_alike_around_a_number_place_a_new_row_by_natural_order() -> None:
    """``    "Draft`` ... ``Validator",`` frames the rows; a start alone is too short."""
    rest = [line for line in ALL if "2019" not in line and "2020" not in line]
    assert row_insertion(rest, ['    "Draft201909Validator",']) == 5


def test_rows_moved_where_the_lists_natural_order_puts_them() -> None:
    original = "\n".join(ALL) + "\n"
    sketch = ('# ... rest of the code unchanged ...\n__all__ = [\n    "Draft3Validator",\n'
              '# ... rest of the code unchanged ...\n    "Draft201909Validator",\n'
              '    "Draft202012Validator",\n# ... rest of the code unchanged ...\n')
    result = apply_sketch(original, sketch, path="__init__.py")
    assert result.text == "\n".join([ALL[0], *ALL[3:7], ALL[1], ALL[2], *ALL[7:]]) + "\n"
