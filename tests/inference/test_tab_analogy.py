"""Tab's structural repeats, whitespace clean-ups and method renames (patterns only)."""

from __future__ import annotations

from inference.edit_history import LineEdit, parse_history
from inference.tab import TabPredictor
from inference.tab_analogy import analogy_rule
from inference.tab_text import text_rule
from tests.inference.tab_edits import edit_history


def predict(*versions: str, cursor: int) -> LineEdit | None:
    return TabPredictor().predict(versions[-1], cursor, edit_history(*versions)).edit


def test_base_class_added_to_two_classes_is_added_to_the_next_with_its_own_name() -> None:
    code = "".join(f"class {name}:\n    pass\n\n\n" for name in ("Loop", "Stack", "Context"))
    first = code.replace("class Loop:", "class Loop(unittest.TestCase):")
    second = first.replace("class Stack:", "class Stack(unittest.TestCase):")
    assert predict(code, first, second, cursor=5) == LineEdit(
        9, 9, "class Context(unittest.TestCase):\n")


def test_a_repeat_made_in_another_file_is_not_carried_into_this_one() -> None:
    """A base class added to two classes of one test module is not added to the classes of
    another module (there, lines the recent edits never touched)."""
    code = "".join(f"class {name}:\n    pass\n\n\n" for name in ("Loop", "Stack", "Context"))
    first = code.replace("class Loop:", "class Loop(unittest.TestCase):")
    second = first.replace("class Stack:", "class Stack(unittest.TestCase):")
    other = "import ast\n\n\nclass F:\n    pass\n"
    diff = edit_history(code, first, second, path="test_loop.py")
    assert TabPredictor().predict(other, 1, diff).edit is None


def test_repeated_string_prefix_goes_on_to_a_far_form_with_other_text() -> None:
    """A `u` prefix put on two forms' text is carried to the next form, however far."""
    forms = ['    "forms": {"text": "' + word + '"},\n' for word in ("one", "two", "three")]
    code = forms[0] + "x = 1\n" * 3 + forms[1] + "y = 2\n" * 40 + forms[2]
    first = code.replace('"text": "one"', '"text": u"one"')
    second = first.replace('"text": "two"', '"text": u"two"')
    assert predict(code, first, second, cursor=5) == LineEdit(
        46, 46, '    "forms": {"text": u"three"},\n')


def test_statement_split_over_two_lines_is_repeated_on_the_next_one() -> None:
    code = ("    try: send(a, root='./')\n    except E: pass\n"
            "    try: send(b, root='./')\n    except E: pass\n")
    after = code.replace("    try: send(a, root='./')", "    try:\n        send(a, root='./')")
    assert predict(code, after, cursor=1) == LineEdit(
        4, 4, "    try:\n        send(b, root='./')\n")


def test_a_comment_added_is_repeated_only_on_the_same_statement() -> None:
    """``# noqa: PERF203`` added to one ``except`` goes to the next identical ``except``, not
    to an ``except`` of another exception shaped like it."""
    code = ("for hook in hooks:\n    try:\n        run(hook)\n    except RuntimeError as e:\n"
            "        log(e)\n")
    code = code + code.replace("RuntimeError as e", "OSError as err").replace("(e)", "(err)")
    after = code.replace("except RuntimeError as e:", "except RuntimeError as e:  # noqa: PERF203")
    assert predict(code, after, cursor=4) is None
    twice = code + code
    first = twice.replace("except RuntimeError as e:",
                          "except RuntimeError as e:  # noqa: PERF203", 1)
    assert predict(twice, first, cursor=4) == LineEdit(
        14, 14, "    except RuntimeError as e:  # noqa: PERF203\n")
    rule = analogy_rule(["    except RuntimeError as e:"],
                        ["    except RuntimeError as e:  # noqa: PERF203"])
    assert rule is not None and rule.edit_at(["    except OSError as err:"], 0) is None


