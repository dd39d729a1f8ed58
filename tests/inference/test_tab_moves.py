"""Tab finishes a move: the old copy of a line just written elsewhere goes (patterns only)."""

from __future__ import annotations

from inference.edit_history import LineEdit
from tests.inference.tab_edits import predict


def test_import_moved_up_has_its_old_copy_and_a_blank_line_deleted() -> None:
    """`import _ast` written above `import operator`: the old `import _ast` (alone between
    blank lines) goes with the blank line above it."""
    before = '"""Doc."""\n\nimport operator\n\nimport _ast\n\nfrom mako import compat\n'
    after = before.replace("import operator\n", "import _ast\nimport operator\n")
    assert predict(before, after, 3) == LineEdit(5, 6, "")


def test_name_imported_from_elsewhere_drops_its_old_import() -> None:
    """`mock` added to `from test import ...`: the module-level `import mock` goes."""
    before = "from test import eq_, raises\nimport mock\n\n\ndef f():\n    return mock.Mock()\n"
    after = before.replace("raises\n", "raises, mock\n")
    assert predict(before, after, 1) == LineEdit(2, 2, "")


def test_statement_hoisted_out_of_a_block_leaves_the_block() -> None:
    """An assignment written above the `try` that held it: the copy inside the `try` goes."""
    before = ("def ping(server, port):\n    try:\n"
              "        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
              "        s.connect((server, port))\n    except OSError:\n        return False\n")
    after = before.replace(
        "    try:\n", "    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n    try:\n")
    assert predict(before, after, 2) == LineEdit(4, 4, "")


def test_statement_copied_at_the_same_depth_is_kept() -> None:
    """A test's assertion copied into the next test is a copy, not a move: nothing to do."""
    line = "        self.assertEqual(result.status_code, 200)\n"
    before = ("class T:\n    def test_a(self):\n        result = get('/a')\n" + line
              + "\n    def test_b(self):\n        result = get('/b')\n")
    after = before + line
    assert predict(before, after, 8) is None


def test_only_statement_of_a_block_is_not_deleted() -> None:
    """The fallback import in `except ImportError:` is all its block holds: it stays, and an
    indented import is never taken for the old copy of a module-level one."""
    before = "try:\n    import simplejson as json\nexcept ImportError:\n    import json\n"
    after = "import json\n" + before
    assert predict(before, after, 1) is None


def test_rewritten_line_matching_one_at_another_depth_is_not_a_move() -> None:
    """An argument dropped from `result = load_settings(...)`: the same call in the loop below
    is not the old copy of a moved line, so it is not deleted."""
    before = ("def f(items, cache):\n    result = load_settings(cache, True)\n"
              "    for item in items:\n        result = load_settings(cache)\n"
              "        item.apply(result)\n")
    after = before.replace("load_settings(cache, True)", "load_settings(cache)")
    assert predict(before, after, 2) is None


def test_docstring_line_reading_like_an_import_does_not_delete_the_import() -> None:
    """A usage line written into a docstring is prose: the module's import of the same name
    stays."""
    before = ('from app.settings import load_settings\n\n\ndef f():\n    """Load them.\n\n'
              '    Example::\n\n    """\n    return load_settings()\n')
    after = before.replace("    Example::\n\n",
                           "    Example::\n\n        from app.settings import load_settings\n")
    assert predict(before, after, 8) is None


def test_line_moved_within_a_docstring_leaves_its_old_place() -> None:
    """A sentence from a parameter's description written under the docstring's summary: its
    old line in the same docstring goes."""
    sentence = "Classes starting with an underscore are skipped.\n"
    before = ('def visit(tree, visit_tokens):\n    """Visit every class.\n\n    Parameters:\n'
              '        visit_tokens: whether to visit tokens too.\n'
              '                      ' + sentence + '    """\n    return tree\n')
    after = before.replace("    Parameters:", "    " + sentence + "    Parameters:")
    assert predict(before, after, 4) == LineEdit(7, 7, "")


def test_docstring_example_is_not_the_old_copy_of_a_statement() -> None:
    """A statement written into the function body: the same line in its docstring's example is
    prose, not the statement's old place, so it stays."""
    before = ('def connect(server):\n    """Open a connection, as in::\n\n'
              '        sock = socket.create_connection(server)\n    """\n'
              '    return socket.create_connection(server)\n')
    after = before.replace("    return socket", "    sock = socket.create_connection(server)\n"
                                                 "    return socket")
    assert predict(before, after, 6) is None
