"""PostgreSQL or Redis restarted in the middle of an analysis: the job finishes, or fails with a
reason and finishes when retried; no row is lost or stored twice.

Each test runs its own PostgreSQL and Redis (tests/private_services.py): the machine's shared
services are never restarted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.diff_text import added_file_diff

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

ROOT = Path(__file__).parents[3]
# A real change (click's modified files: their source is not in a pasted diff, so the bug model
# skips them) and a whole real module added, whose functions the bug model does read.
ADDED_MODULE = ROOT / "reviewapp" / "reviews" / "highlighting.py"
REAL_DIFF = (ROOT / "tests" / "data" / "real" / "click-7d05a59b.diff").read_text() + \
    added_file_diff(ADDED_MODULE.read_text(), "pkg/highlighting.py")
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
    assert (files, hunks, jobs) == (5, HUNKS, 1)
    # Findings are stored once, none lost: the same as the same diff's uninterrupted analysis.
    fresh = app.submit(client, "uninterrupted", REAL_DIFF)
    assert app.wait_job(client, fresh)["state"] == "done"
    assert app.revision_rows(fresh) == (files, hunks, 1, findings)
    assert findings > 0  # the bug model's threshold is 0 here: each function's best guess
    assert app.finding_lines(page) == app.finding_lines(fresh)


def test_postgres_restarted_mid_analysis(app_on_private_services):
    app, postgres, _ = app_on_private_services
    _restart_mid_analysis(app, lambda: postgres.restart(down_s=3))
    assert "retrying in" in app.log(tail=None) or "failed" in app.log(tail=None)


def test_redis_restarted_mid_analysis(app_on_private_services):
    app, _, redis = app_on_private_services
    _restart_mid_analysis(app, lambda: redis.restart(down_s=3))
