"""The evaluation: LM likelihood ratios (the zero-shot baseline), real-fix cases, calibration
on real code, the three-way comparison, and detection through the ranker on edge cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from bugmodel.calibration import FindingCalibration, Scaling, fit_scaling
from bugmodel.cases import real_clean_cases, real_fix_cases
from bugmodel.detection import detect_files
from bugmodel.evaluate import THRESHOLDS, Judged, after_fix, fit_threshold
from bugmodel.file_finding import FileFinding
from bugmodel.lm_features import UnitScores
from bugmodel.zero_shot import lm_verdict
from synthdata.rewrites import Candidate, enumerate_candidates

from .test_bug_detect import CODE, assert_findings_are_exact_edits


def _log_likelihoods(engine, text: str) -> list[float]:
    """log p(token k | tokens before it) for k >= 1, from one plain forward pass."""
    ids = engine.tokenizer(text, add_special_tokens=False)["input_ids"]
    logits = engine.forward(ids, engine.new_cache(), keep=len(ids))
    logprobs = torch.log_softmax(logits, -1)
    return [float(logprobs[k - 1, ids[k]]) for k in range(1, len(ids))]


def test_ratio_counts_both_sides_of_the_change_up_to_the_next_line(tiny_lm):
    """The ratio is log p(repaired) - log p(original) over the tokens from the first
    difference to the end of the line after the change (byte tokens: one per character)."""
    text = "def f(a, b):\n    if a > b:\n        return a\n    return b\n"
    at = text.index(">")
    candidate = Candidate("comparison", at, at + 1, "<")
    unit = UnitScores(tiny_lm, text)
    window_end = text.index("\n", text.index("\n", at) + 1)  # end of `return a`
    original = _log_likelihoods(tiny_lm, text)
    repaired = _log_likelihoods(tiny_lm, candidate.apply(text))
    expected = sum(repaired[at - 1 : window_end - 1]) - sum(original[at - 1 : window_end - 1])
    far = Candidate("comparison", text.index("return b"), text.index("return b") + 6, "yield")
    ratio, _ = unit.ratios([candidate, far])  # batched with another candidate: same number
    assert ratio == pytest.approx(np.clip(expected, -20, 20), abs=1e-3)
    assert unit.ratios([candidate]) == pytest.approx([ratio], abs=1e-3)
    assert unit.surprisals(candidate).span_surprisal_max > 0


def test_real_fix_cases_know_the_repair_when_the_enumeration_expresses_it(tiny_real):
    cases = {c.kind: c for c in real_fix_cases(tiny_real / "fixes.jsonl.gz")}
    off_by_one = cases["off_by_one"]
    assert off_by_one.bug_lines == (3, 3) and off_by_one.exact
    fixed = off_by_one.candidates[off_by_one.exact[0]].apply(off_by_one.text)
    assert "range(n, len(items)):" in fixed
    # `lower` -> `casefold` is no enumerated rewrite: located on its line, not expressible.
    other = cases["other"]
    assert not other.exact and other.located and other.bug_lines == (2, 2)
    clean = real_clean_cases(tiny_real / "clean.jsonl.gz", "dev")
    assert len(clean) == 2 and not any(c.buggy for c in clean)


def test_real_fix_cases_after_the_fix_are_the_fixed_functions_under_the_same_names(tiny_real):
    path = tiny_real / "fixes.jsonl.gz"
    buggy = {c.name: c for c in real_fix_cases(path)}
    fixed = real_fix_cases(path, after_fix=True)
    assert {c.name for c in fixed} == set(buggy)
    for case in fixed:
        assert not case.buggy and case.kind == "fixed"
        assert case.text == buggy[case.name].fixed_text and case.candidates


def test_after_fix_compares_each_bug_with_its_own_fixed_function():
    """Ties count half; a finding at the threshold that the fixed version still gets is
    counted as kept; a check's finding outranks any score."""
    class Bug:
        buggy = True

        def __init__(self, name):
            self.name = name

    def judged(p: float) -> Judged:
        return Judged([0], np.log(np.array([1 - p, p])))

    bugs = [Bug("a"), Bug("b"), Bug("c"), Bug("d")]
    before = [judged(0.97), judged(0.97), judged(0.5), judged(0.2)]
    after = [judged(0.3), judged(0.98), judged(0.5), judged(0.2)]
    after[3].checked = object()
    result = after_fix(bugs, before, bugs, after, Scaling(), 0.95)
    assert result == {"pairs": 4, "buggy_version_stronger": 0.375,
                      "findings_on_buggy_version": 2, "still_made_after_fix": 1}


