"""Draft proposal for speculative edits: copy the source's tokens after an aligned pointer.

When an output mostly copies an input (Apply, a rewritten function), the input's next tokens are
an excellent guess for the output's next tokens. `DraftSource` keeps a pointer into the source
tokens that is "aligned" with the output: the output's last token was ``source[pointer - 1]``.
It proposes ``source[pointer : pointer + k]``; the engine verifies them in one forward pass and
reports the tokens actually emitted with `advance`. After a divergence (the model inserted,
deleted or moved something) the pointer is re-aligned by finding the output's last 3, then 2,
then 1 tokens in the source, preferring the nearest occurrence at or after the old pointer
(edits usually move forward through a file), else the nearest one before it (moved lines).

If the output's tail is nowhere in the source, an earlier occurrence of it in the output itself
is used (prompt-lookup style), which catches lines the model repeats on its own.

`BlockSizer` adapts the number of draft tokens per pass to the acceptance: a fully accepted
draft doubles it (long drafts cost little more than short ones: NOTES.md measures a 64-token
pass at ~3.2x a 1-token pass), a mostly rejected one halves it.

Neither class touches the model, so correctness of the output never depends on them: the
engine only ever emits the model's own greedy choices.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

__all__ = ["BlockSizer", "DraftSource", "accepted_prefix_length"]

#: Longest output suffix used to re-align the pointer (tried longest first).
MAX_ALIGN_NGRAM = 3


def accepted_prefix_length(draft: Sequence[int], predictions: Sequence[int]) -> int:
    """How many leading draft tokens equal the model's predictions at the same positions.

    ``predictions[i]`` is the model's greedy token after consuming ``draft[:i]``, so the
    accepted run stops at the first disagreement.
    """
    n = 0
    for proposed, predicted in zip(draft, predictions, strict=False):
        if proposed != predicted:
            break
        n += 1
    return n


def _ngram_index(tokens: Sequence[int]) -> dict[tuple[int, ...], list[int]]:
    """n-gram (n = 1..MAX_ALIGN_NGRAM) -> sorted positions just after each occurrence."""
    index: dict[tuple[int, ...], list[int]] = {}
    for n in range(1, MAX_ALIGN_NGRAM + 1):
        for end in range(n, len(tokens) + 1):
            index.setdefault(tuple(tokens[end - n : end]), []).append(end)
    return index


class DraftSource:
    """Proposes the tokens that follow the output's aligned position in the source.

    When the output's recent tokens are not in the source at all, it falls back to an earlier
    occurrence of its last 3 or 2 tokens in the output itself (as prompt lookup does), which
    catches repeated lines and loops the model writes on its own; such a draft repeats the
    loop's period, so it can run past the output's current end.

    A pointer found from a single token is a guess (newlines and brackets are everywhere).
    Once such a guess has been rejected, further single-token guesses propose nothing (a
    rejected draft costs ~1.6x a plain step, NOTES.md) until the output matches 2+ tokens of
    the source again or a guess is confirmed.
    """

    def __init__(self, source: Sequence[int], *, start: int | None = 0) -> None:
        self.source: list[int] = list(source)
        self.output: list[int] = []
        #: the list drafts come from (`source` or `output`) and the index of its next token
        self.buffer: list[int] = self.source
        self.pointer: int | None = start if self.source else None
        self._anchor = start or 0  # last aligned source position: re-alignment searches near it
        self._index = _ngram_index(self.source)
        self._output_index: dict[tuple[int, ...], list[int]] = {}
        self._weak = False  # the pointer came from a 1-token match
        self._weak_failed = False  # a 1-token guess was rejected since the last strong match

    def propose(self, k: int) -> list[int]:
        """Up to ``k`` tokens predicted to come next (empty when not aligned)."""
        if self.pointer is None or k <= 0 or (self._weak and self._weak_failed):
            return []
        if self.buffer is self.output:  # a loop: continue it with its period
            period = len(self.output) - self.pointer
            return [self.output[self.pointer + i % period] for i in range(k)]
        return self.buffer[self.pointer : self.pointer + k]

    def advance(self, emitted: Sequence[int]) -> None:
        """Record tokens the output actually emitted and keep the pointer aligned."""
        for token in emitted:
            p = self.pointer
            if p is not None and p < len(self.buffer) and self.buffer[p] == token:
                self.pointer = p + 1
                self._weak_failed = self._weak = False  # the guess held
                if self.buffer is self.source:
                    self._anchor = p + 1
            else:
                if p is not None and self._weak:
                    self._weak_failed = True
                self.pointer = None
            self.output.append(token)
            end = len(self.output)
            for n in range(1, min(MAX_ALIGN_NGRAM, end) + 1):
                self._output_index.setdefault(tuple(self.output[end - n :]), []).append(end)
        if self.pointer is None or self.pointer >= len(self.buffer):
            self._realign()

    def _realign(self) -> None:
        """Point after the longest output suffix found in the source (nearest the anchor),
        else after its latest earlier occurrence in the output."""
        self.pointer = None
        tail = self.output[-MAX_ALIGN_NGRAM:]
        for n in range(len(tail), 0, -1):
            gram = tuple(tail[-n:])
            positions = self._index.get(gram)
            # A position equal to len(source) has nothing left to propose.
            usable = bisect.bisect_left(positions, len(self.source)) if positions else 0
            if usable:
                i = bisect.bisect_left(positions, self._anchor, 0, usable)
                self.buffer = self.source
                self.pointer = self._anchor = positions[i] if i < usable else positions[usable - 1]
                self._weak = n == 1
                self._weak_failed = self._weak_failed and self._weak
                return
            earlier = self._output_index.get(gram, [])[:-1]  # the last one is the tail itself
            if n >= 2 and earlier:
                self.buffer, self.pointer = self.output, earlier[-1]
                self._weak = self._weak_failed = False
                return


class BlockSizer:
    """Number of draft tokens to verify per forward pass, adapted to the acceptance."""

    def __init__(self, initial: int = 16, minimum: int = 4, maximum: int = 64) -> None:
        if not 1 <= minimum <= initial <= maximum:
            raise ValueError("need 1 <= minimum <= initial <= maximum")
        self.size = initial
        self.minimum = minimum
        self.maximum = maximum

    def update(self, proposed: int, accepted: int) -> None:
        """Grow after a fully accepted draft, shrink after a mostly rejected one."""
        if proposed == 0:
            return
        if accepted == proposed and proposed >= self.size:
            self.size = min(self.size * 2, self.maximum)
        elif accepted * 2 < proposed:
            self.size = max(self.size // 2, self.minimum)
