"""The cascade's first two stages: propose candidates, then describe each proposal by features.

1. The from-scratch model (`bugmodel.model`) scores every candidate of a unit; the language
   model's single pass over the unit gives every candidate's surprisal. The best `top_small`
   candidates by the first and the best `top_lm` by the second are proposed.
2. Each proposal gets the LM's likelihood ratio (`bugmodel.lm_features`) and the features the
   rescorer (`bugmodel.rescorer`) decides on: what both models said, and the candidate's kind.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bugmodel.candidate_scoring import predict_logits
from bugmodel.data import encode
from bugmodel.lm_features import UnitScores
from synthdata.rewrites import KINDS, Candidate

if TYPE_CHECKING:
    from bugmodel.detector import LoadedDetector
    from inference.engine import Engine

FEATURES: tuple[str, ...] = (
    "small_logprob", "small_rank", "lm_ratio", "lm_ratio_missing", "span_surprisal_max",
    "span_surprisal_mean", "line_surprisal_max", "surprisal_rank",
    *(f"kind_{k}" for k in KINDS),
)
UNIT_FEATURES: tuple[str, ...] = (
    "small_no_bug_logprob", "log_candidates", "unit_surprisal_mean", "unit_surprisal_max",
)
#: Columns that come from the from-scratch model (zeroed for the LM-only head).
SMALL_MODEL_COLUMNS = (0, 1)
SMALL_MODEL_UNIT_COLUMNS = (0,)
#: Floor for the log-probability of candidates the small model did not see (past 256 tokens).
UNSEEN_LOGPROB = -30.0


@dataclass
class Proposals:
    """The proposed candidates of one unit and their features."""

    indices: list[int]  # into the unit's candidate list
    features: np.ndarray  # (P, len(FEATURES)) float32
    unit: np.ndarray  # (len(UNIT_FEATURES),) float32
    seconds: dict[str, float] = field(default_factory=dict)  # lm_pass, lm_ratio (total)


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


def _log_softmax(row: np.ndarray) -> np.ndarray:
    finite = row[np.isfinite(row)]
    if not len(finite):
        return np.full_like(row, UNSEEN_LOGPROB)
    m = finite.max()
    out = row - (m + np.log(np.exp(finite - m).sum()))
    return np.where(np.isfinite(out), out, UNSEEN_LOGPROB)


def _ranks(values: np.ndarray) -> np.ndarray:
    """0 for the largest value, 1 for the next, ..."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float32)
    ranks[order] = np.arange(len(values))
    return ranks


def propose(engine: Engine, text: str, context: str, candidates: Sequence[Candidate],
            small_row: np.ndarray, top_small: int, top_lm: int, extra: Sequence[int] = (),
            ) -> Proposals:
    """Proposals of one unit with their features (`extra` candidates are always included:
    training adds its targets so every case teaches something)."""
    prefix = context + "\n" if context else ""
    shifted = [Candidate(c.kind, c.start + len(prefix), c.end + len(prefix), c.replacement)
               for c in candidates]
    started = time.perf_counter()
    lm = UnitScores(engine, prefix + text)
    lm_pass = time.perf_counter() - started
    n = len(candidates)
    small = _log_softmax(small_row)
    spans = [lm.surprisals(c) for c in shifted]
    surprisal = np.array([s.span_surprisal_max for s in spans], dtype=np.float32)
    small_scores = small[1:] if n else np.zeros(0)
    small_rank = _ranks(np.where(np.isfinite(small_row[1:]), small_row[1:], -1e9))
    # LM proposals: most surprising spans first, the small model breaking ties within a span.
    lm_rank = _ranks(surprisal + 1e-3 * small_scores)
    by_small = [i for i in np.argsort(small_rank)[:top_small] if np.isfinite(small_row[1 + i])]
    by_lm = list(np.argsort(lm_rank)[:top_lm])
    chosen = list(dict.fromkeys([*map(int, by_small), *map(int, by_lm), *extra]))
    ratio_started = time.perf_counter()
    ratios = lm.ratios([shifted[i] for i in chosen])
    lm_ratio = time.perf_counter() - ratio_started
    features = np.zeros((len(chosen), len(FEATURES)), dtype=np.float32)
    for row, (i, ratio) in enumerate(zip(chosen, ratios, strict=True)):
        s = spans[i]
        features[row, :8] = (
            small_scores[i], np.log1p(small_rank[i]), 0.0 if ratio is None else ratio,
            float(ratio is None), s.span_surprisal_max / 10, s.span_surprisal_mean / 10,
            s.line_surprisal_max / 10, np.log1p(lm_rank[i]))
        features[row, 8 + KINDS.index(candidates[i].kind)] = 1.0
    tokens = lm.surprisal[1:] if len(lm.surprisal) > 1 else np.zeros(1)
    unit = np.array([small[0], np.log1p(n), tokens.mean() / 10, tokens.max() / 10],
                    dtype=np.float32)
    return Proposals(chosen, features, unit,
                     {"lm_pass": lm_pass, "lm_ratio": lm_ratio, "ratios": len(chosen)})