def test_temperature_fit_accepts_sets_of_right_columns():
    """A case is right when any of its located columns wins; the fit recovers T from labels
    drawn at that temperature."""
    rng = np.random.default_rng(0)
    logits, targets = [], []
    for _ in range(3000):
        row = rng.normal(0, 3, size=4)
        p = np.exp(row / 2.0) / np.exp(row / 2.0).sum()
        drawn = int(rng.choice(4, p=p))
        logits.append(row)
        targets.append([drawn, 3] if drawn == 3 else [drawn])
    fitted = fit_scaling(logits, targets, with_offset=False)
    assert fitted.temperature == pytest.approx(2.0, rel=0.15)


def test_threshold_keeps_findings_on_clean_code_rare():
    """The default threshold is the lowest at which clean code gets <= 0.35 findings per 1,000
    lines on dev: with 3,000 clean lines, one finding at p=0.955 is allowed and two are not;
    with 2,000 lines none is. Thresholds are points of a grid: the lowest above a score."""
    class Clean:
        buggy = False
        lines = 1000

    cases = [Clean(), Clean(), Clean()]
    judged = [Judged([0], np.log(np.array([0.045, 0.955]))),
              Judged([0], np.log(np.array([0.2, 0.8]))),
              Judged([0], np.log(np.array([0.6, 0.4])))]
    assert fit_threshold(cases, judged, Scaling()) == _grid_point_above(0.8)
    assert fit_threshold(cases[:2], judged[:2], Scaling()) == _grid_point_above(0.955)


def _grid_point_above(score: float) -> float:
    return float(THRESHOLDS[THRESHOLDS > score + 1e-9][0])


def test_threshold_counts_a_whole_file_checks_finding_whatever_its_score():
    """A check's finding is made at any threshold, so on 3,000 clean lines it uses up the one
    finding allowed: the threshold must also silence the unit at p=0.955."""
    class Clean:
        buggy = False
        lines = 1000

    undefined = FileFinding(1, 0, 1, 3, "undefined_name", "`foo` is never defined",
                            "exception", "foo")
    judged = [Judged([0], np.log(np.array([0.045, 0.955]))),
              Judged([0], np.log(np.array([0.9, 0.1])), checked=undefined),
              Judged([0], np.log(np.array([0.6, 0.4])))]
    assert fit_threshold([Clean(), Clean(), Clean()], judged, Scaling()) == _grid_point_above(0.955)


def test_evaluation_compares_the_systems_on_real_and_synthetic_splits(tiny_evaluated):
    results = json.loads((tiny_evaluated.parent / "eval.json").read_text())
    assert set(results["systems"]) == {"scratch", "lm_zero_shot", "line_ranker",
                                       "line_ranker+checks", "line_ranker+checks+lm"}
    assert results["dev_split"] == "real_dev"
    for entry in results["systems"].values():
        for split in ("real_test", "synthetic_test"):
            m = entry[split]
            assert m["bugs"] > 0 and 0 <= m["top1_localisation"] <= m["top3_localisation"] <= 1
            assert 0 <= m["ece_after"] <= 1 and m["functions_per_s"] > 0
        assert entry["real_test"]["clean_lines"] > 0
        # Every real test bug is judged again as its fix left it.
        pairs = entry["real_test"]["after_fix"]
        assert pairs["pairs"] == entry["real_test"]["bugs"]
        assert 0 <= pairs["buggy_version_stronger"] <= 1
        assert entry["real_test_fixed"]["bugs"] == 0
        # Injected bugs are all expressible; real ones only when a candidate is the fix.
        synthetic = entry["synthetic_test"]
        assert synthetic["expressible"]["n"] == synthetic["bugs"]
        assert synthetic["expressible"]["joint"] == synthetic["joint"]
        assert entry["real_test"]["expressible"]["n"] <= entry["real_test"]["bugs"]
    assert (tiny_evaluated.parent / "plots" / "reliability.png").is_file()
    ranker = json.loads((tiny_evaluated / "heads" / "line_ranker" / "line_ranker.json").read_text())
    assert ranker["temperature"] > 0 and ranker["calibrated_on"] == "real_dev"
    # The default threshold is said as a chance of being right: the score threshold mapped
    # through the finding calibration fitted on dev.
    curve = FindingCalibration(**ranker["finding_calibration"])
    assert ranker["threshold"] == pytest.approx(curve(ranker["score_threshold"]))
    product = results["systems"]["line_ranker+checks+lm"]["real_test"]
    assert 0 <= product["finding_ece_after"] <= 1
    assert all(0 <= b["right"] <= b["findings"] for b in product["finding_reliability"])
    # The product's calibration is the one with the LM's choice of repair.
    assert round(ranker["temperature"], 4) == results["systems"]["line_ranker+checks+lm"][
        "temperature"]



