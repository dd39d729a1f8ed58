"""A worker killed in the middle of a stage loses nothing: its job finishes once a worker is back,
once, without duplicate rows."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

REAL_DIFF = (Path(__file__).parents[2] / "data" / "real" / "click-7d05a59b.diff").read_text()
ML_STAGES = ("bug detection", "importance (language model)")
HUNKS = sum(1 for line in REAL_DIFF.splitlines() if line.startswith("@@ "))


def _assert_stored_once(app, page) -> None:
    files, hunks, jobs, _ = app.revision_rows(page)
    assert (files, hunks, jobs) == (4, HUNKS, 1)


def test_a_worker_killed_mid_stage_is_restarted_and_its_job_finishes(live_app):
    client = live_app.login()
    page = live_app.submit(client, "killed worker", REAL_DIFF)
    live_app.wait_stage(client, page, ML_STAGES)
    [worker] = live_app.worker_pids()
    os.kill(worker, signal.SIGKILL)

    job = live_app.wait_job(client, page)
    assert job["state"] == "done", (job, live_app.log())
    assert job["attempts"] == 2  # the killed try and the one that finished
    assert "restarting it" in live_app.log(tail=None)
    assert live_app.worker_pids() and live_app.worker_pids() != [worker]
    _assert_stored_once(live_app, page)


def test_a_job_left_running_by_a_crashed_server_finishes_after_restart(embedded_app):
    client = embedded_app.login()
    page = embedded_app.submit(client, "crashed server", REAL_DIFF)
    embedded_app.wait_stage(client, page, ML_STAGES)
    embedded_app.stop(kill=True)  # web, worker and supervisor all gone at once
    [(state,)] = embedded_app.query(
        "SELECT state FROM reviews_analysisjob ORDER BY id DESC LIMIT 1")
    assert state == "running"

    embedded_app.start()  # `make run` again
    client = embedded_app.login()
    job = embedded_app.wait_job(client, page)
    assert job["state"] == "done", (job, embedded_app.log())
    assert job["attempts"] == 2
    _assert_stored_once(embedded_app, page)
