"""The public API of reviewapp.importance, and clear errors on bad input."""

from __future__ import annotations

import pytest

import reviewapp.importance as importance
from reviewapp.importance import HunkScore, score_hunks_mechanical
from reviewapp.ingest.parsed import MODIFIED, ParsedDiff, ParsedFile


def test_exported_members():
    """The package exports exactly these names."""
    assert importance.__all__ == [
        "DEFAULT_SETTINGS", "GRAY", "KEY", "NORMAL", "TIERS", "Detection", "HunkScore",
        "ImportanceSettings", "promote_flagged", "refine_with_lm", "score_hunks_mechanical",
    ]


def test_scores_follow_the_diff_shape_and_serialise(diff_of):
    """One HunkScore per hunk per file; to_json gives the review-JSON fields."""
    diff = diff_of({"a.py": ("x = 1\n", "x = 2\n"), "b.txt": ("hello\n", "hello  \n")})
    scores = score_hunks_mechanical(diff)
    assert [len(row) for row in scores] == [1, 1]
    assert all(isinstance(s, HunkScore) for row in scores for s in row)
    assert set(scores[1][0].to_json()) == {"importance", "tier", "reason", "detector", "details"}
    assert scores[1][0].to_json()["tier"] == "gray"


def test_not_a_diff_is_a_type_error():
    """Passing raw text instead of a ParsedDiff says what was expected."""
    with pytest.raises(TypeError, match="ParsedDiff"):
        score_hunks_mechanical("--- a\n+++ b\n")


def test_empty_and_binary_diffs():
    """An empty diff scores to nothing; a binary file has no hunks to score."""
    assert score_hunks_mechanical(ParsedDiff()) == []
    binary = ParsedFile("logo.png", "logo.png", MODIFIED, is_binary=True)
    assert score_hunks_mechanical(ParsedDiff([binary])) == [[]]
