"""Temperature scaling with a NO_BUG offset, expected calibration error and reliability
diagrams (top-label), and the calibration of a finding's own probability (how often a finding
shown with it is right)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bugmodel.candidate_scoring import softmax

Target = int | Sequence[int]  # the right column, or every column that counts as right


def _columns(target: Target) -> list[int]:
    return [target] if isinstance(target, (int, np.integer)) else list(target)


@dataclass(frozen=True)
class Scaling:
    """What turns a unit's logits over NO_BUG and its candidates into probabilities: one
    temperature, and an offset added to NO_BUG's logit first.

    The offset is there because a detector trained on mixtures with more bugs than real code
    holds puts too little mass on NO_BUG; a temperature alone can only sharpen or flatten the
    whole distribution, not move mass to NO_BUG (on real dev, the line ranker's NLL went from
    0.61 with a temperature alone to 0.47 with both)."""

    temperature: float = 1.0
    no_bug_offset: float = 0.0

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        shifted = np.array(logits, dtype=np.float64)
        shifted[0] += self.no_bug_offset
        return softmax(shifted, self.temperature)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def top_label(logits: Sequence[np.ndarray], targets: Sequence[Target],
              scaling: Scaling = Scaling()) -> tuple[np.ndarray, np.ndarray]:
    """Confidence of each prediction (max probability) and whether it was right."""
    probabilities = [scaling(row) for row in logits]
    confidence = np.array([p.max() for p in probabilities])
    correct = np.array([int(np.argmax(p)) in _columns(t)
                        for p, t in zip(probabilities, targets, strict=True)])
    return confidence, correct


class _Rows:
    """Logits rows and their right columns laid end to end, so that the negative
    log-likelihood at many scalings is a few array operations each."""

    def __init__(self, logits: Sequence[np.ndarray], targets: Sequence[Target]) -> None:
        # A row with no right column that has a finite logit says nothing about the scaling
        # (every scaling gives its target probability 0): it is left out.
        rows = [(np.asarray(row, dtype=np.float64), _columns(t))
                for row, t in zip(logits, targets, strict=True)]
        kept = [(row, columns) for row, columns in rows
                if columns and np.isfinite(row[columns]).any()]
        lengths = np.array([len(row) for row, _ in kept], dtype=np.int64)
        self.starts = np.cumsum(lengths) - lengths
        self.lengths = lengths
        self.values = np.concatenate([row for row, _ in kept]) if kept else np.zeros(0)
        self.no_bug = np.zeros(len(self.values), dtype=bool)
        self.no_bug[self.starts] = True
        self.right = np.zeros(len(self.values), dtype=bool)
        for start, (_, columns) in zip(self.starts, kept, strict=True):
            self.right[start + np.asarray(columns, dtype=np.int64)] = True

    def nll(self, scaling: Scaling) -> float:
        """Mean negative log-likelihood of the right columns (any of them) under a scaling."""
        if not len(self.lengths):
            return 0.0
        z = (self.values + scaling.no_bug_offset * self.no_bug) / scaling.temperature
        peak = np.maximum.reduceat(z, self.starts)
        with np.errstate(divide="ignore"):
            e = np.exp(z - np.repeat(peak, self.lengths))
            every = np.add.reduceat(e, self.starts)
            right = np.add.reduceat(np.where(self.right, e, 0.0), self.starts)
            return float(np.mean(np.log(every) - np.log(right)))


def fit_scaling(logits: Sequence[np.ndarray], targets: Sequence[Target],
                with_offset: bool = True) -> Scaling:
    """The temperature (and, `with_offset`, NO_BUG offset) minimising validation NLL: a
    coarse grid, then finer ones around the best point."""
    rows = _Rows(logits, targets)

    def best_on(temperatures: np.ndarray, offsets: np.ndarray) -> Scaling:
        return min((Scaling(float(t), float(b)) for t in temperatures for b in offsets),
                   key=rows.nll)

    temperatures = np.exp(np.linspace(np.log(0.05), np.log(20.0), 41))
    offsets = np.linspace(-10.0, 20.0, 41) if with_offset else np.zeros(1)
    best = best_on(temperatures, offsets)
    t_step = np.log(temperatures[1] / temperatures[0])
    b_step = offsets[1] - offsets[0] if with_offset else 0.0
    for _ in range(3):  # each pass: one step either side of the best point, 5x finer
        best = best_on(best.temperature * np.exp(np.linspace(-t_step, t_step, 11)),
                       best.no_bug_offset + np.linspace(-b_step, b_step, 11))
        t_step, b_step = t_step / 5, b_step / 5
    return best


@dataclass(frozen=True)
class FindingCalibration:
    """The chance that a finding is on a bug, from the detector's score for it (the softmax
    probability of its candidate): a logistic curve in the score's log-odds (Platt scaling).

    A softmax over NO_BUG and a unit's lines says which line is likeliest if the unit has a
    bug, not how often the best line is a bug: on real code a score of 0.95 or more was right
    about one time in twelve. The curve is strictly increasing, so it keeps the order of
    findings and maps a threshold on scores to one on shown probabilities; isotonic regression
    would tie findings in flat steps."""

    slope: float = 1.0
    intercept: float = 0.0  # the identity by default: shown probability = score

    def __call__(self, score: float) -> float:
        return float(_sigmoid(self.slope * _logit(score) + self.intercept))

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


#: A slope at least this steep keeps the curve strictly increasing when dev shows no trend.
MIN_SLOPE = 0.01


def _logit(p: float | np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


def _sigmoid(z: float | np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def _newton(design: np.ndarray, y: np.ndarray, weights: np.ndarray, free: np.ndarray,
            iterations: int = 100) -> np.ndarray:
    """Minimise the logistic loss of `y` on `design @ weights` over the `free` weights, with
    step halving so that a nearly singular Hessian cannot throw the fit off."""
    def loss(w: np.ndarray) -> float:
        z = design @ w
        return float(np.sum(np.logaddexp(0.0, z) - y * z))

    current = loss(weights)
    for _ in range(iterations):
        p = _sigmoid(design @ weights)
        d = design[:, free]
        hessian = d.T @ (d * (p * (1 - p))[:, None]) + 1e-9 * np.eye(d.shape[1])
        step = np.zeros_like(weights)
        step[free] = np.linalg.solve(hessian, d.T @ (p - y))
        scale = 1.0
        while scale > 1e-6 and loss(weights - scale * step) > current:
            scale /= 2
        if scale <= 1e-6:
            break
        weights = weights - scale * step
        previous, current = current, loss(weights)
        if previous - current < 1e-12:
            break
    return weights


def fit_finding_calibration(scores: Sequence[float], right: Sequence[bool],
                            ) -> FindingCalibration:
    """Maximum-likelihood logistic fit of `right` on the scores' log-odds, with Platt's
    smoothed targets so that a split with few or no right findings still gives a finite
    curve."""
    x = _logit(np.asarray(scores, dtype=np.float64))
    hits = np.asarray(right, dtype=bool)
    if not len(x):
        return FindingCalibration()
    positives, negatives = hits.sum(), (~hits).sum()
    y = np.where(hits, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    design = np.stack([x, np.ones_like(x)], axis=1)
    start = np.array([MIN_SLOPE, float(_logit(y.mean()))])
    weights = _newton(design, y, start, np.array([True, True]))
    if weights[0] < MIN_SLOPE:  # no trend on dev: keep the order, fit the level alone
        weights = _newton(design, y, start, np.array([False, True]))
    return FindingCalibration(float(weights[0]), float(weights[1]))


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
