"""Scoring candidate repairs: the model over encoded samples (one logit per candidate location
and repair, plus NO_BUG), and the accuracy metrics computed from those logits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from bugmodel.data import Encoded, collate, encode, sequential_batches
from bugmodel.model import BugDetector
from synthdata.rewrites import Candidate

if TYPE_CHECKING:
    from bugmodel.detector import LoadedDetector


@torch.no_grad()
def predict_logits(model: BugDetector, samples: Sequence[Encoded], device: torch.device,
                   batch_size: int = 32) -> list[np.ndarray]:
    """Logits (1 + C,) per sample, NO_BUG first; batches are formed from length-sorted samples."""
    model.eval()
    order = sorted(range(len(samples)), key=lambda i: len(samples[i].ids))
    out: list[np.ndarray | None] = [None] * len(samples)
    for chunk in sequential_batches(order, batch_size):
        batch = collate([samples[i] for i in chunk]).to(device)
        logits = model(batch).float().cpu().numpy()
        for row, i in enumerate(chunk):
            out[i] = logits[row, : 1 + len(samples[i].first)]
    return out  # type: ignore[return-value]


def small_model_rows(detector: LoadedDetector, units: Sequence[tuple[str, str, list[Candidate]]],
                     batch_size: int = 32) -> list[np.ndarray]:
    """Per unit (text, context, candidates): logits (1 + C) over NO_BUG and every candidate,
    -inf for candidates the small model could not see."""
    max_len = detector.model.config.max_len
    samples, where = [], []
    rows = [np.full(1 + len(c), -np.inf, dtype=np.float32) for _, _, c in units]
    for row in rows:
        row[0] = 0.0  # a unit the model cannot read is NO_BUG to it
    for i, (text, context, candidates) in enumerate(units):
        sample = encode(detector.vocab, text, candidates, context, None, max_len)
        if sample is not None:
            samples.append(sample)
            where.append(i)
    if samples:
        logits = predict_logits(detector.model, samples, detector.device, batch_size)
        for i, sample, row in zip(where, samples, logits, strict=True):
            rows[i][0] = row[0]
            rows[i][1 + sample.candidate_index] = row[1:]
    return rows


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def seen_columns(row: np.ndarray) -> tuple[list[int], np.ndarray]:
    """(candidate index per column, logits over NO_BUG and those columns) of a logits row over
    NO_BUG and every candidate, leaving out the candidates it gives no finite score."""
    columns = [int(i) for i in np.nonzero(np.isfinite(row[1:]))[0]]
    return columns, np.concatenate([[row[0]], row[1:][columns]])


def same_location(sample: Encoded, a: int, b: int) -> bool:
    """Whether candidates a and b (1-based logits columns) cover the same tokens."""
    if a == 0 or b == 0:
        return a == b
    return (sample.first[a - 1], sample.last[a - 1]) == (sample.first[b - 1], sample.last[b - 1])


def summarise(logits: Sequence[np.ndarray], samples: Sequence[Encoded],
              temperature: float = 1.0) -> dict[str, float]:
    """Mean NLL, NO_BUG accuracy on clean samples, localization and joint accuracy on buggy."""
    nll, clean_ok, clean_n, loc_ok, joint_ok, bug_n = 0.0, 0, 0, 0, 0, 0
    for row, sample in zip(logits, samples, strict=True):
        probs = softmax(row, temperature)
        nll -= float(np.log(max(probs[sample.target], 1e-12)))
        pred = int(np.argmax(row))
        if sample.target == 0:
            clean_n += 1
            clean_ok += pred == 0
        else:
            bug_n += 1
            joint_ok += pred == sample.target
            loc_ok += same_location(sample, pred, sample.target)
    return {
        "loss": nll / max(1, len(samples)),
        "no_bug_accuracy": clean_ok / max(1, clean_n),
        "localization_accuracy": loc_ok / max(1, bug_n),
        "joint_accuracy": joint_ok / max(1, bug_n),
    }
