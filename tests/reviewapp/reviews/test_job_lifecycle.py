"""Analysis jobs: claimed once, requeued when their worker goes silent, failed with a reason,
retried on transient errors, re-run on request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from reviewapp.reviews import analysis, jobs
from reviewapp.reviews.models import AnalysisJob
from reviewapp.reviews.tasks import analyze_revision, retry_delay

pytestmark = pytest.mark.django_db


def _set(job: AnalysisJob, **fields) -> AnalysisJob:
    AnalysisJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def test_a_job_is_claimed_by_one_worker_only(review):
    job = _set(review.jobs.get(), state=AnalysisJob.QUEUED)
    assert jobs.claim(job.pk) is not None
    assert jobs.claim(job.pk) is None  # a duplicate message while the first worker is alive
    assert AnalysisJob.objects.get(pk=job.pk).attempts == 1


def test_a_finished_job_is_not_run_again(review):
    job = _set(review.jobs.get(), state=AnalysisJob.DONE)
    assert jobs.claim(job.pk) is None


def test_a_silent_running_job_is_requeued(review, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.SQUIGGLE["JOB_STALE_S"] + 5)
    job = _set(review.jobs.get(), state=AnalysisJob.RUNNING, stage="bug detection",
               heartbeat_at=long_ago, attempts=1)
    assert jobs.requeue_stale_jobs() == 1
    job.refresh_from_db()
    # Tasks are eager here: the requeued job ran again at once and finished.
    assert job.state == AnalysisJob.DONE and job.attempts == 2


def test_a_job_that_keeps_losing_its_worker_fails_with_the_reason(review, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.SQUIGGLE["JOB_STALE_S"] + 5)
    job = _set(review.jobs.get(), state=AnalysisJob.RUNNING, stage="bug detection",
               heartbeat_at=long_ago, attempts=settings.SQUIGGLE["JOB_MAX_ATTEMPTS"])
    jobs.requeue_stale_jobs()
    job.refresh_from_db()
    assert job.state == AnalysisJob.FAILED
    assert "worker stopped 3 times during bug detection" in job.error


def test_a_live_running_job_is_left_alone(review):
    job = _set(review.jobs.get(), state=AnalysisJob.RUNNING, heartbeat_at=timezone.now())
    assert jobs.requeue_stale_jobs() == 0
    assert AnalysisJob.objects.get(pk=job.pk).state == AnalysisJob.RUNNING


def test_transient_database_errors_retry_with_backoff(review, monkeypatch):
    calls = []

    def flaky(revision):
        calls.append(revision.pk)
        if len(calls) == 1:
            raise OperationalError("database is locked")

    monkeypatch.setattr(analysis, "stages", lambda revision: [("flaky", flaky)])
    monkeypatch.setattr("reviewapp.reviews.tasks.retry_delay", lambda retries: 0)
    job = _set(review.jobs.get(), state=AnalysisJob.QUEUED)
    analyze_revision.apply(args=[job.pk], throw=False)  # eager: the retry runs inline
    job.refresh_from_db()
    assert len(calls) == 2
    assert job.state == AnalysisJob.DONE and job.error == ""


def test_backoff_doubles_and_is_capped():
    assert [retry_delay(n) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]


def test_a_failure_keeps_its_stage_beside_the_reason_not_inside_it(review, monkeypatch):
    def broken(revision):
        raise ValueError("the model file is truncated")

    monkeypatch.setattr(analysis, "stages", lambda revision: [("bug detection", broken)])
    job = _set(review.jobs.get(), state=AnalysisJob.QUEUED)
    analyze_revision.apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.state, job.stage, job.error) == ("failed", "bug detection",
                                                 "the model file is truncated")


def test_retry_button_runs_a_failed_analysis_again(client, member, review,
                                                   django_capture_on_commit_callbacks):
    _set(review.jobs.get(), state=AnalysisJob.FAILED, stage="bug detection", error="boom")
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "analysis failed in bug detection: boom" in page
    assert 'id="retry-analysis"' in page
    url = reverse("reviews:reanalyze", args=[review.change_set_id, review.number])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    latest = review.jobs.first()
    assert latest.state == AnalysisJob.DONE and review.jobs.count() == 2


def test_retry_is_for_members_only(client, outsider, review):
    client.force_login(outsider)
    url = reverse("reviews:reanalyze", args=[review.change_set_id, review.number])
    assert client.post(url).status_code == 404
    assert review.jobs.count() == 1


def test_reanalyze_does_not_start_a_second_job_beside_an_active_one(review):
    active = _set(review.jobs.get(), state=AnalysisJob.RUNNING, heartbeat_at=timezone.now())
    assert jobs.reanalyze(review) == active
    assert review.jobs.count() == 1


@pytest.mark.django_db(transaction=True)
def test_reanalyze_command_queues_and_waits(review, capsys):
    _set(review.jobs.get(), state=AnalysisJob.FAILED, error="boom")
    call_command("reanalyze", str(review.change_set_id), "--wait")
    assert '"state": "done"' in capsys.readouterr().out
    assert review.jobs.first().state == AnalysisJob.DONE


def test_reanalyze_command_names_a_missing_review():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no review 999"):
        call_command("reanalyze", "999")
