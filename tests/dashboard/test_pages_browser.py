"""The explorer pages in a real headless Chromium (Dash renders them with React in the page).

Fixtures (system Chromium, loopback server, skip rules) are in conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard.app import create_app
from survey.reproduce.demo import DEMO_LABEL, load_demo
from survey.store import Store
from survey.store.users import add_user
from tests.dashboard.conftest import TEST_PASSWORD, browser_sign_in, wait_until

pytestmark = pytest.mark.browser

RESOURCES = "Resources to pursue specific research projects that support local policymaking"


@pytest.fixture
def explorer(tmp_path: Path, serve_app: Callable[[Any], str]) -> Iterator[str]:
    """The explorer on a demo store, served on loopback; yields its base URL."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    load_demo(url)
    store = Store.open(url)
    for role in ("viewer", "admin"):  # staff pages need a signed-in role (dashboard.access)
        add_user(store, f"test-{role}", role, TEST_PASSWORD, by="test")
    try:
        yield serve_app(create_app(store).server)
    finally:
        store.close()


def _wait_for(browser: Any, css: str, timeout: float = 30) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    return wait_until(browser, timeout=timeout, condition=
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def _row_cells(browser: Any, table: Any, header: str) -> list[str]:
    from selenium.webdriver.common.by import By

    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
        if row.find_element(By.CSS_SELECTOR, "th").text == header:
            return [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td")]
    raise AssertionError(f"no row {header!r} in the table")


def test_priorities_page_shows_table_2_and_the_synthetic_label(explorer: str, driver: Any,
                                                               tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser_sign_in(driver, explorer, "test-viewer")  # internal figures: no suppression
    driver.get(explorer + "/priorities")
    _wait_for(driver, "table.band-table")
    _wait_for(driver, "#priorities-chart .main-svg")  # plotly drew the chart
    tables = driver.find_elements(By.CSS_SELECTOR, "table.band-table")
    captions = [t.find_element(By.TAG_NAME, "caption").text for t in tables]
    (researcher,) = [t for t, c in zip(tables, captions, strict=True)
                     if c.startswith("Table 2. Researcher responses re: data and evidence "
                                     "requirements (n=17)")]
    cells = _row_cells(driver, researcher, RESOURCES)
    assert [int(c.split("%")[0]) for c in cells] == [59, 24, 18]
    assert cells[0].startswith("59% (36–78)")
    label = driver.find_element(By.CSS_SELECTOR, ".synthetic-label").text
    assert label == "Synthetic or reconstructed data: " + DEMO_LABEL
    assert driver.find_element(By.TAG_NAME, "h2").text == "Priorities"
    legend = driver.find_element(By.CSS_SELECTOR, "fieldset.choice-buttons legend")
    assert legend.text == "Group by"
    nav = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
    # no monitor: admins only
    assert nav == ["Overview", "Priorities", "Barriers", "Compare", "Network", "Instruments",
                   "Downloads"]
    driver.set_window_size(1280, 3200)
    screenshot = tmp_path / "priorities.png"
    driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000  # for a person to look at


def test_overview_is_the_home_page_and_links_into_every_page(explorer: str, driver: Any,
                                                             tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(explorer + "/")
    counts = _wait_for(driver, "#overview-respondents")
    assert driver.find_element(By.TAG_NAME, "h2").text == "Overview"
    assert _row_cells(driver, counts, "Local government") == ["27", "[c]", "[c]", "[c]", "35"]
    assert "rate of 13.7%" in driver.find_element(By.ID, "overview-rate").text
    assert "organisations and" in driver.find_element(By.ID, "overview-network").text
    assert DEMO_LABEL in driver.find_element(By.ID, "overview-demo").text
    screenshot = tmp_path / "overview.png"
    driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000  # for a person to look at
    # Links only to the pages an anonymous visitor may open (the monitor is for admins).
    assert not driver.find_elements(By.CSS_SELECTOR, "#overview-links a[href='/monitor']")
    assert driver.find_elements(By.CSS_SELECTOR, "#overview-links a[href='/barriers']")
    driver.find_element(By.CSS_SELECTOR, "#overview-links a[href='/priorities']").click()
    _wait_for(driver, "table.band-table")
    assert driver.find_element(By.TAG_NAME, "h2").text == "Priorities"
    assert not [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_monitor_page_renders_the_funnel(explorer: str, driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser_sign_in(driver, explorer, "test-admin", next_path="/monitor")
    funnel = _wait_for(driver, "#monitor-funnel")
    assert _row_cells(driver, funnel, "Completed") == ["35", "13.7%"]
    nations = driver.find_element(By.ID, "monitor-by-nation")
    assert _row_cells(driver, nations, "England")[0] == "193"
    assert driver.find_element(By.CSS_SELECTOR, ".synthetic-label").is_displayed()
    assert "221 respondent(s)" in driver.find_element(By.ID, "monitor-due-count").text
    _wait_for(driver, "#monitor-funnel-chart .main-svg")  # the funnel as a chart
    assert "35 completed (13.7%)" in driver.find_element(
        By.ID, "monitor-funnel-chart-summary").text
    assert not driver.find_elements(By.CSS_SELECTOR, ".modebar")  # no toolbar to Tab through
    folder = _downloads_to(driver, tmp_path / "downloads")
    driver.find_element(By.ID, "monitor-get-reminders").click()
    import csv

    with _downloaded(folder, ".csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["respondent_id", "instrument", "reminders_sent", "email"]
    assert len(rows) == 222 and all("@" in row[3] for row in rows[1:])
    screenshot = tmp_path / "monitor.png"
    driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000


def test_group_by_works_from_the_keyboard(explorer: str, driver: Any) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    # Staff: a public grouping by nation is refused by the release check (X108).
    browser_sign_in(driver, explorer, "test-viewer", next_path="/priorities")
    _wait_for(driver, "table.band-table")
    buttons = driver.find_elements(By.CSS_SELECTOR, "fieldset.choice-buttons button")
    assert [b.get_attribute("aria-pressed") for b in buttons][:3] == ["true", "false", "false"]
    # focus the pressed button, Tab twice to "Nation", press Enter
    driver.execute_script("arguments[0].focus()", buttons[0])
    ActionChains(driver).send_keys(Keys.TAB, Keys.TAB, Keys.ENTER).perform()
    # the tables re-render while we read them: a stale element means "look again"
    wait = WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,))
    nation_xpath = "//fieldset//button[normalize-space()='Nation']"
    wait.until(lambda d: d.find_element(By.XPATH, nation_xpath).get_attribute("aria-pressed")
               == "true")
    nation = driver.find_element(By.XPATH, nation_xpath)
    assert driver.switch_to.active_element == nation  # focus stays on the chosen button
    wait.until(lambda d: any(
        c.text.startswith("Table 1. Local government: England")
        for c in d.find_elements(By.CSS_SELECTOR, "table.band-table caption")))
    assert driver.find_elements(By.CSS_SELECTOR, "fieldset.choice-buttons button")[0] \
        .get_attribute("aria-pressed") == "false"


def test_compare_page_reads_in_plain_english(explorer: str, driver: Any,
                                             tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser_sign_in(driver, explorer, "test-viewer", next_path="/compare")
    table = _wait_for(driver, "#compare-table")
    assert table.find_element(By.TAG_NAME, "caption").text.startswith(
        "Local government (n=35) and Researchers (n=17)")
    # the row is named by the concept's short name; the full wording is its title (hover)
    cells = _row_cells(driver, table, "Research project resources")
    assert cells[:2] == ["4.5", "3.6"] and cells[3].startswith("59% (36–78)")
    header = table.find_element(By.XPATH, ".//th[normalize-space()='Research project resources']")
    assert header.get_attribute("title") == RESOURCES
    readings = driver.find_elements(By.CSS_SELECTOR, "#compare-readings li")
    assert len(readings) == 9 and all(r.is_displayed() for r in readings)
    assert readings[0].text == (
        f"No evidence of a difference for {RESOURCES} (rank-biserial -0.17, 95% bootstrap "
        "interval -0.48 to +0.14; p=1.00 after Holm; mean rank 4.5 vs 3.6). At n=35 and n=17 "
        "a difference would need |r| of about 0.48 (0.62 at Holm's first step) to have an "
        "80% chance of being detected.")
    across = driver.find_element(By.CSS_SELECTOR, ".compare-across")
    assert across.text.startswith("Across all 9 options: no evidence that Local government "
                                  "and Researchers order the options differently")
    agreement = driver.find_element(By.ID, "compare-agreement")
    assert _row_cells(driver, agreement, "Researchers")[:2] == ["17", "0.23"]
    label = driver.find_element(By.CSS_SELECTOR, ".synthetic-label")
    assert label.is_displayed() and DEMO_LABEL in label.text
    driver.set_window_size(1280, 2600)
    screenshot = tmp_path / "compare.png"
    driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000  # for a person to look at


def _downloads_to(browser: Any, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    browser.execute_cdp_cmd("Page.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(folder)})
    return folder


def _downloaded(folder: Path, suffix: str, timeout: float = 30) -> Path:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == suffix]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file downloaded into {folder}")


def test_instruments_page_shows_versions_questionnaire_diff_and_xlsform(
        explorer: str, driver: Any, tmp_path: Path,
        choose: Callable[[Any, str, str], None]) -> None:
    import openpyxl
    from selenium.webdriver.common.by import By

    driver.get(explorer + "/instruments?version=local_government@1.1.0&language=cy")
    _wait_for(driver, "#questionnaire h3")
    assert driver.find_element(By.CSS_SELECTOR, "#questionnaire h3").text == (
        "Arolwg partneriaethau ymchwil lleol (llywodraeth leol)")
    assert "12 changes" in driver.find_element(By.ID, "instrument-diff").text
    assert "local_government@1.0.0" in driver.find_element(By.ID, "instruments-compare").text
    versions = driver.find_element(By.ID, "instrument-versions")
    assert _row_cells(driver, versions, "researcher@1.0.0")[:2] == ["published", "29"]
    choose(driver, "instruments-version", "researcher@1.0.0")
    wait_until(driver, lambda d: d.find_element(
        By.CSS_SELECTOR, "#questionnaire h3").text.startswith(
        "Local research partnerships survey 2022 (researchers)"))
    wait_until(driver, lambda d: "version=researcher%401.0.0" in d.current_url)
    # researcher@1.0.0 is the first researcher version: nothing to compare it with
    wait_until(driver, lambda d: d.find_element(By.ID, "instrument-diff").text
                                    == "Choose two versions to compare.")
    folder = _downloads_to(driver, tmp_path / "downloads")
    driver.find_element(By.ID, "instruments-get-xlsform").click()
    book = openpyxl.load_workbook(_downloaded(folder, ".xlsx"), read_only=True)
    assert {"survey", "choices", "settings"} <= set(book.sheetnames)
    driver.set_window_size(1280, 2400)
    driver.save_screenshot(str(tmp_path / "instruments.png"))
    assert not [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_downloads_page_sends_the_public_csv_for_the_chosen_grouping(
        explorer: str, driver: Any, tmp_path: Path) -> None:
    import csv

    from selenium.webdriver.common.by import By

    driver.get(explorer + "/downloads")
    _wait_for(driver, "#downloads-policy-note")
    assert "Shares based on fewer than" in driver.find_element(
        By.ID, "downloads-policy-note").text
    # by nation is not part of the public release (England beside all councils would
    # show the 8 others cell by cell): not offered (posting it anyway gets X108:
    # tests/dashboard/test_downloads.py)
    offered = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "fieldset button.choice")]
    assert "Nation" not in offered and "Instrument (respondent type)" in offered
    driver.find_element(
        By.XPATH, "//fieldset//button[normalize-space()='Instrument version']").click()
    wait_until(driver, lambda d: d.current_url.endswith("/downloads?by=version"))
    folder = _downloads_to(driver, tmp_path / "downloads")
    driver.find_element(
        By.XPATH, "//fieldset//button[normalize-space()='Instrument (respondent type)']").click()
    wait_until(driver, lambda d: d.current_url.endswith("/downloads"))
    driver.find_element(By.XPATH, "//button[normalize-space()='CSV']").click()
    with _downloaded(folder, ".csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    groups = {row[1] for row in rows[1:] if len(row) > 2}
    assert "Local Government" in groups and "[c]" in {c for r in rows for c in r}
    wait_until(driver, lambda d: d.find_element(
        By.ID, "downloads-status").text == "Downloaded priorities-public.csv.")
    # Another table: the Overview's counts, in the address, with only table formats.
    driver.find_element(By.XPATH, "//fieldset//button[normalize-space()="
                                  "'Respondents by group and nation (Overview)']").click()
    wait_until(driver, lambda d: d.current_url.endswith(
        "/downloads?table=overview"))
    wait_until(driver, lambda d: not d.find_elements(
        By.XPATH, "//button[normalize-space()='Chart (HTML)']"))
    assert "Fieldwork" not in driver.find_element(By.TAG_NAME, "main").text  # admins only
    driver.find_element(By.XPATH, "//button[normalize-space()='CSV']").click()
    wait_until(driver, lambda d: d.find_element(
        By.ID, "downloads-status").text == "Downloaded overview-public.csv.")
    overview = next(p for p in folder.iterdir() if p.name.startswith("overview"))
    with overview.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Complete responses by respondent group and nation (n=52)"]
    assert rows[2][:2] == ["Local government", "27"] and "[c]" in rows[2]
    driver.save_screenshot(str(tmp_path / "downloads.png"))
    assert not [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
