"""Tier rules: exact detections gray, findings never gray, docs visible, thresholds."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from reviewapp.importance import (
    DEFAULT_SETTINGS,
    GRAY,
    KEY,
    NORMAL,
    Detection,
    ImportanceSettings,
    promote_flagged,
    score_hunks_mechanical,
)
from reviewapp.importance.combine import LM_FEATURES, combine, lm_importance
from reviewapp.importance.lm_signal import HunkSignal

EXACT = Detection("formatting", "formatting only (same tokens)", True, 0.03)
DOCS = Detection("docs", "comments/docstrings only", False, 0.3)


def signal(novel: float, mean: float | None = None) -> HunkSignal:
    """An LM signal with the given surprisal of new tokens (and of all tokens)."""
    return HunkSignal(novel if mean is None else mean, novel, novel, 10, 10)


def model(bias: float = 0.0, **weights: float) -> ImportanceSettings:
    """Default thresholds with an LM model of the given weights (others zero)."""
    zero = {f"lm_{name}": 0.0 for name in LM_FEATURES}
    return replace(DEFAULT_SETTINGS, lm_bias=bias, **(zero | weights))


def test_exact_detection_is_gray_with_its_reason():
    """A proven-mechanical hunk is gray with the detector's reason and low importance."""
    score = combine([EXACT], "changed code", None, False)
    assert (score.tier, score.reason, score.detector) == (GRAY, EXACT.reason, "formatting")
    assert score.importance < 0.1


def test_a_finding_is_never_gray():
    """Even a formatting-only hunk is key when a finding points into it."""
    score = combine([EXACT], "changed code", None, True)
    assert score.tier == KEY and score.reason.startswith("has a finding")


def test_docs_only_hunk_stays_visible_even_when_predictable():
    """Comment changes are shown (normal) whatever the LM says; importance is capped."""
    settings = replace(DEFAULT_SETTINGS, gray_below=0.4)
    score = combine([DOCS], "changed code", signal(0.0), False, settings)
    assert score.tier == NORMAL and score.importance <= DOCS.importance


def test_lm_importance_grays_below_the_threshold_but_never_makes_key():
    """The LM ranks and may gray; key comes from what the hunk does (behaviour.py), not
    surprisal: on real changes a surprisal threshold marked 71 of 77 hunks key."""
    settings = replace(model(-2.0, lm_novel=2.0), gray_below=0.2, key_from=0.8)
    high = combine([], "new condition", signal(3.0), False, settings)
    middle = combine([], "new condition", signal(1.0), False, settings)
    low = combine([], "new condition", signal(-1.0), False, settings)
    assert [high.tier, middle.tier, low.tier] == [NORMAL, NORMAL, GRAY]
    assert high.importance > middle.importance > low.importance
    assert low.reason == "new condition, predictable from context"
    assert all(0.0 <= s.importance <= 1.0 for s in (high, middle, low))


def test_lm_importance_is_monotone_and_bounded():
    """More surprisal never means less importance; extreme values stay within [0, 1]."""
    values = [lm_importance(signal(x), model(lm_novel=1.0)) for x in (-1e9, 0.0, 1.0, 2.0, 1e9)]
    assert values == sorted(values) and values[0] >= 0.0 and values[-1] <= 1.0
    assert values[0] < values[-1]


def test_lm_importance_weighs_each_statistic_by_its_setting():
    """The LM model is the logistic of the weighted statistics: with weight on `mean` only, the
    surprisal of the new tokens alone changes nothing."""
    settings = model(lm_mean=3.0)
    low, high = signal(1.0, mean=0.0), signal(5.0, mean=0.0)
    assert lm_importance(low, settings) == lm_importance(high, settings)
    assert lm_importance(low, settings) == pytest.approx(0.1 + 0.9 * 0.5)
    assert lm_importance(signal(1.0, mean=1.0), settings) > lm_importance(low, settings)


def test_without_lm_undetected_hunks_are_normal():
    """Mechanical-only scoring leaves undetected hunks normal at the neutral importance."""
    score = combine([], "changed condition", None, False)
    assert (score.tier, score.importance) == (NORMAL, DEFAULT_SETTINGS.undetected_importance)
    assert score.reason == "changed condition"


def test_promote_flagged_makes_the_hunk_with_a_finding_key(diff_of):
    """Findings that arrive after scoring turn their hunk key; other hunks keep their score."""
    old = "def f(a):\n    return a<1\n" + "\n" * 8 + "X = compute(1,2)\n"
    new = "def f(a):\n    return a<=1\n" + "\n" * 8 + "X = compute(1, 2)\n"
    diff = diff_of({"f.py": (old, new)})
    scores = score_hunks_mechanical(diff)
    assert [s.tier for s in scores[0]] == [NORMAL, GRAY]
    promoted = promote_flagged(diff, scores, {"f.py": {11}})
    assert [s.tier for s in promoted[0]] == [NORMAL, KEY]
    assert promoted[0][1].details["finding"] is True


def test_settings_from_mapping_validates_names_and_types():
    """Overrides apply by name; unknown names and wrong types are refused clearly."""
    settings = ImportanceSettings.from_mapping({"key_from": 0.9, "lm_context_tokens": 256})
    assert (settings.key_from, settings.lm_context_tokens) == (0.9, 256)
    with pytest.raises(ValueError, match="unknown importance setting 'keyfrom'"):
        ImportanceSettings.from_mapping({"keyfrom": 0.9})
    with pytest.raises(ValueError, match="must be a number"):
        ImportanceSettings.from_mapping({"key_from": "high"})


def test_default_settings_are_the_ones_the_benchmark_tuned():
    """The defaults are the dev-tuned values recorded in benchmarks/results/importance.json."""
    results = Path(__file__).resolve().parents[3] / "benchmarks" / "results" / "importance.json"
    tuned = json.loads(results.read_text())["tuned"]
    assert {name: getattr(DEFAULT_SETTINGS, name) for name in tuned} == tuned
