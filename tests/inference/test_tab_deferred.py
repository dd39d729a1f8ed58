"""Tab finishes a move down: a statement just deleted goes after what it needs (patterns only)."""

from __future__ import annotations

from inference.edit_history import LineEdit, parse_history
from inference.tab import TabPredictor
from inference.tab_deferred import deferred_rule
from tests.inference.tab_edits import edit_history


def history(*versions: str) -> str:
    """The edits with three lines of context around each hunk."""
    return edit_history(*versions, context=3)


REQUEST = """def request(env, files):
    body = ''
    for name, content in files:
        body += content + '\\n'
    env['CONTENT_LENGTH'] = str(len(body))
    if hasattr(body, 'encode'):
        body = body.encode('utf8')
    env['wsgi.input'].write(body)
    return env
"""


def test_statement_deleted_goes_after_the_block_that_changes_what_it_reads() -> None:
    """The length is taken after ``body`` is encoded: below the ``if`` block, not back where it
    was."""
    after = REQUEST.replace("    env['CONTENT_LENGTH'] = str(len(body))\n", "")
    assert TabPredictor().predict(after, 5, history(REQUEST, after)).edit == LineEdit(
        7, 6, "    env['CONTENT_LENGTH'] = str(len(body))\n"
    )


def test_attribute_set_from_the_object_goes_after_the_other_attributes() -> None:
    code = (
        "class Cache:\n    def __init__(self, template):\n        self.template = template\n"
        "        self.impl = self._load_impl(self.template.cache_impl)\n"
        "        self.id = template.module.__name__\n        self._regions = {}\n\n"
        "    def _load_impl(self, name):\n        return load(name)(self)\n"
    )
    after = code.replace("        self.impl = self._load_impl(self.template.cache_impl)\n", "")
    assert TabPredictor().predict(after, 4, history(code, after)).edit == LineEdit(
        6, 5, "        self.impl = self._load_impl(self.template.cache_impl)\n"
    )


def test_a_statement_removed_twice_is_being_removed_not_moved() -> None:
    """``self._hash = hash(self.name)`` deleted from two ``__init__`` methods: no third move."""
    init = (
        "    def __init__(self, name):\n        self.name = name\n"
        "        self._hash = hash(self.name)\n        self.kind = None\n\n"
    )
    code = "class A:\n" + init + "\nclass B:\n" + init
    first = code.replace("        self._hash = hash(self.name)\n", "", 1)
    second = first.replace("        self._hash = hash(self.name)\n", "", 1)
    edits = parse_history(history(code, first, second))
    assert deferred_rule(edits[-1], second.splitlines(), edits) is None


def test_a_statement_nothing_below_prepares_is_not_moved() -> None:
    """Nothing after the deleted line assigns what it reads: a deletion, not a move."""
    edits = parse_history(history(REQUEST, REQUEST.replace("    return env\n", "")))
    assert (
        deferred_rule(edits[-1], REQUEST.replace("    return env\n", "").splitlines(), edits)
        is None
    )
    code = "def f(a):\n    b = a + 1\n    log(b)\n    c = 2\n    return c\n"
    after = code.replace("    log(b)\n", "")
    edits = parse_history(history(code, after))
    assert deferred_rule(edits[-1], after.splitlines(), edits) is None
