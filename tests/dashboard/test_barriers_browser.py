"""The Barriers page in a real headless Chromium: an analyst's quote filters live in the
address (bookmark it, reload it: the same quotes); an anonymous visitor gets the public
tables, no quotes, and no serious accessibility violation.

Fixtures (system Chromium, loopback server, skip rules, choose, browser_sign_in) are in
conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from a11y import serious_violations

from dashboard.app import create_app
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.codings import barrier_quotes
from survey.store.users import add_user
from tests.dashboard.conftest import TEST_PASSWORD, browser_sign_in, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def explorer(tmp_path: Path, serve_app: Callable[[Any], str]) -> Iterator[tuple[str, Store]]:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    load_demo(url)
    store = Store.open(url)
    add_user(store, "test-analyst", "analyst", TEST_PASSWORD, by="test")
    try:
        yield serve_app(create_app(store).server), store
    finally:
        store.close()


def _text(browser: Any, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.ID, element_id).text)


def _settle(browser: Any) -> None:

    wait_until(browser, lambda d: d.execute_script(
        "return document.readyState === 'complete' && "
        "!document.querySelector('[data-dash-is-loading=\"true\"]')"))


def test_an_analysts_quote_filters_are_in_the_address_and_survive_a_reload(
        explorer: tuple[str, Store], driver: Any, tmp_path: Path,
        choose: Callable[[Any, str, str], None]) -> None:

    base, store = explorer
    quotes = barrier_quotes(store)
    expected = sum(("staff_turnover" in themes) and group == "researcher"
                   for group, themes in zip(quotes["group"], quotes["themes"], strict=True))
    browser_sign_in(driver, base, "test-analyst", next_path="/barriers")
    wait_until(driver, lambda d: _text(d, "barriers-quotes-count").startswith(
        f"{len(quotes)} of {len(quotes)} answers"))
    choose(driver, "barriers-quotes-theme", "staff_turnover")
    wait_until(driver, lambda d: "theme=staff_turnover" in d.current_url)
    choose(driver, "barriers-quotes-group", "researcher")
    wait_until(driver,
        lambda d: d.current_url.endswith("/barriers?theme=staff_turnover&group=researcher"))
    wait_until(driver, lambda d: _text(d, "barriers-quotes-count").startswith(
        f"{expected} of {len(quotes)} answers"))
    assert 0 < expected < len(quotes)
    shown = _text(driver, "barriers-quotes-list")
    # Reload the address (a bookmark): the same filters, the same quotes.
    driver.get(driver.current_url)
    wait_until(driver, lambda d: d.find_elements("id", "barriers-quotes-list"))
    _settle(driver)
    assert driver.current_url.endswith("/barriers?theme=staff_turnover&group=researcher")
    assert _text(driver, "barriers-quotes-list") == shown
    assert "Staff turnover" in _text(driver, "barriers-quotes")  # the dropdown shows it
    driver.save_screenshot(str(tmp_path / "barriers-analyst.png"))
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_anonymous_visitors_see_public_tables_and_no_quotes(
        explorer: tuple[str, Store], driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    base, store = explorer
    driver.get(base + "/barriers?by=nation&theme=staff_turnover&group=researcher")
    wait_until(driver, lambda d: d.find_elements(By.ID, "barriers-results"))
    _settle(driver)
    # the public view ignores what it does not offer, and says so in the address
    wait_until(driver, lambda d: d.current_url.endswith("/barriers"))
    page = driver.find_element(By.TAG_NAME, "body").text
    assert "[c]" in page and "by instrument only" in page
    assert "Quotes from the answers are shown to analysts." in page
    assert not driver.find_elements(By.ID, "barriers-quotes-list")
    texts = [str(t) for t in barrier_quotes(store)["text"] if len(str(t)) > 20]
    assert not [t for t in texts if t[:40] in page]
    offered = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "fieldset button.choice")]
    assert offered == ["Instrument (respondent type)"]
    assert serious_violations(driver) == []
    driver.save_screenshot(str(tmp_path / "barriers-anonymous.png"))
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
