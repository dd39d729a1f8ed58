"""Per-token surprisal of text spans in context, batched (for hunk importance).

``engine.score([ScoreRequest(context, span), ...])`` returns one `SpanScore` per request: the
surprisal ``-ln p(token | everything before it)`` in nats of every token of ``span`` when it
follows ``context``. ``context + span`` is tokenized as one text, so the split falls where the
model would really see it; a token straddling the boundary counts as part of the span.

Requests with the same context are scored together: the shared token prefix is computed once
(through the prefix cache, so a `warm` on the file or an earlier call makes it free) and the
remainders run as one right-padded batch on top of it. Requests whose context is their own
and not cached (hunk importance sends many short prompts, each different) run whole, several
to a right-padded batch, instead of one prefill and one forward pass each. Contexts longer than
``max_context_tokens`` keep their last tokens; spans longer than ``max_span_tokens`` are
scored on their first tokens and flagged ``truncated``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inference.prefix_cache import clone_cache, common_prefix_length

if TYPE_CHECKING:
    from transformers import DynamicCache

    from inference.engine import Engine

__all__ = ["ScoreRequest", "SpanScore", "score_spans"]

#: Cap on batch rows x (prefix + row length), bounding attention and KV memory.
BATCH_TOKEN_BUDGET = 16384
MAX_BATCH_ROWS = 16
#: Prefixes shorter than this are not worth caching or reusing.
MIN_REUSED_PREFIX = 16
#: Positions whose vocabulary logits are materialised at once (49k floats each).
LM_HEAD_CHUNK = 256


@dataclass(frozen=True)
class ScoreRequest:
    """Score ``span`` as the continuation of ``context``."""

    context: str
    span: str


@dataclass
class SpanScore:
    """Surprisal of each token of a span, in nats."""

    tokens: list[str]  #: the text of each scored token (from the character offsets)
    token_ids: list[int]
    surprisals: list[float]
    mean: float = field(init=False)  #: mean surprisal per token (0.0 for an empty span)
    total: float = field(init=False)  #: sum of the surprisals
    truncated: bool = False  #: the span was longer than the limit; only its start is scored

    def __post_init__(self) -> None:
        self.total = float(sum(self.surprisals))
        self.mean = self.total / len(self.surprisals) if self.surprisals else 0.0


@dataclass
class _Prepared:
    index: int
    ids: list[int]  # full sequence: [bos] + context tokens + span tokens
    span_start: int  # index in `ids` of the first span token
    pieces: list[str]
    truncated: bool


def _prepare(
    engine: Engine, index: int, request: ScoreRequest, max_context: int, max_span: int
) -> _Prepared:
    from inference.engine import InvalidRequest

    if not isinstance(request.context, str) or not isinstance(request.span, str):
        raise InvalidRequest("score requests need a text context and a text span")
    text = request.context + request.span
    encoded = engine.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = list(encoded["input_ids"]), list(encoded["offset_mapping"])
    boundary = len(request.context)
    start = next((i for i, (_, end) in enumerate(offsets) if end > boundary), len(ids))
    truncated = len(ids) - start > max_span
    end = start + max_span if truncated else len(ids)
    first = max(0, start - max_context)
    pieces = [text[max(a, boundary) : b] for a, b in offsets[start:end]]
    head: list[int] = []
    if first == start and start < end:  # nothing before the span: condition on BOS if any
        if engine.tokenizer.bos_token_id is not None:
            head = [engine.tokenizer.bos_token_id]
        else:  # the very first token cannot be scored
            pieces = pieces[1:]
            start += 1
    return _Prepared(index, head + ids[first:end], len(head) + start - first, pieces, truncated)


def score_spans(
    engine: Engine,
    requests: Sequence[ScoreRequest],
    *,
    max_context_tokens: int = 2048,
    max_span_tokens: int = 1024,
) -> list[SpanScore]:
    """Score every request (see the module docs); results are in request order."""
    prepared = [
        _prepare(engine, i, r, max_context_tokens, max_span_tokens) for i, r in enumerate(requests)
    ]
    results: list[SpanScore | None] = [None] * len(prepared)
    groups: dict[str, list[_Prepared]] = {}
    for item, request in zip(prepared, requests, strict=True):
        groups.setdefault(request.context, []).append(item)
    alone: list[_Prepared] = []
    scored: list[tuple[_Prepared, list[float]]] = []
    for group in groups.values():
        if len(group) == 1 and engine.prefix_cache.cached_length(group[0].ids) < MIN_REUSED_PREFIX:
            alone.append(group[0])
        else:
            scored.extend(_score_group(engine, group))
    scored.extend(_score_rows(engine, alone, None, 0))
    for item, surprisals in scored:
        span_ids = item.ids[item.span_start :]
        results[item.index] = SpanScore(item.pieces, span_ids, surprisals, truncated=item.truncated)
    return [r for r in results if r is not None]


def _score_group(engine: Engine, group: list[_Prepared]) -> list[tuple[_Prepared, list[float]]]:
    """Score requests sharing a context: shared prefix once, remainders batched."""
    shared = min(item.span_start for item in group) - 1  # keep the token before each span
    for item in group[1:]:
        shared = min(shared, common_prefix_length(group[0].ids[:shared], item.ids[:shared]))
    shared = max(shared, 0)
    if shared:
        cache, _ = engine.prefill(group[0].ids[:shared], keep_last=0)
        if shared >= MIN_REUSED_PREFIX:
            engine.prefix_cache.store(group[0].ids[:shared], cache)
    else:
        cache = None
    return _score_rows(engine, group, cache, shared)


def _score_rows(
    engine: Engine, items: list[_Prepared], cache: DynamicCache | None, shared: int
) -> list[tuple[_Prepared, list[float]]]:
    """Score items that all start with the ``shared`` tokens in ``cache``, in padded batches."""
    scored = [(item, []) for item in items if item.span_start >= len(item.ids)]
    todo = sorted(
        (item for item in items if item.span_start < len(item.ids)), key=lambda i: len(i.ids)
    )
    while todo:
        rows = [todo.pop(0)]
        while (
            todo
            and len(rows) < MAX_BATCH_ROWS
            and (len(rows) + 1) * len(todo[0].ids) <= BATCH_TOKEN_BUDGET
        ):
            rows.append(todo.pop(0))
        scored.extend(zip(rows, _score_batch(engine, rows, cache, shared), strict=True))
    return scored


def _score_batch(
    engine: Engine, rows: list[_Prepared], cache: DynamicCache | None, shared: int
) -> list[list[float]]:
    """Surprisals of each row's span tokens, the rows run as one batch after ``cache``."""
    import torch

    width = max(len(r.ids) for r in rows) - shared
    pad = engine.tokenizer.pad_token_id or 0
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), shared + width), dtype=torch.long)
    mask[:, :shared] = 1
    for b, row in enumerate(rows):
        rest = row.ids[shared:]
        ids[b, : len(rest)] = torch.tensor(rest)
        mask[b, shared : shared + len(rest)] = 1
    past = None
    if cache is not None:
        past = clone_cache(cache)
        for layer in past.layers:  # same prefix for every row: a broadcast view, no copy
            layer.keys = layer.keys.expand(len(rows), -1, -1, -1)
            layer.values = layer.values.expand(len(rows), -1, -1, -1)
    decoder = engine.model.get_decoder()
    head = engine.model.get_output_embeddings()
    with engine.lock, torch.inference_mode():
        hidden = decoder(
            input_ids=ids.to(engine.device),
            attention_mask=mask.to(engine.device),
            past_key_values=past,
            use_cache=past is not None,
        ).last_hidden_state  # (B, width, H)
        out = []
        for b, row in enumerate(rows):
            # position p predicts token p + 1; span tokens are row.ids[span_start:]
            positions = torch.arange(row.span_start - 1, len(row.ids) - 1) - shared
            targets = torch.tensor(row.ids[row.span_start :], device=engine.device)
            values = []
            for c in range(0, len(positions), LM_HEAD_CHUNK):
                chunk = positions[c : c + LM_HEAD_CHUNK].to(engine.device)
                logp = torch.log_softmax(head(hidden[b, chunk]).float(), dim=-1)  # (n, vocab)
                target = targets[c : c + LM_HEAD_CHUNK]
                values.append(-logp.gather(1, target[:, None])[:, 0])
            out.append(torch.cat(values).tolist() if values else [])
    return out
