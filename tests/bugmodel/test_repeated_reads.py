"""Reads of one undefined name that one fix mends are one finding, whose message lists the
other lines; reads that each need their own rewrite stay apart."""

from __future__ import annotations

import ast

from bugmodel.detection import change_check_findings

CODE = """import os


class Loader:
    def init(parser, opts):
        self.path = os.getcwd()
        self.opts = opts
        return self.path

    def load(self):
        logging.info("loading")
        logging.warning("slow")
        return prefix + prefix


def other():
    logging.debug("other")
    return self
"""


def findings(changed: set[int] | None = None) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in change_check_findings(
        "loader.py", CODE, ast.parse(CODE), changed)]


def test_a_method_without_self_is_one_finding_listing_its_other_reads():
    line, message = findings()[0]
    assert line == 6
    assert "(read again on lines 7 and 8)" in message


def test_a_forgotten_import_is_one_finding_for_every_read_in_the_file():
    (line, message), = [f for f in findings() if "logging" in f[1]]
    assert line == 11
    assert "a missing `import logging`? (read again on lines 12 and 17)" in message


def test_reads_in_another_function_with_no_repair_are_another_finding():
    assert [line for line, message in findings() if message.startswith("`self`")] == [6, 18]


def test_reads_on_one_line_list_no_other_line():
    (message,) = [m for _, m in findings() if m.startswith("`prefix`")]
    assert "read again" not in message


def test_only_changed_lines_are_folded():
    line, message = findings({7, 8})[0]
    assert line == 7
    assert "(read again on line 8)" in message


def test_a_module_no_scope_binds_read_in_several_functions_is_one_finding():
    """yarl's tests read `pytest.mark` and `pytest.raises` with no `import pytest`: one
    import mends them all, though no import is suggested for a third-party module."""
    code = ("@pytest.mark.slow\ndef test_a():\n    with pytest.raises(ValueError):\n"
            "        pass\n\n\ndef test_b():\n    pytest.skip('later')\n")
    found = change_check_findings("test_x.py", code, ast.parse(code), None)
    assert [(f.line, f.kind) for f in found] == [(1, "undefined_name")]
    assert "(read again on lines 3 and 8)" in found[0].message
