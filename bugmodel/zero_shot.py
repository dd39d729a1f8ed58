"""The pretrained language model alone as a bug detector: the baseline `python -m bugmodel
eval` compares the product's detector with.

For one unit, one LM pass gives every token's surprisal (`bugmodel.lm_features`); the
candidates on the most surprising spans are proposed and each is scored by its likelihood
ratio, log p(repaired) - log p(original), both sides of the change counted. The best ratio
is the finding; NO_BUG scores a ratio of 0 (no repair makes the code more likely).

Verdicts cost about a second of CPU per unit, so they are cached per case (key: the text and
its candidates) and can be computed in worker processes.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bugmodel.cases import Case
from bugmodel.lm_features import UnitScores
from synthdata.rewrites import Candidate

if TYPE_CHECKING:
    from inference.engine import Engine

#: Candidates scored per unit, most surprising spans first.
PROPOSALS = 8


@dataclass
class LMVerdict:
    """The LM's proposals for one unit, their likelihood ratios (None: not scorable) and the
    seconds the LM took."""

    indices: list[int]  # into the unit's candidate list
    ratios: list[float | None]
    seconds: float

    def logits(self) -> tuple[list[int], np.ndarray]:
        """(candidate index per column, logits over NO_BUG and the scorable proposals)."""
        scored = [(i, r) for i, r in zip(self.indices, self.ratios, strict=True) if r is not None]
        return [i for i, _ in scored], np.array([0.0, *(r for _, r in scored)])


def lm_verdict(engine: Engine, text: str, context: str, candidates: Sequence[Candidate],
               proposals: int = PROPOSALS) -> LMVerdict:
    """Propose the candidates on the unit's most surprising spans and score their ratios."""
    started = time.perf_counter()
    prefix = context + "\n" if context else ""
    shifted = [Candidate(c.kind, c.start + len(prefix), c.end + len(prefix), c.replacement)
               for c in candidates]
    lm = UnitScores(engine, prefix + text)
    surprisal = np.array([lm.surprisals(c).span_surprisal_max for c in shifted])
    chosen = [int(i) for i in np.argsort(-surprisal, kind="stable")[:proposals]]
    ratios = lm.ratios([shifted[i] for i in chosen])
    return LMVerdict(chosen, ratios, time.perf_counter() - started)


_engine = None


def _worker_init(threads: int) -> None:
    global _engine
    import torch

    from inference.engine import Engine

    torch.set_num_threads(threads)
    _engine = Engine()


def _verdict_job(job: tuple[str, str, list[Candidate]]) -> LMVerdict:
    return lm_verdict(_engine, *job)


def _case_hash(case: Case) -> str:
    """Cache key: the case, its text and its candidates (another enumeration is another key)."""
    candidates = "|".join(f"{c.kind},{c.start},{c.end},{c.replacement}" for c in case.candidates)
    digest = hashlib.sha1(f"{PROPOSALS}:{case.context}\n{case.text}\n{candidates}".encode())
    return f"{case.key}:{digest.hexdigest()[:16]}"


def lm_verdicts(cases: Sequence[Case], cache_file: Path | None, workers: int = 1,
                engine: Engine | None = None,
                log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
                ) -> list[LMVerdict]:
    """Every case's verdict, reusing and extending the pickle at `cache_file`."""
    cache: dict[str, LMVerdict] = {}
    if cache_file is not None and cache_file.exists():
        cache = pickle.loads(cache_file.read_bytes())
    keys = [_case_hash(c) for c in cases]
    todo = [i for i, k in enumerate(keys) if k not in cache]
    jobs = [(cases[i].text, cases[i].context, cases[i].candidates) for i in todo]
    started = time.monotonic()

    def done(n: int, i: int, verdict: LMVerdict) -> None:
        cache[keys[i]] = verdict
        if (n + 1) % 25 == 0:
            log(f"  LM verdicts {n + 1}/{len(todo)} ({time.monotonic() - started:.0f} s)")
            _save(cache, cache_file)

    if workers > 1 and engine is None and todo:
        with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(1,)) as pool:
            for n, (i, verdict) in enumerate(zip(todo, pool.map(_verdict_job, jobs, chunksize=4),
                                                 strict=True)):
                done(n, i, verdict)
    elif todo:
        if engine is None:
            from inference.engine import get_engine

            engine = get_engine()
        for n, (i, job) in enumerate(zip(todo, jobs, strict=True)):
            done(n, i, lm_verdict(engine, *job))
    if todo:
        _save(cache, cache_file)
    return [cache[k] for k in keys]


def _save(cache: dict, cache_file: Path | None) -> None:
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(cache, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(cache_file)
