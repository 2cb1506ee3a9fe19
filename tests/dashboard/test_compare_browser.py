"""The Compare page in headless Chromium: public to anonymous visitors, and it fits the window.

The table once overflowed a 1280-px-wide window (a sideways scrollbar on the whole
page: 1,345 px of content in 1,280). Fixtures (system Chromium, loopback server, the
demo store) are in conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dashboard.access import disclosure_policy
from dashboard.app import create_app
from survey.store import Store
from survey.store.users import add_user
from tests.dashboard.conftest import TEST_PASSWORD, browser_sign_in, wait_until
from tests.dashboard.test_compare_public import _expected_withheld, _rows_whole

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_passwords")]


def _open_compare(browser: Any, url: str) -> Any:
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 800)
    browser.get(url)
    wait_until(browser, timeout=60, condition=
        lambda d: d.find_elements(By.CSS_SELECTOR, "#compare-table tbody tr")
        and d.find_elements(By.CSS_SELECTOR, "#compare-chart .main-svg"))
    return browser.find_element(By.ID, "compare-table")


def _fits(browser: Any) -> tuple[int, int]:
    width, inner = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    return int(width), int(inner)


def test_compare_is_public_with_withheld_shares_and_fits_1280_pixels(
        store: Store, serve_app: Callable[[Any], str], driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    add_user(store, "test-viewer", "viewer", TEST_PASSWORD, by="test")
    base = serve_app(create_app(store).server)
    table = _open_compare(driver, base + "/compare")  # anonymous: no sign-in
    assert "/login" not in driver.current_url
    width, inner = _fits(driver)
    assert 1200 <= inner <= 1280 and width <= inner, (width, inner)
    expected = _expected_withheld(disclosure_policy("anonymous").min_n, store)
    whole = _rows_whole(store)
    rows = {row.find_element(By.TAG_NAME, "th").text:
            [td.text for td in row.find_elements(By.TAG_NAME, "td")]
            for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")}
    assert set(rows) == set(expected)
    for name, (hide_a, hide_b) in expected.items():
        cells = rows[name]
        assert (cells[2] == "[c]", cells[3] == "[c]") == (hide_a, hide_b), name
        assert (cells[4] == "[c]") == (hide_a or hide_b), name
        # the test reads the whole row: withheld with any public band cell of it
        assert (cells[5] == "[c]") == (hide_a or hide_b or not whole[name]), name
    assert any(a or b for a, b in expected.values())
    # the full wording stays on hover, the download link sits under the table
    header = table.find_element(By.XPATH, ".//th[normalize-space()='Partner support']")
    assert " / " in (header.get_attribute("title") or "")
    link = driver.find_element(By.PARTIAL_LINK_TEXT, "Download this table")
    assert link.get_attribute("href").endswith("/downloads?table=compare")
    driver.save_screenshot(str(tmp_path / "compare-public.png"))  # for a person to look at
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    # staff see the internal figures, wider cells and all, in the same width
    browser_sign_in(driver, base, "test-viewer", next_path="/compare")
    table = _open_compare(driver, base + "/compare")
    assert "[c]" not in table.text
    width, inner = _fits(driver)
    assert width <= inner, (width, inner)
