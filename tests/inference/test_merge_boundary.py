"""Placing sketches without the model: edited edge lines, repeated anchors, ambiguity refused,
marker wordings; and Apply never returning a merge its check does not prove."""

from __future__ import annotations

import pytest

from inference.apply import ApplyFailed, apply_sketch
from inference.merge import boundary_merge, deterministic_merge, duplicated_lines
from inference.merge_check import check_merge
from inference.sketch import is_marker, parse_sketch

MODULE = """from __future__ import annotations

from markupsafe import Markup


def test_escape(value, expect):
    assert escape(value) == Markup(expect)
"""


def test_a_new_import_after_the_first_line_is_inserted_with_its_spacing() -> None:
    """A segment whose last line is new and unlike the original line after it inserts that
    line; the blank lines of the elided code stay where they were."""
    sketch = "from __future__ import annotations\n\nimport pytest\n\n# ... existing code ...\n"
    result = apply_sketch(MODULE, sketch, path="test_escape.py")
    assert result.text == MODULE.replace("from markupsafe", "import pytest\n\nfrom markupsafe")
    assert (result.path, result.method) == ("fuzzy", "boundary")


def test_an_edited_first_line_rewrites_the_line_it_resembles() -> None:
    """After a marker, an edited line like the original one before the anchor replaces it."""
    original = "def area(w, h):\n    return w * h\n\n\ndef volume(w, h, d):\n    x = area(w, h)\n" \
               "    return x * d\n"
    sketch = "# ... existing code ...\n    y = area(w, h)\n    return y * d\n"
    result = apply_sketch(original, sketch, path="geometry.py")
    assert result.text == original.replace("x = area", "y = area").replace("x * d", "y * d")


def test_a_function_header_with_a_new_signature_replaces_the_header_of_that_name() -> None:
    """`def load(path, mode)` rewrites `def load(path)`, not the header of a function whose
    words happen to be closer."""
    original = ("class Options(TypedDict, total=False):\n    a: int\n\n\n"
                "class SigOptions(TypedDict):\n    b: int\n")
    sketch = "# ...\nclass SigOptions(TypedDict, total=False):\n# ...\n"
    merged = boundary_merge(original, parse_sketch(sketch))
    assert merged.text == original.replace("SigOptions(TypedDict)",
                                           "SigOptions(TypedDict, total=False)")


def test_a_line_that_may_rewrite_or_add_is_refused_and_named() -> None:
    """`import sys` where `import sysconfig` stood may replace it or be a new import: Apply
    refuses and names the line rather than guess."""
    original = "from __future__ import annotations\n\nimport sysconfig\nimport typing as t\n\n" \
               "X = t.cast(int, 1)\n"
    sketch = "from __future__ import annotations\n\nimport sys\n# ... existing code ...\n"
    with pytest.raises(ApplyFailed) as failure:
        apply_sketch(original, sketch, path="conftest.py")
    assert failure.value.line == "import sys"
    assert "import sys" in str(failure.value)


def test_a_new_import_does_not_replace_an_import_the_code_still_uses() -> None:
    """Read as a rewrite, `import sys` would delete `import sysconfig`, which the file still
    uses: only the reading as a new import holds together."""
    original = "from __future__ import annotations\n\nimport sysconfig\nimport typing as t\n\n" \
               "X = sysconfig.get_config_var('Py_GIL_DISABLED')\n"
    sketch = "from __future__ import annotations\n\nimport sys\n# ... existing code ...\n"
    result = apply_sketch(original, sketch, path="conftest.py")
    assert result.text == original.replace("import sysconfig", "import sys\nimport sysconfig")
    assert (result.path, result.method) == ("fuzzy", "readings")


def test_an_insertion_at_the_end_is_never_anchored_at_an_earlier_repetition() -> None:
    """A segment that starts with a line repeated in every test and runs to the end of the
    file adds to the end: anchoring it at an earlier repetition would silently delete the
    tests in between, and that repetition agrees better only by a blank line (which says
    little about where a segment is)."""
    tests = "".join(f"    def test_{n}(self):\n        cache = make({n})\n"
                    f"        self.assertEqual(0, len(cache))\n\n" for n in range(3))
    original = "class CacheTest(TestCase):\n" + tests.rstrip("\n") + "\n"
    sketch = ("# ... existing code ...\n        self.assertEqual(0, len(cache))\n\n"
              "    def test_clear(self):\n        cache = make(9)\n        cache.clear()\n")
    appended = original + sketch.split("len(cache))\n", 1)[1]
    assert deterministic_merge(original, parse_sketch(sketch)).text == appended
    assert apply_sketch(original, sketch, path="test_cache.py").text == appended


