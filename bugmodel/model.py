"""The bug detector-repairer: a bidirectional transformer that scores every candidate rewrite
of a code sample against a NO_BUG option (a BugLab-style pointer/classification head)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from bugmodel.data import Batch
from bugmodel.tokenizer import PAD
from synthdata.rewrites import KINDS


@dataclass
class ModelConfig:
    """Shape of the network (saved next to the weights)."""

    vocab_size: int
    n_kinds: int = len(KINDS)
    d_model: int = 192
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 768
    max_len: int = 256
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainConfig:
    """A training run: model shape, optimisation, budget. See `CONFIGS`."""

    name: str
    d_model: int
    n_layers: int
    n_heads: int
    d_ff: int
    max_len: int
    batch_size: int
    lr: float
    max_steps: int
    max_minutes: float  # wall-clock budget; the LR schedule follows whichever runs out first
    warmup_steps: int = 200
    weight_decay: float = 0.01
    dropout: float = 0.1
    max_candidates: int = 256  # per training sample (the target is always kept)
    amp: bool = False  # bfloat16 autocast (CUDA)
    device: str = "auto"
    seed: int = 0
    eval_every: int = 500
    checkpoint_every: int = 500
    val_samples: int = 600
    # One thread: on a CPU shared with other jobs, two OpenMP threads spin-wait on each other
    # (measured 3.5x slower per step than one thread at load ~10 on 2 cores).
    threads: int = 1
    extra: dict = field(default_factory=dict)

    def model_config(self, vocab_size: int) -> ModelConfig:
        return ModelConfig(vocab_size=vocab_size, d_model=self.d_model, n_layers=self.n_layers,
                           n_heads=self.n_heads, d_ff=self.d_ff, max_len=self.max_len,
                           dropout=self.dropout)


CONFIGS: dict[str, TrainConfig] = {
    # Unit tests and smoke runs: seconds.
    "tiny": TrainConfig("tiny", d_model=32, n_layers=1, n_heads=2, d_ff=64, max_len=128,
                        batch_size=8, lr=2e-3, max_steps=30, max_minutes=2, warmup_steps=5,
                        eval_every=10, checkpoint_every=10, val_samples=16, max_candidates=64),
    # The committed model: sized for 2 CPU cores shared with other jobs, 55 minutes wall time.
    "cpu": TrainConfig("cpu", d_model=128, n_layers=3, n_heads=4, d_ff=512, max_len=256,
                       batch_size=16, lr=1.5e-3, max_steps=40000, max_minutes=55,
                       warmup_steps=100, eval_every=200, checkpoint_every=200, val_samples=400,
                       max_candidates=128),
    # Same code on one CUDA GPU with bfloat16 autocast; not trained in this repository yet.
    "gpu": TrainConfig("gpu", d_model=512, n_layers=8, n_heads=8, d_ff=2048, max_len=512,
                       batch_size=64, lr=5e-4, max_steps=60000, max_minutes=240,
                       warmup_steps=2000, eval_every=2000, checkpoint_every=2000,
                       val_samples=4000, amp=True, max_candidates=512, threads=8),
}


class BugDetector(nn.Module):
    """Encoder + candidate scorer. `forward` returns logits (B, 1 + C); column 0 is NO_BUG."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        d = config.d_model
        self.token = nn.Embedding(config.vocab_size, d, padding_idx=PAD)
        self.position = nn.Embedding(config.max_len, d)
        layer = nn.TransformerEncoderLayer(d, config.n_heads, config.d_ff, config.dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.kind = nn.Embedding(config.n_kinds, d)
        self.candidate_head = nn.Sequential(nn.Linear(7 * d, d), nn.GELU(), nn.Linear(d, 1))
        self.no_bug_head = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 1))

    def forward(self, batch: Batch) -> torch.Tensor:
        ids = batch.ids
        b, t = ids.shape
        positions = torch.arange(t, device=ids.device)
        x = self.token(ids) + self.position(positions)[None]  # (B, T, d)
        h = self.norm(self.encoder(x, src_key_padding_mask=ids == PAD))  # (B, T, d)
        d = h.shape[-1]
        c = batch.first.shape[1]
        first = h.gather(1, batch.first[..., None].expand(b, c, d))  # (B, C, d)
        last = h.gather(1, batch.last[..., None].expand(b, c, d))  # (B, C, d)
        repl_mask = (batch.replacement != PAD).to(h.dtype)[..., None]  # (B, C, R, 1)
        repl = (self.token(batch.replacement) * repl_mask).sum(2) / repl_mask.sum(2).clamp(min=1)
        kind = self.kind(batch.kind)  # (B, C, d)
        # The replacement's own occurrence in context (zero when it does not occur): a misused
        # variable is found by comparing what the location needs with what the other name holds.
        found = (batch.pointer >= 0).to(h.dtype)[..., None]
        pointed = h.gather(1, batch.pointer.clamp(min=0)[..., None].expand(b, c, d)) * found
        features = torch.cat([first, last, repl, kind, first * repl, pointed, first * pointed],
                             dim=-1)  # (B, C, 7d)
        scores = self.candidate_head(features).squeeze(-1)  # (B, C)
        scores = scores.float().masked_fill(~batch.mask, float("-inf"))
        no_bug = self.no_bug_head(h[:, 0]).float()  # (B, 1)
        return torch.cat([no_bug, scores], dim=1)  # (B, 1 + C)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
