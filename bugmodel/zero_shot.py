"""The pretrained language model alone as a bug detector: the baseline `python -m bugmodel
eval` compares the product's detector with.

For one unit, one LM pass gives every token's surprisal (`bugmodel.lm_features`); the
candidates on the most surprising spans are proposed and each is scored by its likelihood
ratio, log p(repaired) - log p(original), both sides of the change counted. The best ratio
is the finding; NO_BUG scores a ratio of 0 (no repair makes the code more likely).

Verdicts cost about a second of CPU per unit, so they are cached per case (key: the text and
its candidates) and can be computed in worker processes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bugmodel.cases import Case
from bugmodel.lm_features import unit_scores
from bugmodel.lm_jobs import cached_lm_jobs
from synthdata.rewrites import Candidate

if TYPE_CHECKING:
    from inference.engine import Engine

#: Candidates scored per unit, most surprising spans first.
PROPOSALS = 8


@dataclass
class LMVerdict:
    """The LM's proposals for one unit, their likelihood ratios (None: not scorable) and the
    seconds the LM took."""

    indices: list[int]  # into the unit's candidate list
    ratios: list[float | None]
    seconds: float

    def logits(self) -> tuple[list[int], np.ndarray]:
        """(candidate index per column, logits over NO_BUG and the scorable proposals)."""
        scored = [(i, r) for i, r in zip(self.indices, self.ratios, strict=True) if r is not None]
        return [i for i, _ in scored], np.array([0.0, *(r for _, r in scored)])


def lm_verdict(engine: Engine, text: str, context: str, candidates: Sequence[Candidate],
               proposals: int = PROPOSALS) -> LMVerdict:
    """Propose the candidates on the unit's most surprising spans and score their ratios."""
    started = time.perf_counter()
    lm, shifted = unit_scores(engine, text, context, candidates)
    surprisal = np.array([lm.surprisals(c).span_surprisal_max for c in shifted])
    chosen = [int(i) for i in np.argsort(-surprisal, kind="stable")[:proposals]]
    ratios = lm.ratios([shifted[i] for i in chosen])
    return LMVerdict(chosen, ratios, time.perf_counter() - started)


def _case_hash(case: Case) -> str:
    """Cache key: the case, its text and its candidates (another enumeration is another key)."""
    candidates = "|".join(f"{c.kind},{c.start},{c.end},{c.replacement}" for c in case.candidates)
    digest = hashlib.sha1(f"{PROPOSALS}:{case.context}\n{case.text}\n{candidates}".encode())
    return f"{case.key}:{digest.hexdigest()[:16]}"


def lm_verdicts(cases: Sequence[Case], cache_file: Path | None, workers: int = 1,
                engine: Engine | None = None) -> list[LMVerdict]:
    """Every case's verdict, reusing and extending the pickle at `cache_file`."""
    return cached_lm_jobs(lm_verdict, [_case_hash(c) for c in cases],
                          [(c.text, c.context, c.candidates) for c in cases], cache_file,
                          workers, engine, "LM verdicts")
