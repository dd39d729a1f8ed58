"""Combine mechanical detections and the language-model signal into importance, tier and reason.

Tier rules, in order:
1. a hunk with a finding (a likely bug) is `key`, whatever else is true;
2. an exact mechanical detection makes it `gray` (the detector proved it mechanical);
3. a hint (a detection that is not exact: comments only, the first copy of a repeated edit,
   a changed name) sets the importance; the LM only scores hunks no detector said anything
   about, and of those, importance below `gray_below` is `gray` ("predictable from context");
4. everything else is `normal`; `scoring` then makes `key` the few undetected hunks that change
   behaviour most (behaviour.py: at most `key_share` of the diff's hunks).
Comment/docstring-only hunks are never grayed by rule 2 (docs matter), only shown as such.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from reviewapp.importance.lm_signal import HunkSignal
from reviewapp.importance.score import GRAY, KEY, NORMAL, Detection, HunkScore

# The HunkSignal statistics the LM importance weighs (nats/token; see lm_signal).
LM_FEATURES = ("novel", "mean", "peak")


@dataclass(frozen=True)
class ImportanceSettings:
    """Thresholds and the LM model; defaults fitted on the dev half of the evaluation set.

    From `python benchmarks/importance.py` (benchmarks/results/importance.json, "tuned"): the
    LM importance of a hunk no detector said anything about is a logistic regression of
    meaningful-vs-mechanical on the LM statistics (`lm_bias` + sum of `lm_<feature>` x
    feature), the features chosen by cross-validation on dev (only `novel` carried
    information there) and the weights fitted on dev; `gray_below` is the highest LM-only gray
    threshold whose dev gray precision stays >= 0.99 (none did: the LM grays nothing);
    `key_from` the median importance of meaningful dev hunks.
    """

    lm_bias: float = 0.639
    lm_novel: float = 0.4458  # log-odds per nat/token of the new tokens' surprisal
    lm_mean: float = 0.0
    lm_peak: float = 0.0
    gray_below: float = 0.0  # LM-only graying of hunks no detector spoke about (0: never)
    key_from: float = 0.8315  # importance given to key hunks (and hunks with findings)
    key_share: float = 0.2  # at most this share of a diff's hunks is key (findings aside)
    # The LM stage: off by default, as on real changes it added nothing the detectors and the
    # behaviour rules did not already give (benchmarks/results/guidance.json, "lm").
    use_lm: bool = False
    undetected_importance: float = 0.5  # before (or without) the LM signal
    # The 135M model forwards ~500 tokens/s on 2 CPU cores at best, so prompts stay short and
    # a big diff shares a total budget (a 1,000-line diff must be scored within a minute).
    lm_context_tokens: int = 160  # prompt budget per change, removed and added lines included
    lm_span_tokens: int = 64  # longest removed or added text scored per change
    # Per diff; per-change budgets shrink to fit it (the evaluation set's diffs, at most 10
    # changes, never reach it). The benchmark's 1,000-changed-line diff: 25 s on one thread
    # (load ~2) since the engine batches prompts that do not share a context; 63 s before.
    lm_total_tokens: int = 4_000

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
        return replace(DEFAULT_SETTINGS, **values)


DEFAULT_SETTINGS = ImportanceSettings()


# Importance of an unexplained hunk never drops below this: any hunk that no detector proved
# mechanical ranks above every hunk one did (those sit at 0.02-0.06).
LM_FLOOR = 0.1


def lm_logit(signal: HunkSignal, settings: ImportanceSettings) -> float:
    """The LM model's log-odds that the hunk is meaningful."""
    return settings.lm_bias + sum(getattr(settings, f"lm_{name}") * getattr(signal, name)
                                  for name in LM_FEATURES)


def lm_importance(signal: HunkSignal, settings: ImportanceSettings) -> float:
    """The LM's importance of a hunk, in [LM_FLOOR, 1]."""
    z = max(min(lm_logit(signal, settings), 50.0), -50.0)
    return LM_FLOOR + (1.0 - LM_FLOOR) / (1.0 + math.exp(-z))


def _with_lm_note(description: str, lm: float | None, settings: ImportanceSettings) -> str:
    if lm is None:
        return description
    if lm < 0.3:
        return f"{description}, predictable from context"
    return description


def combine(
    detections: list[Detection],
    description: str,
    signal: HunkSignal | None,
    has_finding: bool,
    settings: ImportanceSettings = DEFAULT_SETTINGS,
) -> HunkScore:
    """One hunk's score from its detections (best first), its description and the LM signal."""
    lm = lm_importance(signal, settings) if signal is not None else None
    details: dict = {"detections": [d.detector for d in detections]}
    if signal is not None:
        details["surprisal"] = round(signal.novel, 4)
    exact = next((d for d in detections if d.exact), None)
    if exact is not None:
        details.update(exact.details)
        details["exact"] = True
        score = HunkScore(exact.importance, GRAY, exact.reason, exact.detector, details)
    else:
        hint = detections[0] if detections else None
        if hint is not None:
            # A hint decides: comment edits and the first copy of a repeated edit are worth a
            # look, not a highlight; a name swapped for one that already existed is worth a look
            # whatever the LM says, as it cannot tell a rename from a swapped variable (the new
            # name surprises it either way: on the dev half its surprisal ranked these hunks
            # worse than chance). So hinted hunks are not sent to the model at all.
            importance, reason, detector = hint.importance, hint.reason, hint.detector
            details.update(hint.details)
        else:
            importance = lm if lm is not None else settings.undetected_importance
            reason = _with_lm_note(description, lm, settings)
            detector = "lm" if lm is not None else ""
        tier = NORMAL
        if lm is not None and importance < settings.gray_below and hint is None:
            tier, reason = GRAY, f"{description}, predictable from context"
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
