"""Tab without a model: edit history parsing, pattern generalisation, precomputed next edit."""

from __future__ import annotations

import pytest

from inference.edit_history import HistoryError, LineEdit, apply_edit, parse_history
from inference.tab import TabPredictor
from inference.tab_confidence import renames_binding
from tests.inference.tab_edits import edit_history, predict

CODE = """def fetch(url, timeout):
    return get(url, timeout)


def main():
    first = fetch("a", 5)
    log(first)
    second = fetch("b", 5)
    log(second)
    third = fetch("c", 5)
    return first, second, third
"""




def test_rename_applied_once_is_suggested_at_the_next_occurrence() -> None:
    """Renaming `log` to `record` on one line suggests the same on the next line using `log`."""
    after = CODE.replace("    log(first)", "    record(first)")
    edit = predict(CODE, after, 7)
    assert edit == LineEdit(9, 9, "    record(second)\n")


def test_added_argument_is_added_to_the_next_call_far_from_the_cursor() -> None:
    """A keyword argument appended to one call of `fetch` is appended to the next call."""
    after = CODE.replace('fetch("a", 5)', 'fetch("a", 5, retries=3)')
    edit = predict(CODE, after, 6)
    assert edit == LineEdit(8, 8, '    second = fetch("b", 5, retries=3)\n')


def test_reordered_parameters_follow_to_the_next_definition_of_the_same_name() -> None:
    """Swapping a def's parameters applies to other defs of that name, not to calls."""
    code = "class A:\n    def f(self, a, b):\n        pass\n\n\n"
    code += "class B(A):\n    def f(self, a, b):\n"
    code += "        return f(1, 2)\n"
    after = code.replace("def f(self, a, b):", "def f(self, b, a):", 1)
    edit = predict(code, after, 2)
    assert edit == LineEdit(7, 7, "    def f(self, b, a):\n")


def test_dropped_argument_is_dropped_from_calls_with_the_same_arity() -> None:
    """Removing the second argument of `fetch` removes it at the next call too."""
    after = CODE.replace('fetch("a", 5)', 'fetch("a")')
    assert predict(CODE, after, 6) == LineEdit(8, 8, '    second = fetch("b")\n')


def test_deleted_line_is_deleted_at_its_next_copy() -> None:
    """Deleting one `log(...)`-free duplicate statement deletes the next identical line."""
    code = "a = 1\nprint('debug')\nb = 2\nprint('debug')\nc = 3\n"
    after = "a = 1\nb = 2\nprint('debug')\nc = 3\n"
    assert predict(code, after, 2) == LineEdit(3, 3, "")


def test_inserted_line_is_inserted_after_the_next_matching_line() -> None:
    """A line inserted after one `def test_...` body start is inserted after the next one,
    re-indented to the place."""
    code = "def one():\n    pass\n\n\ndef two():\n    pass\n"
    after = "def one():\n    setup()\n    pass\n\n\ndef two():\n    pass\n"
    edit = predict(code, after, 2)
    assert edit is not None and apply_edit(after, edit) == after.replace(
        "def two():\n", "def two():\n    setup()\n")


def test_history_without_pattern_and_no_model_suggests_nothing() -> None:
    """A one-off rewrite of a whole line is no pattern; without a model the answer is null."""
    after = CODE.replace("    return first, second, third", "    return None")
    assert predict(CODE, after, 11) is None


def test_lines_just_written_are_not_edited_again() -> None:
    """A rule whose old text still occurs in the edited line does not re-edit that line."""
    code = "x = f(1)\ny = f(2)\n"
    after = "x = f(1)  # noqa\ny = f(2)\n"
    edit = predict(code, after, 1)
    assert edit is None or edit.start_line != 1


def test_suggestion_carries_the_next_one_and_remembers_it_for_the_accepted_file() -> None:
    """The answer includes the edit after it; asking about the file with the first edit
    accepted returns that next edit from memory (precomputed)."""
    predictor = TabPredictor()
    after = CODE.replace("    log(first)", "    record(first)")
    first = predictor.predict(after, 7, edit_history(CODE, after))
    assert first.edit == LineEdit(9, 9, "    record(second)\n")
    assert first.next is None or first.next.start_line != 9
    accepted = apply_edit(after, first.edit)
    second = predictor.predict(accepted, 9, edit_history(CODE, accepted))
    assert second.edit == first.next


