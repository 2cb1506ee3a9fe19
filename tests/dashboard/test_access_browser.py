"""Signing in and out in a real headless Chromium, and a page above the role refused.

Fixtures (system Chromium, loopback server, skip rules) are in conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard.app import create_app
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.users import add_user
from tests.dashboard.conftest import TEST_PASSWORD, browser_sign_in, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def explorer(tmp_path: Path, serve_app: Callable[[Any], str]) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    load_demo(url)
    store = Store.open(url)
    add_user(store, "vera", "viewer", TEST_PASSWORD, by="test")
    try:
        yield serve_app(create_app(store).server)
    finally:
        store.close()


def _wait_text(browser: Any, css: str, text: str, timeout: float = 30) -> Any:
    from selenium.webdriver.common.by import By

    return wait_until(browser, timeout=timeout, condition=
        lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, css) if text in e.text),
                       None))


def test_sign_in_try_a_page_above_the_role_and_sign_out(explorer: str, driver: Any,
                                                        tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    # Anonymous: the fieldwork monitor sends the visitor to sign in.
    driver.get(explorer + "/monitor")
    assert "/login?next=%2Fmonitor" in driver.current_url
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in"
    # A viewer signs in and is sent on to the monitor: refused by the server (403 page).
    browser_sign_in(driver, explorer, "vera", TEST_PASSWORD, next_path="/monitor")
    _wait_text(driver, "h1", "Not available to your role")
    assert "needs the admin role" in driver.find_element(By.TAG_NAME, "main").text
    assert not driver.find_elements(By.ID, "monitor-funnel")
    driver.save_screenshot(str(tmp_path / "refused.png"))
    # The explorer shows who is signed in, and links only the pages the role may see.
    driver.get(explorer + "/")
    account = _wait_text(driver, ".account", "Signed in as vera (viewer)")
    nav = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
    assert "Compare" in nav and "Fieldwork monitor" not in nav
    driver.save_screenshot(str(tmp_path / "signed-in.png"))
    # Sign out: a POST with the signed token, then the monitor asks to sign in again.
    account.find_element(By.LINK_TEXT, "Sign out").click()
    _wait_text(driver, "form button[type=submit]", "Sign out").click()
    _wait_text(driver, ".account", "Sign in")
    driver.get(explorer + "/monitor")
    assert "/login" in driver.current_url, driver.page_source[:1500]
    # Moving to the monitor inside the app (as a link would): the server sends a notice
    # in place of the page, and nothing of it.
    driver.get(explorer + "/")
    _wait_text(driver, ".account", "Sign in")
    driver.execute_script("window.history.pushState({}, '', '/monitor');"
                          "window.dispatchEvent(new PopStateEvent('popstate'));")
    notice = _wait_text(driver, "#access-refused", "Sign in to see this page")
    assert "admin role or above" in notice.text
    assert not driver.find_elements(By.ID, "monitor-funnel")
