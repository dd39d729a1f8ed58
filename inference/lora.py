"""Low-rank adapters (LoRA) on a causal LM's linear layers, switchable per forward pass.

A task-specific fine-tune (Apply's and Tab's, `inference.finetune`) is a few MB of low-rank
updates ``W + (alpha / rank) * B @ A`` on the attention and MLP projections. The base weights
are never changed, so one loaded model serves all of them: `AdapterSwitch.active` turns one
adapter's updates on for the requests that want them (the engine sets it under its lock for
each forward pass, one adapter at a time) and off for everything else (hunk scoring keeps the
model its features were fitted on). A second adapter wraps the first's layers: while its switch
is off the inner layer decides, while it is on it adds its own update to the base weight.

Files: ``adapter.safetensors`` (the ``A``/``B`` matrices, keyed by module path) and
``adapter.json`` (`LoraConfig` plus the base model it was trained on).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from inference.engine import ADAPTER_CONFIG_FILE

if TYPE_CHECKING:
    from transformers import PreTrainedModel

__all__ = [
    "AdapterMismatch",
    "AdapterSwitch",
    "LoraConfig",
    "LoraLinear",
    "adapter_tensors",
    "add_lora",
    "base_model_signature",
    "load_adapter",
    "save_adapter",
]

WEIGHTS_FILE = "adapter.safetensors"
#: Marks a directory as an adapter; the engine checks for it without importing torch.
CONFIG_FILE = ADAPTER_CONFIG_FILE


class AdapterMismatch(ValueError):
    """The adapter was trained on a different base model."""


@dataclass(frozen=True)
class LoraConfig:
    """Where the adapters go and how big they are."""

    rank: int = 16
    alpha: float = 32.0
    targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj",
                                "gate_proj", "up_proj", "down_proj")
    dropout: float = 0.0


@dataclass
class AdapterSwitch:
    """Shared by every `LoraLinear` of a model: whether the updates apply right now."""

    active: bool = False
    layers: list[LoraLinear] = field(default_factory=list)


class LoraLinear(nn.Module):
    """``base(x) + scale * B(A(x))`` while the switch is on; exactly ``base(x)`` otherwise.

    A frozen (loaded, not trained) adapter runs as one matrix product with the merged weight
    ``W + scale * B @ A``, computed on first use and kept beside ``W``: the unmerged form costs
    two extra small products per layer, which made one-token decoding ~40% slower on CPU.
    """

    def __init__(self, base: nn.Linear | LoraLinear, config: LoraConfig,
                 switch: AdapterSwitch) -> None:
        super().__init__()
        self.base = base
        self.switch = switch
        self.scale = config.alpha / config.rank
        linear = self.linear
        self.lora_a = nn.Linear(linear.in_features, config.rank, bias=False,
                                device=linear.weight.device, dtype=linear.weight.dtype)
        self.lora_b = nn.Linear(config.rank, linear.out_features, bias=False,
                                device=linear.weight.device, dtype=linear.weight.dtype)
        nn.init.kaiming_uniform_(self.lora_a.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_b.weight)  # starts as the base model exactly
        self.dropout = nn.Dropout(config.dropout) if config.dropout else nn.Identity()
        self._merged: torch.Tensor | None = None

    @property
    def linear(self) -> nn.Linear:
        """The base model's layer (under any other adapters' layers)."""
        base = self.base
        return base.linear if isinstance(base, LoraLinear) else base

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.switch.active:
            return self.base(x)  # the base layer, or another adapter's that decides for itself
        linear = self.linear
        if self.lora_a.weight.requires_grad or self.lora_b.weight.requires_grad:  # training
            return linear(x) + self.lora_b(self.lora_a(self.dropout(x))) * self.scale
        if self._merged is None:
            with torch.no_grad():
                update = (self.lora_b.weight.float() @ self.lora_a.weight.float()) * self.scale
                self._merged = (linear.weight.float() + update).to(linear.weight.dtype)
        return nn.functional.linear(x, self._merged, linear.bias)


def base_model_signature(model: PreTrainedModel) -> dict:
    """What an adapter must match: architecture and shapes of the base model."""
    config = model.config
    return {"model_type": config.model_type,
            "hidden_size": config.hidden_size,
            "num_hidden_layers": config.num_hidden_layers,
            "vocab_size": config.vocab_size,
            "parameters": sum(p.numel() for n, p in model.named_parameters()
                              if "lora_" not in n)}


def add_lora(model: PreTrainedModel, config: LoraConfig) -> AdapterSwitch:
    """Wrap every targeted ``nn.Linear`` of ``model`` (or another adapter's `LoraLinear` of
    it) in a `LoraLinear` (in place)."""
    switch = AdapterSwitch()
    for module in list(model.modules()):
        if isinstance(module, LoraLinear):
            continue  # its base is wrapped as a whole, by its parent's turn
        for child_name, child in list(module.named_children()):
            if child_name in config.targets and (type(child) is nn.Linear
                                                 or isinstance(child, LoraLinear)):
                wrapped = LoraLinear(child, config, switch)
                setattr(module, child_name, wrapped)
                switch.layers.append(wrapped)
    if not switch.layers:
        raise ValueError(f"no linear layer named {config.targets} in {type(model).__name__}")
    return switch


def adapter_tensors(model: nn.Module, switch: AdapterSwitch | None = None
                    ) -> dict[str, torch.Tensor]:
    """The LoRA matrices of ``model`` by parameter name (only ``switch``'s adapter if given)."""
    mine = None if switch is None else {id(p) for layer in switch.layers
                                        for p in (layer.lora_a.weight, layer.lora_b.weight)}
    return {name: p.detach().contiguous() for name, p in model.named_parameters()
            if (".lora_a." in name or ".lora_b." in name) and (mine is None or id(p) in mine)}


def save_adapter(model: PreTrainedModel, config: LoraConfig, directory: Path,
                 extra: dict | None = None) -> None:
    """Write the adapter (float16 tensors, a few MB) and its config to ``directory``."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    tensors = {name: t.to(torch.float16).cpu() for name, t in adapter_tensors(model).items()}
    save_file(tensors, str(directory / WEIGHTS_FILE))
    meta = {"lora": asdict(config), "base_model": base_model_signature(model), **(extra or {})}
    (directory / CONFIG_FILE).write_text(json.dumps(meta, indent=1) + "\n")


def load_adapter(model: PreTrainedModel, directory: Path) -> AdapterSwitch:
    """Add the adapter stored in ``directory`` to ``model`` (switched off); checks the base."""
    from safetensors.torch import load_file

    meta = json.loads((directory / CONFIG_FILE).read_text())
    expected, actual = meta["base_model"], base_model_signature(model)
    if expected != actual:
        raise AdapterMismatch(f"adapter {directory} was trained on {expected}, not {actual}")
    lora = meta["lora"]
    config = LoraConfig(rank=lora["rank"], alpha=lora["alpha"], targets=tuple(lora["targets"]))
    switch = add_lora(model, config)
    tensors = load_file(str(directory / WEIGHTS_FILE))
    params = dict(model.named_parameters())
    # An adapter added over another is named as if alone: its layers sit where the base's did.
    missing = set(adapter_tensors(model, switch)) - set(tensors)
    if missing or set(tensors) - set(adapter_tensors(model, switch)):
        raise AdapterMismatch(f"adapter {directory} does not fit the model's layers")
    with torch.no_grad():
        for name, tensor in tensors.items():
            params[name].copy_(tensor.to(params[name].dtype))
            params[name].requires_grad_(False)  # frozen: served merged (see `LoraLinear`)
    return switch
