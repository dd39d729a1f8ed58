"""Whitespace/format-only and comment-only detection."""

from __future__ import annotations

from reviewapp.importance import GRAY, NORMAL, score_hunks_mechanical

OLD = '''def area(width, height):
    """Area of a rectangle."""
    # multiply the sides
    result = compute(width,height, 'cm')
    return result
'''


def _only(diff_of, new: str, old: str = OLD, path: str = "geo.py"):
    scores = score_hunks_mechanical(diff_of({path: (old, new)}))
    assert len(scores[0]) == 1
    return scores[0][0]


def test_black_style_rewrap_and_quotes_are_formatting(diff_of):
    """Re-wrapping a call with a trailing comma and switching quotes is formatting."""
    new = OLD.replace("compute(width,height, 'cm')",
                      'compute(\n        width,\n        height,\n        "cm",\n    )')
    score = _only(diff_of, new)
    assert (score.tier, score.detector) == (GRAY, "formatting")


def test_redundant_parentheses_around_a_whole_assignment_are_formatting(diff_of):
    """`x = (a)` written over two lines, as black wraps long right-hand sides, is formatting."""
    new = OLD.replace("result = compute(width,height, 'cm')",
                      "result = (\n        compute(width, height, 'cm')\n    )")
    assert _only(diff_of, new).detector == "formatting"


def test_dedenting_a_statement_out_of_a_block_is_not_formatting(diff_of):
    """A whitespace-only change that moves a statement out of an `if` changes the program."""
    old = "def f(x):\n    if x:\n        a()\n        b()\n    c()\n"
    new = "def f(x):\n    if x:\n        a()\n    b()\n    c()\n"
    assert _only(diff_of, new, old, "f.py").tier != GRAY


def test_one_element_tuple_comma_is_not_formatting(diff_of):
    """`(x,)` is a tuple and `(x)` is not: dropping that comma is a real change."""
    assert _only(diff_of, "y = (x)\n", "y = (x,)\n", "t.py").tier != GRAY


def test_uniform_reindentation_is_formatting(diff_of):
    """Re-indenting a function body from 4 to 2 spaces keeps its nesting: formatting."""
    old = "def f(x):\n    if x:\n        return 1\n    return 2\n"
    new = "def f(x):\n  if x:\n    return 1\n  return 2\n"
    assert _only(diff_of, new, old, "f.py").detector == "formatting"


def test_comment_only_change_is_docs_and_not_grayed(diff_of):
    """Rewording a comment is reported as comments/docstrings only and stays visible."""
    score = _only(diff_of, OLD.replace("# multiply the sides", "# width times height"))
    assert (score.tier, score.detector) == (NORMAL, "docs")
    assert "comment" in score.reason


def test_logic_change_is_not_formatting(diff_of):
    """Changing an argument is not formatting."""
    score = _only(diff_of, OLD.replace("'cm'", "'mm'"))
    assert score.tier != GRAY and score.detector == ""


def test_javascript_whitespace_only(diff_of):
    """Trailing spaces and re-indentation in JavaScript are whitespace only."""
    old = "function f(a) {\n  return a + 1;\n}\n"
    new = "function f(a) {\n    return a + 1;   \n}\n"
    score = _only(diff_of, new, old, "f.js")
    assert (score.tier, score.reason) == (GRAY, "whitespace only")


def test_pasted_diff_without_contents_is_still_detected(diff_of):
    """Without full file contents the hunk's own lines are lexed."""
    new = OLD.replace("compute(width,height, 'cm')", "compute(width, height, 'cm')")
    scores = score_hunks_mechanical(diff_of({"geo.py": (OLD, new)}, contents=False))
    assert scores[0][0].detector == "formatting"


def test_black_assert_and_backslash_rewraps_are_formatting(diff_of):
    """`assert (cond), msg` unwrapped and backslash continuations turned into parentheses."""
    old = ("def f(a, b):\n    assert (\n        a is not None\n    ), 'need a'\n"
           "    if a and \\\n       b:\n        return 1\n")
    new = ("def f(a, b):\n    assert a is not None, 'need a'\n"
           "    if (\n        a\n        and b\n    ):\n        return 1\n")
    assert _only(diff_of, new, old, "f.py").detector == "formatting"


def test_hunk_starting_inside_a_call_gets_its_trailing_comma(diff_of):
    """A hunk cut mid-call: `mode=mode)` → `mode=mode,` + `)` on its own line is formatting."""
    head = "result = plot(\n" + "".join(f"    arg{i}=arg{i},\n" for i in range(8))
    old = head + "    mode=mode)\n\nNEXT = 1\n"
    new = head + "    mode=mode,\n)\n\nNEXT = 1\n"
    assert _only(diff_of, new, old, "p.py").detector == "formatting"


def test_lone_comma_of_a_tuple_cut_by_the_hunk_is_kept(diff_of):
    """`(\n 1,\n)` is a tuple even when its `(` lies above the hunk: dropping `,` is a change."""
    head = "VALUES = (\n" + "# padding\n" * 6
    assert _only(diff_of, head + "    1\n)\n", head + "    1,\n)\n", "t.py").tier != GRAY


def test_a_pasted_hunk_starting_at_a_docstrings_end_is_not_docs_when_its_code_changed(diff_of):
    """Without the file, the triple quote in the hunk's leading context may close a docstring
    (fabric de115a54: a method's `pass` became a `super(...)` call under new comments), so
    its change is not called docs only; a pasted comment edit with no such quote still is."""
    old = ('class Connection(Context):\n    def sudo(self, command):\n        """\n'
           '        Run a command.\n\n        More words.\n        """\n'
           '        pass\n        #prompt = "[sudo] password:"\n\n    def local(self):\n'
           '        """\n        Run it here.\n        """\n')
    new = old.replace('        pass\n        #prompt = "[sudo] password:"\n',
                      '        # TODO: maybe just touch Remote.sudo.__doc__\n'
                      '        super(Connection, self).sudo(command)\n', 1)
    scores = score_hunks_mechanical(diff_of({"c.py": (old, new)}, contents=False))
    assert scores[0][0].detector != "docs"
    reworded = OLD.replace("# multiply the sides", "# width times height")
    scores = score_hunks_mechanical(diff_of({"geo.py": (OLD, reworded)}, contents=False))
    assert scores[0][0].detector == "docs"
