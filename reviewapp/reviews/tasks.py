"""Celery tasks: the analysis of a revision, stage by stage, idempotent per revision."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import analysis
from .models import AnalysisJob
from .progress import publish
from .signals import analysis_finished

log = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=2, default_retry_delay=5)
def analyze_revision(self, job_id: int) -> None:
    """Run every analysis stage for the job's revision; a rerun replaces, never duplicates."""
    job = AnalysisJob.objects.select_related("revision").filter(pk=job_id).first()
    if job is None or job.state == AnalysisJob.DONE:
        return
    revision = job.revision
    change_set_id = revision.change_set_id
    job.state, job.started_at, job.error = AnalysisJob.RUNNING, timezone.now(), ""
    job.save(update_fields=["state", "started_at", "error"])
    stages = analysis.stages(revision)
    try:
        for number, (name, stage) in enumerate(stages):
            job.stage, job.progress = name, number / max(len(stages), 1)
            job.save(update_fields=["stage", "progress"])
            publish(change_set_id, {"job": job.as_json(), "revision": revision.number})
            started = time.perf_counter()
            with transaction.atomic():
                stage(revision)
            job.timings[name] = round(time.perf_counter() - started, 3)
    except Exception as exc:
        log.exception("analysis of %s failed in stage %s", revision, job.stage)
        job.state, job.error = AnalysisJob.FAILED, f"{job.stage}: {exc}"
    else:
        job.state, job.progress, job.stage = AnalysisJob.DONE, 1.0, ""
    job.finished_at = timezone.now()
    job.save()
    publish(change_set_id, {"job": job.as_json(), "revision": revision.number, "reload": True})
    analysis_finished.send(sender=AnalysisJob, job=job)
