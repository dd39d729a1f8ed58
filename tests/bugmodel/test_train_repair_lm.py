"""Tuning the LM that chooses the repair (`bugmodel.train_repair_lm`), and the choice loading
the tuned adapter (`bugmodel.repair_choice.repair_adapter`)."""

from __future__ import annotations

import logging

import pytest
import torch

import bugmodel.repair_choice as repair_choice
from bugmodel.lm_features import UnitScores
from bugmodel.repair_choice import ADAPTER_NAME, repair_adapter
from bugmodel.train_repair_lm import CONFIGS, RepairExample, choice_loss, train
from inference.lora import LoraConfig, add_lora, save_adapter
from inference.tiny import tiny_engine
from synthdata.rewrites import Candidate

TEXT = "def larger(a, b):\n    if a < b:\n        return a\n    return b\n"


def _example() -> RepairExample:
    """`<` flipped from `>`: the detector slightly prefers a wrong repair (`<=`)."""
    at = TEXT.index("<")
    right = Candidate("comparison", at, at + 1, ">")
    wrong = Candidate("comparison", at, at + 1, "<=")
    other = Candidate("variable_misuse", TEXT.index("return b"), TEXT.index("return b") + 8,
                      "return a")
    return RepairExample(TEXT, "", [wrong, right, other], [1.0, 0.5, 0.2], right=1)


def _tuned_engine():
    engine = tiny_engine(seed=3)
    for p in engine.model.parameters():
        p.requires_grad_(False)
    switch = add_lora(engine.model, LoraConfig(rank=4))
    engine.adapters[ADAPTER_NAME] = switch
    params = [w for layer in switch.layers for w in (layer.lora_a.weight, layer.lora_b.weight)]
    return engine, params


def test_trainable_ratios_are_the_inference_ratios_with_gradients():
    engine, params = _tuned_engine()
    candidates = _example().candidates
    plain = UnitScores(engine, TEXT, adapter=ADAPTER_NAME).ratios(candidates)
    tensors = UnitScores(engine, TEXT, adapter=ADAPTER_NAME, trainable=True
                         ).ratio_tensors(candidates)
    assert [float(t.detach()) for t in tensors] == pytest.approx(plain, abs=1e-4)
    torch.stack(tensors).sum().backward()
    # B starts at zero, so A's first gradient is zero and B's is not.
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in params)


def test_training_the_choice_puts_the_right_repair_first():
    engine, params = _tuned_engine()
    example = _example()
    optimizer = torch.optim.Adam(params, lr=1e-2)
    first_loss, first_right = choice_loss(engine, example, ADAPTER_NAME, weight=0.75)
    assert not first_right  # the detector's logits alone pick the wrong repair
    for _ in range(30):
        loss, _ = choice_loss(engine, example, ADAPTER_NAME, weight=0.75)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    last_loss, last_right = choice_loss(engine, example, ADAPTER_NAME, weight=0.75)
    assert float(last_loss.detach()) < float(first_loss.detach()) / 2 and last_right


def test_a_repair_that_cannot_be_scored_gives_no_loss():
    engine, _ = _tuned_engine()
    example = _example()
    beyond = Candidate("comparison", len(TEXT) + 5, len(TEXT) + 6, ">")
    unscorable = RepairExample(TEXT, "", [example.candidates[0], beyond], [1.0, 0.5], right=1)
    assert choice_loss(engine, unscorable, ADAPTER_NAME, weight=0.75) is None


def test_the_tiny_config_trains_an_adapter_the_choice_then_loads(tiny_data, tiny_evaluated,
                                                                 tmp_path, monkeypatch):
    out = tmp_path / "repair_lm"
    summary = train(CONFIGS["tiny"], tiny_data, out, model_dir=tiny_evaluated,
                    engine=tiny_engine(seed=5), log=lambda s: None)
    assert summary["records_trained"] > 0 and summary["steps"] > 0
    assert set(summary["validation"]) == {"records", "base_model", "adapter"}
    monkeypatch.setattr(repair_choice, "ADAPTER_DIR", out)
    engine = tiny_engine(seed=5)  # the same base weights the adapter was trained on
    assert repair_adapter(engine) == ADAPTER_NAME and ADAPTER_NAME in engine.adapters
    assert repair_adapter(engine) == ADAPTER_NAME  # loaded once


def test_an_adapter_of_another_model_leaves_the_choice_to_the_base_model(
        tmp_path, monkeypatch, caplog):
    out = tmp_path / "repair_lm"
    other = tiny_engine(seed=5, hidden=32)
    config = LoraConfig(rank=2)
    add_lora(other.model, config)
    save_adapter(other.model, config, out)
    monkeypatch.setattr(repair_choice, "ADAPTER_DIR", out)
    engine = tiny_engine(seed=5)
    with caplog.at_level(logging.WARNING):
        assert repair_adapter(engine) is None
    assert "base model chooses repairs" in caplog.text and not engine.adapters
    monkeypatch.setattr(repair_choice, "ADAPTER_DIR", tmp_path / "none-here")
    assert repair_adapter(tiny_engine(seed=6)) is None
