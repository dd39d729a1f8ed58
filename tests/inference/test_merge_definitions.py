"""A segment that shows a whole definition replaces the definition of that name."""

from __future__ import annotations

import pytest

from inference.apply import ApplyFailed, apply_sketch
from inference.merge_definitions import definition_merge
from inference.sketch import parse_sketch

ORIGINAL = '''class First:
    def check(self, state):
        if state.failed:
            return self.predicate(state.error)
        else:
            return False


class Second:
    def check(self, state):
        if not state.failed:
            return self.predicate(state.result)
        else:
            return False


def helper():
    return 1
'''


def test_a_whole_function_whose_last_lines_fold_replaces_the_whole_definition() -> None:
    """`else: return False` folded into `return False`: the old tail goes with the rest of
    the old definition instead of staying behind the segment (which would not parse)."""
    sketch = ("# ...\nclass Second:\n# ...\n    def check(self, state):\n"
              "        if not state.failed:\n            return self.predicate(state.result)\n"
              "        return False\n# ...\n")
    result = apply_sketch(ORIGINAL, sketch, path="retry.py")
    assert result.text == ORIGINAL.replace(
        "            return self.predicate(state.result)\n        else:\n            return False",
        "            return self.predicate(state.result)\n        return False")
    assert result.method == "definitions"


def test_the_definition_sharing_most_lines_with_the_segment_is_the_one_replaced() -> None:
    """Two `check` methods: the one whose lines the segment shows is rewritten."""
    sketch = ("# ...\n    def check(self, state):\n        if state.failed:\n"
              "            return self.predicate(state.error)\n        return False\n# ...\n")
    merged = definition_merge(ORIGINAL, parse_sketch(sketch)).text
    assert merged == ORIGINAL.replace(
        "            return self.predicate(state.error)\n        else:\n            return False",
        "            return self.predicate(state.error)\n        return False")


def test_a_definition_that_fits_two_of_that_name_equally_is_refused() -> None:
    sketch = "# ...\n    def check(self, state):\n        return True\n# ...\n"
    assert definition_merge(ORIGINAL, parse_sketch(sketch)).text is None
    with pytest.raises(ApplyFailed):
        apply_sketch(ORIGINAL, sketch, path="retry.py")


def test_a_whole_function_never_swallows_the_functions_after_it() -> None:
    """Its last line `)` is new (a reformatted assert) but stands at the end of a later
    test: anchoring there would delete that test; the definition's own extent is used."""
    original = ('def test_a():\n    assert clean("<em>x</em>") == "<em>x</em>"\n'
                '    assert clean("<span>x</span>") == "&lt;span&gt;"\n\n\n'
                'def test_b():\n    assert (\n        linkify("y")\n        == "y"\n    )\n\n\n'
                'def test_c():\n    assert clean("z") == "z"\n')
    sketch = ('# ...\ndef test_a():\n    assert clean("<em>x</em>") == "<em>x</em>"\n'
              '    assert (\n        clean("<span>x</span>")\n        == "&lt;span&gt;"\n    )\n'
              '# ...\n')
    result = apply_sketch(original, sketch, path="test_clean.py")
    assert result.text == original.replace(
        '    assert clean("<span>x</span>") == "&lt;span&gt;"\n',
        '    assert (\n        clean("<span>x</span>")\n        == "&lt;span&gt;"\n    )\n')
