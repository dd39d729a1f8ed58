"""Gray hunks collapse to their reason and open on click; key hunks are marked and jumpable."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from reviewapp.reviews.models import ChangeSet, Hunk
from tests.frontend.pages import paste_diff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MECHANICAL_DIFF = (Path(__file__).parents[1] / "data" / "mechanical.diff").read_text()


def open_review(browser, live_server) -> None:
    paste_diff(browser, live_server.url, "Tiers", "acme/shop", MECHANICAL_DIFF)


def visible_code_rows(tbody) -> int:
    return sum(1 for row in tbody.find_elements(By.CSS_SELECTOR, "tr:not(.hunk-header)")
               if row.is_displayed())


def test_gray_hunk_collapses_to_its_reason_and_expands(logged_in, live_server):
    open_review(logged_in, live_server)
    gray = logged_in.find_element(By.CSS_SELECTOR, "tbody.hunk.tier-gray")
    header = gray.find_element(By.CSS_SELECTOR, "tr.hunk-header")
    assert "gray" in header.find_element(By.CSS_SELECTOR, ".tier-badge").text
    assert visible_code_rows(gray) == 0
    header.click()
    assert visible_code_rows(gray) > 0
    header.click()
    assert visible_code_rows(gray) == 0
    logged_in.find_element(By.ID, "show-all").click()
    assert visible_code_rows(gray) > 0
    marks = logged_in.find_elements(By.CSS_SELECTOR, ".file-list .gray-mark")
    assert marks and "gray" in marks[0].text


def test_key_hunks_are_marked_and_reached_with_g(logged_in, live_server):
    open_review(logged_in, live_server)
    change_set = ChangeSet.objects.get(title="Tiers")
    logic = Hunk.objects.get(file__revision__change_set=change_set, file__path="pkg/calc.py",
                             index=1)
    logic.tier, logic.reason = Hunk.KEY, "new error branch"
    logic.save()
    logged_in.refresh()
    WebDriverWait(logged_in, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".key-mark"))
    body = logged_in.find_element(By.TAG_NAME, "body")
    body.send_keys("g")
    key = logged_in.find_element(By.CSS_SELECTOR, "tbody.hunk.tier-key")
    assert "current" in key.get_attribute("class")
    assert "new error branch" in key.text
