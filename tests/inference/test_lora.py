"""LoRA adapters: off means the base model exactly, on means the update, files round-trip."""

from __future__ import annotations

import pytest
import torch

from inference.lora import AdapterMismatch, LoraConfig, add_lora, load_adapter, save_adapter
from inference.tiny import tiny_engine

IDS = torch.tensor([[5, 17, 99, 3, 42, 8]])


def _logits(model) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=IDS).logits


def _perturb(switch) -> None:
    """Give every adapter a non-zero update whose values float16 stores exactly."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for layer in switch.layers:
            for weight in (layer.lora_a.weight, layer.lora_b.weight):
                weight.copy_((torch.randn(weight.shape, generator=generator) * 0.5).half())


def test_a_switched_off_adapter_leaves_the_model_exactly_as_it_was() -> None:
    model = tiny_engine().model
    before = _logits(model)
    switch = add_lora(model, LoraConfig(rank=4, alpha=8))
    _perturb(switch)
    assert torch.equal(_logits(model), before)
    switch.active = True
    assert not torch.allclose(_logits(model), before)


def test_a_fresh_adapter_starts_as_the_base_model() -> None:
    """B starts at zero, so training begins from the base model's behaviour."""
    model = tiny_engine().model
    before = _logits(model)
    switch = add_lora(model, LoraConfig(rank=4, alpha=8))
    switch.active = True
    assert torch.allclose(_logits(model), before, atol=1e-6)


def test_every_targeted_projection_is_wrapped_once_per_adapter() -> None:
    model = tiny_engine(layers=3).model
    switch = add_lora(model, LoraConfig(rank=2, alpha=2))
    assert len(switch.layers) == 3 * 7
    second = add_lora(model, LoraConfig(rank=2, alpha=2))  # a second task's adapter
    assert [layer.base for layer in second.layers] == switch.layers
    with pytest.raises(ValueError, match="no linear layer"):
        add_lora(model, LoraConfig(rank=2, alpha=2, targets=("w_proj",)))


def test_a_saved_adapter_loads_back_to_the_same_outputs_merged(tmp_path) -> None:
    trained = tiny_engine().model
    switch = add_lora(trained, LoraConfig(rank=4, alpha=8))
    _perturb(switch)
    switch.active = True
    expected = _logits(trained)
    save_adapter(trained, LoraConfig(rank=4, alpha=8), tmp_path, extra={"note": "test"})

    fresh = tiny_engine().model
    loaded = load_adapter(fresh, tmp_path)
    assert not loaded.active
    loaded.active = True
    assert torch.allclose(_logits(fresh), expected, atol=1e-5)
    # A loaded adapter is frozen and served merged: one product per layer, as fast as the base.
    assert all(layer._merged is not None for layer in loaded.layers)


def test_an_adapter_for_another_base_model_is_refused(tmp_path) -> None:
    model = tiny_engine(layers=2).model
    add_lora(model, LoraConfig(rank=4, alpha=8))
    save_adapter(model, LoraConfig(rank=4, alpha=8), tmp_path)
    with pytest.raises(AdapterMismatch, match="trained on"):
        load_adapter(tiny_engine(layers=3).model, tmp_path)