def test_a_carried_name_is_replaced_by_the_targets_own() -> None:
    """`request.keys()` → `list(request)` teaches `other.keys()` → `list(other)`."""
    rule = analogy_rule(["        ok(request.keys() == e)"], ["        ok(list(request) == e)"])
    assert rule is not None
    assert rule.edit_at(["    ok(other.keys() == e)"], 0) == LineEdit(
        1, 1, "    ok(list(other) == e)\n")


def test_a_carried_number_is_the_targets_own() -> None:
    rule = analogy_rule(["v11 = 11"], ["v11 = float(11)"])
    assert rule is not None
    assert rule.edit_at(["v12 = 12"], 0) == LineEdit(1, 1, "v12 = float(12)\n")


def test_a_name_the_edit_replaced_is_not_replaced_in_a_target_without_it() -> None:
    """A rename of `fetch_one` says nothing about `load` on a line of the same shape, nor is
    a block of another shape (a `def` after a `class` edit) changed."""
    rule = analogy_rule(["x = fetch_one(a)"], ["x = fetch_many(a)"])
    assert rule is not None and rule.edit_at(["y = load(b)"], 0) is None
    base = analogy_rule(["class A:"], ["class A(Base):"])
    assert base is not None and base.edit_at(["def f(x):"], 0) is None


def test_the_edited_line_is_not_undone_where_nothing_should_change() -> None:
    """With the cursor on a finished structural edit and no line of that shape left, Tab is
    quiet (it neither undoes the edit nor invents another)."""
    code = "class A:\n    pass\n\n\ndef f():\n    return 1\n"
    after = code.replace("class A:", "class A(Base):")
    assert predict(code, after, cursor=1) is None


def test_trailing_whitespace_clean_up_goes_on_to_the_next_run() -> None:
    code = "a = 1\n\t\nb = 2\n" + "c = 3\n" * 20 + "d = 4  \n\t\t\ne = 5\n"
    after = code.replace("a = 1\n\t\n", "a = 1\n\n")
    assert predict(code, after, cursor=2) == LineEdit(24, 25, "d = 4\n\n")


def test_clean_up_of_another_file_is_not_carried_into_this_one() -> None:
    """Trailing whitespace stripped in one file says nothing of another file's."""
    code = "a = 1\n\t\nb = 2\n"
    diff = edit_history(code, code.replace("\t\n", "\n"), path="other.py")
    assert TabPredictor().predict("d = 4  \ne = 5\n", 1, diff).edit is None


def test_clean_up_is_not_carried_to_a_run_far_from_the_cursor() -> None:
    """Trailing whitespace 60 lines away is not where the user is cleaning up."""
    code = "a = 1\n\t\nb = 2\n" + "c = 3\n" * 60 + "d = 4  \ne = 5\n"
    after = code.replace("a = 1\n\t\n", "a = 1\n\n")
    assert predict(code, after, cursor=2) is None


def test_clean_up_two_edits_back_is_not_carried_on() -> None:
    code = "a = 1\n\t\nb = 2\nc = 3\nd = 4\t\n"
    first = code.replace("a = 1\n\t\n", "a = 1\n\n")
    second = first.replace("b = 2", "b = 20")
    third = second.replace("c = 3", "c = None")
    assert predict(code, first, second, third, cursor=4) is None


def test_renamed_method_follows_to_attribute_calls_and_generated_code() -> None:
    code = ("class Cache:\n    def get_and_replace(self, key):\n        return key\n\n\n"
            "def use(c):\n    return c.get_and_replace(1)\n\n\n"
            "TEMPLATE = \"cache.get_and_replace(%s)\"\n")
    after = code.replace("def get_and_replace(", "def get_or_create(")
    first = predict(code, after, cursor=2)
    assert first == LineEdit(7, 7, "    return c.get_or_create(1)\n")
    accepted = after.replace("c.get_and_replace(1)", "c.get_or_create(1)")
    assert predict(code, after, accepted, cursor=7) == LineEdit(
        10, 10, "TEMPLATE = \"cache.get_or_create(%s)\"\n")


