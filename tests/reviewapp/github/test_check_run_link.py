"""In headless Chromium: the check run's "Details" link opens the guided review of that head."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.frontend.conftest import browser  # noqa: F401  (the shared Chromium fixture)

from .conftest import REPO, deliver, pull_request_payload
from .test_pull_request_flow import BASE, HEAD

pytestmark = [pytest.mark.browser, pytest.mark.integration,
              pytest.mark.django_db(transaction=True)]


def test_check_run_details_link_leads_to_the_guided_page(browser, live_server,  # noqa: F811
                                                          connected, fake_github, member,
                                                          settings):
    settings.SQUIGGLE = {**settings.SQUIGGLE, "PUBLIC_URL": live_server.url}
    connected.members.add(member)
    fake_github.open_pull_request(REPO, 8, BASE, HEAD, title="Add a stack")
    deliver(live_server.url, "pull_request", pull_request_payload(fake_github, 8, "opened"))
    run = next(iter(fake_github.check_runs.values()))
    assert run["status"] == "completed"
    browser.get(run["details_url"])
    wait = WebDriverWait(browser, 15)
    wait.until(ec.presence_of_element_located((By.NAME, "username"))).send_keys("alice")
    browser.find_element(By.NAME, "password").send_keys("alice-password-1")
    browser.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "review")))
    assert browser.current_url == run["details_url"]
    paths = [el.text for el in browser.find_elements(By.CSS_SELECTOR, ".file-list li .path")]
    assert set(paths) == {"widgets/stack.py", "widgets/sizes.py"}
    assert "#8 Add a stack" in browser.page_source