def test_precomputed_next_edit_follows_a_signature_change_through_the_file() -> None:
    """Three calls: after changing the first, the suggestion is the second and next the third."""
    after = CODE.replace('fetch("a", 5)', 'fetch("a", 5, retries=3)')
    suggestion = TabPredictor().predict(after, 6, edit_history(CODE, after))
    assert suggestion.next == LineEdit(10, 10, '    third = fetch("c", 5, retries=3)\n')


def test_history_that_is_not_a_diff_is_rejected() -> None:
    """Text without hunk headers is a HistoryError (HTTP 400), not an empty history."""
    with pytest.raises(HistoryError):
        parse_history("renamed log to record")


def test_history_parser_splits_runs_of_changes_with_positions() -> None:
    """One hunk with two separate changes gives two edits with their new-side lines."""
    before = "a\nb\nc\nd\ne\n"
    after = "a\nB\nc\nD\ne\n"
    edits = parse_history(edit_history(before, after))
    assert [(e.new_start, e.removed, e.added) for e in edits] == [
        (2, ("b",), ("B",)), (4, ("d",), ("D",))]


def test_apply_edit_inserts_replaces_and_deletes() -> None:
    """LineEdit follows the DESIGN convention: end_line = start_line - 1 inserts."""
    text = "a\nb\nc\n"
    assert apply_edit(text, LineEdit(2, 1, "x\n")) == "a\nx\nb\nc\n"
    assert apply_edit(text, LineEdit(2, 2, "B\n")) == "a\nB\nc\n"
    assert apply_edit(text, LineEdit(2, 3, "")) == "a\n"
    with pytest.raises(ValueError):
        apply_edit(text, LineEdit(9, 9, ""))


def test_rename_of_a_function_leaves_methods_of_the_same_name_alone() -> None:
    """Renaming `join(...)` calls does not touch `sep.join(...)`."""
    code = "a = join(x, y)\nb = sep.join(parts)\nc = join(z, w)\n"
    after = code.replace("a = join(x, y)", "a = join(x, y, strict=True)")
    assert predict(code, after, 1) == LineEdit(3, 3, "c = join(z, w, strict=True)\n")
    renamed = code.replace("a = join(x, y)", "a = _join(x, y)")
    assert predict(code, renamed, 1) == LineEdit(3, 3, "c = _join(z, w)\n")


def test_pattern_of_an_older_edit_is_not_suggested_after_an_unrelated_one() -> None:
    """A rename followed by an unrelated edit: the rename's pattern is passed over (an older
    edit's pattern rarely resumes), and Tab abstains."""
    renamed = CODE.replace("    log(first)", "    record(first)")
    after = renamed.replace("    return first, second, third", "    return None")
    suggestion = TabPredictor().predict(after, 11, edit_history(CODE, renamed, after))
    assert suggestion.edit is None and suggestion.rule is not None


def test_far_dissimilar_place_is_not_suggested() -> None:
    """A rename whose only other use is far from the cursor on a line unlike the edited one
    is not suggested; the same use near the cursor is."""
    code = "x = total(a)\n" + "pass\n" * 30 + "print('report', 1, total(b), sep='')\n"
    after = code.replace("x = total(a)", "x = grand_total(a)")
    assert predict(code, after, 1) is None
    near = "x = total(a)\nprint('report', 1, total(b), sep='')\n"
    assert predict(near, near.replace("x = total(a)", "x = grand_total(a)"), 1) == LineEdit(
        2, 2, "print('report', 1, grand_total(b), sep='')\n")


def test_renamed_definition_carries_to_a_far_dissimilar_use() -> None:
    """Once the `def` of a name is renamed, every use follows, however far and unlike the
    edited line (the same use is passed over when only a call was renamed: see above)."""
    code = "def total(a):\n    return a\n" + "pass\n" * 30 + "print('report', 1, total(b))\n"
    after = code.replace("def total(a):", "def grand_total(a):")
    assert predict(code, after, 1) == LineEdit(
        33, 33, "print('report', 1, grand_total(b))\n")


