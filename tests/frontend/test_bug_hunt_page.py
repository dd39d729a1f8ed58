"""A bug hunt from the browser: form with its estimate, live counters fed by a real worker on the
`hunts` queue, the validated patch, and one click to open it as a review."""

from __future__ import annotations

import tempfile

import pytest

from tests.live_squiggle import celery_worker_on_test_database
from tests.reviewapp.hunts.buggy_project import write_buggy_project

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def hunt_worker():
    """A `celery worker` consuming only the hunt queue, on this test's database."""
    roots = tempfile.gettempdir()
    with celery_worker_on_test_database("hunts", SQUIGGLE_REPO_ROOTS=roots) as process:
        yield process


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