def test_a_segment_equal_to_one_copy_of_repeated_code_is_refused() -> None:
    """The sketch shows code that is already, word for word, in one function and differs
    from its copy in another: which one it edits cannot be told."""
    block = "    try:\n        # {}\n        return cache.setdefault(k, v)\n"
    original = ("def a(k, v):\n" + block.format("possible race: see below") + "\n\n"
                "def b(k, v):\n" + block.format("prefer the cached value") + "\n\n"
                "def c(k, v):\n" + block.format("possible race: see below"))
    sketch = "# ... existing code ...\n" + block.format("prefer the cached value") + \
             "# ... existing code ...\n"
    with pytest.raises(ApplyFailed):
        apply_sketch(original, sketch, path="keys.py")


def test_a_moved_line_left_beside_its_segment_is_refused() -> None:
    """A segment that writes `result = factory()` again a few lines below where it stands
    (the sketch moved it) would keep both copies: refused."""
    original = ("def merge_with(func, *dicts):\n    result = factory()\n    for d in dicts:\n"
                "        for k, v in d.items():\n            result.setdefault(k, []).append(v)\n"
                "    return valmap(func, result)\n")
    sketch = ("# ...\n    values: dict[str, list] = {}\n    for d in dicts:\n"
              "        for k, v in d.items():\n            values[k].append(v)\n"
              "    result = factory()\n    return valmap(func, values)\n")
    outcome = boundary_merge(original, parse_sketch(sketch))
    assert outcome.text is None
    assert "result = factory()" in outcome.reason


@pytest.mark.parametrize("line", [
    "# (unchanged)", "# everything else as before", "    # other methods",
    "# previous code", "# the rest is the same", "// ... keep existing code ...",
])
def test_more_marker_wordings_are_recognised(line: str) -> None:
    assert is_marker(line)


@pytest.mark.parametrize("line", ["# other code paths raise", "# compute the rest", "# TODO: rest"])
def test_comments_that_only_mention_the_rest_are_not_markers(line: str) -> None:
    assert not is_marker(line)


SKETCHES = [
    "# ...\ndef volume(w, h, d=1):\n    return area(w, h) * d\n",
    "def area(w, h):\n    return w * h * 1\n# ...\n",
    "# ...\n    return area(w, h) * depth\n# ...\n",
    "# ...\ndef perimeter(w, h):\n    return 2 * (w + h)\n# ...\n",
    "import math\n# ...\n",
    "# ...\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n# ...\n",
]


@pytest.mark.parametrize("sketch", SKETCHES)
def test_whatever_apply_returns_passes_the_merge_check(sketch: str) -> None:
    """Apply's contract: a returned merge is proved against the original and the sketch
    (anything else is refused with `ApplyFailed`)."""
    original = ("def area(w, h):\n    return w * h\n\n\ndef volume(w, h, d):\n"
                "    return area(w, h) * d\n")
    try:
        result = apply_sketch(original, sketch, path="geometry.py")
    except ApplyFailed as failure:
        assert failure.attempts
        return
    assert check_merge(original, parse_sketch(sketch), result.text)


def test_a_dict_entry_with_a_new_key_and_no_context_is_refused() -> None:
    """A new key is a new entry: it rewrites no line, however alike the entry beside it."""
    original = 'TYPES = {\n    "float": float,\n    "datetime": parse_rfc3339,\n}\n'
    sketch = '# ...\n    "datetime-local": parse_rfc3339,\n# ...\n'
    with pytest.raises(ApplyFailed):
        apply_sketch(original, sketch, path="types.py")


def test_a_line_alike_only_in_shape_is_not_read_as_a_rewrite() -> None:
    """`"__version__",` before the closing bracket shares no word with `"rules",`: it may
    be added after it or replace it, and Apply refuses rather than replace it."""
    original = 'X = 1\n\n__all__ = [\n    "Validator",\n    "rules",\n]\n'
    sketch = '# ...\n    "__version__",\n]\n'
    with pytest.raises(ApplyFailed):
        apply_sketch(original, sketch, path="pkg.py")


