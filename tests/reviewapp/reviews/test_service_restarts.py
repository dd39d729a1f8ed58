"""PostgreSQL or Redis restarted in the middle of an analysis: the job finishes, or fails with a
reason and finishes when retried; no row is lost or stored twice.

Each test runs its own PostgreSQL and Redis (tests/private_services.py): the machine's shared
services are never restarted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

REAL_DIFF = (Path(__file__).parents[2] / "data" / "real" / "click-7d05a59b.diff").read_text()
HUNKS = sum(1 for line in REAL_DIFF.splitlines() if line.startswith("@@ "))
ML_STAGES = ("bug detection", "importance (language model)")


def _finish_or_retry(app, client, page) -> dict:
    """The job's end; a failed one must say why, and a retry (the page's button) finishes it."""
    job = app.wait_job(client, page)
    if job["state"] == "failed":
        assert job["error"].strip(), job
        url = page.url.path + "reanalyze"
        answer = client.post(url, headers=app.csrf(client))
        assert answer.status_code == 200, answer.text[:500]
        job = app.wait_job(client, page)
    return job


def _restart_mid_analysis(app, restart) -> None:
    client = app.login()
    page = app.submit(client, "restart", REAL_DIFF)
    app.wait_stage(client, page, ML_STAGES)
    restart()
    client = app.login()  # the session survives a restart too; a new client proves the web
    job = _finish_or_retry(app, client, page)
    assert job["state"] == "done", (job, app.log())
    files, hunks, jobs, findings = app.revision_rows(page)
    assert (files, hunks, jobs) == (4, HUNKS, 1)
    # Findings are stored once: their count is what a reanalysis on healthy services gives.
    client.post(page.url.path + "reanalyze", headers=app.csrf(client))
    assert app.wait_job(client, page)["state"] == "done"
    files_after, hunks_after, _, findings_after = app.revision_rows(page)
    assert (files_after, hunks_after, findings_after) == (files, hunks, findings)


def test_postgres_restarted_mid_analysis(app_on_private_services):
    app, postgres, _ = app_on_private_services
    _restart_mid_analysis(app, lambda: postgres.restart(down_s=3))
    assert "retrying in" in app.log(tail=None) or "failed" in app.log(tail=None)


def test_redis_restarted_mid_analysis(app_on_private_services):
    app, _, redis = app_on_private_services
    _restart_mid_analysis(app, lambda: redis.restart(down_s=3))
