"""Tab passes a new parameter or local on to the calls that pass on its neighbours, and stores a
new parameter where its method stores the others."""

from __future__ import annotations

from inference.edit_history import LineEdit
from tests.inference.tab_edits import predict

ENABLE = '''class Table:
    def enable_fts(self, columns):
        sql = render(
            table=self.name, columns=", ".join(columns)
        )
        return self.db.execute(sql)
'''


def test_new_parameter_follows_its_keyword_neighbour_into_a_multi_line_call() -> None:
    """`fts_version` added after `columns`: the call passing `columns=...` last passes
    `fts_version=fts_version` after it."""
    after = ENABLE.replace("(self, columns)", '(self, columns, fts_version="FTS5")')
    assert predict(ENABLE, after, 2) == LineEdit(
        4, 4, '            table=self.name, columns=", ".join(columns), '
              "fts_version=fts_version\n")


def test_new_parameter_follows_its_positional_neighbour() -> None:
    """`debug` added after `callbacks`: `_Parser(table, callbacks)` passes `debug` on."""
    before = ("    def deserialize(cls, data, memo, callbacks):\n"
              "        inst = cls.__new__(cls)\n"
              "        inst.parser = _Parser(inst._parse_table, callbacks)\n"
              "        return inst\n")
    after = before.replace("callbacks):", "callbacks, debug=False):")
    assert predict(before, after, 1) == LineEdit(
        3, 3, "        inst.parser = _Parser(inst._parse_table, callbacks, debug)\n")


def test_neighbour_alone_in_a_call_is_transformed_not_passed_on() -> None:
    """`clean(col)` takes the neighbour alone: the new parameter is not added to it."""
    before = "def insert(self, index, col=None):\n    col = self.clean(col)\n    return col\n"
    after = before.replace("col=None)", "col=None, tags=())")
    assert predict(before, after, 1) is None


def test_parameter_already_used_is_not_passed_on_again() -> None:
    """A body that already uses the new name has taken it in: no more guesses."""
    before = ("def enable(self, columns):\n    check(columns)\n"
              "    return render(columns=columns)\n")
    after = before.replace("(self, columns):", "(self, columns, version=5):").replace(
        "    check(columns)", "    check(columns, version)")
    assert predict(before, after, 1) is None


def test_new_local_reaches_the_call_that_passes_names_on() -> None:
    """`output_encoding` assigned in a function: the next `Template(..., lookup=lookup)` passes
    it on the same way."""
    before = ("def cmdline(options):\n    lookup = get_lookup(options)\n\n"
              "    if options.stdin:\n"
              "        template = Template(sys.stdin.read(), lookup=lookup)\n")
    after = before.replace("\n\n    if",
                           "\n    output_encoding = options.output_encoding\n\n    if")
    assert predict(before, after, 3) == LineEdit(
        6, 6, "        template = Template(sys.stdin.read(), lookup=lookup, "
              "output_encoding=output_encoding)\n")


INIT = """class Store:
    def __init__(self, filename, debug):
        self.debug = debug
        self.filename = filename
        self.nest = 0

    def open(self):
        return connect(self.filename)
"""


def test_new_parameter_of_a_method_storing_its_parameters_is_stored_after_them() -> None:
    """``no_disk=False`` added to ``__init__`` whose body stores ``debug`` and ``filename``:
    ``self.no_disk = no_disk`` goes after the last of those lines."""
    after = INIT.replace("def __init__(self, filename, debug):",
                         "def __init__(self, filename, debug, no_disk=False):")
    assert predict(INIT, after, 2) == LineEdit(5, 4, "        self.no_disk = no_disk\n")


def test_new_parameter_already_used_in_the_body_is_not_stored_again() -> None:
    """The body already uses the new parameter: nothing to store."""
    code = INIT.replace("self.nest = 0", "self.nest = no_disk")
    after = code.replace("def __init__(self, filename, debug):",
                         "def __init__(self, filename, debug, no_disk=False):")
    assert predict(code, after, 2) is None
