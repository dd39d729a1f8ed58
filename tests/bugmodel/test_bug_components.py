"""Tokenizer, calibration and the package's public surface."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from bugmodel.calibration import (
    FindingCalibration,
    Scaling,
    expected_calibration_error,
    fit_finding_calibration,
    fit_scaling,
    top_label,
)
from bugmodel.tokenizer import Vocabulary, lex


def test_identifiers_split_into_marked_subtokens_with_offsets():
    """`maxLen` and `max_len` both become `max ##len`; offsets point into the text."""
    text = "x = maxLen + max_len"
    tokens = lex(text)
    assert [t.text for t in tokens] == ["<nl0>", "x", "=", "max", "##len", "+", "max", "##len"]
    assert [text[t.start : t.end] for t in tokens[3:5]] == ["max", "Len"]


def test_indentation_is_relative_to_the_first_line():
    """A method indented inside its class lexes like the dedented function."""
    method = "    def f(self):\n        return 1\n"
    function = "def f(self):\n    return 1\n"
    assert [t.text for t in lex(method)] == [t.text for t in lex(function)]
    assert "<nl1>" in [t.text for t in lex(function)]


def test_comments_and_blank_lines_produce_no_tokens():
    assert [t.text for t in lex("a = 1  # one\n\n# two\nb = 2\n")] == \
        ["<nl0>", "a", "=", "1", "<nl0>", "b", "=", "2"]


def test_unknown_names_map_to_distinct_hashed_buckets():
    """Out-of-vocabulary names stay distinguishable (variable misuse depends on it)."""
    vocab = Vocabulary(["x"])
    assert vocab.id("x") != vocab.id("zzyzx") != vocab.id("qwerty")
    assert vocab.id("zzyzx") == vocab.id("zzyzx")


def test_temperature_fit_recovers_the_temperature_that_generated_the_labels():
    """Labels drawn from softmax(z / 2) make the fitted temperature close to 2."""
    rng = np.random.default_rng(0)
    logits = [rng.normal(0, 3, size=6) for _ in range(3000)]
    targets = []
    for z in logits:
        p = np.exp(z / 2 - (z / 2).max())
        targets.append(int(rng.choice(6, p=p / p.sum())))
    assert abs(fit_scaling(logits, targets, with_offset=False).temperature - 2.0) < 0.2
    before = expected_calibration_error(*top_label(logits, targets))
    after = expected_calibration_error(*top_label(logits, targets, Scaling(2.0)))
    assert after < 0.03 < before


def test_scaling_fit_recovers_a_no_bug_offset_a_temperature_cannot_express():
    """Labels drawn with NO_BUG's logit raised by 3 before dividing by 1.5: the fit finds both,
    and the probability it gives NO_BUG matches how often NO_BUG is drawn, which the best
    temperature alone cannot do."""
    rng = np.random.default_rng(0)
    logits = [rng.normal(0, 3, size=6) for _ in range(4000)]
    targets = []
    for z in logits:
        p = Scaling(1.5, 3.0)(z)
        targets.append(int(rng.choice(6, p=p)))
    fitted = fit_scaling(logits, targets)
    assert fitted.temperature == pytest.approx(1.5, rel=0.15)
    assert fitted.no_bug_offset == pytest.approx(3.0, abs=0.6)
    alone = fit_scaling(logits, targets, with_offset=False)
    drawn = np.mean([t == 0 for t in targets])

    def no_bug_mass(scaling: Scaling) -> float:
        return float(np.mean([scaling(z)[0] for z in logits]))

    assert abs(no_bug_mass(fitted) - drawn) < 0.02 < abs(no_bug_mass(alone) - drawn)


def test_scaling_fit_leaves_out_rows_no_scaling_can_explain():
    """A row whose right column has no finite logit (a repair folded into NO_BUG) gives every
    scaling an infinite loss: it is left out instead of deciding the fit; no rows at all give
    the first scaling of the grid without an error."""
    rng = np.random.default_rng(1)
    logits = [rng.normal(0, 3, size=5) for _ in range(2000)]
    targets = [int(rng.choice(5, p=Scaling(2.0)(z))) for z in logits]
    alone = fit_scaling(logits, targets, with_offset=False)
    unreachable = np.array([0.0, 1.0, -np.inf])
    with_it = fit_scaling([*logits, unreachable], [*targets, 2], with_offset=False)
    assert with_it.temperature == pytest.approx(alone.temperature, rel=0.02)
    assert fit_scaling([], []).temperature > 0


def test_finding_calibration_recovers_how_often_findings_at_a_score_are_right():
    """Findings whose chance of being right is sigmoid(0.5 * logit(score) - 3) (overconfident
    scores: 0.95 is right about one time in ten) give back that curve, and it brings the
    findings' ECE down."""
    rng = np.random.default_rng(0)
    scores = rng.uniform(0.01, 0.999, size=20_000)
    truth = FindingCalibration(0.5, -3.0)
    right = rng.random(len(scores)) < np.array([truth(s) for s in scores])
    fitted = fit_finding_calibration(scores, right)
    assert fitted.slope == pytest.approx(0.5, abs=0.05)
    assert fitted.intercept == pytest.approx(-3.0, abs=0.15)
    shown = np.array([fitted(s) for s in scores])
    assert expected_calibration_error(shown, right) < 0.02
    assert expected_calibration_error(scores, right) > 0.3


