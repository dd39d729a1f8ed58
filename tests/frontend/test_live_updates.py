"""In Chromium against runsquiggle on PostgreSQL and Redis (daphne, the Redis channel layer, a
real worker): the worker's progress reaches the page over the WebSocket, the progress bar
finishes and a finding appears, all without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests.frontend.pages import log_in, paste_diff, wait
from tests.live_squiggle import live_app_on_postgres_and_redis

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.ml,
              pytest.mark.timeout(600)]

# A new Python file: its whole source is in the diff, so the bug model reads it.
CODE = '''def last(items):
    """The last item."""
    if not items:
        return None
    return items[len(items)]
'''
DIFF = ("diff --git a/shop/items.py b/shop/items.py\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/shop/items.py\n@@ -0,0 +1,5 @@\n"
        + "".join(f"+{line}\n" for line in CODE.splitlines()))


@pytest.fixture
def app(tmp_path, analysed_demo_on_postgres):
    # Threshold 0: the model's best proposal on the new function is shown, so one appears.
    env = {"SQUIGGLE_ANALYSIS_ML": "1", "SQUIGGLE_BUG_THRESHOLD": "0",
           "SQUIGGLE_JOB_HEARTBEAT_S": "1", "SQUIGGLE_JOB_STALE_S": "4"}
    with live_app_on_postgres_and_redis(tmp_path / "data", env,
                                        analysed_demo_on_postgres) as app:
        yield app


@contextmanager
def findings_held(app) -> Iterator[None]:
    """A second session on the app's database holds a SHARE lock on the findings table: the
    analysis reads on but waits at its first write of findings, so it is still running when
    the page's socket connects (a five-line analysis otherwise ends first: measured 0.1 s)."""
    with psycopg.connect(app.database_url) as held:
        held.execute("LOCK TABLE reviews_finding IN SHARE MODE")
        try:
            yield
        finally:
            held.rollback()


def jobs_pending(app) -> int:
    """Analyses queued or running (the demo review's, at start-up)."""
    return app.query("SELECT count(*) FROM reviews_analysisjob "
                     "WHERE state IN ('queued', 'running')")[0][0]


def test_progress_and_a_finding_arrive_over_the_socket_without_a_reload(browser, app):
    log_in(browser, app.url, app.username, app.password)

    def dataset(name: str) -> str:
        return browser.execute_script(
            f"return document.getElementById('review').dataset.{name} || ''")

    # The worker runs one job at a time: a demo job held by the lock would keep ours queued.
    wait(browser, lambda _: not jobs_pending(app), timeout=120)
    with findings_held(app):
        paste_diff(browser, app.url, "Last item", "live/items", DIFF)
        browser.execute_script("window.squiggleNoReload = true;")  # a reload would drop it
        assert not browser.find_elements(By.CSS_SELECTOR, ".squiggle[data-finding]")
        bar = browser.find_element(By.ID, "job-progress")
        assert bar.is_displayed()
        wait(browser, lambda b: "running" in dataset("socketStates").split(), timeout=120)
    wait(browser, lambda b: dataset("jobState") == "done", timeout=300)
    assert not bar.is_displayed() and bar.get_attribute("value") == "1"
    wait(browser, lambda b: dataset("results") == "final")
    assert {"running", "done"} <= set(dataset("socketStates").split()), \
        f"{dataset('socketStates')}\n{app.log()}"
    assert browser.execute_script("return window.squiggleNoReload === true")
    squiggle = wait(browser, ec.presence_of_element_located(
        (By.CSS_SELECTOR, ".squiggle[data-finding]")))
    assert "likely bug" in browser.find_element(By.ID, "findings-summary").text
    squiggle.click()
    card = browser.find_element(By.ID, f"finding-{squiggle.get_attribute('data-finding')}")
    wait(browser, lambda b: card.is_displayed())
    assert "Accept fix" in card.text and " · line " in card.text
