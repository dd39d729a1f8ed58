"""Stage 4 of the analysis (ingest → order → importance → findings → publish): likely bugs on
the changed lines, their identity across revisions, and their fixes as patches.

Pure Python (no Django): the review task stores what this returns. Findings proved by the
change's own tests live in `reviewapp.findings.proved` (with `checkout`: where the head's files
come from); they are imported from there, not here, so importing this package never imports
the hunt engine.
"""

from reviewapp.findings.detect import (
    RISK_PER_FINDING,
    Flagged,
    find_bugs,
    finding_risk,
    flagged_lines,
    new_source,
)
from reviewapp.findings.fingerprint import fingerprint, known_new_lines, normalise_code
from reviewapp.findings.fixes import FixSource, NoFix, SuggestedFix, suggest_fix, unified_patch

__all__ = [
    "RISK_PER_FINDING",
    "FixSource",
    "Flagged",
    "NoFix",
    "SuggestedFix",
    "find_bugs",
    "finding_risk",
    "fingerprint",
    "flagged_lines",
    "known_new_lines",
    "new_source",
    "normalise_code",
    "suggest_fix",
    "unified_patch",
]