def test_finding_calibration_keeps_the_order_of_findings_when_dev_shows_no_trend():
    """With no right finding at all, the curve is low but still strictly increasing: a
    threshold on scores maps to one on shown probabilities, and rankings stay as they were."""
    fitted = fit_finding_calibration(np.linspace(0.05, 0.99, 200), [False] * 200)
    values = [fitted(s) for s in (0.1, 0.5, 0.9, 0.99)]
    assert values == sorted(values) and len(set(values)) == 4
    assert values[-1] < 0.02
    assert FindingCalibration()(0.73) == pytest.approx(0.73)  # before any eval: the score


def test_importing_bugmodel_does_not_load_torch_or_django():
    """The review pipeline can import the package cheaply; the API names are pinned."""
    code = ("import sys, bugmodel; "
            "assert 'torch' not in sys.modules and 'django' not in sys.modules; "
            "print(sorted(bugmodel.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == str(sorted(
        ["DetectResult", "Finding", "SkippedFile", "detect", "detect_files"]))


def test_candidates_point_at_the_nearest_other_occurrence_of_their_replacement():
    from bugmodel.data import encode
    from synthdata.rewrites import Candidate

    text = "def f(a, b):\n    c = a\n    return b + c\n"
    vocab = Vocabulary.build([text], min_count=1)
    use_of_b = text.rindex("b + c")
    misuse = Candidate("variable_misuse", use_of_b, use_of_b + 1, "c")
    operator = Candidate("arithmetic", text.index("+"), text.index("+") + 1, "-")
    sample = encode(vocab, text, [misuse, operator])
    ids, tokens = vocab.encode(text)
    offset = 2  # [CLS] [SEP] before the text
    pointed = [t.start for t in tokens][sample.pointer[0] - offset]
    assert pointed == text.rindex("c")  # the nearest `c` outside the candidate's own span
    assert sample.pointer[1] == -1  # an operator has no occurrence to point at


def test_severity_follows_what_the_bug_would_do():
    """An index one past the end raises, a boundary comparison computes a wrong result, a
    change inside a log call is trivia; the message says so in plain words."""
    from bugmodel.messages import consequence, effect, severity

    assert effect("off_by_one", "n", "n - 1", "    return items[n]") == "exception"
    assert effect("comparison", ">", ">=", "    if quantity > threshold:") == "wrong result"
    assert effect("literal", "1", "0", '    log.debug("retry %d", 1)') == "trivia"
    assert effect("dropped_increment", "", "    i += 1\n", "    total += x") == "hang"
    assert severity("exception", 0.55) == "high"
    assert severity("wrong result", 0.55) == "medium" and severity("wrong result", 0.9) == "high"
    assert severity("trivia", 0.99) == "low"
    assert severity("exception", 0.06) == "low"  # a hint, whatever it would do
    assert "wrong result" in consequence("wrong result")
