"""A review's analysis can have a Celery queue of its own (SQUIGGLE_ANALYSIS_QUEUE, e.g. GPU
workers): only a worker serving that queue takes it."""

from __future__ import annotations

import time

import pytest

from reviewapp.celery import app
from reviewapp.reviews.management.commands.runsquiggle import worker_queues
from reviewapp.reviews.models import AnalysisJob
from reviewapp.reviews.services import DiffInput, create_change_set
from tests.live_squiggle import celery_worker_on_test_database

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ANALYSIS = "reviewapp.reviews.tasks.analyze_revision"


def _state_after(job: AnalysisJob, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (AnalysisJob.DONE, AnalysisJob.FAILED):
            break
        time.sleep(0.5)
    return job.state


def test_the_analysis_is_routed_to_the_configured_queue(settings):
    assert app.amqp.router.route({}, ANALYSIS)["queue"].name == settings.ANALYSIS_QUEUE


def test_only_a_worker_on_the_analysis_queue_takes_the_analysis(repository, member, sample_diff,
                                                                 monkeypatch):
    from reviewapp.reviews.tasks import analyze_revision

    # What SQUIGGLE_ANALYSIS_QUEUE=gpu routes to (the settings' route is read at start-up).
    monkeypatch.setattr(analyze_revision, "queue", "gpu", raising=False)
    monkeypatch.setattr(analyze_revision, "_exec_options", None)  # Celery caches the queue
    with celery_worker_on_test_database(name="cpu"):  # Celery's default queue only
        revision = create_change_set(repository, "Queued", member,
                                     DiffInput(diff=sample_diff.encode()))
        job = revision.jobs.get()
        assert _state_after(job, 8) == AnalysisJob.QUEUED
    with celery_worker_on_test_database("gpu", name="gpu"):
        assert _state_after(job, 60) == AnalysisJob.DONE, job.error


def test_the_embedded_worker_serves_the_analysis_queue(settings):
    settings.ANALYSIS_QUEUE = "gpu"
    assert worker_queues() == "celery,hunts,gpu"
    settings.ANALYSIS_QUEUE = "celery"
    assert worker_queues() == "celery,hunts"
