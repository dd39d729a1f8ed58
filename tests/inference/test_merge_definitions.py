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


WHOLE = {
    # `else: return False` folded into `return False`: the old tail goes with the rest of
    # the old definition instead of staying behind the segment (which would not parse).
    "folded-tail": (
        ORIGINAL,
        "# ...\nclass Second:\n# ...\n    def check(self, state):\n        if not state.failed:\n"
        "            return self.predicate(state.result)\n        return False\n# ...\n",
        "            return self.predicate(state.result)\n        else:\n            return False",
        "            return self.predicate(state.result)\n        return False"),
    # The last line `)` is new (a reformatted assert) but stands at the end of a later
    # test: anchoring there would delete that test; the definition's own extent is used.
    "no-swallowing": (
        'def test_a():\n    assert clean("<em>x</em>") == "<em>x</em>"\n'
        '    assert clean("<span>x</span>") == "&lt;span&gt;"\n\n\n'
        'def test_b():\n    assert (\n        linkify("y")\n        == "y"\n    )\n\n\n'
        'def test_c():\n    assert clean("z") == "z"\n',
        '# ...\ndef test_a():\n    assert clean("<em>x</em>") == "<em>x</em>"\n'
        '    assert (\n        clean("<span>x</span>")\n        == "&lt;span&gt;"\n    )\n# ...\n',
        '    assert clean("<span>x</span>") == "&lt;span&gt;"\n',
        '    assert (\n        clean("<span>x</span>")\n        == "&lt;span&gt;"\n    )\n'),
}


@pytest.mark.parametrize(("original", "sketch", "old", "new"), WHOLE.values(), ids=WHOLE)
def test_a_whole_function_replaces_the_whole_definition(original: str, sketch: str, old: str,
                                                        new: str) -> None:
    result = apply_sketch(original, sketch, path="test_retry.py")
    assert result.text == original.replace(old, new)
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
