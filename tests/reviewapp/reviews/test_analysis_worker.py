"""A real Celery worker on the Redis broker analyses a revision stored in PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from reviewapp.reviews.models import AnalysisJob
from reviewapp.reviews.services import DiffInput, create_change_set

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    """A `celery worker` process sharing this test's database and the Redis broker."""
    if not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL (make test sets both)")
    from reviewapp.celery import app

    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url,
               SQUIGGLE_ANALYSIS_ML="0", DJANGO_SETTINGS_MODULE="reviewapp.settings")
    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reviewapp", "worker", "--pool=solo",
         "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env,
    )
    app.conf.task_always_eager = False
    yield process
    process.terminate()
    process.wait(timeout=20)


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
