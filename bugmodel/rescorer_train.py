"""Features for many cases (cached, in parallel) and the rescorer's two training phases:
synthetic bugs first, then real bug fixes and clean real functions (train split only).

`python -m bugmodel train-head --head cascade|lm_head`.
"""

from __future__ import annotations

import hashlib
import pickle
import random
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from bugmodel.cascade import Proposals, propose, small_model_rows
from bugmodel.cases import Case
from bugmodel.detector import LoadedDetector
from bugmodel.rescorer import Rescorer, RescorerConfig, pad, visible

if TYPE_CHECKING:
    from inference.engine import Engine

#: Union of the proposal sets every head and evaluation reads (each takes its own subset).
TOP_SMALL, TOP_LM = 4, 4

_engine = None


def _worker_init(threads: int) -> None:
    global _engine
    torch.set_num_threads(threads)
    from inference.engine import Engine

    _engine = Engine()


def _propose_job(job: tuple) -> Proposals:
    text, context, candidates, row, extra = job
    return propose(_engine, text, context, candidates, row, TOP_SMALL, TOP_LM, extra)


def _case_hash(case: Case, extra: Sequence[int]) -> str:
    """Cache key: the case, its text and its candidates (another enumeration is another key)."""
    candidates = "|".join(f"{c.kind},{c.start},{c.end},{c.replacement}" for c in case.candidates)
    digest = hashlib.sha1(f"{TOP_SMALL}:{TOP_LM}:{sorted(extra)}:{case.context}\n{case.text}\n"
                          f"{candidates}".encode()).hexdigest()
    return f"{case.key}:{digest[:16]}"


def featurise(cases: Sequence[Case], detector: LoadedDetector, cache_file: Path | None,
              workers: int = 1, with_targets: bool = False, engine: Engine | None = None,
              log: Callable[[str], None] = lambda s: print(s, file=sys.stderr)
              ) -> list[Proposals]:
    """Proposals with features for every case (training adds each case's targets), reusing
    and extending the pickle at `cache_file`."""
    cache: dict[str, Proposals] = {}
    if cache_file is not None and cache_file.exists():
        cache = pickle.loads(cache_file.read_bytes())
    extras = [sorted(set(c.exact) | set(c.located[:3])) if with_targets else [] for c in cases]
    keys = [_case_hash(c, e) for c, e in zip(cases, extras, strict=True)]
    todo = [i for i, k in enumerate(keys) if k not in cache]
    if todo:
        started = time.monotonic()
        rows = small_model_rows(detector, [(cases[i].text, cases[i].context,
                                            cases[i].candidates) for i in todo])
        jobs = [(cases[i].text, cases[i].context, cases[i].candidates, row, extras[i])
                for i, row in zip(todo, rows, strict=True)]
        small_seconds = (time.monotonic() - started) / len(todo)
        if workers > 1 and engine is None:
            with ProcessPoolExecutor(workers, initializer=_worker_init,
                                     initargs=(1,)) as pool:
                results = pool.map(_propose_job, jobs, chunksize=4)
                for n, (i, proposals) in enumerate(zip(todo, results, strict=True)):
                    proposals.seconds["small"] = small_seconds
                    cache[keys[i]] = proposals
                    if (n + 1) % 25 == 0:
                        log(f"  features {n + 1}/{len(todo)} "
                            f"({time.monotonic() - started:.0f} s)")
                        _save(cache, cache_file)
        else:
            if engine is None:
                from inference.engine import get_engine

                engine = get_engine()
            for n, (i, job) in enumerate(zip(todo, jobs, strict=True)):
                text, context, candidates, row, extra = job
                proposals = propose(engine, text, context, candidates, row, TOP_SMALL, TOP_LM,
                                    extra)
                proposals.seconds["small"] = small_seconds
                cache[keys[i]] = proposals
                if (n + 1) % 25 == 0:
                    log(f"  features {n + 1}/{len(todo)} ({time.monotonic() - started:.0f} s)")
        _save(cache, cache_file)
    return [cache[k] for k in keys]


