"""Phase 2: learn from real bug fixes where bugs sit (`python -m bugmodel train-real`).

Reviewers' verdicts (`--feedback FILE`, from `manage.py export_feedback`) join the real train
cases: an accepted finding as a bug on its lines, a false positive as a clean function.

Phase 1 (`bugmodel/train.py`) taught the from-scratch model synthetic bugs. Phase 2 trains
the line ranker (`bugmodel/line_ranker.py`) on the mined fixes of the train split: for each
fix, -log P(the fixed line) in one softmax over NO_BUG and the unit's lines; for clean
functions of the same repositories, -log P(NO_BUG). Synthetic train records join them (each a
buggy and a clean case), so that learning where real bugs sit does not unlearn the injected
bugs the from-scratch model is sure of: small programs with a flipped comparison still need
finding. The from-scratch model's verdicts are features, so phase 2 builds on phase 1 without
changing it. Small real programs with one known bug (`small_programs.jsonl.gz`, AtCoder
submissions) join the real fixes: the window that holds each train program's bug.

Only the train splits are learned from; real dev, synthetic val and the small programs' dev
split pick the epoch; test is never read here.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from bugmodel.candidate_scoring import small_model_rows
from bugmodel.cases import (
    Case,
    candidate_lines,
    real_clean_cases,
    real_fix_cases,
    small_program_cases,
    synthetic_cases,
)
from bugmodel.detector import load_detector
from bugmodel.feedback import feedback_cases
from bugmodel.line_ranker import (
    LineRanker,
    LineRankerConfig,
    UnitLines,
    save_line_ranker,
    unit_lines,
)
from synthdata.source import SourceText

#: Where the ranker lives, beside the from-scratch model it reads.
RANKER_DIR = Path(__file__).parent / "weights" / "heads" / "line_ranker"
#: Small real programs with one known bug each, beside the mined fixes.
SMALL_PROGRAMS = "small_programs.jsonl.gz"
#: Epochs between checks on real dev and synthetic val.
CHECK_EVERY = 5
#: Synthetic val records that judge each check beside real dev.
SYNTHETIC_VAL_RECORDS = 300


def right_lines(case: Case, scored: UnitLines) -> list[int]:
    """Logit columns counted as right: the bug's scored lines, or NO_BUG for clean code."""
    if not case.buggy:
        return [0]
    src = SourceText(case.text)
    rows = set()
    for i in case.located:
        first, last = candidate_lines(src, case.candidates[i])
        rows.update(1 + r for r, n in enumerate(scored.lines) if first <= n <= last
                    and case.bug_lines[0] <= n <= case.bug_lines[1])
    return sorted(rows)


def set_loss(logits: torch.Tensor, targets: Sequence[list[int]]) -> torch.Tensor:
    """Mean of -log P(any right column): a multi-line fix is found on any of its lines."""
    logp = torch.log_softmax(logits, dim=1)
    mask = torch.zeros_like(logp, dtype=torch.bool)
    for b, cols in enumerate(targets):
        mask[b, cols] = True
    return -(torch.logsumexp(logp.masked_fill(~mask, float("-inf")), dim=1)).mean()


def ranker_examples(cases: Sequence[Case], rows: Sequence[np.ndarray],
                    ) -> list[tuple[UnitLines, list[int]]]:
    """(scored lines, right columns) of every case the ranker can learn from."""
    out = []
    for case, row in zip(cases, rows, strict=True):
        if not case.candidates:
            continue
        scored = unit_lines(case.text, case.candidates, row)
        right = right_lines(case, scored)
        if right:
            out.append((scored, right))
    return out


def features_of(cases: Sequence[Case], model_dir: Path) -> list[tuple[UnitLines, list[int]]]:
    detector = load_detector(model_dir, from_scratch_only=True)
    rows = small_model_rows(detector, [(c.text, c.context, c.candidates) for c in cases])
    return ranker_examples(cases, rows)


@torch.no_grad()
def top1(ranker: LineRanker, examples: Sequence[tuple[UnitLines, list[int]]]) -> float:
    """Share of bugs whose best-scored line is right (NO_BUG set aside)."""
    hits = []
    for scored, right in examples:
        if right != [0]:
            logits = ranker(torch.from_numpy(scored.features), torch.from_numpy(scored.unit))
            hits.append(int(torch.argmax(logits[1:])) + 1 in right)
    return float(np.mean(hits)) if hits else 0.0


def _synthetic(data_dir: Path, split: str, records: int, seed: int) -> list[Case]:
    if records and not (data_dir / split).is_dir():
        raise FileNotFoundError(f"no synthetic {split} split in {data_dir}: build it with "
                                "`python -m synthdata build` (or pass --synthetic-records 0)")
    return synthetic_cases(data_dir, split, records, seed) if records else []


