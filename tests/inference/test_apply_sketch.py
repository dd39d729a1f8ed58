"""Apply without a model: marker syntax, deterministic merge, fuzzy placement, parse check."""

from __future__ import annotations

import pytest

from inference.apply import ApplyFailed, apply_sketch, is_python
from inference.merge import candidate_merges, deterministic_merge
from inference.merge_plausibility import unexplained_changes
from inference.sketch import is_marker, parse_sketch

ORIGINAL = """import os


def load(path):
    with open(path) as f:
        return f.read()


def save(path, text):
    with open(path, "w") as f:
        f.write(text)


def remove(path):
    os.remove(path)
"""


@pytest.mark.parametrize("line", [
    "# ... existing code ...",
    "    # ...",
    "// ... existing code ...",
    "/* rest of the file unchanged */",
    "<!-- ... -->",
    "-- existing code",
    "  // rest unchanged",
    "{/* ... existing code ... */}",
    "# … existing imports …",
])
def test_marker_lines_in_any_comment_syntax_are_recognised(line: str) -> None:
    """Elision comments in #, //, /* */, <!-- -->, -- and JSX syntax are markers."""
    assert is_marker(line)


@pytest.mark.parametrize("line", [
    "x = 1  # ... existing code ...",
    "...",
    "# compute the total",
    "print('...')",
    "    return value  // rest",
])
def test_code_and_ordinary_comments_are_not_markers(line: str) -> None:
    """Code (even with a trailing marker comment), bare Ellipsis and other comments are kept."""
    assert not is_marker(line)


def test_unique_anchors_merge_deterministically() -> None:
    """A segment whose first and last lines occur once replaces exactly that stretch."""
    sketch = """# ... existing code ...

def save(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)

# ... existing code ...
"""
    result = apply_sketch(ORIGINAL, sketch, path="files.py")
    assert result.path == "deterministic"
    expected = ORIGINAL.replace('open(path, "w")', 'open(path, "w", encoding="utf-8")')
    assert result.text == expected
    assert result.parses is True


def test_several_segments_and_javascript_markers_merge_in_order() -> None:
    """Two segments separated by a // marker each replace their own stretch."""
    original = "function a() {\n  return 1;\n}\n\nfunction b() {\n  return 2;\n}\n"
    sketch = ("function a() {\n  return 10;\n}\n// ... existing code ...\n"
              "function b() {\n  return 20;\n}\n")
    result = apply_sketch(original, sketch, path="x.js")
    assert result.text == original.replace("1;", "10;").replace("2;", "20;")
    assert result.parses is None  # not Python: no parse check


def test_repeated_anchor_is_resolved_by_the_neighbouring_lines() -> None:
    """An anchor line that occurs twice is extended with the next lines until one place fits."""
    original = "def f():\n    x = 1\n    return x\n\n\ndef g():\n    x = 1\n    return x * 2\n"
    sketch = "# ...\n    x = 1\n    return x * 2\n    # checked\n"
    outcome = deterministic_merge(original, parse_sketch(sketch))
    assert outcome.text == original + "    # checked\n"


def test_ambiguous_anchors_are_not_merged_deterministically() -> None:
    """Two equally good places for a segment: the deterministic merge declines."""
    original = "a = 1\nb = 2\nc = 3\na = 1\nb = 2\nc = 3\n"
    outcome = deterministic_merge(original, parse_sketch("# ...\na = 1\nb = 5\nc = 3\n# ...\n"))
    assert outcome.text is None
    assert "ambiguous" in outcome.reason


def test_edited_first_line_yields_candidates_including_the_replacement() -> None:
    """A changed signature after a marker has no exact anchor; replacing it is a candidate."""
    sketch = "# ... existing code ...\ndef save(path, text, mode):\n"
    sketch += "    with open(path, \"w\") as f:\n        f.write(text)\n# ... existing code ...\n"
    parsed = parse_sketch(sketch)
    assert deterministic_merge(ORIGINAL, parsed).text is None
    candidates = candidate_merges(ORIGINAL, parsed)
    assert ORIGINAL.replace("def save(path, text)", "def save(path, text, mode)") in candidates


def test_single_plausible_candidate_is_used_without_a_model() -> None:
    """When every line of a segment is new but one placement is plausible, the fuzzy path
    applies it and reports so."""
    original = "import json\nfrom pathlib import Path\n\nprint(Path.cwd())\n"
    sketch = "import ujson as json\n# ... existing code ...\n"
    result = apply_sketch(original, sketch, path="m.py")
    assert result.path == "fuzzy"
    assert result.text == original.replace("import json", "import ujson as json")


