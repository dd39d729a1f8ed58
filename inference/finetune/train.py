"""Train a LoRA adapter on the default model: ``python -m inference.finetune train``.

The config's ``task`` picks the data: Apply (`inference.finetune.data`: the merged code after
the product's Apply prompt; validation on held-out packages) or Tab
(`inference.finetune.tab_data`: the rewritten lines around the cursor after the product's Tab
prompt; validation on the ``dev`` split). Loss: cross-entropy of the answer tokens only (the
answer, the closing fence and the end-of-turn token). The base weights stay frozen; only the
low-rank matrices learn. Validation loss and teacher-forced token accuracy are logged every
``eval_every`` steps; the adapter is written at the end.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from inference.apply import generation_prompt
from inference.engine import Engine
from inference.finetune.config import TuneConfig
from inference.finetune.data import (
    TRAIN_PACKAGES,
    VALIDATION_PACKAGES,
    Example,
    build_examples,
    evaluation_fingerprints,
)
from inference.finetune.tab_data import TabExample, build_tab_examples
from inference.lora import AdapterSwitch, add_lora, save_adapter
from inference.tab import ADAPTER_PROMPT_BUDGET, tab_prompt

__all__ = ["Tokenized", "batches", "evaluate_loss", "fit", "tokenize", "train",
           "warmup_cosine_rate"]

IGNORE = -100


@dataclass(frozen=True)
class Tokenized:
    """Prompt and answer token ids of one example."""

    prompt: list[int]
    answer: list[int]

    def __len__(self) -> int:
        return len(self.prompt) + len(self.answer)


def tokenize(engine: Engine, example: Example | TabExample) -> Tokenized:
    """The tokens the product would feed (prompt) and the tokens it should emit (answer)."""
    if isinstance(example, TabExample):
        prompt = tab_prompt(engine, example.file, example.cursor_line, example.history,
                            example.shown, ADAPTER_PROMPT_BUDGET)
        wanted = example.answer
    else:
        prompt = generation_prompt(engine, example.original, example.sketch, example.path)
        wanted = example.edited
    answer = engine.tokenizer(wanted + "```", add_special_tokens=False)["input_ids"]
    eos = min(engine.eos_token_ids)
    return Tokenized(engine.encode(prompt), list(answer) + [eos])


def batches(rows: list[Tokenized], pad_id: int, device: torch.device) -> dict[str, torch.Tensor]:
    """Right-padded ``input_ids``/``attention_mask``/``labels`` (labels only on answers)."""
    width = max(len(row) for row in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    for b, row in enumerate(rows):
        tokens = row.prompt + row.answer
        ids[b, : len(tokens)] = torch.tensor(tokens)
        mask[b, : len(tokens)] = 1
        labels[b, len(row.prompt) : len(tokens)] = torch.tensor(row.answer)
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device),
            "labels": labels.to(device)}


def evaluate_loss(engine: Engine, rows: list[Tokenized], batch_size: int) -> dict[str, float]:
    """Mean answer-token loss and teacher-forced next-token accuracy over ``rows``."""
    total_loss, total_right, total_tokens = 0.0, 0, 0
    pad = min(engine.eos_token_ids)
    with torch.inference_mode():
        for start in range(0, len(rows), batch_size):
            batch = batches(rows[start : start + batch_size], pad, engine.device)
            logits = engine.model(input_ids=batch["input_ids"],
                                  attention_mask=batch["attention_mask"]).logits[:, :-1].float()
            labels = batch["labels"][:, 1:]
            keep = labels != IGNORE
            loss = torch.nn.functional.cross_entropy(logits[keep], labels[keep], reduction="sum")
            total_loss += loss.item()
            total_right += (logits[keep].argmax(-1) == labels[keep]).sum().item()
            total_tokens += int(keep.sum())
    return {"loss": total_loss / max(1, total_tokens),
            "token_accuracy": total_right / max(1, total_tokens)}


def warmup_cosine_rate(learning_rate: float, step: int, warmup_steps: int,
                       progress: float) -> float:
    """The rate at `step`: a linear warm-up over `warmup_steps`, then a cosine from
    `learning_rate` down to a tenth of it as `progress` goes from 0 to 1 (held past 1)."""
    if step < warmup_steps:
        return learning_rate * (step + 1) / warmup_steps
    return learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def _learning_rate(config: TuneConfig, step: int) -> float:
    progress = (step - config.warmup_steps) / max(1, config.max_steps - config.warmup_steps)
    return warmup_cosine_rate(config.learning_rate, step, config.warmup_steps, progress)


def _examples(engine: Engine, packages: tuple[str, ...], per_package: int, seed: int,
              excluded: set[str], max_tokens: int) -> list[Tokenized]:
    rows = [tokenize(engine, e) for e in build_examples(packages, per_package, seed, excluded)]
    return [row for row in rows if len(row) <= max_tokens]


def _tab_examples(engine: Engine, split: str, seed: int, max_tokens: int) -> list[Tokenized]:
    from inference.prompt import PromptBudgetExceeded

    rows = []
    for example in build_tab_examples(split, seed):
        try:
            row = tokenize(engine, example)
        except PromptBudgetExceeded:
            continue  # lines too long for the budget: the product would not ask the model
        if len(row) <= max_tokens:
            rows.append(row)
    return rows


def _task_rows(engine: Engine, config: TuneConfig) -> tuple[list[Tokenized], list[Tokenized],
                                                             dict]:
    """Training rows, validation rows and where they came from, for ``config.task``."""
    if config.task == "tab":
        train_rows = _tab_examples(engine, "train", config.seed, config.max_tokens)
        val_rows = _tab_examples(engine, "dev", config.seed + 1, config.max_tokens)
        return train_rows, val_rows[: config.eval_examples], {
            "train_data": "benchmarks/data/tab_real.jsonl.gz, split train",
            "validation_data": "benchmarks/data/tab_real.jsonl.gz, split dev"}
    excluded = evaluation_fingerprints()
    needed = config.max_steps * config.batch_size
    per_package = max(20, math.ceil(1.3 * needed / len(TRAIN_PACKAGES)))
    train_rows = _examples(engine, TRAIN_PACKAGES, per_package, config.seed, excluded,
                           config.max_tokens)
    val_rows = _examples(engine, VALIDATION_PACKAGES, 60, config.seed + 1, excluded,
                         config.max_tokens)[: config.eval_examples]
    return train_rows, val_rows, {"train_packages": list(TRAIN_PACKAGES),
                                  "validation_packages": list(VALIDATION_PACKAGES)}


def train(config: TuneConfig, out_dir: Path, engine: Engine | None = None,
          log: Callable[[object], None] = print) -> dict:
    """Fine-tune the default model on ``config.task``'s examples, write the adapter to
    ``out_dir``, return the training summary (also stored in the adapter's ``adapter.json``)."""
    started = time.perf_counter()
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    engine = engine or Engine()
    for parameter in engine.model.parameters():
        parameter.requires_grad_(False)
    switch = add_lora(engine.model, config.lora)
    train_rows, val_rows, sources = _task_rows(engine, config)
    trainable = sum(p.numel() for p in engine.model.parameters() if p.requires_grad)
    log(f"{len(train_rows)} training examples, {len(val_rows)} validation examples; "
        f"{trainable:,} trainable parameters")
    summary = {"config": asdict(config),
               **fit(engine, switch, train_rows, val_rows, config, log, started),
               "train_examples": len(train_rows),
               "validation_examples": len(val_rows),
               **sources,
               "device": str(engine.device),
               "threads": torch.get_num_threads(),
               "minutes": round((time.perf_counter() - started) / 60, 1)}
    save_adapter(engine.model, config.lora, out_dir, extra={"training": summary})
    return summary


def fit(engine: Engine, switch: AdapterSwitch, train_rows: list[Tokenized],
        val_rows: list[Tokenized], config: TuneConfig,
        log: Callable[[object], None] = print, started: float | None = None) -> dict:
    """The optimisation loop over the adapter's parameters (the base stays frozen)."""
    started = time.perf_counter() if started is None else started
    model = engine.model
    switch.active = True
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate,
                                  weight_decay=config.weight_decay)
    pad = min(engine.eos_token_ids)
    history: list[dict] = []

    def validate(step: int) -> None:
        model.eval()
        scores = evaluate_loss(engine, val_rows, config.batch_size)
        history.append({"step": step, "seconds": round(time.perf_counter() - started, 1),
                        **{f"val_{k}": round(v, 4) for k, v in scores.items()}})
        log(history[-1])
        model.train()

    validate(0)
    step, seen, train_losses = 0, 0, []
    model.train()
    while step < config.max_steps:
        if (time.perf_counter() - started) / 60 > config.max_minutes:
            log(f"time budget of {config.max_minutes} min reached at step {step}")
            break
        batch_rows = [train_rows[(seen + i) % len(train_rows)] for i in range(config.batch_size)]
        seen += config.batch_size
        for group in optimizer.param_groups:
            group["lr"] = _learning_rate(config, step)
        loss = model(**batches(batch_rows, pad, engine.device)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        train_losses.append(loss.item())
        step += 1
        if step % config.eval_every == 0 or step == config.max_steps:
            recent = train_losses[-config.eval_every :]
            log(f"step {step}: train loss {sum(recent) / len(recent):.4f}")
            validate(step)
    model.eval()
    switch.active = False
    return {"steps": step, "epochs": round(seen / max(1, len(train_rows)), 3),
            "history": history, "train_loss": [round(x, 4) for x in train_losses]}
