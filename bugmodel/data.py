"""Encoding samples (text + candidate rewrites) into tensors, and batching them."""

from __future__ import annotations

import bisect
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from bugmodel.tokenizer import CLS, EMPTY, PAD, SEP, Token, Vocabulary
from synthdata.rewrites import KINDS, Candidate

MAX_REPLACEMENT_TOKENS = 8


@dataclass
class Encoded:
    """One model input: token ids and, per candidate, its token span, kind and replacement.

    `target` is 0 for NO_BUG and 1 + i for candidate i (-1 when unknown, e.g. at inference).
    `candidate_index` maps rows back to the caller's candidate list. `pointer` is the token
    index of another occurrence of the replacement in the text (-1 when there is none), so the
    model can compare the variable it would swap in *in context*, not just by name.
    """

    ids: np.ndarray  # (T,) int32
    first: np.ndarray  # (C,) int32 token index of each candidate's first token
    last: np.ndarray  # (C,) int32
    kind: np.ndarray  # (C,) int32
    replacement: np.ndarray  # (C, R) int32
    candidate_index: np.ndarray  # (C,) int32
    target: int
    pointer: np.ndarray  # (C,) int32


def occurrences(text: str, word: str) -> list[int]:
    """Character offsets where identifier-like `word` occurs as a whole word in `text`."""
    if not word.isidentifier():
        return []
    return [m.start() for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text)]


def nearest_occurrence(positions: list[int], start: int, end: int) -> int | None:
    """The occurrence closest to [start, end) that does not overlap it."""
    outside = [p for p in positions if p < start or p >= end]
    return min(outside, key=lambda p: abs(p - start)) if outside else None


def span_to_tokens(tokens: Sequence[Token], starts: list[int], ends: list[int],
                   start: int, end: int) -> tuple[int, int]:
    """Indices of the first and last token covering a character span (insertions: the
    token at or after the insertion point)."""
    first = bisect.bisect_right(ends, start)
    if first >= len(tokens):
        first = len(tokens) - 1
    if end > start:
        last = max(first, bisect.bisect_left(starts, end) - 1)
    else:
        last = first
    return first, last