def test_code_rename_leaves_comments_and_docstrings_alone() -> None:
    """A rename made in code skips the docstring and the comment that mention the old name and
    goes to the next use in code."""
    code = ('def f(x):\n    """Load.\n\n    Calls fetch_all(x) first.\n    """\n'
            "    # fetch_all(x) is slow\n    y = fetch_all(x)\n    return fetch_all(x)\n")
    after = code.replace("y = fetch_all(x)", "y = load_all(x)")
    assert predict(code, after, 1) == LineEdit(8, 8, "    return load_all(x)\n")


def test_deleted_call_keeps_its_context() -> None:
    """`tags=list()` → `tags=()` is made again at the next default; dropping an argument
    (`split(sep)` → `splitlines()`) does not delete the name from an unrelated expression."""
    code = "def a(tags=list()):\n    pass\ndef b(tags=list()):\n    pass\n"
    after = code.replace("def a(tags=list())", "def a(tags=())")
    assert predict(code, after, 1) == LineEdit(3, 3, "def b(tags=()):\n")
    code = "lines = text.split(sep)\nout += sep + line\n"
    after = code.replace("text.split(sep)", "text.splitlines()")
    assert predict(code, after, 1) is None


class RewritingModel:
    """Stands in for the model in Tab's fallback: answers every prompt with ``answer``."""

    tokenizer = None

    def __init__(self, answer: str, finish: str = "stop") -> None:
        self.answer, self.finish = answer, finish

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def generate_text(self, prompt: str, **options):
        from inference.engine import GenerationResult

        return GenerationResult(self.answer, [0], self.finish)


VALUES = "".join(f"v{i} = {i}\n" for i in range(1, 21))
#: `VALUES` after the user wrapped line 11 in `float(...)`.
FLOATED = VALUES.replace("v11 = 11\n", "v11 = float(11)\n")


def model_suggestion(line_12: str) -> LineEdit | None:
    """Tab's suggestion on `FLOATED` (cursor at line 10) when the model rewrites the lines it
    sees with line 12 replaced by ``line_12``."""
    window = FLOATED.splitlines()[3:16]  # the cursor at line 10 sees lines 4..16
    rewrite = "\n".join(line if line != "v12 = 12" else line_12 for line in window)
    suggestion = TabPredictor(RewritingModel(rewrite + "\n")).predict(
        FLOATED, 10, edit_history(VALUES, FLOATED))
    assert suggestion.source == ("model" if suggestion.edit else "none")
    return suggestion.edit


def test_model_fallback_turns_the_first_rewritten_line_into_an_edit() -> None:
    """With no pattern, the model's rewrite of the lines around the cursor is diffed against
    them; the first change becomes the edit, in file line numbers."""
    assert model_suggestion("v12 = float(12)") == LineEdit(12, 12, "v12 = float(12)\n")


def test_model_suggestion_unrelated_to_the_recent_edits_is_not_shown() -> None:
    """A model rewrite that writes nothing the recent edits introduced is noise: Tab abstains."""
    assert model_suggestion("v12 = 13") is None


def test_model_suggestion_that_undoes_a_recent_edit_is_not_shown() -> None:
    """Putting back what a recent edit removed is never the next edit, even when it writes a
    name the recent edits use."""
    before = "".join(f"v{i} = {i}\n" for i in range(1, 11)) + "v11 = float(11)\n"
    middle = before.replace("v5 = 5\n", "v5 = float(5)\n")
    text = middle.replace("v11 = float(11)\n", "v11 = double(11)\n")
    edits = edit_history(before, middle) + edit_history(middle, text)
    undo = "\n".join(line if line != "v11 = double(11)" else "v11 = float(11)"
                     for line in text.splitlines()[3:11])
    suggestion = TabPredictor(RewritingModel(undo + "\n")).predict(text, 10, edits)
    assert suggestion.edit is None


def test_model_fallback_ignores_a_rewrite_cut_short() -> None:
    """A rewrite that stopped at the token budget is not read as deleting the lines it did
    not reach."""
    text = "".join(f"v{i} = {i}\n" for i in range(1, 21))
    cut = "\n".join(text.splitlines()[3:8]) + "\n"
    suggestion = TabPredictor(RewritingModel(cut, finish="length")).predict(text, 10, "")
    assert suggestion.edit is None and suggestion.source == "none"


