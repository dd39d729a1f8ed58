"""A real Celery worker on the Redis broker analyses a revision stored in PostgreSQL."""

from __future__ import annotations

import time

import pytest

from reviewapp.reviews.models import AnalysisJob
from reviewapp.reviews.services import DiffInput, create_change_set
from tests.live_squiggle import celery_worker_on_test_database

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    """A `celery worker` process sharing this test's database and the Redis broker."""
    with celery_worker_on_test_database() as process:
        yield process


def test_worker_finishes_the_analysis_job(worker, repository, member, sample_diff):
    revision = create_change_set(repository, "Worker", member, DiffInput(diff=sample_diff.encode()))
    job = revision.jobs.get()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (AnalysisJob.DONE, AnalysisJob.FAILED):
            break
        time.sleep(0.5)
    assert job.state == AnalysisJob.DONE, job.error
    assert job.finished_at is not None


def test_rerunning_the_task_does_not_duplicate_rows(repository, member, sample_diff):
    """Idempotent per revision: a redelivered task leaves the same rows."""
    from reviewapp.reviews.tasks import analyze_revision

    revision = create_change_set(repository, "Twice", member, DiffInput(diff=sample_diff.encode()))
    job = revision.jobs.get()
    counts = (revision.files.count(), revision.findings.count())
    job.state = AnalysisJob.QUEUED
    job.save()
    analyze_revision.apply(args=[job.pk])
    assert (revision.files.count(), revision.findings.count()) == counts
    assert revision.jobs.get().state == AnalysisJob.DONE