def encode(vocab: Vocabulary, text: str, candidates: Sequence[Candidate], context: str = "",
           target: int | None = None, max_len: int = 256, max_candidates: int | None = None,
           rng: random.Random | None = None) -> Encoded | None:
    """Encode `[CLS] context [SEP] text` with its candidates (spans are offsets into `text`).

    Candidates whose tokens fall past `max_len` are dropped; returns None when the target
    candidate is dropped or the text has no tokens. With `max_candidates`, a random subset
    that always keeps the target is used (training only).
    """
    context_ids = vocab.encode(context)[0][: max_len // 4] if context else []
    text_ids, tokens = vocab.encode(text)
    if not tokens:
        return None
    offset = len(context_ids) + 2
    ids = ([CLS, *context_ids, SEP, *text_ids])[:max_len]
    starts = [t.start for t in tokens]
    ends = [t.end for t in tokens]
    keep = list(range(len(candidates)))
    if max_candidates is not None and len(keep) > max_candidates:
        rng = rng or random.Random(0)
        must = [target] if target is not None and target >= 0 else []
        others = [i for i in keep if i not in must]
        keep = sorted(rng.sample(others, max_candidates - len(must)) + must)
    rows, firsts, lasts, kinds, repls, pointers = [], [], [], [], [], []
    replacement_ids: dict[str, list[int]] = {}  # many candidates share a replacement text
    replacement_positions: dict[str, list[int]] = {}
    for i in keep:
        cand = candidates[i]
        first, last = span_to_tokens(tokens, starts, ends, cand.start, cand.end)
        if last + offset >= len(ids):
            continue
        rows.append(i)
        firsts.append(first + offset)
        lasts.append(last + offset)
        kinds.append(KINDS.index(cand.kind))
        repl = replacement_ids.get(cand.replacement)
        if repl is None:
            repl = vocab.encode(cand.replacement)[0][:MAX_REPLACEMENT_TOKENS] or [EMPTY]
            repl = replacement_ids[cand.replacement] = repl + [PAD] * (
                MAX_REPLACEMENT_TOKENS - len(repl))
        repls.append(repl)
        positions = replacement_positions.get(cand.replacement)
        if positions is None:
            positions = replacement_positions[cand.replacement] = occurrences(
                text, cand.replacement)
        near = nearest_occurrence(positions, cand.start, cand.end)
        pointer = -1
        if near is not None:
            pointer = span_to_tokens(tokens, starts, ends, near, near + 1)[0] + offset
        pointers.append(pointer if pointer < len(ids) else -1)
    label = -1
    if target is not None:
        label = 0 if target < 0 else (rows.index(target) + 1 if target in rows else None)
        if label is None:
            return None
    return Encoded(
        np.asarray(ids, dtype=np.int32),
        np.asarray(firsts, dtype=np.int32),
        np.asarray(lasts, dtype=np.int32),
        np.asarray(kinds, dtype=np.int32),
        np.asarray(repls, dtype=np.int32).reshape(len(rows), MAX_REPLACEMENT_TOKENS),
        np.asarray(rows, dtype=np.int32),
        label,
        np.asarray(pointers, dtype=np.int32),
    )


@dataclass
class Batch:
    """Padded tensors for a list of `Encoded` samples."""

    ids: torch.Tensor  # (B, T)
    first: torch.Tensor  # (B, C)
    last: torch.Tensor  # (B, C)
    kind: torch.Tensor  # (B, C)
    replacement: torch.Tensor  # (B, C, R)
    mask: torch.Tensor  # (B, C) bool, True for real candidates
    target: torch.Tensor  # (B,)
    pointer: torch.Tensor  # (B, C), -1 where the replacement does not occur in the text

    def to(self, device: torch.device | str) -> Batch:
        return Batch(*(t.to(device, non_blocking=True) for t in (
            self.ids, self.first, self.last, self.kind, self.replacement, self.mask, self.target,
            self.pointer)))


def collate(samples: Sequence[Encoded]) -> Batch:
    """Pad a list of samples into one batch."""
    b = len(samples)
    t = max(len(s.ids) for s in samples)
    c = max(1, max(len(s.first) for s in samples))
    ids = torch.full((b, t), PAD, dtype=torch.long)
    first = torch.zeros((b, c), dtype=torch.long)
    last = torch.zeros((b, c), dtype=torch.long)
    kind = torch.zeros((b, c), dtype=torch.long)
    repl = torch.full((b, c, MAX_REPLACEMENT_TOKENS), PAD, dtype=torch.long)
    mask = torch.zeros((b, c), dtype=torch.bool)
    pointer = torch.full((b, c), -1, dtype=torch.long)
    for i, s in enumerate(samples):
        n = len(s.first)
        ids[i, : len(s.ids)] = torch.from_numpy(s.ids)
        if n:
            first[i, :n] = torch.from_numpy(s.first)
            last[i, :n] = torch.from_numpy(s.last)
            kind[i, :n] = torch.from_numpy(s.kind)
            repl[i, :n] = torch.from_numpy(s.replacement)
            mask[i, :n] = True
            pointer[i, :n] = torch.from_numpy(s.pointer)
    target = torch.tensor([s.target for s in samples], dtype=torch.long)
    return Batch(ids, first, last, kind, repl, mask, target, pointer)


def length_bucketed_batches(samples: Sequence[Encoded], batch_size: int, rng: random.Random,
                            ) -> Iterator[list[Encoded]]:
    """Shuffled batches of similar-length samples (less padding), in random order."""
    order = list(range(len(samples)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i : i + pool], key=lambda j: len(samples[j].ids))
        batches.extend(chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    for batch in batches:
        yield [samples[j] for j in batch]


def sequential_batches(samples: Sequence[Encoded], batch_size: int) -> Iterator[list[Encoded]]:
    """Batches in a fixed order (evaluation)."""
    for i in range(0, len(samples), batch_size):
        yield list(samples[i : i + batch_size])
