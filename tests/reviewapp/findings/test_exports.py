"""The public API of reviewapp.findings."""

from __future__ import annotations

import reviewapp.findings as findings


def test_exported_members():
    """The package exports exactly these names."""
    assert findings.__all__ == [
        "RISK_PER_FINDING", "FixSource", "Flagged", "NoFix", "SuggestedFix", "find_bugs",
        "finding_risk", "fingerprint", "flagged_lines", "known_new_lines", "new_source",
        "normalise_code", "suggest_fix", "unified_patch",
    ]
    assert all(hasattr(findings, name) for name in findings.__all__)
