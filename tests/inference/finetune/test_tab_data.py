"""Tab fine-tune examples: the model stage's own prompt, answers its parser reads back as the
expected edit, unchanged lines where nothing should change, and the test split held out."""

from __future__ import annotations

import pytest

from inference.finetune.tab_data import TabExample, build_tab_examples, tab_example
from inference.finetune.train import tokenize
from inference.tab import ADAPTER_PROMPT_BUDGET, _first_change, model_window, tab_prompt
from inference.tiny import tiny_engine

FILE = "".join(f"v{i} = {i}\n" for i in range(1, 31))
HISTORY = "--- a/m.py\n+++ b/m.py\n@@ -11 +11 @@\n-v11 = 11\n+v11 = float(11)\n"


def case(cursor_line: int, expected: dict | None) -> dict:
    return {"id": "r@c:1", "kind": "edit" if expected else "no_edit", "file": FILE,
            "cursor_line": cursor_line, "history": HISTORY, "expected": expected}


def test_a_case_where_nothing_should_change_is_taught_the_lines_unchanged() -> None:
    example = tab_example(case(20, None))
    assert example is not None and example.answer == example.shown
    assert example.shown == "".join(f"v{i} = {i}\n" for i in range(14, 27))


def test_the_answer_of_an_edit_case_is_read_back_by_tabs_parser_as_the_expected_edit() -> None:
    expected = {"start_line": 12, "end_line": 12, "new_text": "v12 = float(12)\n"}
    example = tab_example(case(11, expected))
    assert example is not None
    low, window = model_window(FILE.splitlines(), 11)
    found = _first_change(window, example.answer.splitlines(), low, finished=True)
    assert found is not None and found.to_json() == expected


def test_an_inserted_line_is_taught_at_its_place() -> None:
    expected = {"start_line": 13, "end_line": 12, "new_text": "w = v12\n"}
    example = tab_example(case(11, expected))
    assert example is not None
    assert example.answer.splitlines()[7:9] == ["v12 = 12", "w = v12"]


@pytest.mark.parametrize("expected", [
    {"start_line": 28, "end_line": 28, "new_text": "v28 = float(28)\n"},  # beyond the window
    {"start_line": 8, "end_line": 12, "new_text": ""},  # more lines than Tab's model path takes
])
def test_an_edit_the_model_stage_cannot_give_is_left_out(expected: dict) -> None:
    assert tab_example(case(11, expected)) is None


def test_the_test_split_is_never_trained_on() -> None:
    with pytest.raises(ValueError, match="held out"):
        next(build_tab_examples("test", seed=0))


def test_tab_tokens_are_the_product_prompt_at_the_adapter_budget_then_the_answer() -> None:
    engine = tiny_engine()
    example = tab_example(case(20, None))
    assert isinstance(example, TabExample)
    row = tokenize(engine, example)
    prompt = tab_prompt(engine, FILE, 20, HISTORY, example.shown, ADAPTER_PROMPT_BUDGET)
    assert row.prompt == engine.encode(prompt)
    assert engine.decode(row.answer) == example.answer + "```"
    assert row.answer[-1] in engine.eos_token_ids
