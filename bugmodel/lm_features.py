"""What the pretrained language model (SmolLM2-135M by default) says about candidate repairs.

For one unit of code (a function, or a slice of a long one), one forward pass over the
original text gives every token's surprisal: a bug tends to sit where the model is surprised.
For the candidates worth it, the likelihood ratio

    log p(repaired window) - log p(original window)

counts both sides of the change: the window runs from the first token where the texts differ
to the end of the line after the change, so the tokens that follow the edit (`>` vs `>=` and
what it is compared with) are scored too. Every candidate starts from the original's KV cache
cropped to the tokens the two texts share, so the prefix is computed once per unit.

The engine is `inference`'s (base model, no adapter); nothing here trains it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from inference.prefix_cache import clone_cache, common_prefix_length
from synthdata.rewrites import Candidate
from synthdata.source import SourceText

if TYPE_CHECKING:
    from inference.engine import Engine

#: Longest unit (in LM tokens) scored; callers slice longer code into windows.
MAX_UNIT_TOKENS = 1024
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
    the candidates asked for (each a short pass on the shared, cropped KV cache)."""

    def __init__(self, engine: Engine, text: str) -> None:
        import torch

        self.engine = engine
        self.text = text
        self.src = SourceText(text)
        encoded = engine.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        self.ids = list(encoded["input_ids"])[:MAX_UNIT_TOKENS]
        offsets = list(encoded["offset_mapping"])[: len(self.ids)]
        self.starts = [a for a, _ in offsets]
        self.ends = [b for _, b in offsets]
        self.scored_chars = self.ends[-1] if self.ends else 0
        self.cache = engine.new_cache()
        if self.ids:
            logits = engine.forward(self.ids, self.cache, keep=len(self.ids))
            self.logprobs = torch.log_softmax(logits, dim=-1)  # (T, vocab): row k predicts k+1
            targets = torch.tensor(self.ids[1:], dtype=torch.long)
            picked = self.logprobs[:-1].gather(1, targets[:, None])[:, 0]
            self.surprisal = np.concatenate([[0.0], (-picked).numpy()])  # token 0: unscored
        else:
            self.logprobs = None
            self.surprisal = np.zeros(0)

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

    def ratio(self, candidate: Candidate) -> float | None:
        """log p(repaired window) - log p(original window), in nats (None if not scorable)."""
        import torch

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
        q_new = min(bisect.bisect_left(new_starts, end_new), len(new_ids))
        old = float(-self.surprisal[shared:q_old].sum())
        if q_new <= shared:
            return float(np.clip(-old, -RATIO_CLIP, RATIO_CLIP))
        new = float(self.logprobs[shared - 1, new_ids[shared]])
        if q_new - shared > 1:
            cache = clone_cache(self.cache, shared)
            window = new_ids[shared : q_new - 1]
            logits = self.engine.forward(window, cache, keep=len(window))
            targets = torch.tensor(new_ids[shared + 1 : q_new], dtype=torch.long)
            new += float(torch.log_softmax(logits, -1).gather(1, targets[:, None]).sum())
        return float(np.clip(new - old, -RATIO_CLIP, RATIO_CLIP))

