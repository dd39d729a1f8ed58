"""The life of an analysis job: queued, claimed by one worker, kept alive, never lost.

A worker *claims* a job atomically before it runs it, so a redelivered or re-enqueued message
for a job another live worker holds does nothing. While it runs, a heartbeat thread marks the job
alive. A job whose worker died (no heartbeat for `JOB_STALE_S`) is requeued by
`requeue_stale_jobs`, which `runsquiggle` runs every few seconds and a worker runs when it starts;
a job that keeps losing its worker is failed with the reason instead of looping forever.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import AnalysisJob, ChangeSet, Revision

log = logging.getLogger(__name__)


def refresh_connection() -> None:
    """Drop a broken or expired database connection (long-lived loops, after an error).

    Never inside a transaction: closing there would end it.
    """
    if not connection.in_atomic_block:
        close_old_connections()


def _stale_s() -> float:
    return float(settings.SQUIGGLE["JOB_STALE_S"])


def enqueue(job: AnalysisJob) -> None:
    """Send the job to the workers once the surrounding transaction has committed."""
    from .tasks import analyze_revision

    job_id = job.pk
    transaction.on_commit(lambda: analyze_revision.delay(job_id))


def claim(job_id: int, worker: str = "") -> AnalysisJob | None:
    """Mark the job running for this worker (its Celery hostname, kept on the job); None when
    it is finished or alive elsewhere."""
    now = timezone.now()
    stale = now - timedelta(seconds=_stale_s())
    claimable = Q(state=AnalysisJob.QUEUED) | Q(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True), state=AnalysisJob.RUNNING)
    taken = AnalysisJob.objects.filter(claimable, pk=job_id).update(
        state=AnalysisJob.RUNNING, started_at=now, heartbeat_at=now, error="",
        attempts=F("attempts") + 1, worker=worker[:200])
    if not taken:
        return None
    return AnalysisJob.objects.select_related("revision").get(pk=job_id)


@contextmanager
def heartbeat(job: AnalysisJob) -> Iterator[None]:
    """Refresh the job's heartbeat from a side thread while the body runs."""
    interval = float(settings.SQUIGGLE["JOB_HEARTBEAT_S"])
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    AnalysisJob.objects.filter(pk=job.pk, state=AnalysisJob.RUNNING).update(
                        heartbeat_at=timezone.now())
                except Exception:  # a missed beat (a busy database) is retried at the next
                    log.warning("heartbeat of job %s failed", job.pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def touch_change_set(revision: Revision) -> None:
    """The review list sorts by last update; a finished analysis is an update."""
    ChangeSet.objects.filter(pk=revision.change_set_id).update(updated_at=timezone.now())


def requeue_stale_jobs(stale_s: float | None = None) -> int:
    """Requeue running jobs whose worker went silent and re-send long-queued ones.

    Silent means no heartbeat for `stale_s` seconds (default JOB_STALE_S). Returns how many
    jobs were requeued or failed. Safe to run anywhere, any number of times: `claim` makes a
    duplicate message harmless.
    """
    refresh_connection()
    now = timezone.now()
    stale = now - timedelta(seconds=_stale_s() if stale_s is None else stale_s)
    max_attempts = int(settings.SQUIGGLE["JOB_MAX_ATTEMPTS"])
    handled = 0
    dead = AnalysisJob.objects.filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True), state=AnalysisJob.RUNNING)
    for job in dead.select_related("revision"):
        silent = "no heartbeat" if job.heartbeat_at is None else \
            f"no heartbeat for {(now - job.heartbeat_at).total_seconds():.0f} s"
        where = f" during {job.stage}" if job.stage else ""
        if job.attempts >= max_attempts:
            changed = AnalysisJob.objects.filter(pk=job.pk, state=AnalysisJob.RUNNING).update(
                state=AnalysisJob.FAILED, finished_at=now,
                error=f"the analysis worker stopped {job.attempts} times{where} ({silent}); "
                      "retry when the cause is fixed (memory, a crash in the log)")
            if changed:
                touch_change_set(job.revision)
        else:
            changed = AnalysisJob.objects.filter(pk=job.pk, state=AnalysisJob.RUNNING).update(
                state=AnalysisJob.QUEUED, heartbeat_at=now,
                error=f"requeued: the worker stopped{where} ({silent})")
            if changed:
                log.warning("job %s requeued: its worker stopped%s", job.pk, where)
                _send(job.pk)
        handled += changed
    # Queued long ago: the message may have died with a worker (a filesystem broker drops it
    # when it is taken). Sending it again is harmless.
    forgotten = AnalysisJob.objects.filter(state=AnalysisJob.QUEUED).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True))
    for job_id in list(forgotten.values_list("pk", flat=True)):
        if AnalysisJob.objects.filter(pk=job_id, state=AnalysisJob.QUEUED).update(
                heartbeat_at=now):
            _send(job_id)
    return handled


def _send(job_id: int) -> None:
    from .tasks import analyze_revision

    try:
        analyze_revision.delay(job_id)
    except Exception:  # broker down: the next sweep tries again
        log.warning("could not enqueue job %s", job_id, exc_info=True)


def reanalyze(revision: Revision) -> AnalysisJob:
    """A fresh analysis of the revision, unless one is already queued or running."""
    with transaction.atomic():
        # Lock the revision so two clicks on "Retry" cannot start two analyses.
        Revision.objects.select_for_update().filter(pk=revision.pk).first()
        active = revision.jobs.filter(state__in=[AnalysisJob.QUEUED, AnalysisJob.RUNNING]).first()
        if active is not None:
            return active
        job = AnalysisJob.objects.create(revision=revision, heartbeat_at=timezone.now())
        touch_change_set(revision)
        enqueue(job)
    return job


def wait(job: AnalysisJob, timeout_s: float | None = None, poll_s: float = 0.5) -> AnalysisJob:
    """The job, reloaded until it is done or failed (or `timeout_s` has passed)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        job.refresh_from_db()
        if job.finished or (deadline is not None and time.monotonic() > deadline):
            return job
        time.sleep(poll_s)