def test_year_bumped_in_one_string_is_bumped_in_the_next_like_it() -> None:
    """A change inside a string literal, which token rules see as one token, carries to the
    next line like it holding the same words."""
    code = ("COPYRIGHT = 'Copyright 2014 Kenneth Reitz'\nx = 1\n"
            "NOTICE = 'Copyright 2014 Kenneth Reitz, all rights'\n")
    after = code.replace("COPYRIGHT = 'Copyright 2014", "COPYRIGHT = 'Copyright 2016")
    assert predict(code, after, cursor=1) == LineEdit(
        3, 3, "NOTICE = 'Copyright 2016 Kenneth Reitz, all rights'\n")


def test_text_rule_leaves_code_and_cut_words_alone() -> None:
    code = "label = 'total_amount'\nvalue = total_amount + 1\nother = 'subtotal_amount'\n"
    after = code.replace("label = 'total_amount'", "label = 'grand_amount'")
    edit = predict(code, after, cursor=1)
    assert edit is None or edit.start_line != 2  # code is the token rules' business
    rule = text_rule(parse_history(edit_history(code, after))[0])
    assert rule is not None and rule.edit_at(code.splitlines(), 2) is None  # `subtotal_`


def test_from_import_added_turns_qualified_uses_into_the_bare_name() -> None:
    code = ("import openpyxl\n\n\ndef style():\n" + "    pass\n" * 30
            + "    bold = openpyxl.styles.Font(bold=True)\n")
    after = code.replace("import openpyxl\n", "from openpyxl.styles import Font\n")
    assert predict(code, after, cursor=1) == LineEdit(
        35, 35, "    bold = Font(bold=True)\n")


def test_module_import_swapped_for_a_from_import_unqualifies_its_uses() -> None:
    """`import cStringIO` → `from StringIO import StringIO`: `cStringIO.StringIO()` becomes
    `StringIO()`, and the import change is not carried as tokens onto the next import line
    (`from tablib.packages from StringIO import markup` is not Python)."""
    code = ("import cStringIO\n\nfrom tablib.packages import markup\n\n\ndef export():\n"
            "    stream = cStringIO.StringIO()\n    return stream\n")
    after = code.replace("import cStringIO\n", "from StringIO import StringIO\n")
    assert predict(code, after, cursor=1) == LineEdit(7, 7, "    stream = StringIO()\n")


def test_typing_alias_dropped_turns_annotations_into_builtins() -> None:
    code = "from typing import Dict, List\n\n\ndef f(x: List[int]) -> Dict[str, int]:\n    ...\n"
    after = code.replace("from typing import Dict, List", "from typing import Dict")
    assert predict(code, after, cursor=1) == LineEdit(
        4, 4, "def f(x: list[int]) -> Dict[str, int]:\n")


def test_an_import_change_of_another_file_is_not_followed() -> None:
    other = edit_history("import openpyxl\n", "from openpyxl.styles import Font\n", path="other.py")
    code = "import openpyxl\n\nbold = openpyxl.styles.Font(bold=True)\n"
    suggestion = TabPredictor().predict(code, 1, other)  # repeating the import is fine
    assert suggestion.rule != "ImportRule" and suggestion.edit is not None
    assert suggestion.edit.start_line == 1


def test_no_rule_proposes_undoing_a_recent_edit() -> None:
    """An import moved up (inserted, then its old copy deleted with the blank line above it):
    deleting a blank line and that import again would delete the line just inserted."""
    code = "import os\n\nx = 1\n\nimport _ast\ny = 2\n"
    inserted = "import os\n\nimport _ast\nx = 1\n\nimport _ast\ny = 2\n"
    moved = "import os\n\nimport _ast\nx = 1\ny = 2\n"
    assert predict(code, inserted, moved, cursor=5) is None


def test_renamed_parameter_of_a_method_leaves_attributes_alone() -> None:
    """`def __init__(self, weekday)` → `(self, _weekday)`: `self.weekday` stays, only the use
    of the parameter follows."""
    code = ("class E:\n    def __init__(self, weekday):\n        self.weekday = weekday\n")
    after = code.replace("(self, weekday)", "(self, _weekday)")
    assert predict(code, after, cursor=2) == LineEdit(3, 3, "        self.weekday = _weekday\n")
