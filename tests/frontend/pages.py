"""What a reviewer does in the browser, shared by the browser tests."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait


def wait(browser, condition, timeout: float = 10):
    return WebDriverWait(browser, timeout).until(condition)


def log_in(browser, base_url: str, username: str, password: str) -> None:
    """Through the real login form."""
    browser.get(f"{base_url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(password)
    browser.find_element(By.ID, "login-submit").click()
    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "nav .user")))


def paste_diff(browser, base_url: str, title: str, repository: str, diff: str) -> None:
    """Submit a new review of `diff` in a new repository; returns on its review page."""
    browser.get(f"{base_url}/reviews/new")
    browser.find_element(By.NAME, "title").send_keys(title)
    browser.find_element(By.NAME, "new_repository").send_keys(repository)
    # send_keys is slow for long text; set the value directly like a paste.
    textarea = browser.find_element(By.NAME, "diff")
    browser.execute_script("arguments[0].value = arguments[1];", textarea, diff)
    browser.find_element(By.ID, "submit-review").click()
    wait(browser, ec.presence_of_element_located((By.ID, "review")))
