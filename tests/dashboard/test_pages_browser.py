"""The explorer pages in a real headless Chromium (Dash renders them with React in the page).

Fixtures (system Chromium, loopback server, skip rules) are in conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard.app import create_app
from survey.demo import DEMO_LABEL, load_demo
from survey.store import Store

pytestmark = pytest.mark.browser

RESOURCES = "Resources to pursue specific research projects that support local policymaking"


@pytest.fixture
def explorer(tmp_path: Path, serve_app: Callable[[Any], str]) -> Iterator[str]:
    """The explorer on a demo store, served on loopback; yields its base URL."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    load_demo(url)
    store = Store.open(url)
    try:
        yield serve_app(create_app(store).server)
    finally:
        store.close()


def _wait_for(browser: Any, css: str, timeout: float = 30) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def _row_cells(browser: Any, table: Any, header: str) -> list[str]:
    from selenium.webdriver.common.by import By

    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
        if row.find_element(By.CSS_SELECTOR, "th").text == header:
            return [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td")]
    raise AssertionError(f"no row {header!r} in the table")


def test_home_page_shows_table_2_and_the_synthetic_label(explorer: str, driver: Any,
                                                         tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(explorer + "/")
    _wait_for(driver, "table.band-table")
    _wait_for(driver, "#priorities-chart .main-svg")  # plotly drew the chart
    tables = driver.find_elements(By.CSS_SELECTOR, "table.band-table")
    captions = [t.find_element(By.TAG_NAME, "caption").text for t in tables]
    (researcher,) = [t for t, c in zip(tables, captions, strict=True)
                     if c.startswith("Table 2. Researcher responses (n=17)")]
    cells = _row_cells(driver, researcher, RESOURCES)
    assert [int(c.split("%")[0]) for c in cells] == [59, 24, 18]
    assert cells[0].startswith("59% (36–78)")
    label = driver.find_element(By.CSS_SELECTOR, ".synthetic-label").text
    assert label == "Synthetic or reconstructed data: " + DEMO_LABEL
    assert driver.find_element(By.TAG_NAME, "h2").text == "Priorities"
    for_ids = {e.get_attribute("for") for e in driver.find_elements(By.TAG_NAME, "label")}
    assert "priorities-by" in for_ids
    nav = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
    assert nav == ["Priorities", "Fieldwork monitor", "Barriers"]
    driver.set_window_size(1280, 3200)
    screenshot = tmp_path / "priorities.png"
    driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000  # for a person to look at


def test_monitor_page_renders_the_funnel(explorer: str, driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(explorer + "/monitor")
    funnel = _wait_for(driver, "#monitor-funnel")
    assert _row_cells(driver, funnel, "Completed") == ["35", "13.7%"]
    nations = driver.find_element(By.ID, "monitor-by-nation")
    assert _row_cells(driver, nations, "England")[0] == "193"
    assert driver.find_element(By.CSS_SELECTOR, ".synthetic-label").is_displayed()
    assert "221 respondent(s)" in driver.find_element(By.ID, "monitor-due-count").text
    screenshot = tmp_path / "monitor.png"
    driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
