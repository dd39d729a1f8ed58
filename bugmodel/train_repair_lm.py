"""Tune the language model to choose the repair (`python -m bugmodel train-repair-lm`).

The repair choice (`bugmodel/repair_choice.py`) orders the detector's best candidates of a
unit by logit + weight x ratio, the ratio being the LM's log p(repaired) - log p(original)
(`bugmodel.lm_features`). The base model's ratio says how natural each repair makes the code,
not which repair undoes a bug. This trains a LoRA adapter of the LM on exactly that choice:
for each synthetic train record whose injected bug's repair is among the detector's best
candidates, cross-entropy of the right candidate under a softmax over the candidates' logit +
weight x ratio, the ratios computed with the adapter, differentiably, on the shared KV cache.
The detector, its logits and the weight stay fixed; only the low-rank matrices learn.

Train records only (the same split the detector learned from); synthetic validation records
check the choice against the base model's at the end; test is never read here.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from bugmodel.candidate_scoring import small_model_rows
from bugmodel.cases import synthetic_cases
from bugmodel.detector import load_detector
from bugmodel.line_ranker import load_line_ranker
from bugmodel.plausible_repairs import implausible_in_unit
from bugmodel.repair_choice import (
    ADAPTER_NAME,
    RATIO_WEIGHT,
    TOP_CANDIDATES,
    RepairRatios,
    best_columns,
    reordered,
)
from inference.finetune.train import warmup_cosine_rate
from inference.lora import LoraConfig, add_lora, save_adapter
from synthdata.rewrites import Candidate

if TYPE_CHECKING:
    from inference.engine import Engine


@dataclass(frozen=True)
class RepairTuneConfig:
    """LoRA fine-tune of the default LM for the repair choice, sized for a 2-core CPU."""

    lora: LoraConfig = field(default_factory=LoraConfig)
    learning_rate: float = 3e-4
    warmup_steps: int = 10
    records_per_step: int = 4  #: gradients accumulated over this many records
    train_records: int = 6000  #: synthetic train records sampled (those usable are kept)
    max_minutes: float = 45.0  #: stop (and save) when the wall clock says so
    validation_records: int = 300
    weight: float = RATIO_WEIGHT
    seed: int = 0
    threads: int | None = 2


CONFIGS = {
    "cpu": RepairTuneConfig(),
    "tiny": RepairTuneConfig(lora=LoraConfig(rank=2), train_records=40, max_minutes=2.0,
                             validation_records=10, records_per_step=2, warmup_steps=1),
}


@dataclass(frozen=True)
class RepairExample:
    """One buggy unit as the repair choice sees it: the detector's best candidates (best
    first) with their logits, and which of them (if any) is the injected bug's repair."""

    text: str
    context: str
    candidates: list[Candidate]
    logits: list[float]
    right: int | None


def repair_examples(data_dir: Path, split: str, limit: int, seed: int,
                    model_dir: Path | None = None) -> list[RepairExample]:
    """The buggy synthetic records of `split`, judged by the product's detector (the line
    ranker over the from-scratch model, implausible repairs folded into NO_BUG)."""
    from bugmodel.detector import WEIGHTS_DIR
    from bugmodel.evaluate import CHECKS, judge

    model_dir = Path(model_dir or WEIGHTS_DIR)
    cases = [c for c in synthetic_cases(data_dir, split, limit, seed) if c.buggy]
    detector = load_detector(model_dir, from_scratch_only=True)
    ranker = load_line_ranker(model_dir / "heads" / "line_ranker")[0]
    rows = small_model_rows(detector, [(c.text, c.context, c.candidates) for c in cases])
    examples = []
    for case, row in zip(cases, rows, strict=True):
        judged = judge(CHECKS, case, row, implausible_in_unit(case.text, case.candidates), None,
                       ranker)
        columns = best_columns(judged.logits, TOP_CANDIDATES)
        chosen = [judged.columns[c - 1] for c in columns]
        right = next((k for k, i in enumerate(chosen) if i in case.exact), None)
        examples.append(RepairExample(case.text, case.context,
                                      [case.candidates[i] for i in chosen],
                                      [float(judged.logits[c]) for c in columns], right))
    return examples


