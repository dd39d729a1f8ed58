"""Speculative edits: draft alignment, block sizing, and byte-identical output to greedy."""

from __future__ import annotations

import random

import pytest

from inference.speculative import BlockSizer, DraftSource, accepted_prefix_length
from inference.tiny import tiny_engine

# -- draft alignment (pure) -------------------------------------------------------------------


def test_accepted_prefix_stops_at_first_disagreement():
    """Only the leading run of agreeing tokens is accepted, never tokens after a mismatch."""
    assert accepted_prefix_length([1, 2, 3, 4], [1, 2, 9, 4, 5]) == 2
    assert accepted_prefix_length([], [7]) == 0
    assert accepted_prefix_length([1, 2], [1, 2, 3]) == 2


def test_draft_follows_an_exact_copy():
    """While the output copies the source, the proposal is the source after the pointer."""
    draft = DraftSource([10, 11, 12, 13, 14, 15])
    assert draft.propose(3) == [10, 11, 12]
    draft.advance([10, 11])
    assert draft.propose(10) == [12, 13, 14, 15]


def test_draft_realigns_after_an_inserted_line():
    """After tokens absent from the source, the pointer resumes once the output's last two
    tokens match the source again."""
    source = list(range(100, 120))
    draft = DraftSource(source)
    draft.advance(source[:5] + [7, 8])  # inserted tokens 7, 8: no match, no proposal
    assert draft.propose(4) == []
    draft.advance([105])  # one token matching proves nothing yet
    assert draft.propose(3) == []
    draft.advance([106])
    assert draft.propose(3) == [107, 108, 109]

def test_draft_realigns_forward_after_a_deletion():
    """Skipping part of the source re-aligns at the continuation, not the start."""
    source = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    draft = DraftSource(source)
    draft.advance([1, 2, 3, 7, 8])  # 4-6 deleted
    assert draft.propose(1) == [9]

def test_draft_prefers_the_occurrence_nearest_after_the_pointer():
    """A repeated pair re-aligns to its next occurrence, not its first."""
    source = [5, 6, 1, 2, 5, 6, 3, 4, 5, 6, 7]
    draft = DraftSource(source)
    draft.advance([5, 6, 1, 2, 5, 6, 3, 4])
    draft.advance([9, 5, 6])  # diverged, then `5 6`: the one at index 10 follows the pointer
    assert draft.propose(1) == [7]

def test_draft_realigns_backward_for_a_moved_block():
    """A block moved above its original place is found before the pointer."""
    source = [1, 2, 3, 4, 50, 51, 52, 53, 54]
    draft = DraftSource(source)
    draft.advance([1, 2, 3, 4, 50, 51, 52, 53, 54, 60, 1, 2])  # 60 is new, then the start again
    assert draft.propose(2) == [3, 4]


def test_draft_uses_longest_suffix_first():
    """A 3-token match wins over a more recent 1-token match."""
    source = [1, 2, 3, 9, 8, 3, 7]
    draft = DraftSource(source)
    draft.advance([42, 1, 2, 3])  # `3` occurs twice; the trigram 1 2 3 pins index 3
    assert draft.propose(1) == [9]


def test_draft_realigns_where_the_output_tail_matches_longest():
    """Of two places that share the output's last 3 tokens, the one whose earlier tokens
    match the output too wins over the nearer one."""
    source = [9, 8, 3, 4, 5, 6, 1, 2, 3, 4, 5, 7]
    draft = DraftSource(source)
    draft.advance([50, 1, 2, 3, 4, 5])  # `3 4 5` is at both ends; `1 2 3 4 5` only at the second
    assert draft.propose(1) == [7]


def test_draft_prefers_the_source_to_an_equal_match_in_the_output():
    """When the output repeats its own tokens that also follow in the source, the source
    (the file being rewritten) is drafted from."""
    draft = DraftSource([1, 2, 3, 4])
    draft.advance([1, 2, 60, 1, 2])
    assert draft.propose(2) == [3, 4]


def test_draft_falls_back_to_repeats_in_the_output():
    """Tokens never in the source but repeated in the output are proposed from the output."""
    draft = DraftSource([1, 2, 3])
    draft.advance([70, 71, 72, 73, 70, 71])
    assert draft.propose(3) == [72, 73, 70]