def test_a_new_assignment_after_a_blank_line_beside_other_assignments_is_refused() -> None:
    """`toc = False` / blank / anchor, where an assignment stands before the blank line: the
    new line may end that group or start one after the blank; the sketch does not say."""
    original = "master_doc = 'index'\n\n# General information.\nproject = 'funcy'\n"
    sketch = "# ...\ntoc = False\n\n# General information.\n# ...\n"
    outcome = boundary_merge(original, parse_sketch(sketch))
    assert outcome.text is None
    assert outcome.line == "toc = False"


def test_a_new_function_after_a_blank_line_goes_after_it() -> None:
    """A definition starts a paragraph of its own: it goes after the original blank lines."""
    original = "def a():\n    return 1\n\n\ndef b():\n    return 2\n"
    sketch = "# ...\ndef new():\n    pass\n\n\ndef b():\n# ...\n"
    outcome = boundary_merge(original, parse_sketch(sketch))
    assert outcome.text == original.replace("def b", "def new():\n    pass\n\n\ndef b")


def test_a_segment_anchored_only_by_generic_repeated_lines_is_refused() -> None:
    """`parser.add_argument(` ... `)` around a new argument may rewrite the one call that
    order allows or add a new call beside it: refused, not guessed."""
    original = ('def main(parser):\n    parser.add_argument(\n        "--build", help="Build tag"\n'
                "    )\n    parser.set_defaults(func=run)\n    parser.add_argument(\n"
                '        "--dest", help="Where to"\n    )\n    return parser\n')
    sketch = ("# ...\n    parser.set_defaults(func=run)\n# ...\n    parser.add_argument(\n"
              '        "--local-version", metavar="LABEL", default=None,\n    )\n# ...\n')
    outcome = boundary_merge(original, parse_sketch(sketch))
    assert outcome.text is None
    assert "repeats" in outcome.reason


def test_a_placement_that_would_swallow_unshown_code_does_not_make_the_merge_ambiguous() -> None:
    """The segment's last line also ends a later copy that agrees better with it; reaching
    there would delete fifteen lines the sketch never showed (the check refuses such a
    merge), so the near placement is not in doubt."""
    filler = "".join(f"X_{n} = {n}\n" for n in range(15))
    original = ('EXPECTED = """\\\nMetadata-Version: 2.0\nName: sample\n"""\n' + filler
                + 'OTHER = """\\\nMetadata-Version: 2.1\nName: sample\n"""\n')
    sketch = '# ...\nEXPECTED = """\\\nMetadata-Version: 2.1\nName: sample\n# ...\n'
    result = apply_sketch(original, sketch, path="test_metadata.py")
    assert result.text == original.replace("Version: 2.0", "Version: 2.1")


def test_a_method_kept_twice_in_one_class_is_a_moved_line() -> None:
    assert duplicated_lines(["class A:", "    def f(self):", "        pass"],
                            ["class A:", "    def f(self):", "        pass",
                             "    def f(self):", "        pass"]) == ["def f(self):"]


def test_a_last_line_found_only_above_the_segment_gives_way_to_the_next_anchor() -> None:
    """The segment's edited last line is word for word a line of an earlier function: the
    line before it anchors the end, and the edited line rewrites the one after that."""
    original = ("def first(w):\n    check(w[0])\n    check(w[1])\n    log(w)\n    return w\n\n\n"
                "def second(w):\n    prepare(w)\n    check(w[0])\n    check(w[0])\n\n\n"
                "def third(w):\n    return w\n")
    sketch = "# ...\ndef second(w):\n    prepare(w)\n    check(w[0])\n    check(w[1])\n# ...\n"
    result = apply_sketch(original, sketch, path="checks.py")
    assert result.text == original.replace("w[0])\n\n\ndef third", "w[1])\n\n\ndef third")


