"""Tab carries a parameter change to sibling definitions that share the changed place."""

from __future__ import annotations

from inference.edit_history import LineEdit
from inference.tab import TabPredictor
from inference.tab_signatures import SiblingParametersRule
from tests.inference.tab_edits import edit_history, predict

BODY = "".join(f"        self.step_{n}()\n" for n in range(20))
CLASS = """class Dataset:
    def append(self, row=None, col=None, tags=list()):
        return self.insert(len(self), row, col, tags)

""" + BODY + """
    def insert(self, index, row=None, col=None, tags=list()):
        self.rows.insert(index, row)

    def validate(self, row=None, col=None, safety=False):
        return True
"""




def test_parameter_inserted_goes_into_the_sibling_def_with_the_same_neighbours() -> None:
    """``header=None`` put between ``col=None`` and ``tags=list()`` of ``append`` goes into
    ``insert`` (same neighbours), far from the cursor; ``validate`` does not share them."""
    line = CLASS.splitlines().index("    def insert(self, index, row=None, col=None, tags=list()):")
    after = CLASS.replace("def append(self, row=None, col=None, tags=list())",
                          "def append(self, row=None, col=None, header=None, tags=list())")
    assert predict(CLASS, after, 2) == LineEdit(
        line + 1, line + 1,
        "    def insert(self, index, row=None, col=None, header=None, tags=list()):\n")


def test_no_sibling_shares_the_neighbours_so_nothing_is_suggested() -> None:
    """A parameter inserted between neighbours no other definition has: no suggestion."""
    after = CLASS.replace("def validate(self, row=None, col=None, safety=False)",
                          "def validate(self, row=None, col=None, strict=True, safety=False)")
    assert predict(CLASS, after, 8) is None


def test_parameter_dropped_between_the_same_neighbours_is_dropped_from_siblings() -> None:
    """``col=None`` dropped between ``row=None`` and ``tags=list()`` of ``append``: dropped
    from ``insert`` too."""
    code = CLASS.replace("col=None, safety", "safety")
    after = code.replace("def append(self, row=None, col=None, tags=list())",
                         "def append(self, row=None, tags=list())")
    line = code.splitlines().index("    def insert(self, index, row=None, col=None, tags=list()):")
    assert predict(code, after, 2) == LineEdit(
        line + 1, line + 1, "    def insert(self, index, row=None, tags=list()):\n")


def test_appending_needs_the_same_last_two_parameters() -> None:
    """A parameter appended after one shared last parameter (``benchmark``) is not carried;
    after two shared ones it is."""
    two = SiblingParametersRule("test_a", ("key", "benchmark"), None, inserted=("setup",))
    lines = ["def test_b(key, benchmark):"]
    assert two.edit_at(lines, 0) == LineEdit(1, 1, "def test_b(key, benchmark, setup):\n")
    code = "def test_a(benchmark):\n    pass\n\n\ndef test_b(key, benchmark):\n    pass\n"
    after = code.replace("def test_a(benchmark):", "def test_a(benchmark, setup):")
    assert predict(code, after, 1) is None


def test_parameter_dropped_from_a_def_is_dropped_from_calls_passing_it_by_name() -> None:
    """``def default(handler)`` → ``def default()``: the call passing ``handler`` on loses it,
    however far (an older edit in between); a call passing something else keeps it."""
    code = ("def default(handler):\n    return app().default(handler)\n\n\n"
            + "".join(f"step_{n} = {n}\n" for n in range(20))
            + "default(other)\nx = load(text, mangle, handler=handler)\n"
            + "result = app().default(handler)\n")
    dropped = code.replace("def default(handler):", "def default():")
    after = dropped.replace("step_0 = 0", "step_0 = 1")
    diff = edit_history(code, dropped, after)
    edit = TabPredictor().predict(after, 6, diff).edit
    assert edit == LineEdit(27, 27, "result = app().default()\n")