def test_output_loops_are_drafted_past_the_output_end():
    """A draft taken from a loop in the output repeats the loop's period."""
    draft = DraftSource([1, 2, 3])
    draft.advance([70, 71, 72, 73, 70, 71])
    assert draft.propose(10) == [72, 73, 70, 71, 72, 73, 70, 71, 72, 73]


def test_single_matching_tokens_are_not_guesses():
    """A token that occurs in the source proposes nothing on its own (newlines, brackets
    occur everywhere); two matching tokens do."""
    source = [1, 2, 3, 9, 4, 5, 6, 9, 7, 8]
    draft = DraftSource(source)
    draft.advance([1, 2, 3, 50, 9])
    assert draft.propose(2) == []
    draft.advance([7])  # `9 7` matches two source tokens
    assert draft.propose(2) == [8]

def test_empty_source_proposes_nothing():
    """With no source and no repeats, every proposal is empty."""
    draft = DraftSource([])
    assert draft.propose(5) == []
    draft.advance([1, 2, 3])
    assert draft.propose(5) == []


def test_block_size_grows_on_full_acceptance_and_shrinks_on_rejection():
    """Full acceptance doubles the block up to the maximum; mostly rejected halves it."""
    sizer = BlockSizer(initial=16, minimum=4, maximum=64)
    sizer.update(16, 16)
    sizer.update(32, 32)
    sizer.update(64, 64)
    assert sizer.size == 64
    sizer.update(64, 3)
    sizer.update(32, 0)
    sizer.update(16, 1)
    sizer.update(8, 0)
    assert sizer.size == 4
    sizer.update(0, 0)  # no draft: no information
    assert sizer.size == 4
    with pytest.raises(ValueError):
        BlockSizer(initial=2, minimum=4)


# -- equivalence on a tiny random model (many cases, fast) ------------------------------------


@pytest.fixture(scope="module")
def tiny():
    return tiny_engine(seed=0)


PROMPTS = [
    "def foo(x):\n    return x\n",
    "import os\nprint(os.getcwd())\n",
    "class A:\n    pass\n\n\nclass B(A):\n",
    "for i in range(10):\n    print(i * i)\n",
]


def _edited_drafts(tokens: list[int], rng: random.Random) -> list[list[int]]:
    """Drafts derived from greedy's tokens: exact, inserted, deleted, moved, replaced, junk."""
    n = len(tokens)
    a, b = sorted(rng.sample(range(1, n), 2))
    c = rng.randrange(0, n)
    inserted = [rng.randrange(256) for _ in range(12)]
    return [
        tokens,
        tokens[:a] + inserted + tokens[a:],
        tokens[:a] + tokens[b:],
        tokens[a:b] + tokens[:a] + tokens[b:],  # a block moved to the top
        tokens[:a] + tokens[b:c] + tokens[a:b] + tokens[c:] if c > b else tokens[b:] + tokens[:b],
        tokens[:a] + [tokens[a]] * (b - a) + tokens[b:],
        tokens[::-1],
        tokens + tokens,
        [],
        [rng.randrange(256) for _ in range(n)],
    ]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_speculative_equals_greedy_on_edited_drafts(tiny, prompt):
    """Whatever the draft (exact copy, insertions, deletions, moved or junk blocks),
    speculative decoding emits exactly greedy's tokens and text."""
    greedy = tiny.generate_text(prompt, max_new_tokens=120, decoding="greedy")
    assert greedy.timings.forward_passes == len(greedy.token_ids) + (greedy.finish_reason == "eos")
    rng = random.Random(prompt)
    for draft in _edited_drafts(greedy.token_ids, rng):
        tiny.prefix_cache.clear()
        spec = tiny.generate_text(prompt, max_new_tokens=120, decoding="speculative", draft=draft)
        assert spec.token_ids == greedy.token_ids, draft
        assert spec.text == greedy.text
        assert spec.finish_reason == greedy.finish_reason


