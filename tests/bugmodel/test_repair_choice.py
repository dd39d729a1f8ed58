"""The LM's choice of repair among the detector's best candidates (`bugmodel.repair_choice`)."""

from __future__ import annotations

import numpy as np
import pytest

from bugmodel.cases import synthetic_cases
from bugmodel.detection import detect_files
from bugmodel.evaluate import Judged, lm_repaired
from bugmodel.repair_choice import RATIO_WEIGHT, RepairRatios, best_columns, reordered

from .test_bug_detect import CODE, assert_findings_are_exact_edits


def test_the_lm_hands_the_detectors_scores_out_again_in_its_order():
    logits = np.array([1.5, 3.0, 2.0, -np.inf, 1.0])
    assert best_columns(logits, 8) == [1, 2, 4]
    # Column 2's repair is the likelier by more than the detector's margin: it takes 3.0.
    chosen = RepairRatios([1, 2, 4], [0.1, 2.0 / RATIO_WEIGHT, None], 0.0)
    assert reordered(logits, chosen).tolist() == [1.5, 2.0, 3.0, -np.inf, 1.0]
    # A repair the LM could not score goes last; NO_BUG and unseen columns never move.
    chosen = RepairRatios([1, 2, 4], [None, None, 0.5], 0.0)
    assert reordered(logits, chosen).tolist() == [1.5, 2.0, 1.0, -np.inf, 3.0]
    # A small ratio does not overturn a large margin of the detector's.
    chosen = RepairRatios([1, 2, 4], [0.5, 0.6, 0.0], 0.0)
    assert reordered(logits, chosen).tolist() == logits.tolist()
    # No repair likelier than the code as written: the detector's order stands.
    chosen = RepairRatios([1, 2, 4], [-3.0, -0.5, 0.0], 0.0)
    assert reordered(logits, chosen).tolist() == logits.tolist()


def test_the_evaluation_reads_only_the_bugs_and_keeps_each_units_scores(tiny_data, tiny_lm):
    cases = synthetic_cases(tiny_data, "test", 3, seed=0)
    rng = np.random.default_rng(0)
    base = [Judged(list(range(len(c.candidates))),
                   np.concatenate([[0.0], rng.normal(size=len(c.candidates))]))
            for c in cases]
    judged, seconds = lm_repaired(cases, base, None, engine=tiny_lm)
    assert seconds > 0
    for case, before, after in zip(cases, base, judged, strict=True):
        if not case.buggy:
            assert after is before
            continue
        assert after.columns == before.columns and after.logits[0] == before.logits[0]
        assert sorted(after.logits.tolist()) == sorted(before.logits.tolist())


@pytest.fixture
def lm_reads(monkeypatch, tiny_lm) -> list[int]:
    """Detection with the LM's choice on, the tiny LM standing in for the process's; the list
    grows by one each time detection asks for it."""
    import inference.engine

    asked: list[int] = []

    def engine():
        asked.append(1)
        return tiny_lm

    monkeypatch.setenv("SQUIGGLE_BUG_REPAIR_LM", "on")
    monkeypatch.setattr(inference.engine, "get_engine", engine)
    return asked


def test_the_lm_chooses_repairs_only_where_a_finding_is_shown(tiny_model, lm_reads):
    every = detect_files([("a.py", CODE)], threshold=0.0, model_dir=tiny_model).findings
    assert every and lm_reads == [1]  # loaded once, for the first unit with a finding
    assert_findings_are_exact_edits(CODE, every)
    lm_reads.clear()
    assert detect_files([("a.py", CODE)], threshold=1.0, model_dir=tiny_model).findings == []
    assert lm_reads == []


def test_the_lm_choice_can_be_switched_off(tiny_model, lm_reads, monkeypatch):
    monkeypatch.setenv("SQUIGGLE_BUG_REPAIR_LM", "off")
    assert detect_files([("a.py", CODE)], threshold=0.0, model_dir=tiny_model).findings
    assert lm_reads == []
    monkeypatch.setenv("SQUIGGLE_BUG_REPAIR_LM", "on")
    assert detect_files([("a.py", CODE)], threshold=0.0, model_dir=tiny_model,
                        lm_repairs=False).findings
    assert lm_reads == []


def test_the_lm_reads_only_the_most_probable_units_of_a_detection(tiny_model, lm_reads,
                                                                   monkeypatch):
    import bugmodel.detection as detection

    read: list[str] = []
    choose = detection.lm_reordered
    monkeypatch.setattr(detection, "lm_reordered",
                        lambda *args: read.append(args[1]) or choose(*args))
    monkeypatch.setattr(detection, "MAX_UNITS_READ", 2)
    every = detect_files([("a.py", CODE)], threshold=0.0, model_dir=tiny_model).findings
    assert len(every) > 2 and len(read) == 2


def test_detection_keeps_the_detectors_choice_when_the_lm_cannot_load(tiny_model, monkeypatch):
    import inference.engine

    def missing():
        raise FileNotFoundError("no model file")

    monkeypatch.setenv("SQUIGGLE_BUG_REPAIR_LM", "on")
    monkeypatch.setattr(inference.engine, "get_engine", missing)
    with_lm = detect_files([("a.py", CODE)], threshold=0.0, model_dir=tiny_model).findings
    alone = detect_files([("a.py", CODE)], threshold=0.0, model_dir=tiny_model,
                         lm_repairs=False).findings
    assert with_lm and with_lm == alone
