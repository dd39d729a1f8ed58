"""Combine mechanical detections and the language-model signal into importance, tier and reason.

Tier rules, in order:
1. a hunk with a finding (a likely bug) is `key`, whatever else is true;
2. an exact mechanical detection makes it `gray` (the detector proved it mechanical);
3. with the LM signal, importance below `gray_below` is `gray` ("predictable from context");
4. importance at or above `key_from` is `key`; everything else is `normal`.
Comment/docstring-only hunks are never grayed by rule 2 (docs matter), only shown as such.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from reviewapp.importance.score import GRAY, KEY, NORMAL, Detection, HunkScore


@dataclass(frozen=True)
class ImportanceSettings:
    """Thresholds and LM normalisation; defaults chosen on the dev half of the evaluation set.

    From `python benchmarks/importance.py` (benchmarks/results/importance.json, "tuned"): the
    LM statistic with the best dev AUROC; `lm_center`/`lm_scale` the median and half the
    spread of that statistic on dev; `gray_below` the highest LM-only gray threshold whose dev
    gray precision stays >= 0.99; `key_from` the median importance of meaningful dev hunks.
    """

    lm_center: float = 2.566  # nats/token (novel tokens) where LM importance is halfway
    lm_scale: float = 1.2121  # nats/token per unit of the logistic's argument
    gray_below: float = 0.225167  # LM-only graying of hunks no detector explained
    key_from: float = 0.6014
    undetected_importance: float = 0.5  # before (or without) the LM signal
    # The 135M model forwards ~500 tokens/s on 2 CPU cores at best, so prompts stay short and
    # a big diff shares a total budget (a 1,000-line diff must be scored within a minute).
    lm_context_tokens: int = 160  # prompt budget per change, span included
    lm_span_tokens: int = 64  # longest added text scored per change (the rest is not scored)
    # Per diff; per-change budgets shrink to fit it. 6,000 tokens scored a 1,000-changed-line
    # diff in about 45 s on one busy core (benchmarks/results/importance.json).
    lm_total_tokens: int = 6_000
    lm_statistic: str = "novel"  # HunkSignal field used: "mean", "peak" or "novel"

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Any]) -> ImportanceSettings:
        """Defaults with `overrides` applied (e.g. from Django settings or `.squiggle.toml`).

        Unknown names and values of the wrong type raise ValueError naming the setting.
        """
        known = {f.name: f for f in fields(cls)}
        values = {}
        for name, value in overrides.items():
            if name not in known:
                raise ValueError(f"unknown importance setting {name!r}")
            default = getattr(DEFAULT_SETTINGS, name)
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"importance setting {name!r} must be a number")
                value = type(default)(value)
            elif not isinstance(value, type(default)):
                raise ValueError(f"importance setting {name!r} must be a {type(default).__name__}")
            values[name] = value
        if values.get("lm_statistic", "mean") not in ("mean", "peak", "novel"):
            raise ValueError("importance setting 'lm_statistic' must be mean, peak or novel")
        return replace(DEFAULT_SETTINGS, **values)


DEFAULT_SETTINGS = ImportanceSettings()


# Importance of an unexplained hunk never drops below this: any hunk that no detector proved
# mechanical ranks above every hunk one did (those sit at 0.02-0.06).
LM_FLOOR = 0.1


def lm_importance(surprisal: float, settings: ImportanceSettings) -> float:
    """Map a length-normalised surprisal (nats per token) to [LM_FLOOR, 1]."""
    z = (surprisal - settings.lm_center) / max(settings.lm_scale, 1e-6)
    return LM_FLOOR + (1.0 - LM_FLOOR) / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def _with_lm_note(description: str, lm: float | None, settings: ImportanceSettings) -> str:
    if lm is None:
        return description
    if lm >= settings.key_from:
        return f"{description}, unusual for this file"
    if lm < 0.3:
        return f"{description}, predictable from context"
    return description


def combine(
    detections: list[Detection],
    description: str,
    surprisal: float | None,
    has_finding: bool,
    settings: ImportanceSettings = DEFAULT_SETTINGS,
) -> HunkScore:
    """One hunk's score from its detections (best first), its description and the LM signal."""
    lm = lm_importance(surprisal, settings) if surprisal is not None else None
    details: dict = {"detections": [d.detector for d in detections]}
    if surprisal is not None:
        details["surprisal"] = round(surprisal, 4)
    exact = next((d for d in detections if d.exact), None)
    if exact is not None:
        details.update(exact.details)
        details["exact"] = True
        score = HunkScore(exact.importance, GRAY, exact.reason, exact.detector, details)
    else:
        hint = detections[0] if detections else None
        importance = lm if lm is not None else settings.undetected_importance
        if hint is not None and hint.detector in ("docs", "repeated"):
            # A hint caps importance: comment edits and the first copy of a repeated edit are
            # worth a look, not a highlight.
            importance = min(importance, hint.importance)
        elif hint is not None:  # e.g. a name swapped for one that already existed
            importance = max(importance, hint.importance)
        reason = hint.reason if hint is not None else _with_lm_note(description, lm, settings)
        detector = hint.detector if hint is not None else ("lm" if lm is not None else "")
        if hint is not None:
            details.update(hint.details)
        tier = NORMAL
        if lm is not None and importance < settings.gray_below and hint is None:
            tier, reason = GRAY, f"{description}, predictable from context"
        elif importance >= settings.key_from:
            tier = KEY
        score = HunkScore(importance, tier, reason, detector, details)
    if has_finding:
        return promote(score, settings)
    return score


def promote(score: HunkScore, settings: ImportanceSettings = DEFAULT_SETTINGS) -> HunkScore:
    """The score of a hunk that has a finding: key, never gray."""
    details = dict(score.details, finding=True)
    reason = score.reason if score.reason.startswith("has a finding") \
        else f"has a finding; {score.reason}"
    return HunkScore(max(score.importance, settings.key_from), KEY, reason, score.detector,
                     details)
