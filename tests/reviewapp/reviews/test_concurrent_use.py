"""A reviewer clicking around while the analysis runs never breaks it (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

REAL_DIFF = (Path(__file__).parents[2] / "data" / "real" / "click-7d05a59b.diff").read_text()
ML_STAGES = ("bug detection", "importance (language model)", "order by findings")


def test_analysis_finishes_under_20_concurrent_writes_per_round(live_app):
    client = live_app.login()
    page = live_app.submit(client, "click: parameter source", REAL_DIFF)
    viewed_urls = re.findall(r'data-viewed-url="([^"]+)"', page.text)
    assert len(viewed_urls) == 4
    revision_url = str(page.url)
    change_set = revision_url.split("/reviews/")[1].split("/")[0]

    def write(i: int) -> int:
        """Every kind of write the review page makes: visits, viewed marks, a new revision
        (once, in the first round)."""
        if i % 4 == 0:
            return client.get(revision_url).status_code  # writes a ReviewVisit
        if i == 17 and rounds == 0:
            return client.post(f"/reviews/{change_set}/revisions", data={
                "diff": REAL_DIFF, "csrfmiddlewaretoken": client.cookies["csrftoken"]}
            ).status_code
        url = viewed_urls[i % len(viewed_urls)]
        return client.post(url, json={"viewed": i % 3 != 0},
                           headers=live_app.csrf(client)).status_code

    stages_hammered = set()
    rounds = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        while True:
            job = live_app.job(client, page)
            if job["state"] in ("done", "failed"):
                break
            stages_hammered.add(job["stage"])
            statuses = list(pool.map(write, range(20)))
            assert set(statuses) == {200}, statuses
            rounds += 1
    assert job["state"] == "done", (job, live_app.log())
    assert stages_hammered & set(ML_STAGES), stages_hammered  # writes overlapped a model stage
    second = client.get(f"/reviews/{change_set}/r/2/")
    assert second.status_code == 200
    assert live_app.wait_job(client, second)["state"] == "done"
    # Nothing duplicated, nothing lost: one job per revision, every hunk once.
    jobs = live_app.query("SELECT state, attempts FROM reviews_analysisjob j "
                          "JOIN reviews_revision r ON r.id = j.revision_id "
                          f"WHERE r.change_set_id = {int(change_set)}")
    assert jobs == [("done", 1), ("done", 1)]
