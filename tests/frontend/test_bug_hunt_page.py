"""A bug hunt from the browser: form with its estimate, live counters fed by a real worker on the
`hunts` queue, the validated patch, and one click to open it as a review."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from tests.reviewapp.hunts.buggy_project import write_buggy_project

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
@pytest.fixture
def hunt_worker():
    """A `celery worker` consuming only the hunt queue, on this test's database."""
    if not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL (make test sets both)")
    from reviewapp.celery import app

    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, SQUIGGLE_ANALYSIS_ML="0",
               DJANGO_SETTINGS_MODULE="reviewapp.settings",
               SQUIGGLE_REPO_ROOTS=tempfile.gettempdir())
    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reviewapp", "worker", "-Q", "hunts",
         "--pool=solo", "--concurrency=1", "--loglevel=WARNING", "--without-gossip",
         "--without-mingle"], cwd=ROOT, env=env)
    app.conf.task_always_eager = False
    yield process
    process.terminate()
    process.wait(timeout=20)


def test_hunting_a_bug_from_the_page(hunt_worker, logged_in, live_server, repository, tmp_path,
                                     temp_repo_roots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    project = write_buggy_project(tmp_path / "project")
    repository.local_path = str(project)
    repository.save()
    browser = logged_in
    browser.find_element(By.LINK_TEXT, "Bug hunts").click()
    browser.find_element(By.LINK_TEXT, repository.full_name).click()
    budget = browser.find_element(By.ID, "id_budget_s")
    budget.clear()
    budget.send_keys("90")
    assert browser.find_element(By.ID, "estimate-cpu").text == "180"  # 2 sandboxes x 90 s
    browser.find_element(By.ID, "id_issue_text").send_keys("the last element is never returned")
    browser.find_element(By.ID, "id_test").send_keys("python -m pytest")
    browser.find_element(By.CSS_SELECTOR, "#hunt-form button[type=submit]").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "hunt-tried")))
    # The live page follows the worker until the hunt ends, then shows the ranked patches.
    button = WebDriverWait(browser, 240).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, ".patch-card .open-review")))
    assert browser.find_element(By.ID, "hunt-state").text == "fixed"
    assert int(browser.find_element(By.ID, "hunt-passing").text) >= 1
    patch = browser.find_element(By.CSS_SELECTOR, ".patch-card pre.patch").text
    assert "+    for i in range(len(items) - n, len(items)):" in patch
    button.click()
    WebDriverWait(browser, 20).until(ec.url_matches(r"/reviews/\d+/"))
    assert "stats.py" in browser.page_source
