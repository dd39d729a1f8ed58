"""Tab bumps the year of the other copyright notices once one was bumped."""

from __future__ import annotations

from inference.edit_history import LineEdit
from inference.tab import TabPredictor
from tests.inference.tab_edits import edit_history

CORE = '''"""
    tablib.core
    ~~~~~~~~~~~

    :copyright: (c) 2010 by Kenneth Reitz.
"""

__title__ = 'tablib'
__copyright__ = 'Copyright 2010 Kenneth Reitz'
released = 2010
'''


def test_year_bumped_in_one_notice_is_bumped_in_the_notices_of_another_file() -> None:
    """``copyright = u'2010, ...'`` → ``2011`` in the docs: the module docstring's
    ``:copyright: (c) 2010`` is next (a line that only holds the year is not a notice)."""
    conf = "project = u'Tablib'\ncopyright = u'2010, Kenneth Reitz'\n"
    history = edit_history(conf, conf.replace("2010", "2011"), path="docs/conf.py")
    edit = TabPredictor().predict(CORE, 1, history).edit
    assert edit == LineEdit(5, 5, "    :copyright: (c) 2011 by Kenneth Reitz.\n")


def test_a_year_that_is_not_in_a_notice_teaches_nothing() -> None:
    """``released = 2010`` → ``2011`` is no copyright notice: nothing follows."""
    after = CORE.replace("released = 2010", "released = 2011")
    assert TabPredictor().predict(after, 10, edit_history(CORE, after, path="core.py")).edit is None
