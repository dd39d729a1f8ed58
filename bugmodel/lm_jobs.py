"""Language-model work over many evaluation cases: each job's result cached by a key, computed
in this process or in worker processes that load their own engine.

The LM costs about a second of CPU per unit, so `python -m bugmodel eval` keeps what it computed
(`--features-dir`) and a second run only re-scores.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inference.engine import Engine

#: A job: a module-level function (worker processes import it by name) of the engine and
#: the job's arguments.
LMJob = Callable[..., Any]

_engine = None


def _worker_init(threads: int) -> None:
    global _engine
    import torch

    from inference.engine import Engine

    torch.set_num_threads(threads)
    _engine = Engine()


def _run_in_worker(call: tuple[LMJob, tuple]) -> Any:
    job, args = call
    return job(_engine, *args)


def cached_lm_jobs(job: LMJob, keys: Sequence[str], args: Sequence[tuple],
                   cache_file: Path | None, workers: int = 1, engine: Engine | None = None,
                   label: str = "LM jobs",
                   log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
                   ) -> list[Any]:
    """`job(engine, *args[i])` for every i, reusing and extending the pickle at `cache_file`
    (results by `keys[i]`)."""
    cache: dict[str, Any] = {}
    if cache_file is not None and cache_file.exists():
        cache = pickle.loads(cache_file.read_bytes())
    todo = [i for i, k in enumerate(keys) if k not in cache]
    started = time.monotonic()

    def done(n: int, i: int, result: Any) -> None:
        cache[keys[i]] = result
        if (n + 1) % 25 == 0:
            log(f"  {label} {n + 1}/{len(todo)} ({time.monotonic() - started:.0f} s)")
            _save(cache, cache_file)

    if workers > 1 and engine is None and todo:
        with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(1,)) as pool:
            calls = [(job, args[i]) for i in todo]
            for n, (i, result) in enumerate(zip(todo, pool.map(_run_in_worker, calls,
                                                               chunksize=4), strict=True)):
                done(n, i, result)
    elif todo:
        if engine is None:
            from inference.engine import get_engine

            engine = get_engine()
        for n, i in enumerate(todo):
            done(n, i, job(engine, *args[i]))
    if todo:
        _save(cache, cache_file)
    return [cache[k] for k in keys]


def _save(cache: dict, cache_file: Path | None) -> None:
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(cache, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(cache_file)
