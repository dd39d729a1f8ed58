"""`make run` in Chromium: a reviewer pastes a real diff and clicks around while the worker
analyses it; results arrive in place, viewed marks survive, rows are readable."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests.frontend.pages import log_in, paste_diff, wait
from tests.live_squiggle import LiveSquiggle

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.timeout(600)]

REAL_DIFF = (Path(__file__).parents[1] / "data" / "real" / "click-7d05a59b.diff").read_text()
FAST_JOBS = {"SQUIGGLE_JOB_HEARTBEAT_S": "1", "SQUIGGLE_JOB_STALE_S": "4"}


@pytest.fixture(scope="module")
def app(tmp_path_factory, analysed_demo):
    """The embedded default with every stage on, its demo analysed, shared by this module's
    tests."""
    app = LiveSquiggle(tmp_path_factory.mktemp("live") / "data",
                       env={"SQUIGGLE_ANALYSIS_ML": "1",
                            "SQUIGGLE_IMPORTANCE": '{"use_lm": true}', **FAST_JOBS},
                       seed=analysed_demo)
    with app.running():
        yield app


def paste_review(browser, app, title: str) -> None:
    paste_diff(browser, app.url, title, f"live/{title.replace(' ', '-')}", REAL_DIFF)
    # Any navigation from here on would drop this marker.
    browser.execute_script("window.squiggleNoReload = true; window.squiggleRefreshes = 0;"
                           "document.getElementById('review').addEventListener("
                           "'squiggle:refreshed', () => { window.squiggleRefreshes += 1; });")


def tick_viewed(browser, index: int) -> None:
    """Tick a file's "Viewed" box; the live refresh may replace it under the cursor: retry."""
    for _ in range(5):
        try:
            box = browser.find_elements(By.CSS_SELECTOR, ".viewed-toggle")[index]
            if not box.is_selected():
                box.click()
            return
        except StaleElementReferenceException:
            time.sleep(0.2)
    raise AssertionError("the Viewed box kept being replaced")


def job_state(browser) -> str:
    return browser.execute_script("return document.getElementById('review').dataset.jobState")


def test_results_appear_without_a_reload_while_the_reviewer_ticks_viewed(browser, app):
    log_in(browser, app.url, app.username, app.password)
    paste_review(browser, app, "live results")
    assert job_state(browser) not in ("done", "failed")
    # Tick every file "Viewed" while the analysis runs (the mark is a write the worker races).
    states_while_ticking = []
    for index in range(4):
        tick_viewed(browser, index)
        states_while_ticking.append(job_state(browser))
        time.sleep(0.3)
    assert set(states_while_ticking) - {"done", "failed"}, states_while_ticking
    wait(browser, lambda b: job_state(b) == "done", timeout=400)
    wait(browser, lambda b: b.execute_script(
        "return document.getElementById('review').dataset.results") == "final")
    assert browser.execute_script("return window.squiggleNoReload === true")
    assert browser.execute_script("return window.squiggleRefreshes") >= 1
    status = browser.find_element(By.ID, "job-status").text
    assert "failed" not in status
    assert not browser.find_element(By.ID, "retry-analysis").is_displayed()
    # The analysed tiers are on the page: every hunk has its reason badge now.
    badges = browser.find_elements(By.CSS_SELECTOR, "tr.hunk-header .tier-badge")
    assert badges and all(b.get_attribute("textContent").strip() for b in badges)
    # The findings stage's warning arrived in place too: `src/click/core.py` came as hunks.
    warning = browser.find_element(By.ID, "review-warnings")
    assert warning.is_displayed() and "only the hunks of `src/click/core.py`" in warning.text
    assert "checks for undefined names" in warning.text
    # The marks made during the analysis were kept, on the page and on the server.
    assert browser.find_element(By.ID, "viewed-count").text == "4"
    browser.refresh()
    wait(browser, ec.presence_of_element_located((By.ID, "review")))
    assert browser.find_element(By.ID, "viewed-count").text == "4"


def _pixel(browser, png: Image.Image, element) -> tuple[int, int, int]:
    """The colour at the right end of an element (past any text), in CSS pixels."""
    rect = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.right - 4, r.top + r.height / 2, window.devicePixelRatio];", element)
    scale = rect[2]
    return png.getpixel((int(rect[0] * scale), int(rect[1] * scale)))[:3]


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _cell_colour(browser, kind: str) -> tuple[int, int, int]:
    cell = browser.find_element(By.CSS_SELECTOR, f"tr.{kind} td.code")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    png = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("RGB")
    return _pixel(browser, png, cell)


def _row_colour(browser, kind: str, tries: int = 5) -> tuple[int, int, int]:
    """The background of a `kind` row's code cell; measured again when the analysis finishing
    meanwhile replaced the rows in place (the tints do not depend on it)."""
    for _ in range(tries - 1):
        try:
            return _cell_colour(browser, kind)
        except StaleElementReferenceException:
            continue
    return _cell_colour(browser, kind)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_added_and_removed_rows_are_clearly_tinted(browser, app, scheme):
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": scheme}]})
    log_in(browser, app.url, app.username, app.password)
    paste_review(browser, app, f"colours {scheme}")
    colours = {kind: _row_colour(browser, kind) for kind in ("add", "del", "ctx")}
    add_rgb, del_rgb, ctx_rgb = colours["add"], colours["del"], colours["ctx"]
    assert contrast(add_rgb, ctx_rgb) >= 1.15, (add_rgb, ctx_rgb)
    assert contrast(del_rgb, ctx_rgb) >= 1.15, (del_rgb, ctx_rgb)
    assert add_rgb[1] > add_rgb[0] and del_rgb[0] > del_rgb[1]  # green and red, not gray
    # The words that changed inside an edited line stand out from the rest of the row.
    words = browser.find_elements(By.CSS_SELECTOR, "tr.add .word-add")
    assert words
