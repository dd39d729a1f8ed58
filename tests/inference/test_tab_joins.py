"""Tab joins the next wrapped statement like the one just joined (patterns only)."""

from __future__ import annotations

import difflib

from inference.edit_history import LineEdit, parse_history
from inference.tab import TabPredictor
from inference.tab_joins import join_rule

CODE = """def deserialize(cls, data, memo, callbacks, postlex, transformer, re_module,
                debug):
    inst = cls.__new__(cls)
    inst.parser = Parser.deserialize(inst.parser, memo, callbacks,
                                     debug)
    inst.lexer = Lexer.deserialize(inst.lexer, memo, callbacks, inst.options.lexer_options,
                                   debug)
    return inst
"""
JOINED = CODE.replace("re_module,\n                debug):", "re_module, debug):")


def diff(before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(True), after.splitlines(True), "a/m.py", "b/m.py", n=2
        )
    )


def test_statement_joined_onto_one_line_joins_the_next_one_that_fits() -> None:
    assert TabPredictor().predict(JOINED, 1, diff(CODE, JOINED)).edit == LineEdit(
        3, 4, "    inst.parser = Parser.deserialize(inst.parser, memo, callbacks, debug)\n"
    )


def test_a_wrapped_statement_longer_than_the_joined_line_stays_wrapped() -> None:
    edit = parse_history(diff(CODE, JOINED))[-1]
    rule = join_rule(edit)
    assert rule is not None
    lines = JOINED.splitlines()
    assert rule.edit_at(lines, 4) is None  # the lexer line would be longer than the def
    assert (
        join_rule(parse_history(diff(CODE, CODE.replace("debug):", "debug=False):")))[-1]) is None
    )