def test_exact_draft_needs_few_forward_passes(tiny):
    """When the draft is the output itself, blocks are accepted whole: far fewer passes."""
    prompt = PROMPTS[0]
    greedy = tiny.generate_text(prompt, max_new_tokens=120, decoding="greedy")
    spec = tiny.generate_text(prompt, max_new_tokens=120, draft=greedy.token_ids)
    assert spec.token_ids == greedy.token_ids
    assert spec.timings.forward_passes <= len(greedy.token_ids) // 8
    assert spec.timings.acceptance_rate > 0.9


@pytest.mark.parametrize("max_new_tokens", [1, 2, 17, 64, 65])
def test_speculative_respects_max_new_tokens(tiny, max_new_tokens):
    """A long accepted draft never yields more than max_new_tokens tokens."""
    prompt = PROMPTS[1]
    greedy = tiny.generate_text(prompt, max_new_tokens=max_new_tokens, decoding="greedy")
    full = tiny.generate_text(prompt, max_new_tokens=200, decoding="greedy")
    spec = tiny.generate_text(prompt, max_new_tokens=max_new_tokens, draft=full.token_ids)
    assert spec.token_ids == greedy.token_ids
    assert len(spec.token_ids) <= max_new_tokens


def test_speculative_and_greedy_agree_across_seeds():
    """Different random models (a deeper one too), same agreement with the prompt as draft."""
    for seed, layers in [(1, 2), (2, 3), (3, 1)]:
        engine = tiny_engine(seed=seed, layers=layers)
        for prompt in PROMPTS[:2]:
            greedy = engine.generate_text(prompt, max_new_tokens=80, decoding="greedy")
            spec = engine.generate_text(prompt, max_new_tokens=80)  # draft = the prompt
            assert spec.token_ids == greedy.token_ids


def test_prompt_lookup_equals_greedy(tiny):
    """Hugging Face prompt lookup, run through the engine, gives greedy's tokens too."""
    for prompt in PROMPTS[:2]:
        greedy = tiny.generate_text(prompt, max_new_tokens=60, decoding="greedy")
        lookup = tiny.generate_text(prompt, max_new_tokens=60, decoding="prompt-lookup")
        assert lookup.token_ids == greedy.token_ids
        assert lookup.text == greedy.text


# -- the real model (few cases) ---------------------------------------------------------------

ORIGINAL = '''def common_prefix_length(a, b):
    """Number of leading items a and b share."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def total_size(items):
    total = 0
    for item in items:
        total += len(item)
    return total
'''

REAL_EDITS = {
    "delete": ORIGINAL.replace('    """Number of leading items a and b share."""\n', ""),
    "move": ORIGINAL.split("\n\n\n")[1] + "\n\n" + ORIGINAL.split("\n\n\n")[0] + "\n",
}


@pytest.fixture(scope="module")
def real_greedy():
    """The default model's greedy rewrite of ORIGINAL (computed once: it is the slow part)."""
    from inference.engine import get_engine

    engine = get_engine()
    prompt = engine.tokenizer.apply_chat_template(
        [{"role": "user", "content": "Rename `total` to `size` in this file:\n"
          f"```python\n{ORIGINAL}```\nWrite the complete updated file."}],
        tokenize=False, add_generation_prompt=True,
    ) + "```python\n"
    return engine, prompt, engine.generate_text(
        prompt, max_new_tokens=72, decoding="greedy", stop=["```"]
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["original", *sorted(REAL_EDITS)])
def test_real_model_speculative_equals_greedy(real_greedy, kind):
    """With the default model on an Apply-style rewrite, speculative edits give greedy's exact
    tokens in far fewer forward passes, whether the draft is the file itself or a version with
    a line deleted or two functions swapped (the rewrite changes lines too)."""
    engine, prompt, greedy = real_greedy
    draft = ORIGINAL if kind == "original" else REAL_EDITS[kind]
    engine.prefix_cache.clear()
    spec = engine.generate_text(
        prompt, max_new_tokens=72, decoding="speculative", draft=draft, stop=["```"]
    )
    assert spec.token_ids == greedy.token_ids
    assert spec.text == greedy.text
    assert spec.timings.forward_passes * 2 < greedy.timings.forward_passes
