"""Likely bugs and hints: how every summary of a review counts its findings.

A finding of `low` severity is a hint: the detector gives it under a one-in-four chance of
being right (`bugmodel.messages.UNLIKELY`; the learned detector's findings on real code mostly
are), or what it points at is trivia. The page, the terminal and GitHub still show hints, but
count only the others as likely bugs, and only likely bugs set a check run's conclusion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

HINT_SEVERITY = "low"


class HasSeverity(Protocol):
    severity: str


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class FindingCount:
    likely: int
    hints: int

    @classmethod
    def of(cls, findings: Iterable[HasSeverity]) -> FindingCount:
        severities = [finding.severity for finding in findings]
        hints = severities.count(HINT_SEVERITY)
        return cls(len(severities) - hints, hints)

    def words(self) -> str:
        """"2 likely bugs and 1 hint", "3 hints and no likely bug", "No likely bugs"."""
        if not self.hints:
            return _plural(self.likely, "likely bug") if self.likely else "No likely bugs"
        if not self.likely:
            return f"{_plural(self.hints, 'hint')} and no likely bug"
        return f"{_plural(self.likely, 'likely bug')} and {_plural(self.hints, 'hint')}"