def test_findings_show_the_chance_that_they_are_right(tiny_evaluated, monkeypatch):
    """A learned finding's probability is its score through the dev-fitted curve, and a
    threshold is read against that probability."""
    from bugmodel.detector import forget_loaded, load_detector

    monkeypatch.setenv("SQUIGGLE_BUG_DETECTOR", "line_ranker")
    forget_loaded()
    detector = load_detector(tiny_evaluated)
    curve = detector.finding_calibration
    assert curve == FindingCalibration(**json.loads(
        (tiny_evaluated / "heads" / "line_ranker" / "line_ranker.json").read_text())
        ["finding_calibration"])
    every = detect_files([("a.py", CODE)], threshold=0.0, model_dir=tiny_evaluated).findings
    assert every
    highest = curve(1.0)
    assert all(0.0 < f.probability <= highest for f in every)
    # The score it was ranked by stays with it (bug hunts add it to the test spectrum).
    assert all(f.probability == pytest.approx(curve(f.score)) for f in every)
    cut = sorted(f.probability for f in every)[len(every) // 2]
    kept = detect_files([("a.py", CODE)], threshold=cut, model_dir=tiny_evaluated).findings
    assert kept and [(f.line, f.column) for f in kept] == [
        (f.line, f.column) for f in every if f.probability >= cut]


def test_the_zero_shot_verdict_ranks_proposals_by_their_ratio(tiny_lm):
    """The LM alone proposes candidates on its most surprising spans; NO_BUG scores 0 and each
    scorable proposal its likelihood ratio."""
    text = "def f(a, b):\n    if a > b:\n        return a\n    return b\n"
    candidates = enumerate_candidates(text)
    verdict = lm_verdict(tiny_lm, text, "", candidates, proposals=3)
    assert len(verdict.indices) == 3 and verdict.seconds > 0
    columns, logits = verdict.logits()
    assert logits[0] == 0.0 and len(logits) == 1 + len(columns)
    assert logits[1:].tolist() == [r for r in verdict.ratios if r is not None]


@pytest.mark.parametrize("detector", ["scratch", "line_ranker"])
def test_detection_on_edge_cases(detector, tiny_evaluated, monkeypatch):
    """Empty file, syntax error and a 10k-line file with one changed function all complete;
    findings are exact edits on changed lines only."""
    monkeypatch.setenv("SQUIGGLE_BUG_DETECTOR", detector)
    body = "".join(f"def f{i}(a, b):\n    return a + b\n\n\n" for i in range(2500))
    big = body + CODE
    changed_line = big[: big.index("if items[i] < limit")].count("\n") + 1
    result = detect_files([("empty.py", ""), ("bad.py", "def f(:\n"), ("big.py", big)],
                          {"empty.py": {1}, "bad.py": {1}, "big.py": {changed_line}},
                          threshold=0.0, model_dir=tiny_evaluated)
    assert [s.path for s in result.skipped] == ["bad.py"]
    assert big.count("\n") >= 10_000
    assert result.findings and all(f.line <= changed_line <= f.end_line for f in result.findings)
    assert_findings_are_exact_edits(big, result.findings)


def test_a_removed_detector_name_is_refused_with_the_reason(tiny_evaluated, monkeypatch):
    monkeypatch.setenv("SQUIGGLE_BUG_DETECTOR", "cascade")
    with pytest.raises(ValueError, match="cascade was removed"):
        detect_files([("a.py", CODE)], threshold=0.0, model_dir=tiny_evaluated)
