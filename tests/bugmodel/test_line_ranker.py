"""Phase 2, the line ranker: features per line, candidate probabilities that add up to their
line's, and training that learns from real fixes where bugs sit."""

from __future__ import annotations

import gzip
import json
import random

import numpy as np
import pytest
import torch

from bugmodel.candidate_scoring import softmax
from bugmodel.cases import real_fix_cases
from bugmodel.line_ranker import (
    LINE_FEATURES,
    LineRanker,
    LineRankerConfig,
    candidate_logits,
    unit_lines,
)
from bugmodel.train_real import train_line_ranker

from .conftest import _fix_row

UNIT = ("def f(items, limit):\n    total = 0\n    for item in items:\n"
        "        if item > limit:\n            total += item\n    return total\n")


def _one_case(tmp_path):
    directory = tmp_path / "real"
    directory.mkdir()
    with gzip.open(directory / "fixes.jsonl.gz", "wt") as out:
        out.write(json.dumps(_fix_row("org/a", "train", "comparison", UNIT, ">", ">=")) + "\n")
    return real_fix_cases(directory / "fixes.jsonl.gz")[0]


def test_lines_with_candidates_are_scored_and_every_candidate_maps_to_its_line(tmp_path):
    case = _one_case(tmp_path)
    row = np.random.default_rng(0).normal(size=1 + len(case.candidates)).astype(np.float32)
    scored = unit_lines(case.text, case.candidates, row)
    assert scored.features.shape == (len(scored.lines), len(LINE_FEATURES))
    assert 4 in scored.lines
    for candidate, line_row in zip(case.candidates, scored.candidate_row, strict=True):
        line = case.text[: candidate.start].count("\n") + 1
        assert scored.lines[line_row] == line
    compare = LINE_FEATURES.index("count_Compare")
    assert scored.features[scored.lines.index(4), compare] > 0
    assert scored.features[scored.lines.index(6), compare] == 0


def test_candidate_probabilities_on_a_line_add_up_to_the_lines(tmp_path):
    case = _one_case(tmp_path)
    row = np.random.default_rng(1).normal(size=1 + len(case.candidates)).astype(np.float32)
    row[3] = -np.inf  # a candidate the from-scratch model could not see
    scored = unit_lines(case.text, case.candidates, row)
    torch.manual_seed(0)
    ranker = LineRanker(LineRankerConfig()).eval()
    with torch.no_grad():
        lines = softmax(ranker(torch.from_numpy(scored.features),
                               torch.from_numpy(scored.unit)).numpy().astype(np.float64))
    candidates = softmax(candidate_logits(ranker, scored, row))
    assert abs(candidates[0] - lines[0]) < 1e-6
    for r in range(len(scored.lines)):
        on_line = 1 + np.nonzero(scored.candidate_row == r)[0]
        assert abs(candidates[on_line].sum() - lines[1 + r]) < 1e-6
    assert candidates[3] == 0.0


def _generated_fixes(directory, seed: int) -> None:
    """Functions whose one comparison is always the bug, at a random place among plain
    statements, in three repositories per split."""
    rng = random.Random(seed)
    plain = ["    total = total + 2 * count", "    name = str(count)", "    items.append(name)",
             "    count = len(items) + total", "    value = items[0]"]
    with gzip.open(directory / "fixes.jsonl.gz", "wt") as out:
        for split, n in (("train", 40), ("dev", 15), ("test", 5)):
            for i in range(n):
                body = rng.sample(plain, 4)
                body.insert(rng.randrange(5), "    flag = count > total")
                text = ("def f(items, count, total):\n" + "\n".join(body)
                        + "\n    return flag\n")
                row = _fix_row(f"org/{split}{i % 3}", split, "comparison", text, ">", ">=")
                out.write(json.dumps(row) + "\n")
    with gzip.open(directory / "clean.jsonl.gz", "wt") as out:
        out.write(json.dumps({"repo": "org/train0", "commit": "1" * 40, "license": "MIT",
                              "split": "train", "path": "m.py", "func_name": "g",
                              "func_start": 1, "func_end": 2,
                              "source": "def g(a):\n    return a + 1\n"}) + "\n")


def test_phase_two_learns_from_real_fixes_where_bugs_sit(tiny_model, tmp_path):
    directory = tmp_path / "real"
    directory.mkdir()
    _generated_fixes(directory, seed=3)
    summary = train_line_ranker(tiny_model, directory, tmp_path / "no-synthetic",
                                LineRankerConfig(epochs=10, synthetic_records=0,
                                                 small_programs=False),
                                tmp_path / "ranker")
    assert summary["train_bugs"] == 40 and summary["dev_bugs"] == 15
    untrained = summary["history"][0]["dev_top1_localisation"]
    assert summary["best_check"]["dev_top1_localisation"] >= 0.9 > untrained
    assert (tmp_path / "ranker" / "line_ranker.safetensors").is_file()


def test_synthetic_records_join_the_real_fixes_and_synthetic_val_helps_pick_the_epoch(
        tiny_model, tiny_data, tmp_path):
    directory = tmp_path / "real"
    directory.mkdir()
    _generated_fixes(directory, seed=4)
    summary = train_line_ranker(tiny_model, directory, tiny_data,
                                LineRankerConfig(epochs=5, synthetic_records=6,
                                                 small_programs=False),
                                tmp_path / "ranker")
    assert summary["synthetic_train_cases"] == 12  # a buggy and a clean case per record
    assert summary["synthetic_val_bugs"] > 0
    for check in summary["history"]:
        assert check["score"] == pytest.approx(check["dev_top1_localisation"]
                                               + check["synthetic_val_top1_localisation"],
                                               abs=1e-3)
    assert summary["best_check"]["score"] == max(c["score"] for c in summary["history"])


def test_asking_for_synthetic_records_without_the_dataset_says_how_to_build_it(tiny_model,
                                                                               tmp_path):
    directory = tmp_path / "real"
    directory.mkdir()
    _generated_fixes(directory, seed=5)
    with pytest.raises(FileNotFoundError, match="python -m synthdata build"):
        train_line_ranker(tiny_model, directory, tmp_path / "missing",
                          LineRankerConfig(epochs=1, synthetic_records=3, small_programs=False),
                          tmp_path / "ranker")


def test_small_programs_join_the_real_fixes_and_their_dev_bugs_help_pick_the_epoch(
        tiny_model, tiny_real, tmp_path):
    summary = train_line_ranker(tiny_model, tiny_real, tmp_path / "no-synthetic",
                                LineRankerConfig(epochs=1, synthetic_records=0),
                                tmp_path / "ranker")
    assert summary["small_program_train_cases"] >= 1  # the faulty program's windows
    assert summary["small_programs_dev_bugs"] == 1
    for check in summary["history"]:
        assert check["score"] == pytest.approx(
            check["dev_top1_localisation"] + check["synthetic_val_top1_localisation"]
            + check["small_programs_dev_top1_localisation"], abs=1e-3)


def test_training_without_the_small_programs_file_says_how_to_build_it(tiny_model, tmp_path):
    directory = tmp_path / "real"
    directory.mkdir()
    _generated_fixes(directory, seed=6)
    with pytest.raises(FileNotFoundError, match="small_programs_data.py"):
        train_line_ranker(tiny_model, directory, tmp_path / "no-synthetic",
                          LineRankerConfig(epochs=1, synthetic_records=0), tmp_path / "ranker")
