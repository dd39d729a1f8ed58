"""Each analysis stage runs under a time limit: past it the job fails with the stage and the
limit named, what the stage had begun to write is rolled back, and a retry runs it again."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from reviewapp.reviews import analysis, jobs, time_limits
from reviewapp.reviews.models import AnalysisJob, Hunk, Revision
from reviewapp.reviews.tasks import HARD_TIME_LIMIT_S, SOFT_TIME_LIMIT_S, analyze_revision
from tests.fake_inference import serving
from tests.live_squiggle import celery_worker_on_test_database, free_port


def _spin(seconds: float) -> None:
    """Busy Python code (a model stage between native calls) for `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.005)


def test_a_stage_past_its_limit_is_interrupted():
    started = time.monotonic()
    with pytest.raises(time_limits.StageTimedOut), time_limits.stage_time_limit(0.1):
        _spin(5)
    assert time.monotonic() - started < 1


def test_a_stage_that_swallows_the_interruption_still_fails():
    with pytest.raises(time_limits.StageTimedOut), time_limits.stage_time_limit(0.1):
        try:
            _spin(5)
        except Exception:  # a careless broad handler inside a stage
            _spin(0.05)


def test_a_stage_within_its_limit_is_never_interrupted_later():
    with time_limits.stage_time_limit(0.1):
        _spin(0.01)
    _spin(0.3)  # the timer was cancelled: nothing is raised here, after the stage


def test_the_task_limits_leave_room_for_every_stage_at_its_limit(settings):
    settings.SQUIGGLE = {**settings.SQUIGGLE, "ANALYSIS_ML": True,
                         "IMPORTANCE": {"use_lm": True}}
    assert len(analysis.stages()) <= time_limits.MOST_STAGES
    stage_limit = time_limits.stage_limit_s()
    assert analyze_revision.soft_time_limit == SOFT_TIME_LIMIT_S
    assert analyze_revision.time_limit == HARD_TIME_LIMIT_S
    assert time_limits.MOST_STAGES * stage_limit < SOFT_TIME_LIMIT_S < HARD_TIME_LIMIT_S


def test_a_killed_worker_hands_the_analysis_back_to_the_broker():
    assert analyze_revision.acks_late is True
    assert analyze_revision.reject_on_worker_lost is True


@pytest.mark.django_db
def test_a_slow_stage_fails_the_job_clearly_and_a_retry_succeeds(
        client, member, review, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.SQUIGGLE = {**settings.SQUIGGLE, "STAGE_TIME_LIMIT_S": 0.2}

    def slow_scoring(stored):
        with transaction.atomic():  # as every stage writes: one block
            Hunk.objects.filter(file__revision=stored.revision).update(reason="half-written")
            _spin(10)

    monkeypatch.setattr(analysis, "stages", lambda revision: [
        ("importance (mechanical)", analysis.score_mechanically), ("slow scoring", slow_scoring)])
    job = review.jobs.get()
    AnalysisJob.objects.filter(pk=job.pk).update(state=AnalysisJob.QUEUED)
    started = time.monotonic()
    analyze_revision.apply(args=[job.pk])
    assert time.monotonic() - started < 5
    job.refresh_from_db()
    assert (job.state, job.stage, job.error) == ("failed", "slow scoring",
                                                 "took longer than 0.2 s")
    assert not Hunk.objects.filter(reason="half-written").exists()
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "analysis failed in slow scoring: took longer than 0.2 s" in page

    monkeypatch.setattr(analysis, "stages", lambda revision: [
        ("importance (mechanical)", analysis.score_mechanically)])
    with django_capture_on_commit_callbacks(execute=True):
        retried = jobs.reanalyze(review)
    retried.refresh_from_db()
    assert retried.pk != job.pk
    assert (retried.state, retried.error) == ("done", "")


@pytest.mark.integration
@pytest.mark.timeout(300)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_in_the_embedded_pool_enforces_the_stage_limit(review):
    """`runsquiggle`'s worker pool (solo), where Celery's own time limits do nothing, on
    PostgreSQL and Redis: the language-model stage waits on a slow inference service past its
    1 s limit and fails the job; once the service is quick again, a retry finishes."""
    port = free_port()
    # Only the mechanical and language-model stages: the bug model is not what is timed here.
    Revision.objects.filter(pk=review.pk).update(config={"stages": {"bug_detection": False}})
    env = {"SQUIGGLE_ANALYSIS_ML": "1", "SQUIGGLE_IMPORTANCE": '{"use_lm": true}',
           "SQUIGGLE_INFERENCE_URL": f"http://127.0.0.1:{port}",
           "SQUIGGLE_STAGE_TIME_LIMIT_S": "1"}
    with serving(port, ["slow"] * 1000, slow_s=3) as service, \
            celery_worker_on_test_database(name="timed", **env):
        job = jobs.wait(jobs.reanalyze(review), timeout_s=180)
        assert (job.state, job.stage, job.error) == (
            "failed", "importance (language model)", "took longer than 1 s"), job.error
        service.script.clear()
        retried = jobs.wait(jobs.reanalyze(review), timeout_s=180)
    assert (retried.state, retried.error) == ("done", "")
    assert retried.timings["importance (language model)"] < 1
