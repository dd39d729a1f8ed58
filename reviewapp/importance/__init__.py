"""Hunk importance: gray out the mechanical hunks, highlight the ones that carry the change.

Pure Python (no Django): mechanical detectors (`detectors/`), the language model's surprisal
(`lm_signal`) and the tier rules (`combine`) behind three entry points in `scoring`.
"""

from reviewapp.importance.combine import DEFAULT_SETTINGS, ImportanceSettings
from reviewapp.importance.hunk_scoring import (
    promote_flagged,
    refine_with_lm,
    score_hunks_mechanical,
)
from reviewapp.importance.score import GRAY, KEY, NORMAL, TIERS, Detection, HunkScore

__all__ = [
    "DEFAULT_SETTINGS",
    "GRAY",
    "KEY",
    "NORMAL",
    "TIERS",
    "Detection",
    "HunkScore",
    "ImportanceSettings",
    "promote_flagged",
    "refine_with_lm",
    "score_hunks_mechanical",
]
