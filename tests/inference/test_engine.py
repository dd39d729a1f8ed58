"""The Engine API: streaming, stopping, cancelling, validation, prefix reuse, threads."""

from __future__ import annotations

import threading

import pytest

from inference.engine import InvalidRequest, PromptTooLong
from inference.tiny import tiny_engine

PROMPT = "def foo(x):\n    return x\n"


@pytest.fixture(scope="module")
def tiny():
    return tiny_engine(seed=0)


@pytest.fixture(scope="module")
def reference(tiny):
    """Greedy tokens of PROMPT, the yardstick for every other decoding here."""
    return tiny.generate_text(PROMPT, max_new_tokens=80, decoding="greedy")


@pytest.mark.parametrize("decoding", ["greedy", "speculative", "prompt-lookup"])
def test_streamed_pieces_join_to_the_result_text(tiny, reference, decoding):
    """The pieces a generation yields concatenate to its final text, which is greedy's."""
    generation = tiny.generate(PROMPT, max_new_tokens=80, decoding=decoding)
    pieces = list(generation)
    assert len(pieces) > 1
    assert "".join(pieces) == generation.result.text == reference.text
    assert generation.result.finish_reason == "length"


@pytest.mark.parametrize("decoding", ["greedy", "speculative", "prompt-lookup"])
def test_stop_string_cuts_the_text_before_it(tiny, reference, decoding):
    """Generation ends just before the first stop string; no piece ever shows part of it."""
    text = reference.text
    stop = text[30:33]
    expected = text[: text.find(stop)]
    generation = tiny.generate(PROMPT, max_new_tokens=80, decoding=decoding, stop=[stop, "\x00zz"])
    pieces = list(generation)
    assert "".join(pieces) == expected == generation.result.text
    assert generation.result.finish_reason == "stop"


@pytest.mark.parametrize("decoding", ["greedy", "speculative", "prompt-lookup"])
def test_end_of_sequence_token_ends_generation(tiny, reference, decoding):
    """The first end-of-sequence token stops generation and is not part of the output."""
    eos = reference.token_ids[20]
    first = reference.token_ids.index(eos)
    engine = tiny_engine(seed=0)
    engine.eos_token_ids = frozenset({eos})
    result = engine.generate_text(PROMPT, max_new_tokens=80, decoding=decoding)
    assert result.token_ids == reference.token_ids[:first]
    assert result.finish_reason == "eos"


def test_closing_a_generation_cancels_it(tiny):
    """Closing after the first piece stops decoding and records a cancelled result."""
    generation = tiny.generate(PROMPT, max_new_tokens=200, decoding="greedy")
    next(generation)
    generation.close()
    assert generation.result.finish_reason == "cancelled"
    assert len(generation.result.token_ids) < 200


def test_closing_before_the_first_piece_gives_an_empty_cancelled_result(tiny):
    """A generation closed before it was iterated has an empty, cancelled result."""
    for decoding in ("greedy", "prompt-lookup"):
        generation = tiny.generate(PROMPT, max_new_tokens=50, decoding=decoding)
        generation.close()
        assert generation.result.finish_reason == "cancelled"
        assert generation.result.token_ids == []


def test_timings_describe_the_run(tiny):
    """Timings count prompt tokens, forward passes and a first-token time within the total."""
    tiny.prefix_cache.clear()
    result = tiny.generate_text(PROMPT, max_new_tokens=40, decoding="greedy")
    timings = result.timings
    assert timings.prompt_tokens == tiny.count_tokens(PROMPT)
    assert timings.forward_passes == 40
    assert 0 < timings.time_to_first_token_s <= timings.total_s
    assert timings.acceptance_rate is None
    assert result.tokens_per_s > 0 and result.decode_tokens_per_s > 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_new_tokens": 0}, "max_new_tokens"),
        ({"max_new_tokens": "5"}, "max_new_tokens"),
        ({"max_new_tokens": True}, "max_new_tokens"),
        ({"max_new_tokens": 5, "decoding": "beam"}, "decoding"),
        ({"max_new_tokens": 5, "stop": "```"}, "stop"),
        ({"max_new_tokens": 5, "stop": [1]}, "stop"),
    ],
)
def test_bad_arguments_raise_invalid_request(tiny, options, message):
    """Unusable arguments raise InvalidRequest naming the argument, before any model call."""
    with pytest.raises(InvalidRequest, match=message):
        tiny.generate(PROMPT, **options)


