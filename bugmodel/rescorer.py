"""The cascade's last stage: a small learned head that turns proposals' features into one
softmax over NO_BUG and the proposals.

Each proposal's score is an MLP of its features (`bugmodel.cascade.FEATURES`: what the
from-scratch model and the language model said, and its kind) and of how far a few of them
are from the unit's best proposal; NO_BUG's score is linear in the unit's features. The head
is trained in two phases (`bugmodel.rescorer_train`): synthetic bugs, then real bug fixes;
its temperature and default threshold are fitted on real code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from bugmodel.cascade import (
    FEATURES,
    SMALL_MODEL_COLUMNS,
    SMALL_MODEL_UNIT_COLUMNS,
    UNIT_FEATURES,
    UNSEEN_LOGPROB,
    Proposals,
)

#: Columns also given relative to the unit's best proposal (the MLP sees candidates one by one).
RELATIVE = tuple(FEATURES.index(name) for name in (
    "small_logprob", "lm_ratio", "span_surprisal_max", "line_surprisal_max"))
WEIGHTS_FILE = "rescorer.safetensors"
CONFIG_FILE = "rescorer.json"


@dataclass(frozen=True)
class RescorerConfig:
    """Which proposals a head sees, its size, and its two training phases."""

    name: str = "cascade"
    top_small: int = 4  # proposals from the from-scratch model (0: none)
    top_lm: int = 4  # proposals from LM surprisal
    use_small_model: bool = True  # False: the LM-only head (small-model features zeroed)
    hidden: int = 32
    lr: float = 1e-3  # chosen on real dev among 3e-3/1e-3 (and 10/30/60 real epochs, 16/32 units)
    weight_decay: float = 1e-3
    synthetic_epochs: int = 60
    real_epochs: int = 60
    batch_size: int = 32
    seed: int = 0


CONFIGS = {
    "cascade": RescorerConfig(),
    "lm_head": RescorerConfig(name="lm_head", top_small=0, top_lm=4, use_small_model=False),
    "tiny": RescorerConfig(name="tiny", top_small=2, top_lm=2, hidden=8, synthetic_epochs=3,
                           real_epochs=3),
}


def visible(proposals: Proposals, config: RescorerConfig, extra: Sequence[int] = ()
            ) -> np.ndarray:
    """Rows of `proposals` this head looks at: the best `top_small` by the small model and the
    best `top_lm` by LM surprisal (by rank, so a head may look at fewer than were computed),
    plus `extra` candidate indices, which training uses for its targets."""
    features = proposals.features
    small_rank = np.expm1(features[:, FEATURES.index("small_rank")])
    lm_rank = np.expm1(features[:, FEATURES.index("surprisal_rank")])
    seen = features[:, FEATURES.index("small_logprob")] > UNSEEN_LOGPROB
    keep = ((small_rank < config.top_small - 0.5) & seen) | (lm_rank < config.top_lm - 0.5)
    keep |= np.isin(proposals.indices, list(extra))
    return np.nonzero(keep)[0]


class Rescorer(nn.Module):
    """forward(features (B, P, F), mask (B, P), unit (B, G)) -> logits (B, 1 + P)."""

    def __init__(self, config: RescorerConfig) -> None:
        super().__init__()
        self.config = config
        width = len(FEATURES) + len(RELATIVE)
        self.candidate = nn.Sequential(nn.Linear(width, config.hidden), nn.GELU(),
                                       nn.Linear(config.hidden, 1))
        self.no_bug = nn.Linear(len(UNIT_FEATURES), 1)
        column_mask = torch.ones(len(FEATURES))
        unit_mask = torch.ones(len(UNIT_FEATURES))
        if not config.use_small_model:
            column_mask[list(SMALL_MODEL_COLUMNS)] = 0
            unit_mask[list(SMALL_MODEL_UNIT_COLUMNS)] = 0
        self.register_buffer("column_mask", column_mask, persistent=False)
        self.register_buffer("unit_mask", unit_mask, persistent=False)

    def forward(self, features: torch.Tensor, mask: torch.Tensor, unit: torch.Tensor,
                ) -> torch.Tensor:
        features = features * self.column_mask
        # How far each proposal is from the unit's best on the columns that localise.
        columns = features[..., list(RELATIVE)]
        best = columns.masked_fill(~mask[..., None], -1e4).amax(dim=1, keepdim=True)
        features = torch.cat([features, (columns - best) * mask[..., None]], dim=-1)
        scores = self.candidate(features).squeeze(-1)
        scores = scores.masked_fill(~mask, float("-inf"))
        return torch.cat([self.no_bug(unit * self.unit_mask), scores], dim=1)


def pad(rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, ...]:
    """(features, unit) per case → padded features, mask, unit tensors."""
    width = max(1, max(len(f) for f, _ in rows))
    features = torch.zeros((len(rows), width, len(FEATURES)))
    mask = torch.zeros((len(rows), width), dtype=torch.bool)
    for b, (f, _) in enumerate(rows):
        features[b, : len(f)] = torch.from_numpy(f)
        mask[b, : len(f)] = True
    unit = torch.from_numpy(np.stack([u for _, u in rows]))
    return features, mask, unit


@torch.no_grad()
def head_logits(model: Rescorer, rows: Sequence[tuple[np.ndarray, np.ndarray]],
                ) -> list[np.ndarray]:
    """Logits (1 + P) per case, NO_BUG first."""
    model.eval()
    if not rows:
        return []
    features, mask, unit = pad(rows)
    logits = model(features, mask, unit).numpy()
    return [logits[b, : 1 + len(f)] for b, (f, _) in enumerate(rows)]


def save_rescorer(model: Rescorer, directory: Path, extra: dict) -> None:
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(directory / WEIGHTS_FILE))
    (directory / CONFIG_FILE).write_text(json.dumps(
        {"config": asdict(model.config), "features": FEATURES, "unit_features": UNIT_FEATURES,
         **extra}, indent=1))


def load_rescorer(directory: Path) -> tuple[Rescorer, dict] | None:
    """The head in `directory` and its metadata (temperature, threshold), or None."""
    from safetensors.torch import load_file

    if not (directory / WEIGHTS_FILE).exists():
        return None
    meta = json.loads((directory / CONFIG_FILE).read_text())
    model = Rescorer(RescorerConfig(**meta["config"]))
    model.load_state_dict(load_file(str(directory / WEIGHTS_FILE)))
    return model.eval(), meta
