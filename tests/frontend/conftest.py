"""Headless Debian Chromium driven by Selenium against pytest-django's live server."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

CHROME_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--window-size=1400,1000",
]


@pytest.fixture
def browser():
    """A fresh Chromium with its own user-data dir; never downloads a browser or a driver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (os.path.exists(chromium) and os.path.exists(chromedriver)):
        pytest.fail("chromium and chromium-driver are required (make test installs them)")
    os.environ["SE_OFFLINE"] = "true"
    profile = tempfile.mkdtemp(prefix="squiggle-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # read by console tests
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def logged_in(browser, live_server, member):
    """The browser, logged in through the real login form as the repository member."""
    from tests.frontend.pages import log_in

    log_in(browser, live_server.url, "alice", "alice-password-1")
    return browser
