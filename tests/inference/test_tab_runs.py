"""Tab's one-line suggestions grown over the adjacent lines the same rule rewrites."""

from __future__ import annotations

from inference.edit_history import LineEdit
from inference.tab import TabPredictor
from inference.tab_patterns import ReplaceRule
from inference.tab_runs import grow_run
from tests.inference.tab_edits import edit_history, predict

IMPORTS = """import openpyxl


def styles():
    bold = openpyxl.styles.Font(bold=True)
    wrap = openpyxl.styles.Alignment(wrap_text=True)
    return bold, wrap


def book():
    return openpyxl.Workbook()
"""


def test_import_change_rewrites_both_adjacent_uses_as_one_edit() -> None:
    """After ``from openpyxl.styles import Alignment, Font`` replaces the module import, the two
    adjacent uses are one suggestion, not the first of two."""
    after = IMPORTS.replace("import openpyxl\n",
                            "from openpyxl.styles import Alignment, Font\nimport openpyxl\n")
    assert predict(IMPORTS, after, 1) == LineEdit(6, 7, "    bold = Font(bold=True)\n"
                                  "    wrap = Alignment(wrap_text=True)\n")


def test_run_stops_at_an_unlike_line_the_rule_also_reaches() -> None:
    """``1`` → ``101`` in a loop bound does not spread to an unlike line's ``i + 1`` below."""
    lines = ["    for i in range(1):",
             "        self.assertTrue(str(i), self.router.match('/get%d/%d' % (i, i + 1)))"]
    rule = ReplaceRule(((("1",), ("101",)),))
    edit = LineEdit(1, 1, "    for i in range(101):\n")
    assert grow_run([rule], lines, edit) == edit


def test_run_takes_like_lines_above_and_below() -> None:
    """Like lines on both sides of the suggested one join it, in file order."""
    lines = ["a = old(1)", "b = old(2)", "c = old(3)", "", "d = old(4)"]
    rule = ReplaceRule(((("old",), ("new",)),))
    grown = grow_run([rule], lines, LineEdit(2, 2, "b = new(2)\n"))
    assert grown == LineEdit(1, 3, "a = new(1)\nb = new(2)\nc = new(3)\n")


def test_run_stays_out_of_lines_the_recent_edits_wrote_and_out_of_prose() -> None:
    """A neighbour the user just wrote, or a comment next to code, is not joined."""
    lines = ["# old(0) is documented here", "a = old(1)", "b = old(2)"]
    rule = ReplaceRule(((("old",), ("new",)),))
    edit = LineEdit(2, 2, "a = new(1)\n")
    assert grow_run([rule], lines, edit, written=frozenset({"b = old(2)"}),
                    prose=frozenset({0})) == edit


def test_run_joins_a_neighbour_another_rule_rewrites() -> None:
    """An import alias renamed inside a ``try``/``except ImportError`` fallback and a flag
    renamed after it: the two adjacent lines using both are one suggestion."""
    code = ("try:\n    import json.dumps as json_dump\nexcept ImportError:\n    json = None\n"
            + "".join(f"step_{n} = {n}\n" for n in range(20))
            + "if autojson and json and isinstance(output, dict):\n"
            "    output = json_dump(output)\n")
    fallback = ("try:\n    try:\n        from json import dumps as json_dumps\n"
                "    except ImportError:\n        from simplejson import dumps as json_dumps\n")
    imported = code.replace("try:\n    import json.dumps as json_dump\n", fallback)
    after = imported.replace("    json = None", "    json_dumps = None")
    diff = edit_history(code, imported, after)
    line = after.splitlines().index("if autojson and json and isinstance(output, dict):")
    assert TabPredictor().predict(after, 7, diff).edit == LineEdit(
        line + 1, line + 2, "if autojson and json_dumps and isinstance(output, dict):\n"
                            "    output = json_dumps(output)\n")


def test_structural_repeat_grows_only_onto_a_neighbour_as_alike_as_its_suggestions() -> None:
    """``encoding=`` added to one ``read_text()`` goes to the next ``read_text()``, not also to
    the ``text.splitlines()`` below it: shaped alike, but not like the edited line."""
    before = ("def load(path):\n    content = path.read_text()\n    return content\n\n\n"
              "def rows(path):\n    text = path.read_text()\n    lines = text.splitlines()\n"
              "    return lines\n")
    after = before.replace("content = path.read_text()",
                           'content = path.read_text(encoding="utf-8")')
    assert predict(before, after, 2) == LineEdit(
        7, 7, '    text = path.read_text(encoding="utf-8")\n')
