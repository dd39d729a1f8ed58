"""A worker killed in the middle of a stage loses nothing: its job finishes once a worker is back,
once, without duplicate rows."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

REAL_DIFF = (Path(__file__).parents[2] / "data" / "real" / "click-7d05a59b.diff").read_text()
ML_STAGES = ("bug detection", "importance (language model)")
HUNKS = sum(1 for line in REAL_DIFF.splitlines() if line.startswith("@@ "))


def _wait_for_model_stage(app, client, page) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job = app.job(client, page)
        if job["state"] == "running" and job["stage"].startswith(ML_STAGES):
            return job
        assert job["state"] in ("queued", "running"), job
        time.sleep(0.1)
    raise AssertionError(f"no model stage within 180 s: {job}")


def _assert_stored_once(app, page) -> None:
    revision = page.url.path.rstrip("/").split("/")
    change_set, number = int(revision[-3]), int(revision[-1])
    rows = app.query(
        "SELECT (SELECT COUNT(*) FROM reviews_filechange f WHERE f.revision_id = r.id), "
        "(SELECT COUNT(*) FROM reviews_hunk h JOIN reviews_filechange f ON f.id = h.file_id "
        " WHERE f.revision_id = r.id), "
        "(SELECT COUNT(*) FROM reviews_analysisjob j WHERE j.revision_id = r.id) "
        f"FROM reviews_revision r WHERE r.change_set_id = {change_set} AND r.number = {number}")
    assert rows == [(4, HUNKS, 1)]


def test_a_worker_killed_mid_stage_is_restarted_and_its_job_finishes(live_app):
    client = live_app.login()
    page = live_app.submit(client, "killed worker", REAL_DIFF)
    _wait_for_model_stage(live_app, client, page)
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
    _wait_for_model_stage(embedded_app, client, page)
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
