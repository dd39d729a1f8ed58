"""The language model chooses the repair among the detector's best candidates of a unit.

The detector (the line ranker, or the from-scratch model alone) scores every candidate repair of
a unit. Its best few candidates are then read by the pretrained LM: each one's likelihood ratio,
log p(repaired) - log p(original) with both sides of the change counted
(`bugmodel.lm_features`), weighted and added to the detector's logit, orders them. The
candidate that order puts first takes the detector's best score, the second its second, and so
on: the unit's scores stay the detector's, only which repair (and so which line) holds each one
changes. The LM moves nothing unless the repair it puts first makes the code likelier than it
is: without that it has no evidence of which repair is meant.

So whether a unit gets a finding, the finding's probability, the calibration and the false
alarms on clean code are the detector's; the LM runs only where a finding is shown, and says
which one. Measured in one evaluation run on every case (`bugmodel/MODEL_CARD.md`, "The
language model chooses the repair"; the weight and the number of candidates were chosen on
synthetic validation records and real dev fixes): synthetic test joint localisation and repair
0.508 -> 0.700, real localisation within a bug or three of the detector's.
`SQUIGGLE_BUG_REPAIR_LM=off` leaves the choice to the detector (no LM in the process).

The ratios come from the base model, or from a LoRA adapter tuned on this very choice when
`python -m bugmodel train-repair-lm` has written one to `ADAPTER_DIR` (none is committed: the
one trained so far gained on validation and real dev and lost on synthetic test, all within
noise; `bugmodel/MODEL_CARD.md`, "The LM tuned on the choice").
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bugmodel.lm_features import unit_scores
from synthdata.rewrites import Candidate

if TYPE_CHECKING:
    from inference.engine import Engine

#: Candidates the LM reads per unit, the detector's best first.
TOP_CANDIDATES = 8
#: Weight of the LM's ratio (nats) against the detector's logit.
RATIO_WEIGHT = 0.75
#: Units whose repair the LM chooses in one detection, the most probable findings first: about
#: three seconds each on one CPU thread, so a diff where every unit has a finding (a low
#: `SQUIGGLE_BUG_THRESHOLD`) still scans in under a minute; the others keep the detector's.
MAX_UNITS_READ = 12
ENV = "SQUIGGLE_BUG_REPAIR_LM"
#: The LM's adapter tuned on this choice (`bugmodel/train_repair_lm.py`), and its name in the
#: engine; without it the base model chooses.
ADAPTER_DIR = Path(__file__).parent / "weights" / "heads" / "repair_lm"
ADAPTER_NAME = "repair"
#: Engines whose model the adapter does not fit (asked once each).
_ADAPTER_REFUSED: weakref.WeakSet = weakref.WeakSet()
log = logging.getLogger(__name__)


def lm_chooses_repairs() -> bool:
    """Whether detection lets the LM choose the repair (`SQUIGGLE_BUG_REPAIR_LM`, on unless
    set to off)."""
    return os.environ.get(ENV, "on").strip().lower() not in ("off", "0", "false", "no")


@dataclass(frozen=True)
class RepairRatios:
    """The LM's ratios for a unit's best columns (1-based logit columns, the detector's best
    first; None: a repair the LM could not score) and the seconds they took."""

    columns: list[int]
    ratios: list[float | None]
    seconds: float


def best_columns(logits: np.ndarray, k: int = TOP_CANDIDATES) -> list[int]:
    """The k candidate columns with the highest finite logits, best first."""
    order = [int(c) + 1 for c in np.argsort(-logits[1:], kind="stable")]
    return [c for c in order if np.isfinite(logits[c])][:k]


def repair_adapter(engine: Engine) -> str | None:
    """The name of the tuned adapter in `engine`, loading it from `ADAPTER_DIR` on first use;
    None (the base model chooses) when there is none or it was trained on another model."""
    from inference.lora import WEIGHTS_FILE, AdapterMismatch

    with engine.lock:
        if ADAPTER_NAME in engine.adapters:
            return ADAPTER_NAME
        if engine in _ADAPTER_REFUSED or not (ADAPTER_DIR / WEIGHTS_FILE).exists():
            return None
        try:
            engine.load_adapter(ADAPTER_NAME, ADAPTER_DIR)
        except AdapterMismatch as error:  # SQUIGGLE_MODEL_DIR names another model
            log.warning("the base model chooses repairs: %s", error)
            _ADAPTER_REFUSED.add(engine)
            return None
        return ADAPTER_NAME


def adapter_fingerprint() -> str:
    """A short digest of the adapter's weights in `ADAPTER_DIR` ("base" without one): ratios
    cached under one adapter are not reused under another."""
    from inference.lora import WEIGHTS_FILE

    weights = ADAPTER_DIR / WEIGHTS_FILE
    return hashlib.sha1(weights.read_bytes()).hexdigest()[:12] if weights.exists() else "base"


def repair_ratios(engine: Engine, text: str, context: str, candidates: Sequence[Candidate],
                  columns: Sequence[int], candidate_of: Sequence[int]) -> RepairRatios:
    """The LM's ratio for each of `columns` (`candidate_of[column - 1]` is its candidate)."""
    started = time.perf_counter()
    lm, shifted = unit_scores(engine, text, context, candidates, adapter=repair_adapter(engine))
    ratios = lm.ratios([shifted[candidate_of[c - 1]] for c in columns])
    return RepairRatios(list(columns), ratios, time.perf_counter() - started)


def reordered(logits: np.ndarray, chosen: RepairRatios, weight: float = RATIO_WEIGHT,
              ) -> np.ndarray:
    """`logits` with the chosen columns' values handed out again in the order of logit plus
    weight times ratio (repairs the LM could not score last, in the detector's order), when the
    repair that order puts first makes the code likelier than it is; else `logits`."""
    columns = chosen.columns
    if len(columns) < 2:
        return logits
    combined = sorted((r is None, -(logits[c] + weight * r) if r is not None else 0.0, rank)
                      for rank, (c, r) in enumerate(zip(columns, chosen.ratios, strict=True)))
    first = chosen.ratios[combined[0][2]]
    if first is None or first <= 0:
        # The LM finds no repair likelier than the code as written: it has no evidence of
        # which repair is meant, and on real dev code following it anyway cost localisation.
        return logits
    values = sorted((float(logits[c]) for c in columns), reverse=True)
    out = logits.copy()
    for value, (_, _, rank) in zip(values, combined, strict=True):
        out[columns[rank]] = value
    return out


def lm_reordered(engine: Engine, text: str, context: str, candidates: Sequence[Candidate],
                 logits: np.ndarray, candidate_of: Sequence[int]) -> np.ndarray:
    """`logits` (NO_BUG, then one column per `candidate_of` entry) with the LM's choice of
    repair among the best columns."""
    columns = best_columns(logits)
    if len(columns) < 2:
        return logits
    return reordered(logits, repair_ratios(engine, text, context, candidates, columns,
                                           candidate_of))
