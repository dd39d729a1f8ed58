"""Where candidates are validated: a pool of sandboxes that turns candidates into validations.

The hunt hands a pool its candidates best first and a `may_start` question (asked before each
candidate starts: the budget, cancel and "enough patches" live in the hunt); the pool yields
each `Validation` as it finishes. `LocalPool` runs sandboxes in threads on this machine (the
CLI, eager tasks, the benchmark); `reviewapp.hunts.fanout.FanoutPool` shares the candidates
with other Celery workers through the database.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from .candidates import RepairCandidate
from .reproduce import TestCommand
from .sandbox import Sandbox
from .validate import Validation, validate


@dataclass
class ValidationSetup:
    """What every validator needs: the reproduced sandbox, the command and the failing tests."""

    box: Sandbox  # the scratch copy the hunt reproduced the bug in
    command: TestCommand
    failing: list[str]
    deadline: float  # time.time() at which the wall budget ends (comparable across machines)

    def timeout_s(self) -> float:
        """One test run's wall limit: the sandbox's, or what is left of the budget."""
        return max(5.0, min(self.box.limits.wall_s, self.deadline - time.time()))


class ValidatorPool(Protocol):
    def validate(self, candidates: Iterable[RepairCandidate],
                 may_start: Callable[[], bool]) -> Iterator[Validation]:
        """Validations as they finish; a candidate starts only while `may_start()` is true."""

    def close(self) -> None:
        """Give back the sandboxes and whatever else the pool holds."""


PoolFactory = Callable[[ValidationSetup, int], ValidatorPool]


class LocalPool:
    """`parallel` sandboxes on this machine (the setup's and clones of it), one thread each."""

    def __init__(self, setup: ValidationSetup, parallel: int) -> None:
        self.setup = setup
        self.slots = [setup.box] + [setup.box.clone() for _ in range(max(parallel, 1) - 1)]

    def validate(self, candidates: Iterable[RepairCandidate],
                 may_start: Callable[[], bool]) -> Iterator[Validation]:
        free: queue.Queue[Sandbox] = queue.Queue()
        for slot in self.slots:
            free.put(slot)

        def one(candidate: RepairCandidate) -> Validation:
            slot = free.get()
            try:
                original = (slot.work / candidate.path).read_text(encoding="utf-8")
                return validate(slot, self.setup.command, candidate, original,
                                self.setup.failing, self.setup.timeout_s())
            finally:
                free.put(slot)

        pending: set[Future] = set()
        remaining = iter(candidates)
        with ThreadPoolExecutor(max_workers=len(self.slots)) as executor:
            while True:
                while len(pending) < len(self.slots) and may_start():
                    candidate = next(remaining, None)
                    if candidate is None:
                        break
                    pending.add(executor.submit(one, candidate))
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()

    def close(self) -> None:
        for slot in self.slots[1:]:  # the first is the hunt's own sandbox
            slot.close()
