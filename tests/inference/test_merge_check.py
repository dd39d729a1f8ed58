"""The merge check: a merge is proved against the original and the sketch, or refused with a
reason and the sketch line at fault."""

from __future__ import annotations

from inference.merge_check import check_merge
from inference.sketch import parse_sketch

ORIGINAL = """import shutil

BUFFER = 4096


class Store:
    def read(self, name):
        with open(name) as handle:
            return handle.read()

    def save(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def copy(self, source, target):
        shutil.copy(source, target)
"""

SKETCH = """# ... existing code ...

    def save(self, path, text):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    # ... existing code ...
"""

RIGHT = ORIGINAL.replace('open(path, "w")', 'open(path, "w", encoding="utf-8")')


def check(merged: str, sketch: str = SKETCH, original: str = ORIGINAL):
    return check_merge(original, parse_sketch(sketch), merged)


def test_the_right_merge_is_proved() -> None:
    """The original with the segment in place of the stretch it rewrites passes."""
    assert check(RIGHT).ok


def test_a_merge_without_a_sketch_line_is_refused_naming_the_line() -> None:
    """A merge that leaves the original's line where the sketch rewrote it names the new line."""
    result = check(ORIGINAL)
    assert not result.ok
    assert result.line == '        with open(path, "w", encoding="utf-8") as f:'
    assert "not in the merge" in result.reason


def test_a_merge_that_copies_the_marker_is_refused() -> None:
    """The model's typical failure, the marker written instead of the code, is no merge."""
    merged = ('# ... existing code ...\n\n    def save(self, path, text):\n'
              '        with open(path, "w", encoding="utf-8") as f:\n'
              '            f.write(text)\n\n    # ... existing code ...\n')
    assert not check(merged).ok


def test_an_edit_inside_an_elided_stretch_is_refused() -> None:
    """Elided code is copied byte for byte: a changed line there fails the check."""
    merged = RIGHT.replace("shutil.copy(source", "shutil.copy2(source")
    result = check(merged)
    assert not result.ok
    assert result.line is not None


def test_lines_in_a_different_order_are_refused() -> None:
    """Original lines outside the segment must keep their order."""
    merged = RIGHT.replace("import shutil\n", "")
    merged = merged.replace("BUFFER = 4096", "BUFFER = 4096\nimport shutil")
    assert not check(merged).ok


def test_a_segment_reaching_over_its_neighbour_is_refused() -> None:
    """A placement that also swallows the next function (not shown by the sketch, not
    rewritten by it) changed something outside the sketch's reach."""
    sketch = "# ... existing code ...\n    def read(self, name):\n" \
             "        return open(name).read()\n    # ... existing code ...\n"
    body = "        with open(name) as handle:\n            return handle.read()\n"
    right = ORIGINAL.replace(body, "        return open(name).read()\n")
    assert check(right, sketch).ok
    save = ('\n    def save(self, path, text):\n        with open(path, "w") as f:\n'
            '            f.write(text)\n')
    overreach = right.replace(save, "")
    result = check(overreach, sketch)
    assert not result.ok
    assert "would replace the original line" in result.reason


def test_a_rewritten_line_at_a_segment_edge_is_within_reach() -> None:
    """An edge line rewritten in place (one new line for one old, however different) is
    the sketch's to change."""
    sketch = "# ...\nimport pathlib\n# ...\n"
    assert check(ORIGINAL.replace("import shutil", "import pathlib"), sketch).ok


def test_a_sketch_without_a_leading_marker_replaces_the_head() -> None:
    """Code before the first marker starts the file: the old head may go."""
    sketch = '"""Files."""\n# ... existing code ...\n'
    merged = '"""Files."""\n' + ORIGINAL.split("\n", 1)[1]
    assert check(merged, sketch).ok


def test_a_changed_final_newline_is_refused() -> None:
    """Byte for byte includes the file's last newline."""
    assert not check(RIGHT.rstrip("\n")).ok


def test_a_sketch_of_only_markers_is_refused() -> None:
    assert not check(ORIGINAL, "# ... existing code ...\n").ok


def test_a_merge_that_changes_nothing_is_refused() -> None:
    """The sketch's line already stands in the file as shown: the edit it means is a copy
    that differs (`'str'` where it shows `"str"`), not this no-op."""
    original = 's = make("str")\nt = 1\n\n\ndef g():\n    s = make(\'str\')\n'
    result = check_merge(original, parse_sketch('# ...\ns = make("str")\n# ...\n'), original)
    assert not result.ok
    assert "changes nothing" in result.reason
