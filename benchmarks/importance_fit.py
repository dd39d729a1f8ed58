"""Fitting the LM importance model on dev hunks: a small L2-regularised logistic regression.

The model predicts meaningful (1) vs mechanical (0) from a few LM statistics of a hunk. Which
statistics it uses is chosen by cross-validated AUROC on dev, with folds split by source file
(as dev and test are), so that the choice, like the weights, never sees a test hunk.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Sequence

import numpy as np

L2 = 1.0  # penalty on the standardised weights (not the bias): few mechanical examples
FOLDS = 5
MAX_FEATURES = 2


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[float, np.ndarray]:
    """(bias, weights) of the logistic regression of y on x, in the units of x (Newton steps)."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.column_stack([np.ones(len(x)), (x - mu) / sd])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -50, 50)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[1:] / sd
    return float(w[0] - (weights * mu).sum()), weights


def _fold(group: str) -> int:
    return hashlib.sha1(group.encode()).digest()[1] % FOLDS


def cv_auroc(x: np.ndarray, y: np.ndarray, groups: Sequence[str],
             auroc: Callable[[list[float], list[bool]], float]) -> float:
    """AUROC of out-of-fold predictions, folds by group (a source file stays in one fold)."""
    folds = np.array([_fold(g) for g in groups])
    out = np.zeros(len(y))
    for k in range(FOLDS):
        held = folds == k
        if held.all() or not held.any() or len(set(y[~held])) < 2:
            continue
        bias, weights = fit_logistic(x[~held], y[~held])
        out[held] = bias + x[held] @ weights
    return auroc(out.tolist(), [bool(v) for v in y])


def select_and_fit(
    table: dict[str, list[float]], labels: list[bool], groups: Sequence[str],
    auroc: Callable[[list[float], list[bool]], float],
) -> tuple[tuple[str, ...], float, dict[str, float], dict[str, float]]:
    """The feature subset (at most MAX_FEATURES) with the best cross-validated AUROC, fitted.

    Returns (features, bias, weight per feature, CV AUROC per subset tried).
    """
    y = np.array(labels, dtype=float)
    tried: dict[str, float] = {}
    best: tuple[str, ...] = ()
    for size in range(1, MAX_FEATURES + 1):
        for subset in itertools.combinations(table, size):
            x = np.column_stack([table[name] for name in subset])
            tried["+".join(subset)] = score = cv_auroc(x, y, groups, auroc)
            if not best or score > tried["+".join(best)]:
                best = subset
    bias, weights = fit_logistic(np.column_stack([table[name] for name in best]), y)
    return best, bias, dict(zip(best, weights.tolist(), strict=True)), tried
