"""Where in a function a real bug sits: a learned ranking of its lines.

The from-scratch model knows synthetic bugs; real fixes mostly need repairs it cannot
enumerate, and fine-tuning it on them did not move its localisation on real dev code
(`bugmodel/MODEL_CARD.md`). What real fixes do teach is *where* bugs sit: which kinds of
statement, how dense, where in the function. The ranker scores each line that has candidates
from the line's syntax (`LINE_FEATURES`) and what the from-scratch model thinks of the
candidates on it, against a NO_BUG score from the unit as a whole; one softmax over NO_BUG and
the lines. A candidate's logit is its line's logit plus its share of the line under the
from-scratch model, so probabilities over candidates sum to the line's, and the best candidate
of the best line is the finding (with its repair).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from synthdata.rewrites import Candidate
from synthdata.source import SourceText, parse_unit

#: AST node types counted per line (by the line a node starts on).
NODE_TYPES: tuple[type, ...] = (
    ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Call, ast.Attribute, ast.Subscript,
    ast.Slice, ast.JoinedStr, ast.keyword, ast.Return, ast.If, ast.While, ast.For, ast.Assign,
    ast.AugAssign, ast.Raise, ast.Assert, ast.With, ast.ExceptHandler, ast.Lambda,
    ast.comprehension, ast.Name, ast.IfExp, ast.Dict, ast.List, ast.Tuple, ast.Expr,
    ast.AnnAssign, ast.Starred, ast.Yield, ast.Await, ast.Try, ast.Delete)
#: Surface patterns of a line (regular expressions over its stripped text).
PATTERNS: tuple[tuple[str, str], ...] = (
    ("none", r"\bNone\b"), ("self_attribute", r"\bself\."), ("len_or_range", r"\b(len|range)\("),
    ("plus_minus_one", r"[+-] ?1\b"), ("slice", r"\[[^\]]*:[^\]]*\]"),
    ("formatting", r"%|\.format\("), ("logging", r"(?i)\blog"), ("opens_block", r":$"),
    ("string_start", r"^[rbfu]*['\"]"))
LINE_FEATURES: tuple[str, ...] = (
    *(f"count_{t.__name__}" for t in NODE_TYPES), "count_str", "count_number",
    "length", "indent", "position", "starts_statement", *(p for p, _ in PATTERNS),
    "candidates", "small_model_share", "small_model_best", "small_model_rank",
    "small_model_top_line", "small_model_best_over_no_bug")
UNIT_FEATURES: tuple[str, ...] = ("small_no_bug_logprob", "small_model_best", "lines", "bias")
#: A line the from-scratch model could not see (past its window) gets this log-share.
UNSEEN_SHARE = -30.0
WEIGHTS_FILE = "line_ranker.safetensors"
CONFIG_FILE = "line_ranker.json"


@dataclass(frozen=True)
class LineRankerConfig:
    """Size and training of the ranker (`bugmodel/train_real.py`)."""

    # One hidden layer lets the ranker trust the from-scratch model where it is sure (injected
    # bugs) and the lines' syntax where it is not (real bugs); linear was 1 point lower on
    # real dev and 3 on synthetic val with the same data (MODEL_CARD.md).
    hidden: int = 16
    lr: float = 3e-3
    weight_decay: float = 1e-3
    epochs: int = 20
    clean_functions: int = 1500  # clean real train functions sampled (NO_BUG)
    synthetic_records: int = 800  # synthetic train records mixed in (a buggy and a clean case)
    # Windows of small real programs with one known bug (`bugmodel.cases.small_program_cases`):
    # their train split joins the real fixes, their dev split joins the checks.
    small_programs: bool = True
    seed: int = 0


@dataclass
class UnitLines:
    """One unit's scored lines: their numbers (1-based in the unit's text), features, and for
    each candidate the row of its line (-1: a line the ranker does not score)."""

    lines: list[int]
    features: np.ndarray  # (L, len(LINE_FEATURES)) float32
    unit: np.ndarray  # (len(UNIT_FEATURES),) float32
    candidate_row: np.ndarray  # (C,) int64


def _parse(text: str) -> tuple[ast.AST | None, int]:
    """The unit's syntax tree and how many wrapper lines were put above it (an indented
    method parses inside an `if` block)."""
    parsed = parse_unit(text)
    return (None, 0) if parsed is None else (parsed[0], parsed[1].count("\n"))


def _syntax_counts(text: str, n_lines: int) -> tuple[np.ndarray, set[int]]:
    """Per line: counts of each node type (and str/number constants); lines starting a
    statement."""
    counts = np.zeros((n_lines + 1, len(NODE_TYPES) + 2), dtype=np.float32)
    starts: set[int] = set()
    tree, shift = _parse(text)
    if tree is None:
        return counts, starts
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0) - shift
        if not 1 <= line <= n_lines:
            continue
        for k, node_type in enumerate(NODE_TYPES):
            if isinstance(node, node_type):
                counts[line, k] += 1
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            counts[line, len(NODE_TYPES)] += 1
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex)):
            counts[line, len(NODE_TYPES) + 1] += 1
        if isinstance(node, ast.stmt):
            starts.add(line)
    return counts, starts


def unit_lines(text: str, candidates: Sequence[Candidate], small_row: np.ndarray,
               ) -> UnitLines:
    """Features of the lines of `text` that hold candidates; `small_row` is the from-scratch
    model's logits over NO_BUG and `candidates` (-inf for those it could not see)."""
    src = SourceText(text)
    lines = text.split("\n")
    counts, starts = _syntax_counts(text, len(lines))
    candidate_line = np.array([src.position(c.start)[0] for c in candidates], dtype=np.int64)
    finite = np.isfinite(small_row)
    total = np.logaddexp.reduce(small_row[finite]) if finite.any() else 0.0
    no_bug = float(small_row[0] - total) if finite.any() else 0.0
    scored = sorted(set(candidate_line.tolist()))
    shares, bests = np.full(len(scored), UNSEEN_SHARE), np.full(len(scored), UNSEEN_SHARE)
    on_line_counts = np.zeros(len(scored))
    for row, number in enumerate(scored):
        on_line = small_row[1 + np.nonzero(candidate_line == number)[0]]
        on_line_counts[row] = len(on_line)
        seen = on_line[np.isfinite(on_line)]
        if len(seen):
            shares[row] = max(np.logaddexp.reduce(seen) - total, UNSEEN_SHARE)
            bests[row] = max(seen.max() - total, UNSEEN_SHARE)
    rank = np.empty(len(scored))
    rank[np.argsort(-bests, kind="stable")] = np.arange(len(scored))
    features = np.zeros((len(scored), len(LINE_FEATURES)), dtype=np.float32)
    for row, number in enumerate(scored):
        stripped = lines[number - 1].strip()
        features[row] = (
            *np.log1p(counts[number]), len(stripped) / 80,
            (len(lines[number - 1]) - len(lines[number - 1].lstrip())) / 16,
            number / max(1, len(lines)), float(number in starts),
            *(float(bool(re.search(pattern, stripped))) for _, pattern in PATTERNS),
            np.log1p(on_line_counts[row]), shares[row] / 10,
            bests[row] / 10, np.log1p(rank[row]), float(rank[row] == 0),
            np.clip(bests[row] - no_bug, -30, 30) / 10)
    row_of = {number: row for row, number in enumerate(scored)}
    unit = np.array([no_bug / 10, (bests.max() if len(scored) else UNSEEN_SHARE) / 10,
                     np.log1p(len(lines)), 1.0], dtype=np.float32)
    return UnitLines(scored, features, unit,
                     np.array([row_of[n] for n in candidate_line.tolist()], dtype=np.int64))