def test_model_suggestion_that_breaks_python_is_dropped() -> None:
    """A rewrite whose first change would make a parsing file unparsable is not suggested."""
    assert model_suggestion("v12 = float((12") is None


def test_pattern_suggestion_that_breaks_a_parsing_file_is_not_shown() -> None:
    """`import x` → `from y import x` teaches a token change that, carried to the next import,
    writes `from a from y import b`; the file parsed, so that suggestion is dropped."""
    before = "import cjson\n\nfrom pkg import markup\n"
    after = before.replace("import cjson", "from simplejson import cjson")
    assert predict(before, after, 1) is None


def test_a_rule_that_remakes_its_whole_line_wins_over_a_partial_one_on_the_same_line() -> None:
    """Two parameters annotated on one ``def``: the next ``def`` gets both annotations (the
    structural repeat), not only the first (a token rule that generalised part of the line)."""
    code = ("def test_getattr(benchmark, setup: Setup, key, pre_run):\n    return key\n\n\n"
            "def test_getitem(benchmark, setup: Setup, key, pre_run):\n    return key\n")
    after = code.replace("def test_getattr(benchmark, setup: Setup, key, pre_run):",
                         "def test_getattr(benchmark, setup: Setup, key: str, pre_run: bool):")
    edit = predict(code, after, 1)
    assert edit == LineEdit(
        5, 5, "def test_getitem(benchmark, setup: Setup, key: str, pre_run: bool):\n")


def test_bindings_keep_the_first_of_a_name_bound_twice() -> None:
    """A fallback import binds the same name again; the name stands for the first binding."""
    from inference.tab_imports import bindings

    lines = ["    from json import dumps as json_dumps",
             "    from simplejson import dumps as json_dumps"]
    assert bindings(lines) == {"json_dumps": "json.dumps"}


def test_a_functions_signature_change_leaves_a_method_of_the_same_name_alone() -> None:
    """``def default(handler)`` → ``def default()``: the method ``def default(self)`` keeps
    its receiver."""
    code = ("class App:\n    def default(self):\n        return self.handler\n\n\n"
            "def default(handler):\n    return handler\n")
    after = code.replace("def default(handler):", "def default():")
    assert predict(code, after, 6) is None


def test_a_second_definition_of_a_renamed_name_in_the_same_class_keeps_its_name() -> None:
    """Renaming the second of two ``test_include`` methods of one class tells a duplicate
    apart: the first keeps its name. The same method of another class is renamed."""
    body = "    def test_include(self):\n        self.check('{}')\n\n"
    twins = "class TestTemplate:\n" + body.format("foo") + body.format("foo x=y")
    for other in ("", "\nclass TestOther:\n" + body.format("bar")):
        code = twins + other
        after = code.replace("def test_include(self):\n        self.check('foo x=y')",
                             "def test_include_with_args(self):\n        self.check('foo x=y')")
        suggestion = TabPredictor().predict(after, 5, edit_history(code, after)).edit
        assert suggestion == (LineEdit(10, 10, "    def test_include_with_args(self):\n")
                              if other else None)


def test_a_string_changed_in_one_quote_style_is_changed_in_the_other() -> None:
    """``__version__ = '1.6.0'`` bumped to ``'1.7.0'`` bumps ``version = "1.6.0"`` of another
    file too, in that file's quotes."""
    diff = edit_history("__version__ = '1.6.0'\n", "__version__ = '1.7.0'\n",
                        path="pkg/__init__.py")
    setup = 'from setuptools import setup\n\nversion = "1.6.0"\nsetup(version=version)\n'
    assert TabPredictor().predict(setup, 1, diff).edit == LineEdit(3, 3, 'version = "1.7.0"\n')


def test_a_condition_joined_to_one_test_is_not_joined_to_others() -> None:
    """``and not key.startswith('__')`` added to one ``if`` is about that test: the other
    ``if`` on the same name is left alone."""
    code = ("def prompt(context, no_input):\n    for key in context:\n        if not no_input:\n"
            "            ask(key)\n        if no_input:\n            skip(key)\n")
    after = code.replace("        if not no_input:",
                         "        if not no_input and not key.startswith('__'):")
    assert TabPredictor().predict(after, 3, edit_history(code, after)).edit is None


