"""Time limits on the analysis stages, enforced wherever the analysis task runs.

Celery's own soft limit (`soft_time_limit`) covers a whole task and only works in the prefork
pool; `runsquiggle`'s embedded worker uses the solo pool and tests run tasks eagerly, where it does
nothing. So each stage runs under `stage_time_limit`: a timer thread raises `StageTimedOut` (a
`SoftTimeLimitExceeded`, so one handler serves both) inside the thread running the stage when it
has run past `SQUIGGLE["STAGE_TIME_LIMIT_S"]`. Stages write their rows in one atomic block, so
the exception rolls back whatever that stage had started to write.

Like Celery's soft limit, the exception arrives between Python bytecodes: a stage stuck inside
one long native call (a model's forward pass) stops when that call returns. On a prefork worker
the task's hard `time_limit` (`task_time_limits`) ends a process that never returns.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

# analysis.stages() with every stage on; the task's own limit leaves room for all of them.
MOST_STAGES = 5
# Loading the revision and saving progress between stages, outside any stage's limit.
TASK_MARGIN_S = 60.0


class StageTimedOut(SoftTimeLimitExceeded):
    """A stage ran past its time limit (raised by class in the stage's thread, so no message:
    the task that catches it names the stage and the limit)."""


def stage_limit_s() -> float:
    """How long one stage may run, in seconds (SQUIGGLE_STAGE_TIME_LIMIT_S)."""
    return float(settings.SQUIGGLE["STAGE_TIME_LIMIT_S"])


def task_time_limits(stage_limit: float) -> tuple[float, float]:
    """Celery's (soft_time_limit, time_limit) for the analysis task: every stage at its limit
    plus the margin, then a hard limit one margin later so the soft one always fires first."""
    soft = MOST_STAGES * stage_limit + TASK_MARGIN_S
    return soft, soft + TASK_MARGIN_S


def _raise_in_thread(thread_id: int, exc_type: type[BaseException] | None) -> None:
    """Make `exc_type` be raised in another thread at its next bytecode (CPython API);
    None takes back one not raised yet."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), None if exc_type is None else ctypes.py_object(exc_type))


@contextmanager
def stage_time_limit(limit_s: float) -> Iterator[None]:
    """Raise `StageTimedOut` in this thread if the body runs longer than `limit_s` seconds.

    A stage that swallows the exception (a broad `except`) still fails when it returns late.
    """
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"finished": False, "fired": False}

    def expire() -> None:
        with lock:  # never fire into code that has already left the stage
            if not state["finished"]:
                state["fired"] = True
                _raise_in_thread(target, StageTimedOut)

    timer = threading.Timer(limit_s, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["finished"] = True
            if state["fired"]:  # not delivered yet: raised below instead, exactly once
                _raise_in_thread(target, None)
        timer.cancel()
    if state["fired"]:  # the body finished (or swallowed the exception) after the limit
        raise StageTimedOut()
