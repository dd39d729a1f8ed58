"""Scale-out on the existing engines: two Celery workers and one inference service, on
PostgreSQL and Redis. Both workers take jobs, every job runs once, and the language model's
importance runs in the service (SQUIGGLE_INFERENCE_URL), not in the workers."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import ExitStack

import pytest

from reviewapp.reviews.models import AnalysisJob, Hunk
from reviewapp.reviews.services import DiffInput, create_change_set
from tests.live_squiggle import (
    ROOT,
    celery_worker_on_test_database,
    free_port,
    wait_until_healthy,
)

pytestmark = [pytest.mark.integration, pytest.mark.ml, pytest.mark.timeout(600),
              pytest.mark.django_db(transaction=True)]

JOBS = 6


@pytest.fixture
def inference_service(tmp_path):
    """`python -m inference serve` on a free port, its log in a file; stopped afterwards."""
    port = free_port()
    log = (tmp_path / "inference.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "inference", "serve", "--port", str(port)],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, (tmp_path / "inference.log").read_text)
        yield url, tmp_path / "inference.log"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_two_workers_share_the_jobs_and_the_inference_service(repository, member, sample_diff,
                                                              inference_service):
    url, service_log = inference_service
    env = {"SQUIGGLE_ANALYSIS_ML": "1", "SQUIGGLE_IMPORTANCE": '{"use_lm": true}',
           "SQUIGGLE_INFERENCE_URL": url}
    with ExitStack() as workers:
        for name in ("first", "second"):
            workers.enter_context(celery_worker_on_test_database(name=name, **env))
        revisions = [create_change_set(repository, f"change {n}", member,
                                       DiffInput(diff=sample_diff.encode()))
                     for n in range(JOBS)]
        deadline = time.monotonic() + 400
        while AnalysisJob.objects.exclude(state=AnalysisJob.DONE).exists():
            failed = AnalysisJob.objects.filter(state=AnalysisJob.FAILED).first()
            assert failed is None, failed.error
            assert time.monotonic() < deadline, list(AnalysisJob.objects.values(
                "state", "stage", "worker"))
            time.sleep(0.5)
    jobs = list(AnalysisJob.objects.all())
    assert len(jobs) == JOBS and all(job.attempts == 1 for job in jobs)
    assert {job.worker.split("@")[0] for job in jobs} == {"first", "second"}
    assert all("importance (language model)" in job.timings for job in jobs)
    hunks = Hunk.objects.filter(file__revision=revisions[0]).count()
    for revision in revisions:  # stored once, and scored by the LM stage through the service
        assert Hunk.objects.filter(file__revision=revision).count() == hunks
        assert not Hunk.objects.filter(file__revision=revision, importance=None).exists()
    served = service_log.read_text()
    assert served.count("POST /v1/score") >= JOBS, served[-2000:]