def _small_programs(real_dir: Path, split: str, max_len: int, wanted: bool) -> list[Case]:
    path = real_dir / SMALL_PROGRAMS
    if wanted and not path.exists():
        raise FileNotFoundError(f"no {SMALL_PROGRAMS} in {real_dir}: build it with "
                                "`python benchmarks/small_programs_data.py` (or pass "
                                "--no-small-programs)")
    return small_program_cases(path, split, max_len) if wanted else []


def _check(ranker: LineRanker, epoch: int, dev: list, synthetic_val: list, small_dev: list,
           **extra) -> dict:
    """Top-1 localisation on real dev, synthetic val and small programs' dev; `score` (their
    sum) picks the epoch."""
    real, synthetic = top1(ranker, dev), top1(ranker, synthetic_val)
    small = top1(ranker, small_dev)
    return {"epoch": epoch, **extra, "dev_top1_localisation": round(real, 4),
            "synthetic_val_top1_localisation": round(synthetic, 4),
            "small_programs_dev_top1_localisation": round(small, 4),
            "score": round(real + synthetic + small, 4)}


def train_line_ranker(model_dir: Path, real_dir: Path, data_dir: Path, config: LineRankerConfig,
                      out_dir: Path = RANKER_DIR, feedback: Sequence[Path] = ()) -> dict:
    """Train on real train fixes and clean functions, synthetic train records, the small
    train programs' bugs (and reviewers' verdicts exported by `manage.py export_feedback`); keep
    the check best on real dev, synthetic val and the small dev programs together."""
    torch.manual_seed(config.seed)
    fixes, clean = real_dir / "fixes.jsonl.gz", real_dir / "clean.jsonl.gz"
    verdicts = feedback_cases(feedback)
    synthetic_train = _synthetic(data_dir, "train", config.synthetic_records, config.seed)
    max_len = load_detector(model_dir, from_scratch_only=True).model.config.max_len
    small_train = _small_programs(real_dir, "train", max_len, config.small_programs)
    small_dev = _small_programs(real_dir, "dev", max_len, config.small_programs)
    train = features_of(real_fix_cases(fixes, "train")
                        + real_clean_cases(clean, "train", config.clean_functions, config.seed)
                        + synthetic_train + small_train + verdicts.cases, model_dir)
    dev = features_of(real_fix_cases(fixes, "dev"), model_dir)
    small_dev = features_of(small_dev, model_dir)
    synthetic_val = [e for e in features_of(_synthetic(
        data_dir, "val", SYNTHETIC_VAL_RECORDS if config.synthetic_records else 0,
        config.seed), model_dir) if e[1] != [0]]
    print(f"line ranker: {len(train)} train units ({len(synthetic_train)} synthetic, "
          f"{len(small_train)} small programs'), {len(dev)} real dev bugs, "
          f"{len(synthetic_val)} synthetic val bugs, {len(small_dev)} small programs' dev bugs",
          file=sys.stderr)
    ranker = LineRanker(config)
    optimizer = torch.optim.AdamW(ranker.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    rng = random.Random(config.seed)
    started = time.monotonic()
    history = [_check(ranker, 0, dev, synthetic_val, small_dev)]
    best = (history[0], _copy(ranker))
    for epoch in range(1, config.epochs + 1):
        order = list(range(len(train)))
        rng.shuffle(order)
        total = 0.0
        ranker.train()
        for i in order:
            scored, right = train[i]
            logits = ranker(torch.from_numpy(scored.features), torch.from_numpy(scored.unit))
            loss = set_loss(logits[None], [right])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        ranker.eval()
        if epoch % CHECK_EVERY == 0 or epoch == config.epochs:
            history.append(_check(ranker, epoch, dev, synthetic_val, small_dev,
                                  train_loss=round(total / len(train), 4)))
            print(history[-1], file=sys.stderr)
            if history[-1]["score"] > best[0]["score"]:
                best = (history[-1], _copy(ranker))
    ranker.load_state_dict(best[1])
    summary = {"train_units": len(train), "synthetic_train_cases": len(synthetic_train),
               "small_program_train_cases": len(small_train),
               "small_programs_dev_bugs": len(small_dev),
               "train_bugs": sum(r != [0] for _, r in train), "dev_bugs": len(dev),
               "synthetic_val_bugs": len(synthetic_val),
               "feedback_cases": len(verdicts.cases), "feedback_skipped": verdicts.skipped,
               "best_check": best[0], "history": history,
               "seconds": round(time.monotonic() - started, 1), "config": asdict(config)}
    save_line_ranker(ranker, out_dir, {"training": summary})
    return summary


def _copy(ranker: LineRanker) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in ranker.state_dict().items()}
