"""Incremental detokenization with stop strings: token ids in, safe-to-show text pieces out.

Decoding token by token is wrong for byte-level BPE (one character can span tokens) and for
tokenizers that drop a leading space, so each new piece is the difference between decoding a
short window of recent tokens with and without the new token (the method of Hugging Face TGI).
Text that might be the start of a stop string is held back until it is known not to be.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

__all__ = ["TextStream", "emit_tokens"]


class TextStream:
    """Turns generated token ids into text pieces, stopping at the first stop string."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, stop: Sequence[str] = ()) -> None:
        self.tokenizer = tokenizer
        self.stop = [s for s in stop if s]
        self.ids: list[int] = []
        self.text = ""  # all decoded text so far (may run past a stop string)
        self.emitted = 0  # characters of `text` already handed out
        self.stopped = False  # a stop string was found; `text` is cut before it
        self._prefix_offset = 0
        self._read_offset = 0

    def push(self, token: int) -> str:
        """Add one token; return the text that can be shown now ('' when held back)."""
        if self.stopped:
            return ""
        self.ids.append(token)
        decode = self.tokenizer.decode
        before = decode(self.ids[self._prefix_offset : self._read_offset], skip_special_tokens=True)
        after = decode(self.ids[self._prefix_offset :], skip_special_tokens=True)
        # An incomplete UTF-8 sequence decodes to U+FFFD: wait for the next token.
        if len(after) > len(before) and not after.endswith("\ufffd"):
            self.text += after[len(before) :]
            self._prefix_offset = self._read_offset
            self._read_offset = len(self.ids)
        return self._release()

    def finish(self) -> str:
        """Flush whatever is held back at the end of generation."""
        released = ""
        if not self.stopped:
            tail = self.tokenizer.decode(self.ids[self._prefix_offset :], skip_special_tokens=True)
            before = self.tokenizer.decode(
                self.ids[self._prefix_offset : self._read_offset], skip_special_tokens=True
            )
            self.text += tail[len(before) :]
            self._read_offset = len(self.ids)
            self._prefix_offset = self._read_offset
            released = self._release()
        piece = released + self.text[self.emitted :]
        self.emitted = len(self.text)
        return piece

    def _release(self) -> str:
        if self.stop:
            # Only text not yet searched (plus the longest stop string's overlap) can hold a stop.
            start = max(0, self.emitted - max(map(len, self.stop)))
            hits = [i for i in (self.text.find(s, start) for s in self.stop) if i >= 0]
            if hits:
                self.text = self.text[: min(hits)]
                self.stopped = True
                safe = len(self.text)
            else:
                safe = len(self.text) - self._held_back()
        else:
            safe = len(self.text)
        piece = self.text[self.emitted : safe]
        self.emitted = max(self.emitted, safe)
        return piece

    def _held_back(self) -> int:
        """Length of the longest suffix of `text` that begins some stop string."""
        longest = 0
        for s in self.stop:
            for n in range(min(len(s) - 1, len(self.text)), longest, -1):
                if self.text.endswith(s[:n]):
                    longest = n
                    break
        return longest


def emit_tokens(
    stream: TextStream,
    tokens: Sequence[int],
    out: list[int],
    eos_token_ids: Collection[int],
    max_new_tokens: int,
) -> tuple[str, str | None]:
    """Append ``tokens`` to ``out`` until one ends the generation.

    Returns the text to show and the finish reason (``"eos"``, ``"stop"``, ``"length"``) or
    None to go on; on a finish the held-back text is flushed into the returned text.
    """
    pieces: list[str] = []
    done = None
    for token in tokens:
        if token in eos_token_ids:
            done = "eos"
            break
        out.append(token)
        pieces.append(stream.push(token))
        if stream.stopped:
            done = "stop"
        elif len(out) >= max_new_tokens:
            done = "length"
        if done:
            break
    if done:
        pieces.append(stream.finish())
    return "".join(pieces), done