class LineRanker(nn.Module):
    """Scores (L,) for a unit's lines and one NO_BUG score."""

    def __init__(self, config: LineRankerConfig) -> None:
        super().__init__()
        self.config = config
        self.line = _scorer(len(LINE_FEATURES), config.hidden)
        self.no_bug = _scorer(len(UNIT_FEATURES), config.hidden)

    def forward(self, features: torch.Tensor, unit: torch.Tensor) -> torch.Tensor:
        """Logits (1 + L,): NO_BUG, then one per line."""
        return torch.cat([self.no_bug(unit), self.line(features).squeeze(-1)])


def _scorer(inputs: int, hidden: int) -> nn.Module:
    if hidden == 0:
        # One softmax over NO_BUG and the lines: the unit's bias column is the only offset needed.
        return nn.Linear(inputs, 1, bias=False)
    return nn.Sequential(nn.Linear(inputs, hidden), nn.GELU(), nn.Linear(hidden, 1))


@torch.no_grad()
def candidate_logits(ranker: LineRanker, scored: UnitLines, small_row: np.ndarray,
                     ) -> np.ndarray:
    """Logits over NO_BUG and every candidate: the line's logit plus the candidate's log-share
    of its line under the from-scratch model (uniform where it could not see the line)."""
    line_logits = ranker(torch.from_numpy(scored.features),
                         torch.from_numpy(scored.unit)).numpy().astype(np.float64)
    out = np.full(len(small_row), -np.inf)
    out[0] = line_logits[0]
    for row in range(len(scored.lines)):
        members = np.nonzero(scored.candidate_row == row)[0]
        values = small_row[1 + members].astype(np.float64)
        if not np.isfinite(values).any():
            values = np.zeros(len(members))
        out[1 + members] = line_logits[1 + row] + values - np.logaddexp.reduce(values)
    return out


def save_line_ranker(ranker: LineRanker, directory: Path, extra: dict) -> None:
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in ranker.state_dict().items()},
              str(directory / WEIGHTS_FILE))
    (directory / CONFIG_FILE).write_text(json.dumps(
        {"config": asdict(ranker.config), "line_features": LINE_FEATURES,
         "unit_features": UNIT_FEATURES, **extra}, indent=1))


def load_line_ranker(directory: Path) -> tuple[LineRanker, dict] | None:
    """The ranker in `directory` and its metadata (temperature, threshold), or None."""
    from safetensors.torch import load_file

    if not (directory / WEIGHTS_FILE).exists():
        return None
    meta = json.loads((directory / CONFIG_FILE).read_text())
    if (tuple(meta.get("line_features", ())), tuple(meta.get("unit_features", ()))) != (
            LINE_FEATURES, UNIT_FEATURES):
        raise ValueError(f"the line ranker in {directory} was trained on other features: "
                         "retrain it with `python -m bugmodel train-real`")
    ranker = LineRanker(LineRankerConfig(**meta["config"]))
    ranker.load_state_dict(load_file(str(directory / WEIGHTS_FILE)))
    return ranker.eval(), meta
