"""Draft proposal for speculative edits: copy the source's tokens after an aligned pointer.

When an output mostly copies an input (Apply, a rewritten function), the input's next tokens are
an excellent guess for the output's next tokens. `DraftSource` keeps a pointer into the source
tokens that is "aligned" with the output: the output's last token was ``source[pointer - 1]``.
It proposes ``source[pointer : pointer + k]``; the engine verifies them in one forward pass and
reports the tokens actually emitted with `advance`. After a divergence (the model inserted,
deleted or moved something) the pointer is re-aligned: candidates are the places where the
output's last 3 (else 2) tokens occur in the source or earlier in the output, and the
one whose preceding tokens match the output's tail longest wins; ties go to the source,
nearest at or after the old pointer (edits usually move forward through a file), then nearest
before it (moved lines), then to the latest earlier place in the output (prompt-lookup style:
lines and loops the model repeats on its own). The longest match beats the nearest because
short n-grams (an indent, ``self.``) recur all over a file.

`BlockSizer` adapts the number of draft tokens per pass to the acceptance: a fully accepted
draft doubles it, a mostly rejected one halves it. Its range follows the cost of a pass on
this CPU (NOTES.md, relative to 1 token: 2 tokens 1.6x, 16 tokens 1.7x, 32 tokens 2.2x,
64 tokens 3.2x): under 8 tokens saves nothing, and past 32 a rejection costs more than the
rare longer acceptance gains (replaying the decoding benchmark's answers through that cost
model: 8..32 beat 4..64).

Neither class touches the model, so correctness of the output never depends on them: the
engine only ever emits the model's own greedy choices.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BlockSizer", "DraftSource", "accepted_prefix_length"]

#: Shortest and longest output suffix looked up in the index to find re-alignment candidates.
MIN_ALIGN_NGRAM = 2
MAX_ALIGN_NGRAM = 3
#: Longest match of the output's tail counted when ranking the candidates.
MAX_MATCH = 32


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


class DraftSource:
    """Proposes the tokens that follow the output's aligned position in the source.

    The source and the output so far form one context (source first). After a divergence the
    pointer moves to the place in that context whose tokens before it match the output's
    tail longest (up to `MAX_MATCH` tokens); among equally long matches it prefers the
    source, nearest at or after the last aligned position (edits move forward through a file),
    then nearest before it (moved lines), then the latest earlier place in the output itself
    (as prompt lookup does: lines and loops the model repeats on its own). A draft taken from
    the output repeats the loop's period, so it can run past the output's current end.

    A place is only taken when at least `MIN_ALIGN_NGRAM` tokens match: a single token
    (a newline, a bracket) occurs everywhere, and a rejected draft costs 1.6x to 2.4x a plain
    step (NOTES.md; the larger figure on a busy machine), more than such guesses win back.
    """

    def __init__(self, source: Sequence[int], *, start: int | None = 0) -> None:
        #: the source's tokens followed by the output's
        self.context: list[int] = list(source)
        self.source_length = len(self.context)
        self.pointer: int | None = start if self.context else None
        self._anchor = start or 0  # last aligned source position: re-alignment searches near it
        self._index: dict[tuple[int, ...], list[int]] = {}
        for end in range(1, self.source_length + 1):
            self._index_end(end)

    @property
    def output(self) -> list[int]:
        """The tokens emitted so far."""
        return self.context[self.source_length :]

    def propose(self, k: int) -> list[int]:
        """Up to ``k`` tokens predicted to come next (empty when not aligned)."""
        p = self.pointer
        if p is None or k <= 0:
            return []
        if p < self.source_length:
            return self.context[p : min(p + k, self.source_length)]
        period = len(self.context) - p  # a loop in the output: continue it with its period
        return [self.context[p + i % period] for i in range(k)]

    def advance(self, emitted: Sequence[int]) -> None:
        """Record tokens the output actually emitted and keep the pointer aligned."""
        for token in emitted:
            p = self.pointer
            if p is not None and p != self.source_length and self.context[p] == token:
                self.pointer = p + 1
                if p < self.source_length:
                    self._anchor = p + 1
            else:
                self.pointer = None
            self.context.append(token)
            self._index_end(len(self.context))
        if self.pointer is None or self.pointer == self.source_length:
            self._realign()

    def _index_end(self, end: int) -> None:
        for n in range(MIN_ALIGN_NGRAM, min(MAX_ALIGN_NGRAM, end) + 1):
            self._index.setdefault(tuple(self.context[end - n : end]), []).append(end)

    def _match_length(self, end: int) -> int:
        """How many tokens before ``end`` equal the output's last tokens (at most MAX_MATCH)."""
        context, tail = self.context, len(self.context)
        n = 0
        while n < MAX_MATCH and n < end and context[end - 1 - n] == context[tail - 1 - n]:
            n += 1
        return n

    def _realign(self) -> None:
        """Point after the place whose preceding tokens match the output's tail longest."""
        self.pointer = None
        tail = len(self.context)
        longest = min(MAX_ALIGN_NGRAM, tail - self.source_length)
        for n in range(longest, MIN_ALIGN_NGRAM - 1, -1):
            ends = [end for end in self._index.get(tuple(self.context[tail - n :]), ())
                    if end != self.source_length and end < tail]
            if ends:
                break
        else:
            return
        anchor, source_length = self._anchor, self.source_length

        def preference(end: int) -> tuple[int, int, int]:
            if end >= source_length:
                place = (2, tail - end)  # the output: latest first
            elif end >= anchor:
                place = (0, end - anchor)
            else:
                place = (1, anchor - end)
            return (-self._match_length(end), *place)

        self.pointer = min(ends, key=preference)
        if self.pointer < source_length:
            self._anchor = self.pointer


class BlockSizer:
    """Number of draft tokens to verify per forward pass, adapted to the acceptance."""

    def __init__(self, initial: int = 16, minimum: int = 8, maximum: int = 32) -> None:
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