def test_a_module_changed_in_an_import_line_is_not_renamed_in_the_code() -> None:
    """``from unittest import SkipTest`` → ``from _pytest.runner import Skipped as SkipTest``
    does not turn ``import unittest`` or ``unittest.TestCase`` into ``_pytest.runner``."""
    code = ("import unittest\ntry:\n    from nose import SkipTest\nexcept ImportError:\n"
            "    from unittest import SkipTest\n\n\nclass TemplateTest(unittest.TestCase):\n"
            "    pass\n")
    after = code.replace("    from unittest import SkipTest",
                         "    from _pytest.runner import Skipped as SkipTest")
    assert TabPredictor().predict(after, 5, edit_history(code, after)).edit is None


def test_a_swap_of_two_names_is_not_a_rename_where_only_one_stands() -> None:
    """``for offsets, arc in info:`` → ``for arc, offsets in info:`` reorders the pair; the
    ``if arc is None:`` below keeps its name."""
    code = ("def walk(info):\n    for offsets, arc in info:\n        if arc is None:\n"
            "            continue\n        yield offsets, arc\n")
    after = code.replace("for offsets, arc in info:", "for arc, offsets in info:")
    suggestion = TabPredictor().predict(after, 2, edit_history(code, after)).edit
    assert suggestion == LineEdit(5, 5, "        yield arc, offsets\n")


def test_a_renamed_parameter_is_renamed_at_its_far_uses_in_the_function_only() -> None:
    """``file_exists`` renamed in a ``def`` is renamed at a use 12 lines down, in that
    function; the same name in the next function is another variable."""
    body = "".join(f"    step_{n}(tmp_path)\n" for n in range(12))
    code = ("def test_recreate(tmp_path, file_exists):\n" + body
            + "    if file_exists:\n        create(tmp_path)\n\n\n"
            "def test_other(file_exists):\n" + body + "    if file_exists:\n        skip()\n")
    after = code.replace("def test_recreate(tmp_path, file_exists):",
                         "def test_recreate(tmp_path, create_file_first):")
    assert TabPredictor().predict(after, 1, edit_history(code, after)).edit == LineEdit(
        14, 14, "    if create_file_first:\n")
    renamed = parse_history(edit_history(code, after))[-1]
    pairs = ((("file_exists",), ("create_file_first",)),)
    other_use = after.splitlines().index("    if file_exists:", 15)
    assert renames_binding(pairs, renamed, after.splitlines(), 13)
    assert not renames_binding(pairs, renamed, after.splitlines(), other_use)


def test_a_relocated_package_is_relocated_in_its_other_imports_only() -> None:
    """``rich`` moved under ``pip._vendor`` in one import goes to the next import of it, and
    never into code that mentions ``rich``."""
    code = ("from rich._versions import VERSIONS\nimport os\n\n"
            "def cells():\n    from rich.cells import CellTable\n    return rich_repr(CellTable)\n")
    after = code.replace("from rich._versions", "from pip._vendor.rich._versions")
    assert TabPredictor().predict(after, 1, edit_history(code, after)).edit == LineEdit(
        5, 5, "    from pip._vendor.rich.cells import CellTable\n")


def test_a_changed_number_follows_only_where_it_stands_after_the_same_token() -> None:
    """``range(1)`` → ``range(101)`` leaves the ``i + 1`` below alone; ``sleep(0.2)`` →
    ``sleep(0.4)`` goes to the next ``sleep(0.2)``."""
    code = "for i in range(1):\n    check(i, i+1)\n"
    after = code.replace("range(1)", "range(101)")
    assert TabPredictor().predict(after, 1, edit_history(code, after)).edit is None
    code = "start()\ntime.sleep(0.2)\npoll()\ntime.sleep(0.2)\n"
    after = code.replace("time.sleep(0.2)", "time.sleep(0.4)", 1)
    assert TabPredictor().predict(after, 2, edit_history(code, after)).edit == LineEdit(
        4, 4, "time.sleep(0.4)\n")
