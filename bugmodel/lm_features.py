"""What the pretrained language model (SmolLM2-135M by default) says about candidate repairs.

For one unit of code (a function, or a slice of a long one), one forward pass over the
original text gives every token's surprisal: a bug tends to sit where the model is surprised.
For the candidates worth it, the likelihood ratio

    log p(repaired window) - log p(original window)

counts both sides of the change: the window runs from the first token where the texts differ
to the end of the line after the change, so the tokens that follow the edit (`>` vs `>=` and
what it is compared with) are scored too. Every candidate starts from the original's KV cache
cropped to the tokens the two texts share, so the prefix is computed once per unit; candidates
that diverge close to each other run as one padded batch.

The engine is `inference`'s: the base model, or a LoRA adapter of it named by the caller (the
repair choice's, `bugmodel/train_repair_lm.py`, which trains it through `ratio_tensors`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from inference.prefix_cache import clone_cache, common_prefix_length
from synthdata.rewrites import Candidate
from synthdata.source import SourceText

if TYPE_CHECKING:
    import torch

    from inference.engine import Engine

#: Longest unit (in LM tokens) scored; callers slice longer code into windows.
MAX_UNIT_TOKENS = 1024
#: Candidates whose texts diverge within this many tokens of each other share one batch.
GROUP_SPREAD = 48
#: Ratios beyond this many nats say the same thing; clipping keeps one odd token from dominating.
RATIO_CLIP = 20.0


@dataclass(frozen=True)
class CandidateLM:
    """The LM's view of one candidate: how surprising its original tokens are, and (when
    computed) how much more likely the repaired code is than the original."""

    span_surprisal_max: float
    span_surprisal_mean: float
    line_surprisal_max: float
    ratio: float | None = None


class UnitScores:
    """Token surprisals of one unit's original text (after one forward pass) and the ratios of
    the candidates asked for (each a short pass on the shared, cropped KV cache).

    `adapter` names a LoRA adapter of the engine to score with (None: the base model).
    `trainable` keeps the autograd graph, so that `ratio_tensors` can be trained through
    (`bugmodel/train_repair_lm.py`); otherwise everything runs under inference mode.
    """

    def __init__(self, engine: Engine, text: str, adapter: str | None = None,
                 trainable: bool = False) -> None:
        import torch

        self.engine = engine
        self.text = text
        self.adapter = adapter
        self.trainable = trainable
        self.src = SourceText(text)
        encoded = engine.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        self.ids = list(encoded["input_ids"])[:MAX_UNIT_TOKENS]
        offsets = list(encoded["offset_mapping"])[: len(self.ids)]
        self.starts = [a for a, _ in offsets]
        self.ends = [b for _, b in offsets]
        self.scored_chars = self.ends[-1] if self.ends else 0
        self.cache = engine.new_cache()
        if self.ids:
            ids = torch.tensor([self.ids], dtype=torch.long, device=engine.device)
            with self._mode() as model:
                logits = model(input_ids=ids, past_key_values=self.cache,
                               use_cache=True).logits[0].float()
                self.logprobs = torch.log_softmax(logits, dim=-1)  # (T, vocab): k predicts k+1
                picked = self.logprobs[:-1].gather(1, ids[0, 1:, None])[:, 0]
                # log p of each token given the ones before it (token 0: unscored, 0).
                self.token_logprobs = torch.cat([picked.new_zeros(1), picked])
            self.surprisal = (-self.token_logprobs.detach()).cpu().numpy()
        else:
            self.logprobs = None
            self.surprisal = np.zeros(0)

    @contextmanager
    def _mode(self) -> Iterator:
        """The engine's model with this unit's adapter on, under inference mode unless
        trainable."""
        import torch

        grad = torch.enable_grad() if self.trainable else torch.inference_mode()
        with self.engine.using(self.adapter) as model, grad:
            yield model

    def _tokens(self, start: int, end: int) -> tuple[int, int]:
        """First and last token index covering [start, end) (insertions: the token there)."""
        first = min(bisect.bisect_right(self.ends, start), len(self.ids) - 1)
        last = max(first, bisect.bisect_left(self.starts, end) - 1) if end > start else first
        return first, min(last, len(self.ids) - 1)

    def surprisals(self, candidate: Candidate) -> CandidateLM:
        """Surprisal features of a candidate's original span (zeros past the scored text)."""
        if not self.ids or candidate.end > self.scored_chars:
            return CandidateLM(0.0, 0.0, 0.0)
        first, last = self._tokens(candidate.start, candidate.end)
        span = self.surprisal[first : last + 1]
        line = self.src.position(candidate.start)[0]
        a, b = self._tokens(self.src.line_start(line), self.src.line_end(line))
        return CandidateLM(float(span.max()), float(span.mean()),
                           float(self.surprisal[a : b + 1].max()))

    def _window_end(self, text: str, end: int) -> int:
        """Offset of the newline ending the line after the one holding `end` (or the end)."""
        first = text.find("\n", end)
        if first < 0:
            return len(text)
        second = text.find("\n", first + 1)
        return len(text) if second < 0 else second

    def ratios(self, candidates: Sequence[Candidate]) -> list[float | None]:
        """log p(repaired window) - log p(original window) per candidate, in nats, clipped
        (None when not scorable)."""
        return [None if r is None else float(np.clip(float(r), -RATIO_CLIP, RATIO_CLIP))
                for r in self.ratio_tensors(candidates)]

    def ratio_tensors(self, candidates: Sequence[Candidate]) -> list[torch.Tensor | None]:
        """The ratios as scalar tensors, unclipped (differentiable when trainable).
        Candidates whose texts diverge near each other run as one padded batch on the cache
        cropped to their earliest divergence (2x faster than one pass each)."""
        plans: list[_Plan | None] = [self._plan(c) for c in candidates]
        out: list[torch.Tensor | None] = [None] * len(candidates)
        todo = sorted((i for i, plan in enumerate(plans) if plan is not None),
                      key=lambda i: plans[i].shared)
        while todo:
            group = [todo.pop(0)]
            while todo and plans[todo[0]].shared - plans[group[0]].shared <= GROUP_SPREAD:
                group.append(todo.pop(0))
            for i, new in zip(group, self._repaired_logprobs([plans[i] for i in group]),
                              strict=True):
                plan = plans[i]
                out[i] = new - self.token_logprobs[plan.shared : plan.old_end].sum()
        return out

    def _plan(self, candidate: Candidate) -> _Plan | None:
        """The repaired tokens and where the original window ends, or None."""
        if not self.ids or candidate.end > self.scored_chars:
            return None
        repaired = candidate.apply(self.text)
        encoded = self.engine.tokenizer(repaired, add_special_tokens=False,
                                        return_offsets_mapping=True)
        new_ids = list(encoded["input_ids"])
        new_starts = [a for a, _ in encoded["offset_mapping"]]
        shared = common_prefix_length(self.ids, new_ids)
        if shared < 1 or shared >= len(self.ids):
            return None
        end_old = self._window_end(self.text, candidate.end)
        end_new = self._window_end(repaired, candidate.start + len(candidate.replacement))
        q_old = min(bisect.bisect_left(self.starts, end_old), len(self.ids))
        q_new = max(shared, min(bisect.bisect_left(new_starts, end_new), len(new_ids)))
        return _Plan(new_ids[:q_new], shared, q_old)

    def _repaired_logprobs(self, plans: list[_Plan]) -> list[torch.Tensor]:
        """log p of each plan's tokens from its divergence on, one batched pass for all."""
        import torch

        start = min(p.shared for p in plans)  # the batch continues the cache from here
        totals = [self.logprobs[p.shared - 1, p.ids[p.shared]] if len(p.ids) > p.shared
                  else self.logprobs.new_zeros(()) for p in plans]
        rows = [p.ids[start:-1] for p in plans]  # inputs predicting ids[start + 1:]
        width = max(len(r) for r in rows)
        if width == 0:
            return totals
        pad = self.engine.tokenizer.pad_token_id or 0
        inputs = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), start + width), dtype=torch.long)
        mask[:, :start] = 1
        for b, row in enumerate(rows):
            inputs[b, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[b, start : start + len(row)] = 1
        cache = clone_cache(self.cache, start)
        for layer in cache.layers:  # one copy of the shared prefix per row
            layer.keys = layer.keys.expand(len(rows), -1, -1, -1).contiguous()
            layer.values = layer.values.expand(len(rows), -1, -1, -1).contiguous()
        with self._mode() as model:
            logits = model(input_ids=inputs.to(self.engine.device),
                           attention_mask=mask.to(self.engine.device), past_key_values=cache,
                           use_cache=True).logits.float()
            for b, plan in enumerate(plans):
                # Output k predicts token start + k + 1; this plan's tokens after its first.
                positions = torch.arange(plan.shared - start, len(plan.ids) - 1 - start)
                if len(positions):
                    targets = torch.tensor(plan.ids[plan.shared + 1 :], dtype=torch.long,
                                           device=logits.device)
                    logp = torch.log_softmax(logits[b, positions], dim=-1)
                    totals[b] = totals[b] + logp.gather(1, targets[:, None]).sum()
        return totals


def unit_scores(engine: Engine, text: str, context: str, candidates: Sequence[Candidate],
                adapter: str | None = None, trainable: bool = False,
                ) -> tuple[UnitScores, list[Candidate]]:
    """One LM pass over a unit read after its class header (`context`), and the unit's
    candidates with their offsets moved into that text."""
    prefix = context + "\n" if context else ""
    shifted = [Candidate(c.kind, c.start + len(prefix), c.end + len(prefix), c.replacement)
               for c in candidates]
    return UnitScores(engine, prefix + text, adapter, trainable), shifted


@dataclass(frozen=True)
class _Plan:
    """One candidate's repaired tokens (up to its window end), of which `shared` leading tokens
    are the original's, and the end of its window in the original's tokens."""

    ids: list[int]
    shared: int
    old_end: int
