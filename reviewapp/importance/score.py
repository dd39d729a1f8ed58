"""Value objects of hunk importance: what a detector saw and what a hunk finally scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GRAY = "gray"
NORMAL = "normal"
KEY = "key"
TIERS = (GRAY, NORMAL, KEY)


@dataclass
class Detection:
    """One mechanical detector's verdict on one hunk.

    `exact` means the detector proved the hunk mechanical (it may be grayed); a non-exact
    detection only informs the reason and lowers importance (e.g. comment-only changes, the
    first copy of a repeated edit).
    """

    detector: str  # a family: "formatting", "moved", "rename", "repeated", "imports", …
    reason: str  # one line a reviewer understands
    exact: bool
    importance: float  # the importance this detection implies, in [0, 1]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class HunkScore:
    """The importance of one hunk, as stored on the Hunk row and shown in the review."""

    importance: float  # in [0, 1]; higher = carries more of the change
    tier: str  # one of TIERS
    reason: str  # one line, e.g. "same rename `cfg → config` as 6 other hunks"
    detector: str  # the detector that decided, "lm" for the language model, "" for none
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The DESIGN review-JSON fields of a hunk's importance."""
        return {
            "importance": round(self.importance, 4),
            "tier": self.tier,
            "reason": self.reason,
            "detector": self.detector,
            "details": self.details,
        }
