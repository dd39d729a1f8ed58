"""Span scoring: per-token surprisal in context, batched, equal to scoring one by one."""

from __future__ import annotations

import math

import pytest
import torch

from inference.engine import InvalidRequest
from inference.span_scoring import ScoreRequest, SpanScore
from inference.tiny import tiny_engine

CONTEXT = "def area(w, h):\n    return w * h\n\n\ndef perimeter(w, h):\n"


@pytest.fixture(scope="module")
def tiny():
    return tiny_engine(seed=0)


def naive(engine, context: str, span: str) -> list[float]:
    """Surprisal of the span's tokens from one unbatched forward pass over context + span."""
    ids = engine.encode(context + span)
    n_span = len(ids) - len(engine.encode(context))
    with torch.inference_mode():
        logits = engine.model(torch.tensor([ids])).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    return [-logp[p - 1, ids[p]].item() for p in range(len(ids) - n_span, len(ids))]


def test_batched_scores_equal_one_by_one_scores(tiny):
    """Spans sharing a context, scored in one batch on a shared prefix, get the surprisals
    of scoring each alone from scratch."""
    spans = ["    return 2 * (w + h)\n", "    pass\n", "    x = [w, h]\n    return sum(x) * 2\n"]
    scores = tiny.score([ScoreRequest(CONTEXT, s) for s in spans])
    for score, span in zip(scores, spans, strict=True):
        expected = naive(tiny, CONTEXT, span)
        assert len(score.surprisals) == len(expected)
        assert max(abs(a - b) for a, b in zip(score.surprisals, expected, strict=True)) < 1e-3
        assert "".join(score.tokens) == span
        assert math.isclose(score.mean, sum(expected) / len(expected), rel_tol=1e-3)


def test_results_keep_request_order_across_contexts(tiny):
    """Requests with different contexts come back in the order they were given."""
    requests = [ScoreRequest("a = 1\n", "b = 2\n"), ScoreRequest(CONTEXT, "    pass\n"),
                ScoreRequest("a = 1\n", "c = 3\n")]
    scores = tiny.score(requests)
    assert ["".join(s.tokens) for s in scores] == ["b = 2\n", "    pass\n", "c = 3\n"]
    alone = tiny.score([requests[2]])[0]
    assert alone.surprisals == pytest.approx(scores[2].surprisals, abs=1e-3)


def test_requests_with_different_contexts_batched_together_match_scoring_each_alone(tiny):
    """Many short prompts, each with its own context, run as padded batches (hunk importance
    sends those) and get the surprisals of an unbatched forward pass."""
    requests = [ScoreRequest(f"def f{i}(x):\n" + "    y = x\n" * i, f"    return y + {i}\n")
                for i in range(1, 6)]
    scores = tiny.score(requests)
    for score, request in zip(scores, requests, strict=True):
        expected = naive(tiny, request.context, request.span)
        assert score.surprisals == pytest.approx(expected, abs=1e-3)


def test_empty_span_has_no_tokens(tiny):
    """An empty span scores no tokens and a mean of 0."""
    score = tiny.score([ScoreRequest(CONTEXT, "")])[0]
    assert score == SpanScore([], [], [])
    assert score.mean == 0.0 and score.total == 0.0


def test_without_context_or_bos_the_first_token_is_not_scored(tiny):
    """With no context and no BOS token, nothing predicts the first token: it is skipped."""
    score = tiny.score([ScoreRequest("", "abc")])[0]
    assert score.tokens == ["b", "c"]


def test_long_spans_are_truncated_and_flagged(tiny):
    """A span longer than max_span_tokens is scored on its first tokens and flagged."""
    score = tiny.score([ScoreRequest(CONTEXT, "x" * 50)], max_span_tokens=8)[0]
    assert score.truncated and len(score.surprisals) == 8


def test_long_contexts_keep_their_end(tiny):
    """A context longer than max_context_tokens is cut from the left; the span's scores then
    equal scoring with just the kept tail of the context."""
    long_context = "filler line\n" * 30 + CONTEXT
    cut = tiny.score([ScoreRequest(long_context, "    pass\n")], max_context_tokens=20)[0]
    kept_tail = long_context[-20:]
    expected = naive(tiny, kept_tail, "    pass\n")
    assert cut.surprisals == pytest.approx(expected, abs=1e-3)


def test_non_text_requests_are_refused(tiny):
    """A request whose context or span is not text raises InvalidRequest."""
    with pytest.raises(InvalidRequest):
        tiny.score([ScoreRequest(None, "x")])


@pytest.mark.slow
def test_predictable_code_is_less_surprising_to_the_default_model():
    """The default model finds an obvious continuation far less surprising than noise, and
    scores the first token of a context-free span too (it has a BOS token)."""
    from inference.engine import get_engine

    engine = get_engine()
    obvious, noise = engine.score([
        ScoreRequest(CONTEXT, "    return 2 * (w + h)\n"),
        ScoreRequest(CONTEXT, "    qz = lambda: {{}} ^ 7j @ 'x'\n"),
    ])
    assert obvious.mean < noise.mean / 2
    first = engine.score([ScoreRequest("", "import os\n")])[0]
    assert first.tokens[0] == "import"
