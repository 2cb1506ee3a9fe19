"""Issue 11's "Done when" as one journey: a new anonymous visitor, links only.

Starting at the home page, the visitor finds the published priority tables, the
network of the West Midlands (with one organisation's panel) and a CSV of a table on
Downloads, at a laptop's 1280x800, typing no address after the first. Each page is
saved as a screenshot (the viewport and the whole page) under the test's ``tmp_path``
for a person to look at, and checked on the way for what a screen reader needs:
focus on the new page's heading, charts with a short text alternative and their
drawing hidden, tables with header cells, no plotly toolbar in the Tab order.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from a11y import reader_problems, tab_stops

from dashboard.app import create_app
from survey.store import Store
from tests.dashboard.conftest import click_node, wait_until

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 800


@pytest.fixture
def explorer(store: Store, serve_app: Callable[[Any], str]) -> Iterator[str]:
    yield serve_app(create_app(store).server)


def _wait(driver: Any, condition: Callable[[Any], Any], timeout: float = 30) -> Any:
    # a re-rendered element is read again (Dash replaces tables as callbacks return)
    return wait_until(driver, condition, timeout)


def _settle(driver: Any) -> None:
    """Wait until Dash has no callback in flight."""
    _wait(driver, lambda d: d.execute_script(
        "return !document.querySelector('[data-dash-is-loading=\"true\"]')"))


def _snap(driver: Any, folder: Path, name: str) -> None:
    """Save the first screen and the whole page (the window grown to the page's height)."""
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"{name}.png"))
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(int(height) + 140, 8000))
    driver.save_screenshot(str(folder / f"{name}-full.png"))
    driver.set_window_size(WIDTH, HEIGHT)
    assert (folder / f"{name}.png").stat().st_size > 10_000


def _follow(driver: Any, css: str, heading: str) -> None:
    """Click a link and check focus lands on the new page's heading."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, css).click()
    _wait(driver, lambda d: d.switch_to.active_element.tag_name == "h2"
          and d.switch_to.active_element.text == heading)
    _wait(driver, lambda d: [a.text for a in d.find_elements(
        By.CSS_SELECTOR, "nav a[aria-current='page']")] == [heading])  # "you are here"


def _keyboard(driver: Any) -> list[str]:
    """Controls Tab does not reach (every dropdown must be) or reaches without a ring."""
    from selenium.webdriver.common.by import By

    stops = tab_stops(driver)
    reached = {name for name, _ in stops}
    dropdowns = [b.get_attribute("id") for b in driver.find_elements(
        By.CSS_SELECTOR, "button.dash-dropdown") if b.is_displayed()]  # not folded away
    return ([f"not reached by Tab: {d}" for d in dropdowns if d not in reached]
            + [f"no focus ring: {name}" for name, ring in stops if not ring])


def test_a_new_visitor_finds_tables_network_and_a_csv_by_links_alone(
        explorer: str, driver: Any, tmp_path: Path,
        choose: Callable[[Any, str, str], None]) -> None:
    from selenium.webdriver.common.by import By

    shots = tmp_path / "journey"
    driver.set_window_size(WIDTH, HEIGHT)
    driver.get(explorer + "/")  # the only address typed
    _wait(driver, lambda d: d.find_element(By.ID, "overview-respondents"))
    _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "nav a[aria-current='page']"))
    _settle(driver)
    problems = {"overview": reader_problems(driver)}
    _snap(driver, shots, "1-overview")

    # The published priority tables, from the home page's links.
    _follow(driver, "#overview-links a[href='/priorities']", "Priorities")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#priorities-chart .main-svg"))
    _settle(driver)
    captions = [c.text for c in driver.find_elements(
        By.CSS_SELECTOR, "table.band-table caption")]
    assert [c.split(" ")[:2] for c in captions] == [["Table", "1."], ["Table", "2."]]
    assert "Local Government responses" in captions[0]
    assert "Researcher responses" in captions[1]
    assert all(t.is_displayed() for t in driver.find_elements(By.CSS_SELECTOR, "caption"))
    problems["priorities"] = reader_problems(driver) + _keyboard(driver)
    _snap(driver, shots, "2-priorities")
    # a change of view is announced in one short sentence, not by re-reading the tables
    offered = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "fieldset button")]
    assert "Region" not in offered  # not in the public release: not offered
    driver.find_element(
        By.XPATH, "//fieldset//button[normalize-space()='Instrument version']").click()
    _wait(driver, lambda d: d.find_element(By.ID, "priorities-announce").get_attribute(
        "textContent") == "Tables updated: grouped by instrument version, no filter set.")
    _wait(driver, lambda d: "Local government@1.0.0" in d.find_element(
        By.CSS_SELECTOR, "table.band-table caption").text)
    _settle(driver)
    problems["priorities by version"] = reader_problems(driver)
    _snap(driver, shots, "2-priorities-by-version")

    # The network, narrowed to the West Midlands, and one organisation's panel.
    _follow(driver, "nav a[href='/network']", "Network")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#network-graph .main-svg"))
    choose(driver, "network-region", "west_midlands")
    _wait(driver, lambda d: d.find_element(By.ID, "network-summary").text.startswith(
        "West Midlands: "))
    _settle(driver)
    key = driver.execute_script("""
        const gd = document.querySelector('#network-graph .js-plotly-plot');
        const trace = gd.data.find(t => t.customdata && t.customdata.length);
        const sizes = trace.marker.size;
        return trace.customdata[sizes.indexOf(Math.max(...sizes))];""")  # the best connected
    # the whole drawing on screen, so the click lands where plotly drew the node
    driver.execute_script("document.getElementById('network-graph').scrollIntoView("
                          "{block: 'center'})")
    click_node(driver, key)
    panel = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#network-details h3"))
    # the panel of the node clicked (in a dense cluster a neighbour may be on top of it)
    focus = _wait(driver, lambda d: parse_qs(urlsplit(d.current_url).query).get("focus"))[0]
    name = driver.execute_script("""
        const gd = document.querySelector('#network-graph .js-plotly-plot');
        const trace = gd.data.find(t => t.customdata && t.customdata.length);
        return trace.hovertext[trace.customdata.indexOf(arguments[0])].split('<br>')[0];""",
                                 focus)
    assert panel.text == html.unescape(name)
    assert "region=west_midlands" in driver.current_url
    _settle(driver)
    problems["network"] = reader_problems(driver) + _keyboard(driver)
    _snap(driver, shots, "3-network")

    # A table for a report: Downloads, CSV.
    _follow(driver, "nav a[href='/downloads']", "Downloads")
    _wait(driver, lambda d: d.find_element(By.ID, "downloads-policy-note"))
    folder = tmp_path / "downloads"
    folder.mkdir()
    driver.execute_cdp_cmd("Page.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(folder)})
    driver.find_element(By.XPATH, "//button[normalize-space()='CSV']").click()
    _wait(driver, lambda d: [p for p in folder.iterdir() if p.suffix == ".csv"])
    (download,) = [p for p in folder.iterdir() if p.suffix == ".csv"]
    with download.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    cells = {cell for row in rows for cell in row}
    assert {"Local Government", "Researcher"} <= cells
    assert "[c]" in cells  # the public view: small cells suppressed
    problems["downloads"] = reader_problems(driver)
    _snap(driver, shots, "4-downloads")

    assert problems == {page: [] for page in problems}
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
