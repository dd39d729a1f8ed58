"""What readers receive: the findings a repository's configuration shows, and the review JSON."""

from __future__ import annotations

from dataclasses import dataclass

from reviewapp.ingest.parser import parse_diff
from reviewapp.pipeline import review_diff
from reviewapp.publish import shown_findings
from reviewapp.repo_config import load_config


@dataclass
class Seen:
    probability: float
    severity: str
    state: str = "open"


def test_dismissed_below_threshold_and_unwanted_severities_are_not_shown():
    config = load_config('[review]\nthreshold = 0.5\nseverities = ["high", "medium"]\n')
    findings = [Seen(0.9, "high"), Seen(0.4, "high"), Seen(0.9, "low"),
                Seen(0.9, "medium", "dismissed"), Seen(0.5, "medium", "accepted")]
    assert shown_findings(findings, config) == [findings[0], findings[4]]


def test_the_review_json_lists_ignored_files_and_the_configuration(sample_diff):
    config = load_config('[review]\nignore = ["*.md"]\n[stages]\nbug_detection = false\n')
    data = review_diff(parse_diff(sample_diff), use_models=False, config=config).to_json()
    assert "README.md" not in [f["path"] for f in data["files"]]
    assert data["ignored"] == [{"path": "README.md", "reason": "ignored by .squiggle.toml (*.md)"}]
    assert data["config"] == {"source": ".squiggle.toml",
                              "applied": ["ignore *.md", "stage bug_detection off"], "errors": []}
    assert data["findings"] == [] and data["findings_hidden"] == 0
