"""Temperature scaling, expected calibration error and reliability diagrams (top-label)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bugmodel.candidate_scoring import softmax

Target = int | Sequence[int]  # the right column, or every column that counts as right


def _columns(target: Target) -> list[int]:
    return [target] if isinstance(target, (int, np.integer)) else list(target)


def top_label(logits: Sequence[np.ndarray], targets: Sequence[Target], temperature: float = 1.0,
              ) -> tuple[np.ndarray, np.ndarray]:
    """Confidence of each prediction (max probability) and whether it was right."""
    confidence = np.array([softmax(row, temperature).max() for row in logits])
    correct = np.array([int(np.argmax(row)) in _columns(t)
                        for row, t in zip(logits, targets, strict=True)])
    return confidence, correct


def nll(logits: Sequence[np.ndarray], targets: Sequence[Target], temperature: float) -> float:
    """Mean negative log-likelihood of the targets (of any right column) at a temperature."""
    total, counted = 0.0, 0
    for row, target in zip(logits, targets, strict=True):
        columns = _columns(target)
        if not columns:
            continue  # nothing it could say would be right: no information about T
        z = row / temperature
        m = z.max()
        right = z[columns]
        total += float(m + np.log(np.exp(z - m).sum()) - (m + np.log(np.exp(right - m).sum())))
        counted += 1
    return total / max(1, counted)


def fit_temperature(logits: Sequence[np.ndarray], targets: Sequence[Target]) -> float:
    """Temperature minimising validation NLL: a log-spaced grid, then a finer one around it."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 120))
    best = min(grid, key=lambda t: nll(logits, targets, t))
    fine = np.linspace(best / 1.1, best * 1.1, 41)
    return float(min(fine, key=lambda t: nll(logits, targets, t)))


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 15,
                               ) -> float:
    """ECE with equal-width confidence bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        in_bin = (confidence > lo) & (confidence <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(confidence[in_bin].mean() - correct[in_bin].mean())
    return float(ece)


def reliability_diagram(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path,
                        bins: int = 15) -> None:
    """Accuracy against confidence per bin, one line per named (confidence, correct) pair."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "k:", label="perfect")
    edges = np.linspace(0.0, 1.0, bins + 1)
    for name, (confidence, correct) in curves.items():
        xs, ys = [], []
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            in_bin = (confidence > lo) & (confidence <= hi)
            if in_bin.sum() >= 5:
                xs.append(confidence[in_bin].mean())
                ys.append(correct[in_bin].mean())
        ece = expected_calibration_error(confidence, correct, bins)
        ax.plot(xs, ys, "o-", label=f"{name} (ECE {ece:.3f})")
    ax.set_xlabel("confidence (top label)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
