"""The hunt's uses of the real default model (slow: loads SmolLM2-135M once per session):
line surprisal for localization, and lines where the model leaves the wrong one."""

from __future__ import annotations

import pytest

from reviewapp.hunts.engine.lm_candidates import PROMPT_TEMPLATE, divergent_lines
from reviewapp.hunts.engine.localize import function_spans, lm_line_surprisal
from tests.reviewapp.hunts.buggy_project import BUGGY_MODULE

pytestmark = pytest.mark.slow

SOURCE = BUGGY_MODULE  # last_items never returns the last element; mean is unrelated


@pytest.fixture(scope="module")
def engine():
    from inference.engine import get_engine

    return get_engine()  # process-wide: every slow test shares the one loaded model


def test_surprisal_covers_the_lines_of_the_suspicious_functions_only(engine):
    keys = {("stats.py", 4), ("stats.py", 5)}
    surprisal = lm_line_surprisal({"stats.py": SOURCE}, keys,
                                  {"stats.py": function_spans(SOURCE)})
    assert {line for _, line in surprisal} == {1, 2, 3, 4, 5, 6}  # not `mean`
    assert all(value > 0 for value in surprisal.values())


def test_divergent_lines_leave_the_wrong_line_where_the_model_disagrees(engine):
    wrong = "for i in range(len(items) - n, len(items) - 1):"
    prompt = PROMPT_TEMPLATE.format(context="", function=SOURCE.split("\n\n\n")[0],
                                    line="    " + wrong, indent="    ")
    lines = divergent_lines(engine, prompt, wrong, alternatives=4)
    assert 1 <= len(lines) <= 4 and len(set(lines)) == len(lines)
    assert all("\n" not in line and line == line.strip() for line in lines)
    assert wrong not in lines  # each leaves the wrong line somewhere