def test_bad_prompts_raise_invalid_request(tiny):
    """Empty prompts, out-of-vocabulary ids and non-text prompts are refused clearly."""
    with pytest.raises(InvalidRequest, match="empty"):
        tiny.generate("", max_new_tokens=3)
    with pytest.raises(InvalidRequest, match="token ids"):
        tiny.generate([1, 2, 10**6], max_new_tokens=3)
    with pytest.raises(InvalidRequest):
        tiny.generate(None, max_new_tokens=3)


def test_prompt_longer_than_the_context_is_refused(tiny):
    """A prompt plus max_new_tokens beyond the model's context raises PromptTooLong."""
    with pytest.raises(PromptTooLong, match="4096"):
        tiny.generate("x" * 4000, max_new_tokens=200)
    with pytest.raises(PromptTooLong):
        tiny.warm("y" * 5000)


def test_token_id_prompts_equal_text_prompts(tiny, reference):
    """A prompt given as token ids decodes exactly like the same prompt as text."""
    result = tiny.generate_text(tiny.encode(PROMPT), max_new_tokens=80, decoding="greedy")
    assert result.token_ids == reference.token_ids


def test_repeated_prompt_reuses_the_prefix_cache(tiny, reference):
    """A second request with the same prompt reuses all but its last prompt token, and the
    output is unchanged."""
    tiny.prefix_cache.clear()
    tiny.generate_text(PROMPT, max_new_tokens=5, decoding="greedy")
    again = tiny.generate_text(PROMPT, max_new_tokens=80, decoding="greedy")
    assert again.timings.cached_tokens == tiny.count_tokens(PROMPT) - 1
    assert again.token_ids == reference.token_ids


def test_warm_prefills_a_shared_prefix(tiny):
    """After warm(file), a prompt that starts with the file only computes what follows it,
    and decodes exactly as without the cache."""
    tiny.prefix_cache.clear()
    file_text = "class A:\n    x = 1\n" * 20
    prompt = file_text + "# now:\n"
    cold = tiny.generate_text(prompt, max_new_tokens=30, decoding="greedy")
    tiny.prefix_cache.clear()
    assert tiny.warm(file_text) == tiny.count_tokens(file_text)
    warm = tiny.generate_text(prompt, max_new_tokens=30, decoding="greedy")
    assert warm.timings.cached_tokens == tiny.count_tokens(file_text)
    assert warm.token_ids == cold.token_ids
    assert tiny.warm("") == 0


def test_concurrent_generations_match_sequential_ones(tiny):
    """Generations on several threads at once each produce their sequential result."""
    prompts = [PROMPT, "import os\n", "x = [1, 2, 3]\n", "while True:\n"]
    expected = [tiny.generate_text(p, max_new_tokens=40, decoding="greedy").token_ids
                for p in prompts]
    results: dict[int, list[int]] = {}

    def run(i: int) -> None:
        decoding = "speculative" if i % 2 else "greedy"
        results[i] = tiny.generate_text(prompts[i], max_new_tokens=40, decoding=decoding).token_ids

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(prompts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(prompts))] == expected


def test_count_tokens_and_decode_round_trip(tiny):
    """count_tokens counts the tokens encode produces; decode inverts encode."""
    text = "héllo wörld\n"
    assert tiny.count_tokens(text) == len(tiny.encode(text)) == len(text.encode())
    assert tiny.decode(tiny.encode(text)) == text


@pytest.mark.slow
def test_default_engine_is_shared_and_on_the_default_model():
    """get_engine returns one process-wide engine: float32 SmolLM2 on CPU, eos <|im_end|>."""
    import torch

    from inference.engine import get_engine
    from inference.loading import load_lm

    engine = get_engine()
    assert get_engine() is engine
    model, tokenizer = load_lm()
    assert model is engine.model and tokenizer is engine.tokenizer
    if not torch.cuda.is_available():
        assert model.dtype == torch.float32
    assert tokenizer.convert_ids_to_tokens(sorted(engine.eos_token_ids))[0] in {
        "<|im_end|>", "<|endoftext|>"
    }