def test_a_new_from_import_beside_one_from_the_same_module_is_refused() -> None:
    """One-name-per-line imports: `from pkg import b` where `from pkg import c` stands may
    replace it or be added beside it; nothing in the sketch says which."""
    original = "import os\n\nfrom pkg import a\nfrom pkg import c\n\nX = 1\n"
    sketch = "# ...\nfrom pkg import a\nfrom pkg import b\n# ...\n"
    with pytest.raises(ApplyFailed) as failure:
        apply_sketch(original, sketch, path="mod.py")
    assert failure.value.line == "from pkg import b"


KEYED_REWRITES = [
    # `html_logo = ...` alone: the new value of the one line setting it, though a neighbour
    # looks alike.
    ('project = "x"\nhtml_logo = "_static/vertical.svg"\nhtml_favicon = "_static/icon.svg"\n'
     'html_theme = "furo"\n', 'html_logo = "_static/logo.svg"',
     'html_logo = "_static/vertical.svg"'),
    # A setting switched on rewrites its commented-out line.
    ("html_theme = 'furo'\n\n# The title.\n#html_title = None\n\n#html_logo = None\n",
     'html_title = "Toolz"', "#html_title = None"),
    # A parametrize row is known by its first item.
    ('CASES = [\n    ("en", "5th"),\n    ("ar", "5x"),\n    ("ar_SA", "5x"),\n]\n',
     '    ("ar", "5 x"),', '    ("ar", "5x"),'),
]


@pytest.mark.parametrize(("original", "line", "old"), KEYED_REWRITES)
def test_a_lone_line_rewrites_the_one_line_with_its_statement_key(original: str, line: str,
                                                                   old: str) -> None:
    """Between two markers without context, a line that sets a name (an assignment, a
    commented-out setting, a table row) replaces the one original line setting that name."""
    result = apply_sketch(original, f"# ...\n{line}\n# ...\n", path="conf.py")
    assert result.text == original.replace(old, line)


def test_a_new_import_after_a_blank_line_below_other_imports_is_refused() -> None:
    """`from pathlib import Path` / blank / `import pytest`: the new import may end the
    standard-library block above the blank line or open a block of its own."""
    original = "import os\nimport subprocess\n\nimport pytest\n\nX = 1\n"
    sketch = "# ...\nfrom pathlib import Path\n\nimport pytest\n# ...\n"
    outcome = boundary_merge(original, parse_sketch(sketch))
    assert outcome.text is None
    assert outcome.line == "from pathlib import Path"


PLACED = {
    # `def __enter__(self) -> State:` rewritten in one class while another class has that
    # very line: two methods in two scopes, not one line kept twice.
    "same-method-in-two-classes": (
        "class State:\n    def __enter__(self) -> State:\n        return self\n\n\n"
        "class Handler:\n    def __enter__(self) -> None:\n        return None\n",
        "# ...\nclass Handler:\n    def __enter__(self) -> State:\n        return State()\n",
        "    def __enter__(self) -> None:\n        return None",
        "    def __enter__(self) -> State:\n        return State()"),
    # `from typing import ..., Sequence` split: the `typing` line rewrites the one
    # `from typing` line, the new import goes before it.
    # `pass` and two blank lines end both classes: that the earlier class ends like the
    # segment begins is no sign the segment belongs there (it would delete the later one).
    "generic-run-before-the-stretch": (
        "class Failure(Exception):\n    pass\n\n\nclass BaseFailure(BaseException):\n"
        "    pass\n\n\n@mark('exc', [Failure, BaseFailure])\ndef test_failure(exc):\n"
        "    sig = Signal()\n    sig.send(exc)\n",
        '# ...\n    pass\n\n\n@mark("exc", [Failure, BaseFailure])\ndef test_failure(exc):\n'
        "    sig = Signal()\n# ...\n",
        "@mark('exc',", '@mark("exc",'),
    "split-import": (
        "import json\nimport sys\n\nfrom typing import Any, Sequence, TextIO\n\nX = 1\n",
        "# ...\nfrom collections.abc import Sequence\nfrom typing import Any, TextIO\n# ...\n",
        "from typing import Any, Sequence, TextIO",
        "from collections.abc import Sequence\nfrom typing import Any, TextIO"),
}


@pytest.mark.parametrize(("original", "sketch", "old", "new"), PLACED.values(), ids=PLACED)
def test_apply_places_the_edit(original: str, sketch: str, old: str, new: str) -> None:
    assert apply_sketch(original, sketch, path="mod.py").text == original.replace(old, new)
