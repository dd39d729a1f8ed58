"""An inference service (SQUIGGLE_INFERENCE_URL) that is down, failing or too slow is a
temporary error: the analysis retries with backoff and finishes once the service answers, or
fails with the reason after its last retry."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

import inference.client
from reviewapp.celery import app
from reviewapp.reviews import analysis
from reviewapp.reviews.models import AnalysisJob
from reviewapp.reviews.tasks import MAX_RETRIES, analyze_revision
from tests.fake_inference import FakeInferenceService, serving
from tests.live_squiggle import free_port

pytestmark = pytest.mark.django_db

LM_STAGE = ("importance (language model)", analysis.refine_importance)


@pytest.fixture
def lm_over_http(settings, monkeypatch):
    """The analysis runs only the language-model stage, through the HTTP client at a free
    port; the retries' backoff is recorded instead of waited for. Yields (port, delays)."""
    port = free_port()
    settings.SQUIGGLE = {**settings.SQUIGGLE, "IMPORTANCE": {"use_lm": True}}
    monkeypatch.setenv("SQUIGGLE_INFERENCE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("SQUIGGLE_INFERENCE_TIMEOUT", "0.5")
    monkeypatch.setattr(inference.client, "_client", None)  # chosen again from the env
    monkeypatch.setattr(analysis, "stages", lambda revision: [LM_STAGE])
    # Celery runs an eager retry's retry through `apply()` without `throw=False`: with eager
    # propagation on (the settings' default) the second retry would escape as an exception.
    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    delays: list[int] = []
    yield port, delays
    app.conf.task_eager_propagates = propagates
    if inference.client._client is not None:
        inference.client._client.close()


def _queued(review) -> AnalysisJob:
    job = review.jobs.get()
    AnalysisJob.objects.filter(pk=job.pk).update(state=AnalysisJob.QUEUED)
    return job


def test_the_analysis_waits_out_a_service_that_is_not_up_yet(review, lm_over_http,
                                                             monkeypatch):
    port, delays = lm_over_http
    with ExitStack() as stack:
        services: list[FakeInferenceService] = []

        def come_up_during_backoff(retries: int) -> int:
            delays.append(retries)
            if not services:  # the service starts, its model still loading, while we wait
                services.append(stack.enter_context(serving(port, ["503"])))
            return 0

        monkeypatch.setattr("reviewapp.reviews.tasks.retry_delay", come_up_during_backoff)
        job = _queued(review)
        analyze_revision.apply(args=[job.pk], throw=False)
    job.refresh_from_db()
    assert (job.state, job.error) == ("done", "")
    assert delays == [0, 1]  # refused, then one 503, then answered
    assert "/v1/score" in services[0].routes


@pytest.mark.parametrize("script", [["503"], ["slow"]], ids=["server-error", "timeout"])
def test_a_failing_or_slow_answer_is_retried(review, lm_over_http, monkeypatch, script):
    port, delays = lm_over_http
    monkeypatch.setattr("reviewapp.reviews.tasks.retry_delay",
                        lambda retries: delays.append(retries) or 0)
    with serving(port, script) as service:
        job = _queued(review)
        analyze_revision.apply(args=[job.pk], throw=False)
    job.refresh_from_db()
    assert (job.state, job.error) == ("done", "")
    assert delays == [0]  # one retry
    assert "/v1/score" in service.routes


def test_a_service_that_never_comes_up_fails_the_job_with_the_reason(review, lm_over_http,
                                                                     monkeypatch):
    port, delays = lm_over_http
    monkeypatch.setattr("reviewapp.reviews.tasks.retry_delay",
                        lambda retries: delays.append(retries) or 0)
    job = _queued(review)
    analyze_revision.apply(args=[job.pk], throw=False)
    job.refresh_from_db()
    assert delays == list(range(MAX_RETRIES))
    assert job.state == AnalysisJob.FAILED and job.stage == LM_STAGE[0]
    assert job.error.startswith(f"inference service at http://127.0.0.1:{port}")
    assert job.error.endswith(f"(still failing after {MAX_RETRIES} retries)")