def _save(cache: dict, cache_file: Path | None) -> None:
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(cache, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(cache_file)


def target_columns(case: Case, proposals: Proposals, rows: np.ndarray) -> list[int]:
    """Logit columns counted as right: NO_BUG for clean code; for a bug its exact repair when
    proposed, else any proposal on its lines (a located but inexpressible real fix)."""
    if not case.buggy:
        return [0]
    indices = [proposals.indices[r] for r in rows]
    exact = [1 + j for j, i in enumerate(indices) if i in case.exact]
    if exact:
        return exact
    return [1 + j for j, i in enumerate(indices) if i in case.located]


def examples(cases: Sequence[Case], proposals: Sequence[Proposals], config: RescorerConfig,
             with_targets: bool) -> list[tuple[np.ndarray, np.ndarray, list[int]]]:
    """(features, unit features, target columns) per case this head can learn from."""
    out = []
    for case, props in zip(cases, proposals, strict=True):
        extra = sorted(set(case.exact) | set(case.located[:3])) if with_targets else []
        rows = visible(props, config, extra)
        targets = target_columns(case, props, rows)
        if targets:
            out.append((props.features[rows], props.unit, targets))
    return out


def set_loss(logits: torch.Tensor, targets: Sequence[list[int]]) -> torch.Tensor:
    """Mean of -log P(any right column)."""
    logp = torch.log_softmax(logits, dim=1)
    mask = torch.zeros_like(logp, dtype=torch.bool)
    for b, cols in enumerate(targets):
        mask[b, cols] = True
    return -(torch.logsumexp(logp.masked_fill(~mask, float("-inf")), dim=1)).mean()


def fit(model: Rescorer, data: list, epochs: int, config: RescorerConfig, seed: int) -> list[float]:
    """Adam over shuffled mini-batches; returns the mean loss per epoch."""
    if not data or epochs <= 0:
        return []
    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    history = []
    model.train()
    for _ in range(epochs):
        order = list(range(len(data)))
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = [data[i] for i in order[start : start + config.batch_size]]
            features, mask, unit = pad([(f, u) for f, u, _ in batch])
            loss = set_loss(model(features, mask, unit), [t for _, _, t in batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        history.append(total / len(data))
    model.eval()
    return history


def _phase(data: list, losses: list[float]) -> dict:
    return {"cases": len(data), "loss_first_epoch": losses[0] if losses else None,
            "loss_last_epoch": losses[-1] if losses else None}


def train_head(config: RescorerConfig, synthetic: tuple[list[Case], list[Proposals]],
               real: tuple[list[Case], list[Proposals]]) -> tuple[Rescorer, dict]:
    """Phase 1 on synthetic bugs, phase 2 (same weights, continued) on real train data."""
    torch.manual_seed(config.seed)
    model = Rescorer(config)
    phase1 = examples(*synthetic, config, with_targets=True)
    phase2 = examples(*real, config, with_targets=True)
    loss1 = fit(model, phase1, config.synthetic_epochs, config, config.seed)
    loss2 = fit(model, phase2, config.real_epochs, config, config.seed + 1)
    summary = {"config": asdict(config),
               "phase1_synthetic": _phase(phase1, loss1), "phase2_real": _phase(phase2, loss2)}
    return model, summary


def train_heads(configs: Sequence[RescorerConfig], model_dir: Path, data_dir: Path,
                real_dir: Path, synthetic_train: int, real_fixes: int | None,
                clean_limit: int | None,
                features_dir: Path | None, workers: int = 1, seed: int = 0,
                engine: Engine | None = None) -> dict:
    """Features of the training cases (synthetic train split; real train split when mined data
    is there), then each head's two phases; heads go to `model_dir/heads/<name>/`."""
    from bugmodel.cases import real_clean_cases, real_fix_cases, synthetic_cases
    from bugmodel.detector import load_detector
    from bugmodel.rescorer import save_rescorer

    detector = load_detector(model_dir, from_scratch_only=True)  # the heads are trained here
    synthetic = synthetic_cases(data_dir, "train", synthetic_train, seed)
    cache = (lambda name: features_dir / f"{name}.pkl") if features_dir else (lambda name: None)
    synthetic_props = featurise(synthetic, detector, cache("synthetic-train"), workers, True,
                                engine)
    real: list[Case] = []
    fixes, clean = real_dir / "fixes.jsonl.gz", real_dir / "clean.jsonl.gz"
    if fixes.exists() and clean.exists():
        real = (real_fix_cases(fixes, "train", real_fixes, seed)
                + real_clean_cases(clean, "train", clean_limit, seed))
    real_props = featurise(real, detector, cache("real-train"), workers, True, engine)
    data = {"synthetic_train_cases": len(synthetic), "real_train_fixes": sum(c.buggy for c in real),
            "real_train_clean": sum(not c.buggy for c in real),
            "real_train_expressible": sum(bool(c.exact) for c in real)}
    summaries = {}
    for config in configs:
        model, summary = train_head(config, (synthetic, synthetic_props), (real, real_props))
        summary["data"] = data
        save_rescorer(model, model_dir / "heads" / config.name, {"training": summary})
        summaries[config.name] = summary
    return summaries