def test_sketch_without_markers_replaces_the_whole_file() -> None:
    """A marker-free sketch at least half the file's length is the new file."""
    result = apply_sketch("a = 1\nb = 2\n", "a = 1\nb = 3\n", path="v.py")
    assert result.text == "a = 1\nb = 3\n"


def test_merge_that_breaks_python_fails_clearly_without_a_model() -> None:
    """A deterministic merge that does not parse is refused with the reason, not returned."""
    sketch = "# ... existing code ...\ndef save(path, text):\n    with open(path, \"w\") as f\n"
    sketch += "        f.write(text)\n# ... existing code ...\n"
    with pytest.raises(ApplyFailed) as failure:
        apply_sketch(ORIGINAL, sketch, path="files.py")
    assert any("does not parse" in attempt for attempt in failure.value.attempts)


def test_sketch_with_only_markers_fails_clearly() -> None:
    """A sketch with no code says so instead of returning the original."""
    with pytest.raises(ApplyFailed, match="no code"):
        apply_sketch(ORIGINAL, "# ... existing code ...\n", path="files.py")


def test_unknown_decoding_is_rejected() -> None:
    """Only speculative, greedy and prompt-lookup are decodings."""
    with pytest.raises(ValueError, match="decoding"):
        apply_sketch(ORIGINAL, "x = 1\n", decoding="beam")


def test_python_check_follows_the_path_or_the_content() -> None:
    """.py paths are Python; without a path, an original that parses is treated as Python."""
    assert is_python("a/b.py", "not python (")
    assert not is_python("a/b.js", "x = 1")
    assert is_python(None, "x = 1\n")
    assert not is_python(None, "function f() {}")


def test_crlf_original_keeps_its_line_endings() -> None:
    """The merged file uses the original's newline style."""
    original = "a = 1\r\nb = 2\r\nc = 3\r\n"
    result = apply_sketch(original, "# ...\nb = 2\nb2 = 4\nc = 3\n", path="c.py")
    assert result.text == "a = 1\r\nb = 2\r\nb2 = 4\r\nc = 3\r\n"


def test_swapped_imports_are_merged_as_a_move_not_kept_twice() -> None:
    """A sketch that swaps two imports (only original lines, reordered) reaches over the
    moved line's old place: the import is moved, not kept twice."""
    original = "import sys\nimport importlib\n\nprint(sys.argv)\n"
    outcome = deterministic_merge(original, parse_sketch("import importlib\nimport sys\n# ...\n"))
    assert outcome.text == "import importlib\nimport sys\n\nprint(sys.argv)\n"


def test_repeated_short_statement_is_not_mistaken_for_a_move() -> None:
    """Adding a second `pass` (a short statement) is an ordinary deterministic merge."""
    original = "class A:\n    pass\n\n\nx = 1\n"
    result = apply_sketch(original, "# ...\nx = 1\n\n\nclass B:\n    pass\n", path="p.py")
    assert result.path == "deterministic"
    assert result.text == original + "\n\nclass B:\n    pass\n"


def test_short_lines_sharing_only_punctuation_are_not_similar() -> None:
    """`b = 3` replaces `b = 2`, not `a = 1`: similarity is over words, not characters."""
    result = apply_sketch("a = 1\nb = 2\n", "# ...\nb = 3\n", path="x.py")
    assert result.text == "a = 1\nb = 3\n" and result.path == "fuzzy"


def test_each_deleted_line_needs_its_own_similar_new_line() -> None:
    """Three asserts replaced by two leave one deleted line unexplained, however alike all
    five lines are."""
    original = "    assert f(1) == 1\n    assert f(2) == 2\n    assert f(3) == 3\n"
    three_for_three = "    assert g(1) == 1\n    assert g(2) == 2\n    assert g(3) == 3\n"
    two_for_three = "    assert g(2) == 2\n    assert g(3) == 3\n"
    assert unexplained_changes(original, three_for_three) == 0
    assert unexplained_changes(original, two_for_three) == 1


@pytest.mark.parametrize(("adapter", "words"), [
    ("apply", "not loaded"),  # no model at all, so no adapter either
    ("tab", "unknown adapter 'tab'"),
])
def test_an_adapter_apply_cannot_use_is_refused_before_any_merge(adapter, words) -> None:
    """Naming an adapter the model lacks, or another task's, raises InvalidRequest even for a
    sketch the deterministic merge places; "none" (the base model) merges as usual."""
    from inference.engine import InvalidRequest

    sketch = "# ... existing code ...\ndef remove(path):\n    os.unlink(path)\n"
    with pytest.raises(InvalidRequest, match=words):
        apply_sketch(ORIGINAL, sketch, adapter=adapter)
    merged = apply_sketch(ORIGINAL, sketch, adapter="none")
    assert merged.text == ORIGINAL.replace("os.remove(path)", "os.unlink(path)")
