"""How summaries count findings: likely bugs, and low-severity hints apart."""

from __future__ import annotations

from types import SimpleNamespace

from reviewapp.findings.counts import FindingCount


def _findings(*severities: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(severity=s) for s in severities]


def test_low_severity_findings_are_hints_not_likely_bugs():
    count = FindingCount.of(_findings("high", "medium", "low"))
    assert (count.likely, count.hints) == (2, 1)
    assert count.words() == "2 likely bugs and 1 hint"


def test_the_words_for_hints_alone_and_for_nothing():
    assert FindingCount.of(_findings("low", "low")).words() == "2 hints and no likely bug"
    assert FindingCount.of(_findings("high")).words() == "1 likely bug"
    assert FindingCount.of([]).words() == "No likely bugs"
