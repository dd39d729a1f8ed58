"""In headless Chromium: a reviewer accepts one finding into a committable fix with the mouse
and dismisses another from the keyboard; both verdicts survive a reload."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from reviewapp.reviews.models import Finding, FindingFeedback
from tests.frontend.pages import wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def total_finding(review):
    """A second finding, on pkg/views.py line 5 (`total = order.total()`)."""
    file = review.files.get(path="pkg/views.py")
    return Finding.objects.create(revision=review, file=file, line=5, end_line=5, column=12,
                                  end_column=23, kind="wrong_call", probability=0.6,
                                  severity="medium", message="`total()` may be `subtotal()`",
                                  replacement="order.subtotal()")


def test_accept_with_the_mouse_and_dismiss_with_the_keyboard(logged_in, live_server, review,
                                                             price_finding, total_finding):
    browser = logged_in
    browser.get(live_server.url + review.get_absolute_url())
    summary = wait(browser, ec.presence_of_element_located((By.ID, "findings-summary")))
    assert "2 likely bugs" in summary.text and "1 high" in summary.text.lower()

    # Mouse: click the squiggle, the card stays open; accept its fix.
    browser.find_element(By.CSS_SELECTOR, f'.squiggle[data-finding="{price_finding.pk}"]').click()
    card = browser.find_element(By.ID, f"finding-{price_finding.pk}")
    wait(browser, lambda b: card.is_displayed())
    card.find_element(By.CSS_SELECTOR, ".accept-finding").click()
    patch = card.find_element(By.CSS_SELECTOR, ".suggestion .patch")
    wait(browser, lambda b: patch.is_displayed() and "+        return sum(cost" in patch.text)
    download = card.find_element(By.CSS_SELECTOR, ".download-patch")
    assert download.get_attribute("href").endswith(f"/findings/{price_finding.pk}/fix.patch")
    browser.save_screenshot(str(screenshot_path()))
    copy = card.find_element(By.CSS_SELECTOR, ".copy-patch")
    copy.click()
    wait(browser, lambda b: copy.text != "Copy as patch")  # copied, or selected for Ctrl+C

    # Keyboard: Escape closes the card, f goes to the next finding, 2 dismisses it (won't fix).
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("\ue00c")  # Escape
    wait(browser, lambda b: not card.is_displayed())
    body.send_keys("f")
    other = browser.find_element(By.ID, f"finding-{total_finding.pk}")
    wait(browser, lambda b: other.is_displayed())
    body.send_keys("2")
    wait(browser, lambda b: browser.find_element(By.ID, "dismissed-count").text == "1 dismissed")
    assert not other.is_displayed()
    assert not browser.find_elements(By.CSS_SELECTOR,
                                     f'.squiggle[data-finding="{total_finding.pk}"]')

    verdicts = dict(FindingFeedback.objects.values_list("finding_id", "action"))
    assert verdicts == {price_finding.pk: "accepted", total_finding.pk: "dismissed"}
    assert Finding.objects.get(pk=total_finding.pk).dismiss_reason == "wont_fix"
    browser.refresh()
    wait(browser, ec.presence_of_element_located((By.ID, "findings-summary")))
    assert not browser.find_elements(By.ID, f"finding-{total_finding.pk}")
    accepted = browser.find_element(By.ID, f"finding-{price_finding.pk}")
    assert "state-accepted" in accepted.get_attribute("class")


def screenshot_path():
    """Where the card's screenshot goes (var/screenshots/, ignored by git) for a human look."""
    from pathlib import Path

    folder = Path(__file__).parents[2] / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "finding-card-accepted.png"
