"""Tab joins the next wrapped statement like the one just joined (patterns only)."""

from __future__ import annotations

from inference.edit_history import LineEdit, parse_history
from inference.tab_joins import join_rule
from tests.inference.tab_edits import edit_history, predict

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


def test_statement_joined_onto_one_line_joins_the_next_one_that_fits() -> None:
    assert predict(CODE, JOINED, 1) == LineEdit(
        3, 4, "    inst.parser = Parser.deserialize(inst.parser, memo, callbacks, debug)\n"
    )


def test_a_wrapped_statement_longer_than_the_joined_line_stays_wrapped() -> None:
    edit = parse_history(edit_history(CODE, JOINED))[-1]
    rule = join_rule(edit)
    assert rule is not None
    lines = JOINED.splitlines()
    assert rule.edit_at(lines, 4) is None  # the lexer line would be longer than the def
    defaulted = CODE.replace("debug):", "debug=False):")
    assert join_rule(parse_history(edit_history(CODE, defaulted))[-1]) is None