def choice_loss(engine: Engine, example: RepairExample, adapter: str, weight: float,
                ) -> tuple[torch.Tensor, bool] | None:
    """Cross-entropy of the right candidate under logit + weight x ratio, and whether it
    already comes first; None when the right one cannot be scored or stands alone."""
    from bugmodel.lm_features import unit_scores

    unit, shifted = unit_scores(engine, example.text, example.context, example.candidates,
                                adapter=adapter, trainable=True)
    ratios = unit.ratio_tensors(shifted)
    scored = [k for k, r in enumerate(ratios) if r is not None]
    if example.right not in scored or len(scored) < 2:
        return None
    scores = torch.stack([example.logits[k] + weight * ratios[k] for k in scored])
    right = scored.index(example.right)
    return -torch.log_softmax(scores, dim=0)[right], int(scores.argmax()) == right


def chosen_right(engine: Engine, examples: Sequence[RepairExample], adapter: str | None,
                 weight: float) -> float:
    """Share of `examples` whose first candidate after the product's reordering (gate
    included) is the right repair."""
    from bugmodel.lm_features import unit_scores

    hits = []
    for example in examples:
        columns = list(range(1, len(example.candidates) + 1))
        logits = np.array([-np.inf, *example.logits])
        if len(columns) > 1:
            unit, shifted = unit_scores(engine, example.text, example.context,
                                        example.candidates, adapter=adapter)
            logits = reordered(logits, RepairRatios(columns, unit.ratios(shifted), 0.0),
                               weight)
        hits.append(example.right is not None and int(np.argmax(logits)) - 1 == example.right)
    return float(np.mean(hits)) if hits else 0.0


def train(config: RepairTuneConfig, data_dir: Path, out_dir: Path,
          model_dir: Path | None = None, engine: Engine | None = None,
          log: Callable[[str], None] = lambda s: print(s, file=sys.stderr)) -> dict:
    """Train the adapter on the detector in `model_dir` (default: the committed one), save it
    to `out_dir` (with its config and log) and return the summary: the training log and the
    validation joint choice, base model against adapter. `engine` must hold no adapter (all
    of the model's LoRA matrices are saved); default: a fresh default LM."""
    from inference.engine import Engine

    random.seed(config.seed)
    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    examples = [e for e in repair_examples(data_dir, "train", config.train_records, config.seed,
                                           model_dir)
                if e.right is not None and len(e.candidates) > 1]
    random.Random(config.seed).shuffle(examples)
    log(f"{len(examples)} train records whose repair is among the detector's best")
    engine = engine or Engine()
    for p in engine.model.parameters():
        p.requires_grad_(False)
    switch = add_lora(engine.model, config.lora)
    engine.adapters[ADAPTER_NAME] = switch
    params = [w for layer in switch.layers for w in (layer.lora_a.weight, layer.lora_b.weight)]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.0)
    planned = len(examples) // config.records_per_step
    history: list[dict] = []
    losses: list[float] = []
    firsts: list[bool] = []
    started, step, used = time.monotonic(), 0, 0
    for n, example in enumerate(examples):
        result = choice_loss(engine, example, ADAPTER_NAME, config.weight)
        if result is not None:
            loss, first = result
            (loss / config.records_per_step).backward()
            losses.append(float(loss.detach()))
            firsts.append(first)
            used += 1
        if (n + 1) % config.records_per_step == 0:
            for group in optimizer.param_groups:
                group["lr"] = warmup_cosine_rate(config.learning_rate, step,
                                                 config.warmup_steps, step / max(1, planned))
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            if step % 25 == 0:
                history.append({"step": step, "records": n + 1,
                                "minutes": round((time.monotonic() - started) / 60, 1),
                                "loss": round(float(np.mean(losses[-100:])), 4),
                                "right_first": round(float(np.mean(firsts[-100:])), 3)})
                log(str(history[-1]))
        if time.monotonic() - started > config.max_minutes * 60:
            break
    for p in params:
        p.requires_grad_(False)
    val = repair_examples(data_dir, "val", config.validation_records, config.seed, model_dir)
    summary = {"config": asdict(config), "steps": step, "records_trained": used,
               "minutes": round((time.monotonic() - started) / 60, 1), "history": history,
               "validation": {"records": len(val),
                              "base_model": chosen_right(engine, val, None, config.weight),
                              "adapter": chosen_right(engine, val, ADAPTER_NAME,
                                                      config.weight)}}
    log(f"validation joint choice: {summary['validation']}")
    save_adapter(engine.model, config.lora, out_dir, {"training": summary})
    return summary
