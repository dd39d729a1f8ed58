"""The Apply fine-tune's loop: answer-only labels, a loss that falls, a frozen base model."""

from __future__ import annotations

import dataclasses

import torch

from inference.apply import generation_prompt
from inference.finetune.config import CONFIGS
from inference.finetune.data import Example
from inference.finetune.train import IGNORE, batches, fit, tokenize
from inference.lora import LoraConfig, add_lora
from inference.tiny import tiny_engine

EXAMPLE = Example("pkg", "pkg/m.py", "change", "def f(x):\n    return x + 1\n",
                  "# ...\n    return x + 2\n", "def f(x):\n    return x + 2\n")


def test_tokens_are_the_product_prompt_then_the_answer_and_end_of_turn() -> None:
    engine = tiny_engine()
    row = tokenize(engine, EXAMPLE)
    prompt = generation_prompt(engine, EXAMPLE.original, EXAMPLE.sketch, EXAMPLE.path)
    assert row.prompt == engine.encode(prompt)
    assert engine.decode(row.answer) == EXAMPLE.edited + "```"
    assert row.answer[-1] in engine.eos_token_ids


def test_batches_label_only_the_answers() -> None:
    engine = tiny_engine()
    short = tokenize(engine, EXAMPLE)
    longer = tokenize(engine, dataclasses.replace(EXAMPLE, original=EXAMPLE.original * 2))
    batch = batches([short, longer], pad_id=0, device=torch.device("cpu"))
    labels = batch["labels"][0]
    assert (labels[: len(short.prompt)] == IGNORE).all()
    assert labels[len(short.prompt) : len(short)].tolist() == short.answer
    assert (labels[len(short) :] == IGNORE).all()
    assert batch["attention_mask"][0].sum() == len(short)


def test_fitting_lowers_the_answer_loss_and_leaves_the_base_weights_alone() -> None:
    engine = tiny_engine()
    base = {name: p.detach().clone() for name, p in engine.model.named_parameters()}
    for parameter in engine.model.parameters():
        parameter.requires_grad_(False)
    switch = add_lora(engine.model, LoraConfig(rank=4, alpha=8))
    rows = [tokenize(engine, EXAMPLE)]
    config = dataclasses.replace(CONFIGS["cpu"], max_steps=30, warmup_steps=2, eval_every=30,
                                 batch_size=1, learning_rate=1e-2)
    summary = fit(engine, switch, rows, rows, config, log=lambda _: None)
    first, last = summary["history"][0], summary["history"][-1]
    assert summary["steps"] == 30
    assert last["val_loss"] < 0.5 * first["val_loss"]
    assert not switch.active
    for name, parameter in engine.model.named_parameters():
        key = name.replace(".base.", ".")
        if key in base:
            assert torch.equal(parameter, base[key]), name
