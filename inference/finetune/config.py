"""Hyper-parameters of the fine-tunes, Apply's and Tab's (one dataclass; each model card records
it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from inference.lora import LoraConfig


@dataclass(frozen=True)
class TuneConfig:
    """LoRA fine-tune of the default model for one task: Apply's "model writes the merged code"
    path or Tab's model stage (rewrite the lines around the cursor)."""

    task: Literal["apply", "tab"] = "apply"
    lora: LoraConfig = field(default_factory=LoraConfig)
    learning_rate: float = 3e-4
    weight_decay: float = 0.0
    warmup_steps: int = 20
    batch_size: int = 4  #: examples per optimizer step
    max_steps: int = 320
    max_minutes: float = 85.0  #: stop (and save) when the wall clock says so
    max_tokens: int = 512  #: prompt plus answer; longer examples are skipped
    eval_every: int = 40
    eval_examples: int = 32
    seed: int = 0
    threads: int | None = None  #: torch CPU threads (None: torch's default)


CONFIGS = {
    "cpu": TuneConfig(),
    # A lent GPU: more steps and longer examples in the same budget.
    "gpu": TuneConfig(batch_size=16, max_steps=1500, max_minutes=12.0, max_tokens=1024,
                      eval_every=100, eval_examples=64),
    # Tab on a shared CPU: the real train-split cases (about 580, prompts of at most
    # `inference.tab.ADAPTER_PROMPT_BUDGET` tokens), one pass or as far as 35 minutes go.
    "tab-cpu": TuneConfig(task="tab", warmup_steps=10, max_steps=145, max_minutes=35.0,
                          max_tokens=640, eval_every=40, eval_examples=24),
}
