"""axe-core in the browser on every explorer page and state: no serious or critical violation.

axe-core is bundled by ``axe-core-python`` (nothing downloaded; see tests/a11y.py).
States: each page as loaded, a dropdown open, and after a filter or view change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from a11y import axe_version, reader_problems, serious_violations

from dashboard.access import page_allowed
from dashboard.app import create_app
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.users import add_user
from tests.dashboard.conftest import TEST_PASSWORD, browser_sign_in, wait_until

pytestmark = pytest.mark.browser

PAGES = {"/": "#overview-respondents", "/priorities": "table.band-table",
         "/compare": "#compare-table", "/barriers": "#barriers-results",
         "/monitor": "#monitor-funnel", "/network": "#network-summary",
         "/instruments": "#questionnaire", "/downloads": "#downloads-policy-note"}


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    load_demo(f"sqlite:///{path}")
    store = Store.open(f"sqlite:///{path}")
    add_user(store, "test-admin", "admin", TEST_PASSWORD, by="test")  # every page
    store.close()
    return f"sqlite:///{path}"


@pytest.fixture
def explorer(demo_url: str, serve_app: Callable[[Any], str]) -> Iterator[str]:
    store = Store.open(demo_url)
    try:
        yield serve_app(create_app(store).server)
    finally:
        store.close()


def _wait_for(browser: Any, css: str, timeout: float = 30) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    return wait_until(browser, timeout=timeout, condition=
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def _settle(browser: Any) -> None:
    """Wait until Dash has no callback in flight."""

    wait_until(browser, lambda d: d.execute_script(
        "return !document.querySelector('[data-dash-is-loading=\"true\"]')"))


def _errors(browser: Any) -> list[Any]:
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_every_page_has_no_serious_violation_and_no_console_error(
        explorer: str, driver: Any, tmp_path: Path) -> None:
    found: dict[str, list[str]] = {}
    public = [path for path in PAGES if page_allowed(path, "anonymous")]
    for who, paths in (("anonymous", public), ("admin", list(PAGES))):
        if who == "admin":  # signed in: every page, staff views included
            driver.get(explorer + "/login")
            found["/login"] = serious_violations(driver)
            browser_sign_in(driver, explorer, "test-admin")
        for path in paths:
            driver.get(explorer + path)
            _wait_for(driver, PAGES[path])
            _settle(driver)
            found[f"{who} {path}"] = serious_violations(driver) + reader_problems(driver)
            assert not _errors(driver), (who, path)
            driver.save_screenshot(str(tmp_path / f"{who}-{path.strip('/') or 'overview'}.png"))
    assert axe_version(driver).startswith("4.")
    assert len(public) >= 4
    assert found == {key: [] for key in found}


def test_open_dropdown_and_changed_filter_have_no_serious_violation(
        explorer: str, driver: Any, choose: Callable[[Any, str, str], None]) -> None:
    from selenium.webdriver.common.by import By

    browser_sign_in(driver, explorer, "test-admin")  # a filter by nation is staff-only
    driver.get(explorer + "/priorities")
    _wait_for(driver, "table.band-table")
    _settle(driver)
    before = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.band-table caption")]
    filters = driver.find_element(By.CSS_SELECTOR, "details.filters")
    assert filters.get_attribute("open") is None  # folded: the tables come first
    filters.find_element(By.TAG_NAME, "summary").click()
    driver.find_element(By.ID, "priorities-filter-nation").click()
    _wait_for(driver, ".dash-dropdown-content input[value='wales']")
    # Known and kept: Dash 4's open dropdown nests a checkbox in each role=option (its
    # selection goes through those roles); everything else must pass.
    open_found = [v for v in serious_violations(driver)
                  if not v.startswith("nested-interactive")]
    assert open_found == [], "dropdown open"
    driver.find_element(By.TAG_NAME, "h2").click()  # close it
    choose(driver, "priorities-filter-nation", "wales")
    wait_until(driver, lambda d: [
        c.text for c in d.find_elements(By.CSS_SELECTOR, "table.band-table caption")] != before)
    _settle(driver)
    from selenium.webdriver.common.keys import Keys

    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)  # close the dropdown
    wait_until(driver, timeout=10, condition=
        lambda d: not d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content"))
    # the view is in the address: opening it again gives the same tables
    wait_until(driver, lambda d: "nation=wales" in d.current_url)
    after = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.band-table caption")]
    driver.get(driver.current_url)
    _wait_for(driver, "table.band-table")
    assert [c.text for c in driver.find_elements(
        By.CSS_SELECTOR, "table.band-table caption")] == after
    assert serious_violations(driver) == [], "after a filter change"
    assert not _errors(driver)


def test_focus_moves_to_the_heading_after_navigation(explorer: str, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    browser_sign_in(driver, explorer, "test-admin")  # the staff view of Compare
    driver.get(explorer + "/")
    _wait_for(driver, "#overview-respondents")
    driver.find_element(By.CSS_SELECTOR, "nav a[href='/compare']").click()
    wait_until(driver,
        lambda d: d.switch_to.active_element.tag_name == "h2"
        and d.switch_to.active_element.text == "Compare")
    tabbable = driver.execute_script(
        "return Array.from(document.querySelectorAll('.modebar a, .modebar button'))"
        ".filter(e => e.tabIndex >= 0).length")
    assert tabbable == 0  # plotly's toolbar is not in the Tab order


def test_a_dropdown_works_from_the_keyboard_alone(explorer: str, driver: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(explorer + "/network")
    _wait_for(driver, "#network-graph .main-svg")
    _settle(driver)
    size = driver.find_element(By.ID, "network-size")
    assert size.get_attribute("tabindex") == "0"  # in the Tab order (assets/a11y.js)
    driver.execute_script("arguments[0].focus()", size)
    for key in (Keys.ENTER, Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ENTER):
        ActionChains(driver).send_keys(key).pause(0.5).perform()
    wait_until(driver,
        lambda d: d.find_element(By.ID, "network-size").text == "Brokerage (betweenness)")
    wait_until(driver, lambda d: "size=betweenness" in d.current_url)
    assert driver.switch_to.active_element.get_attribute("id") == "network-size"
