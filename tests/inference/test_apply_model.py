"""Apply and Tab with the real default model (slow: they load SmolLM2-135M once per session)."""

from __future__ import annotations

import pytest

from inference.apply import apply_sketch, stream_generated_merge

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine():
    from inference.engine import get_engine

    return get_engine()  # process-wide: every slow test shares the one loaded model


def test_model_ranks_a_signature_change_as_a_replacement(engine) -> None:
    """An edited `def` line after a marker has no exact anchor: of the plausible merges
    (replace the old header, or keep it and insert the new one) the model picks the one
    that parses and reads right, and the result reports the model path."""
    original = ("def area(width, height):\n    return width * height\n\n\n"
                "def volume(width, height, depth):\n    return area(width, height) * depth\n")
    sketch = ("# ... existing code ...\ndef volume(width, height, depth=1):\n"
              "    return area(width, height) * depth\n")
    result = apply_sketch(original, sketch, engine=engine, path="geometry.py")
    assert result.text == original.replace("depth):", "depth=1):")
    assert result.path in ("fuzzy", "model")


def test_generated_merge_is_the_same_text_for_every_decoding(engine) -> None:
    """When the model writes the file, speculative and greedy decoding give the same outcome
    (only speed differs): the contract of `apply --decoding` (prompt lookup's equality to
    greedy is tested on the engine, tests/inference/test_engine.py). A merge abandoned
    early may have streamed a few more tokens of the same text with speculative decoding,
    which accepts several per pass."""
    original = "x = 1\ny = 2\n"
    sketch = "# ... existing code ...\nQQQ = [[[]]]\n# ... existing code ...\n"
    outcomes = []
    for decoding in ("speculative", "greedy"):
        merge = stream_generated_merge(engine, original, sketch, path="v.py", decoding=decoding)
        pieces = []
        try:
            while True:
                pieces.append(next(merge))
        except StopIteration as finished:
            text, why, _stats = finished.value
        outcomes.append((text, why, "".join(pieces)))
    (spec_text, spec_why, spec_streamed), (text, why, streamed) = outcomes
    assert (spec_text, spec_why) == (text, why)
    assert spec_streamed.startswith(streamed) if text is None else spec_streamed == streamed


def test_the_model_writes_the_merge_with_apply_s_fine_tune(engine) -> None:
    """The default engine carries Apply's adapter and the model path decodes with it: on an
    edit of a function no training data contains, the written file is the intended merge."""
    from inference.engine import APPLY_ADAPTER

    assert APPLY_ADAPTER in engine.adapters
    original = ("def mean(values):\n    total = 0\n    count = 0\n    for value in values:\n"
                "        total += value\n        count += 1\n    if count == 0:\n"
                "        return 0.0\n    return total / count\n")
    sketch = ("# ... existing code ...\n    if count == 0:\n"
              "        raise ValueError('no values')\n    return total / count\n")
    merge = stream_generated_merge(engine, original, sketch, path="stats.py")
    try:
        while True:
            next(merge)
    except StopIteration as finished:
        text, why, stats = finished.value
    assert why == ""
    assert text == original.replace("return 0.0", "raise ValueError('no values')")
    assert stats["adapter"] == APPLY_ADAPTER and stats["acceptance_rate"] > 0.5
