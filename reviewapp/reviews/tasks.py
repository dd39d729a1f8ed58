"""Celery tasks: the analysis of a revision, stage by stage, idempotent per revision."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from inference.client import InferenceUnavailable

from . import analysis, jobs, time_limits
from .models import AnalysisJob
from .progress import publish
from .signals import analysis_finished

log = logging.getLogger(__name__)

# Worth another try: a busy or restarting database, a dropped connection, an inference service
# (SQUIGGLE_INFERENCE_URL) that is down, restarting or answering 5xx.
TRANSIENT = (OperationalError, InterfaceError, InferenceUnavailable)
MAX_RETRIES = 4
# Celery's own limits for the whole task (prefork workers); each stage has its own, enforced
# in any pool by time_limits.stage_time_limit.
SOFT_TIME_LIMIT_S, HARD_TIME_LIMIT_S = time_limits.task_time_limits(time_limits.stage_limit_s())


def retry_delay(retries: int) -> int:
    """Exponential backoff in seconds: 2, 4, 8, 16 ... capped at a minute."""
    return min(60, 2 ** (retries + 1))


# acks_late + reject_on_worker_lost: the message is acknowledged only once the task has
# finished, and a worker killed mid-task hands it back to the broker for another worker.
@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=SOFT_TIME_LIMIT_S, time_limit=HARD_TIME_LIMIT_S)
def analyze_revision(self, job_id: int) -> None:
    """Run every analysis stage for the job's revision; a rerun replaces, never duplicates."""
    try:
        job = jobs.claim(job_id, worker=self.request.hostname or "")
    except TRANSIENT as exc:  # the database is away (restarting): try the claim again later
        jobs.refresh_connection()
        log.warning("job %s: %s while claiming it; retrying", job_id, exc)
        raise self.retry(countdown=retry_delay(self.request.retries)) from exc
    if job is None:  # finished, or a live worker holds it
        return
    revision = job.revision
    try:
        with jobs.heartbeat(job):
            _run_stages(job)
    except TRANSIENT as exc:
        jobs.refresh_connection()
        if self.request.retries < MAX_RETRIES:
            delay = retry_delay(self.request.retries)
            log.warning("job %s: %s in %s; retrying in %s s", job.pk, exc, job.stage, delay)
            AnalysisJob.objects.filter(pk=job.pk).update(
                state=AnalysisJob.QUEUED, heartbeat_at=timezone.now(),
                error=f"retrying in {delay} s after a temporary error: {exc}")
            raise self.retry(countdown=delay) from exc
        _fail(job, f"{_reason(exc)} (still failing after {MAX_RETRIES} retries)")
    except SoftTimeLimitExceeded as exc:
        log.warning("analysis of %s ran out of time in stage %s", revision, job.stage)
        _fail(job, _over_time(exc))
    except Exception as exc:
        log.exception("analysis of %s failed in stage %s", revision, job.stage)
        _fail(job, _reason(exc))
    else:
        job.state, job.progress, job.stage, job.error = AnalysisJob.DONE, 1.0, "", ""
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "progress", "stage", "error", "finished_at", "timings"])
    jobs.touch_change_set(revision)
    publish(revision.change_set_id, {"job": job.as_json(), "revision": revision.number})
    analysis_finished.send(sender=AnalysisJob, job=job)


def _run_stages(job: AnalysisJob) -> None:
    """The revision is read once; each stage computes outside any transaction and writes its
    rows in a short one."""
    revision = job.revision
    stages = analysis.stages(revision)
    stored = analysis.load_revision(revision)
    for number, (name, stage) in enumerate(stages):
        job.stage, job.progress = name, number / max(len(stages), 1)
        job.save(update_fields=["stage", "progress"])
        publish(revision.change_set_id, {"job": job.as_json(), "revision": revision.number})
        started = time.perf_counter()
        with time_limits.stage_time_limit(time_limits.stage_limit_s()):
            stage(stored)
        job.timings[name] = round(time.perf_counter() - started, 3)
        job.save(update_fields=["timings"])


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _over_time(exc: SoftTimeLimitExceeded) -> str:
    """The reason for a stage (ours) or the whole task (Celery's soft limit) out of time."""
    if isinstance(exc, time_limits.StageTimedOut):
        return f"took longer than {time_limits.stage_limit_s():g} s"
    return f"the analysis took longer than {SOFT_TIME_LIMIT_S:g} s in all"


def _fail(job: AnalysisJob, reason: str) -> None:
    """Failed, with the reason in plain words; the stage is kept beside it, not inside it."""
    job.state, job.error = AnalysisJob.FAILED, reason
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "finished_at", "timings"])


@shared_task
def requeue_stale_jobs() -> int:
    """The periodic sweep (Celery beat in production; `runsquiggle` runs it itself)."""
    return jobs.requeue_stale_jobs()


@worker_ready.connect
def _sweep_on_start(**_: object) -> None:
    """A worker that starts picks up what a dead one left behind."""
    try:
        jobs.requeue_stale_jobs()
    except Exception:  # a sweep must never keep a worker from starting
        log.warning("stale-job sweep at worker start failed", exc_info=True)
