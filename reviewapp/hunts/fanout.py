"""Validation shared by the Celery workers of the `hunts` queue, through the database.

The worker running a hunt (the coordinator) reproduces and localizes, then its `FanoutPool`:
1. stores the reproduced scratch copy (`BugHunt.snapshot`), the failing tests and the wall
   deadline on the hunt, and enqueues the candidates best first as `QueuedCandidate` rows;
2. sends `parallel - 1` `validate_hunt_candidates` tasks to the `hunts` queue: any free
   worker, on any machine, unpacks the snapshot into its own sandbox and validates candidates;
3. validates candidates itself in the sandbox slots no helper holds, and collects everyone's
   outcomes, which go through the hunt engine like local ones (budget charged, progress
   published, `Candidate` rows).

Every validator claims the next pending row under a row lock (SKIP LOCKED), so no candidate
runs twice. Budget and cancel reach every worker: helpers stop at the deadline and on
`cancel_requested`; the coordinator, which charges CPU seconds as outcomes arrive, marks the
rows still pending `skipped` once the hunt must stop (budget, cancel, enough patches).
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta

from django import db
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from .engine.candidates import RepairCandidate
from .engine.pool import LocalPool, ValidationSetup, ValidatorPool
from .engine.reproduce import TestCommand
from .engine.sandbox import Sandbox
from .engine.validate import Validation, validate
from .models import BugHunt, QueuedCandidate

log = logging.getLogger(__name__)

POLL_S = 0.3  # how often the coordinator looks for others' outcomes when it has nothing to run
MAX_SNAPSHOT_BYTES = 64 * 1024**2  # larger repositories are validated on the coordinator only
# A claimed candidate whose worker has not answered in this long (past the run's wall limit,
# twice: failing tests, then the suite) is given to another worker.
ABANDONED_GRACE_S = 30


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def pool_factory(hunt: BugHunt, dispatch: Callable[[int], None]
                 ) -> Callable[[ValidationSetup, int], ValidatorPool]:
    """`run_hunt`'s pool factory for `hunt`: shared with other workers when there is more than
    one sandbox to fill and the snapshot is small enough to hand around."""

    def make(setup: ValidationSetup, parallel: int) -> ValidatorPool:
        if parallel < 2:
            return LocalPool(setup, parallel)
        snapshot = setup.box.archive()
        if len(snapshot) > MAX_SNAPSHOT_BYTES:
            log.warning("hunt %s: a %d-byte snapshot is too large to share; validating here",
                        hunt.pk, len(snapshot))
            return LocalPool(setup, parallel)
        return FanoutPool(hunt, setup, snapshot, parallel, dispatch=dispatch)

    return make


class FanoutPool:
    """The coordinator's side: enqueue, send helpers, validate too, collect everyone's outcomes.

    `parallel` sandboxes run at once across all workers: the coordinator fills the slots no
    helper has taken (all of them while the helper tasks wait for a free worker)."""

    def __init__(self, hunt: BugHunt, setup: ValidationSetup, snapshot: bytes, parallel: int,
                 dispatch: Callable[[int], None]) -> None:
        self.hunt_id = hunt.pk
        self.setup = setup
        self.parallel = parallel
        self.dispatch = dispatch  # sends one helper task for this hunt to the queue
        self.worker = worker_name()
        self.slots = [setup.box]  # clones are made when the coordinator needs more
        self.free: queue.Queue[Sandbox] = queue.Queue()
        self.free.put(setup.box)
        BugHunt.objects.filter(pk=hunt.pk).update(
            snapshot=snapshot, failing_tests=setup.failing, validating_helpers=0,
            validation_deadline=datetime.fromtimestamp(setup.deadline, tz=UTC))

    def validate(self, candidates: Iterable[RepairCandidate],
                 may_start: Callable[[], bool]) -> Iterator[Validation]:
        if not self._enqueue(candidates):
            return
        for _ in range(self.parallel - 1):
            self.dispatch(self.hunt_id)
        queued = QueuedCandidate.objects.filter(hunt_id=self.hunt_id)
        running: set[Future] = set()
        with ThreadPoolExecutor(max_workers=self.parallel) as executor:
            while True:
                yield from self._collect()
                if not may_start():
                    queued.filter(state=QueuedCandidate.PENDING).update(
                        state=QueuedCandidate.SKIPPED)
                else:
                    helpers = BugHunt.objects.filter(pk=self.hunt_id).values_list(
                        "validating_helpers", flat=True).first() or 0
                    # at least one here: a helper that died without saying so holds no slot
                    while (len(running) < max(1, self.parallel - helpers)
                           and queued.filter(state=QueuedCandidate.PENDING).exists()):
                        running.add(executor.submit(self._validate_here))
                if not running and not queued.filter(
                        state__in=(QueuedCandidate.PENDING, QueuedCandidate.RUNNING)).exists():
                    yield from self._collect()
                    return
                if running:
                    done, running = wait(running, timeout=POLL_S, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()  # a crash in a validating thread ends the hunt
                else:  # only helpers are validating: look again in a moment
                    time.sleep(POLL_S)
                self._requeue_abandoned()

    def close(self) -> None:
        QueuedCandidate.objects.filter(hunt_id=self.hunt_id).delete()
        BugHunt.objects.filter(pk=self.hunt_id).update(snapshot=None)
        for slot in self.slots[1:]:  # the first is the hunt's own sandbox
            slot.close()

    def _validate_here(self) -> bool:
        """One candidate in a free sandbox of this process (runs in a thread)."""
        try:
            slot = self.free.get_nowait()
        except queue.Empty:
            slot = self.setup.box.clone()
            self.slots.append(slot)
        try:
            setup = ValidationSetup(slot, self.setup.command, self.setup.failing,
                                    self.setup.deadline)
            return validate_next(self.hunt_id, setup, self.worker)
        finally:
            self.free.put(slot)
            db.connection.close()  # this thread's own connection

    def _enqueue(self, candidates: Iterable[RepairCandidate]) -> int:
        start = QueuedCandidate.objects.filter(hunt_id=self.hunt_id).aggregate(
            last=Max("position"))["last"]
        start = -1 if start is None else start
        rows = [QueuedCandidate(hunt_id=self.hunt_id, position=start + 1 + i, path=c.path,
                                new_text=c.new_text, stage=c.stage, kind=c.kind, line=c.line,
                                score=c.score, description=c.description)
                for i, c in enumerate(candidates)]
        QueuedCandidate.objects.bulk_create(rows, batch_size=200)
        return len(rows)

    def _collect(self) -> Iterator[Validation]:
        """Outcomes stored since the last look, each collected once, in queue order."""
        with transaction.atomic():
            done = list(QueuedCandidate.objects.select_for_update().filter(
                hunt_id=self.hunt_id, state=QueuedCandidate.DONE).order_by("position"))
            QueuedCandidate.objects.filter(pk__in=[row.pk for row in done]).update(
                state=QueuedCandidate.COLLECTED)
        for row in done:
            yield _validation_of(row)

    def _requeue_abandoned(self) -> None:
        stale = timezone.now() - timedelta(
            seconds=2 * self.setup.box.limits.wall_s + ABANDONED_GRACE_S)
        QueuedCandidate.objects.filter(
            hunt_id=self.hunt_id, state=QueuedCandidate.RUNNING, claimed_at__lt=stale,
        ).update(state=QueuedCandidate.PENDING, worker="", claimed_at=None)


def validate_next(hunt_id: int, setup: ValidationSetup, worker: str) -> bool:
    """Claim the hunt's next pending candidate, validate it in `setup.box` and store what the
    tests said; False when nothing was pending."""
    with transaction.atomic():
        row = (QueuedCandidate.objects.select_for_update(skip_locked=True)
               .filter(hunt_id=hunt_id, state=QueuedCandidate.PENDING)
               .order_by("position").first())
        if row is None:
            return False
        row.state, row.worker, row.claimed_at = QueuedCandidate.RUNNING, worker, timezone.now()
        row.save(update_fields=["state", "worker", "claimed_at"])
    candidate = _candidate_of(row)
    original = (setup.box.work / candidate.path).read_text(encoding="utf-8")
    validation = validate(setup.box, setup.command, candidate, original, setup.failing,
                          setup.timeout_s())
    outcome = {"status": validation.status, "diff": validation.diff,
               "tests_passed": validation.tests_passed, "tests_failed": validation.tests_failed,
               "failed_tests": validation.failed_tests, "output": validation.output[-20000:],
               "wall_s": validation.wall_s, "cpu_s": validation.cpu_s, "worker": worker}
    # Only a row still ours is answered: one requeued as abandoned belongs to its new worker.
    QueuedCandidate.objects.filter(pk=row.pk, state=QueuedCandidate.RUNNING,
                                   worker=worker).update(state=QueuedCandidate.DONE,
                                                         outcome=outcome)
    return True


def help_validate(hunt_id: int) -> int:
    """A helper worker's share of a running hunt: validate pending candidates until none is
    left, the wall budget ends or the hunt is cancelled; how many it validated."""
    hunt = BugHunt.objects.filter(pk=hunt_id, state=BugHunt.RUNNING).first()
    if hunt is None or not hunt.snapshot or hunt.validation_deadline is None:
        return 0  # finished, or its candidates are gone already
    deadline = hunt.validation_deadline.timestamp()
    worker = worker_name()
    validated = 0
    helping = BugHunt.objects.filter(pk=hunt_id)
    helping.update(validating_helpers=F("validating_helpers") + 1)  # one slot fewer for the
    try:                                                              # coordinator to fill
        with Sandbox.from_archive(bytes(hunt.snapshot)) as box:
            setup = ValidationSetup(box, TestCommand.parse(hunt.test_command),
                                    list(hunt.failing_tests), deadline)
            while time.time() < deadline and not BugHunt.objects.filter(
                    pk=hunt_id, cancel_requested=True).exists():
                if not validate_next(hunt_id, setup, worker):
                    break
                validated += 1
    finally:
        helping.update(validating_helpers=F("validating_helpers") - 1)
    return validated


def _candidate_of(row: QueuedCandidate) -> RepairCandidate:
    return RepairCandidate(path=row.path, new_text=row.new_text, stage=row.stage, kind=row.kind,
                           line=row.line, score=row.score, description=row.description)


def _validation_of(row: QueuedCandidate) -> Validation:
    outcome = row.outcome
    return Validation(
        candidate=_candidate_of(row), status=outcome["status"], diff=outcome["diff"],
        tests_passed=outcome["tests_passed"], tests_failed=outcome["tests_failed"],
        failed_tests=outcome["failed_tests"], output=outcome["output"],
        wall_s=outcome["wall_s"], cpu_s=outcome["cpu_s"], worker=outcome["worker"])
