"""Tab's model stage decodes with Tab's adapter when the engine has it, at the prompt budget it
was trained on; the base model stays selectable per predictor."""

from __future__ import annotations

import pytest

from inference.edit_history import LineEdit
from inference.engine import BASE_MODEL, TAB_ADAPTER, GenerationResult, InvalidRequest
from inference.tab import (
    ADAPTER_PROMPT_BUDGET,
    PROMPT_BUDGET,
    TabPredictor,
    model_window,
    tab_prompt,
)

VALUES = "".join(f"v{i} = {i}\n" for i in range(1, 21))
FLOATED = VALUES.replace("v11 = 11\n", "v11 = float(11)\n")
HISTORY = "--- a/m.py\n+++ b/m.py\n@@ -11 +11 @@\n-v11 = 11\n+v11 = float(11)\n"


class RecordingModel:
    """Stands in for the engine: has the named adapters, records each generation's options and
    answers with the window where line 12 got the user's change."""

    tokenizer = None

    def __init__(self, adapters: tuple[str, ...]) -> None:
        self.adapters = dict.fromkeys(adapters)
        self.calls: list[dict] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def generate_text(self, prompt: str, **options) -> GenerationResult:
        self.calls.append({"prompt": prompt, **options})
        _, window = model_window(FLOATED.splitlines(), 10)
        rewrite = [line if line != "v12 = 12" else "v12 = float(12)" for line in window]
        return GenerationResult("\n".join(rewrite) + "\n", [0], "stop")


def shown_window() -> str:
    """The lines the model stage shows (and drafts from) at cursor line 10."""
    _, window = model_window(FLOATED.splitlines(), 10)
    return "".join(line + "\n" for line in window)


@pytest.mark.parametrize(("loaded", "chosen", "used", "budget"), [
    ((TAB_ADAPTER,), TAB_ADAPTER, TAB_ADAPTER, ADAPTER_PROMPT_BUDGET),  # the default choice
    ((TAB_ADAPTER,), None, None, PROMPT_BUDGET),  # the base model, chosen
    ((), TAB_ADAPTER, None, PROMPT_BUDGET),  # no adapter loaded: the base model
])
def test_the_model_stage_uses_the_tab_adapter_only_when_chosen_and_loaded(
        loaded, chosen, used, budget) -> None:
    model = RecordingModel(loaded)
    predictor = (TabPredictor(model, use_patterns=False) if chosen == TAB_ADAPTER
                 else TabPredictor(model, use_patterns=False, adapter=chosen))
    suggestion = predictor.predict(FLOATED, 10, HISTORY)
    assert suggestion.edit == LineEdit(12, 12, "v12 = float(12)\n")
    assert suggestion.source == "model"
    [call] = model.calls
    assert call["adapter"] == used
    _, window = model_window(FLOATED.splitlines(), 10)
    shown = "".join(line + "\n" for line in window)
    assert call["prompt"] == tab_prompt(model, FLOATED, 10, HISTORY, shown, budget)


@pytest.mark.parametrize(("configured", "requested", "used", "budget"), [
    (None, TAB_ADAPTER, TAB_ADAPTER, ADAPTER_PROMPT_BUDGET),  # the request turns it on
    (TAB_ADAPTER, BASE_MODEL, None, PROMPT_BUDGET),  # the request turns it off
    (TAB_ADAPTER, None, TAB_ADAPTER, ADAPTER_PROMPT_BUDGET),  # the predictor's choice
])
def test_a_request_chooses_the_model_stage_s_adapter(configured, requested, used,
                                                     budget) -> None:
    """A request's ``adapter`` wins over the predictor's; left out, the predictor's stands
    (each with the prompt budget of the weights it picks)."""
    model = RecordingModel((TAB_ADAPTER,))
    predictor = TabPredictor(model, use_patterns=False, adapter=configured)
    suggestion = predictor.predict(FLOATED, 10, HISTORY, adapter=requested)
    assert suggestion.edit == LineEdit(12, 12, "v12 = float(12)\n")
    [call] = model.calls
    assert call["adapter"] == used
    assert call["prompt"] == tab_prompt(model, FLOATED, 10, HISTORY, shown_window(), budget)


def test_the_same_request_with_another_adapter_is_not_answered_from_memory() -> None:
    """Answers are remembered per adapter: asking again with the same one is free."""
    model = RecordingModel((TAB_ADAPTER,))
    predictor = TabPredictor(model, use_patterns=False)
    for requested in (BASE_MODEL, TAB_ADAPTER, BASE_MODEL):
        predictor.predict(FLOATED, 10, HISTORY, adapter=requested)
    assert [call["adapter"] for call in model.calls] == [None, TAB_ADAPTER]


@pytest.mark.parametrize(("predictor", "requested", "words"), [
    (lambda: TabPredictor(RecordingModel(())), TAB_ADAPTER, "not loaded"),
    (lambda: TabPredictor(RecordingModel((TAB_ADAPTER, "apply"))), "apply",
     "unknown adapter 'apply'"),
    (lambda: TabPredictor(), TAB_ADAPTER, "without a model"),
])
def test_an_adapter_tab_cannot_use_is_refused(predictor, requested, words) -> None:
    """Refused with InvalidRequest (the service's 400), even where a pattern answers alone."""
    chosen = predictor()
    for history in (HISTORY, ""):
        with pytest.raises(InvalidRequest, match=words):
            chosen.predict(FLOATED, 10, history, adapter=requested)
    assert not getattr(chosen.engine, "calls", [])


@pytest.mark.slow
def test_the_committed_tab_adapter_decodes_speculatively_as_greedy() -> None:
    """On the default model with Tab's committed adapter, the model stage's speculative
    rewrite (drafted from the lines it shows) gives greedy's exact tokens."""
    from pathlib import Path

    from inference.engine import DEFAULT_TAB_ADAPTER, Engine

    engine = Engine()
    engine.load_adapter(TAB_ADAPTER, Path(DEFAULT_TAB_ADAPTER))
    text = Path(__file__).read_text()
    cursor = text.splitlines().index("class RecordingModel:") + 1
    _, window = model_window(text.splitlines(), cursor)
    shown = "".join(line + "\n" for line in window)
    history = ("--- a/t.py\n+++ b/t.py\n@@ -30 +30 @@\n-    def __init__(self, adapters):\n"
               "+    def __init__(self, adapters: tuple[str, ...]) -> None:\n")
    prompt = tab_prompt(engine, text, cursor, history, shown, ADAPTER_PROMPT_BUDGET)
    budget = engine.count_tokens(shown) + 48
    greedy = engine.generate_text(prompt, max_new_tokens=budget, decoding="greedy",
                                  stop=["```"], adapter=TAB_ADAPTER)
    engine.prefix_cache.clear()
    spec = engine.generate_text(prompt, max_new_tokens=budget, decoding="speculative",
                                draft=shown, stop=["```"], adapter=TAB_ADAPTER)
    assert spec.token_ids == greedy.token_ids
    assert spec.text == greedy.text
