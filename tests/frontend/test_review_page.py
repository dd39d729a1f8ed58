"""End to end in headless Chromium: log in, submit a diff, read it in order, mark files viewed."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests.frontend.pages import paste_diff, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit_diff(browser, live_server, diff: str, title: str = "Order totals") -> None:
    paste_diff(browser, live_server.url, title, "acme/shop", diff)


def file_paths(browser) -> list[str]:
    return [el.text for el in browser.find_elements(By.CSS_SELECTOR, ".file-list li .path")]


def test_submitted_diff_is_shown_in_dependency_order(logged_in, live_server, sample_diff):
    submit_diff(logged_in, live_server, sample_diff)
    paths = file_paths(logged_in)
    assert paths.index("pkg/models.py") < paths.index("pkg/views.py")
    assert paths[-1] == "README.md"
    reasons = [el.text for el in logged_in.find_elements(By.CSS_SELECTOR, ".file-list .reason")]
    assert all(reasons)


def test_viewed_mark_survives_a_reload(logged_in, live_server, sample_diff):
    submit_diff(logged_in, live_server, sample_diff)
    first = logged_in.find_element(By.CSS_SELECTOR, "section.file")
    first.find_element(By.CSS_SELECTOR, ".viewed-toggle").click()
    wait(logged_in, lambda b: b.find_element(By.ID, "viewed-count").text == "1")
    logged_in.refresh()
    wait(logged_in, lambda b: b.execute_script("return document.readyState") == "complete")
    first = wait(logged_in, ec.presence_of_element_located((By.CSS_SELECTOR, "section.file")))
    assert "viewed" in first.get_attribute("class")
    assert first.find_element(By.CSS_SELECTOR, ".viewed-toggle").is_selected()
    assert logged_in.find_element(By.ID, "viewed-count").text == "1"


def test_keyboard_moves_between_hunks_and_files_and_marks_viewed(logged_in, live_server,
                                                                 sample_diff):
    submit_diff(logged_in, live_server, sample_diff)
    body = logged_in.find_element(By.TAG_NAME, "body")
    body.send_keys("j")
    hunks = logged_in.find_elements(By.CSS_SELECTOR, "tbody.hunk")
    assert "current" in hunks[0].get_attribute("class")
    body.send_keys("j")
    assert "current" in hunks[1].get_attribute("class")
    assert "current" not in hunks[0].get_attribute("class")
    body.send_keys("k")
    assert "current" in hunks[0].get_attribute("class")
    body.send_keys("n")
    sections = logged_in.find_elements(By.CSS_SELECTOR, "section.file")
    assert "current" in sections[1].get_attribute("class")
    body.send_keys("v")
    wait(logged_in, lambda b: "viewed" in sections[1].get_attribute("class"))
    assert logged_in.find_element(By.ID, "viewed-count").text == "1"


def test_malformed_diff_shows_the_reason(logged_in, live_server):
    logged_in.get(f"{live_server.url}/reviews/new")
    logged_in.find_element(By.NAME, "title").send_keys("Broken")
    logged_in.find_element(By.NAME, "new_repository").send_keys("acme/shop")
    logged_in.find_element(By.NAME, "diff").send_keys("not a diff at all")
    logged_in.find_element(By.ID, "submit-review").click()
    errors = wait(logged_in, ec.presence_of_element_located((By.ID, "form-errors")))
    assert "no file changes" in errors.text


def test_finding_squiggle_sits_under_its_exact_span(logged_in, live_server, review,
                                                   price_finding):
    logged_in.get(f"{live_server.url}{review.get_absolute_url()}")
    squiggle = wait(logged_in, ec.presence_of_element_located((By.CSS_SELECTOR, ".squiggle")))
    assert squiggle.text == "item.price"
    style = logged_in.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.textDecorationLine, "
        "s.textDecorationStyle];", squiggle)
    assert style == ["underline", "wavy"]
    logged_in.execute_script("arguments[0].focus();", squiggle)
    card = logged_in.find_element(By.CSS_SELECTOR, ".finding-card")
    wait(logged_in, lambda b: card.is_displayed())
    assert "+         return sum(cost for item in self.items)" in card.text


def test_the_pages_a_reviewer_opens_log_no_browser_errors(logged_in, live_server, sample_diff):
    submit_diff(logged_in, live_server, sample_diff)
    review_url = logged_in.current_url
    for url in (review_url, f"{review_url}?view=split", f"{live_server.url}/reviews/new",
                f"{live_server.url}/hunts/", f"{live_server.url}/"):
        logged_in.get(url)
        wait(logged_in, lambda b: b.execute_script("return document.readyState") == "complete")
    errors = [entry["message"] for entry in logged_in.get_log("browser")
              if entry["level"] == "SEVERE"]
    assert errors == []


def test_a_large_file_loads_its_diff_when_the_reviewer_asks(logged_in, live_server, settings):
    settings.SQUIGGLE = {**settings.SQUIGGLE, "LARGE_FILE_LINES": 50}
    big = "".join(f"+x{n} = {n}\n" for n in range(60))
    diff = ("--- a/big.py\n+++ b/big.py\n@@ -0,0 +1,60 @@\n" + big
            + "--- a/small.py\n+++ b/small.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n")
    submit_diff(logged_in, live_server, diff, title="Generated table")
    section = next(s for s in logged_in.find_elements(By.CSS_SELECTOR, "section.file")
                   if s.find_element(By.CSS_SELECTOR, ".path").text == "big.py")
    assert section.find_elements(By.CSS_SELECTOR, "tbody.hunk") == []
    section.find_element(By.CSS_SELECTOR, "button.load-large").click()
    wait(logged_in, lambda b: section.find_elements(By.CSS_SELECTOR, "tbody.hunk"))
    assert "x59 = 59" in section.text
