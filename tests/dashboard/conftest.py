"""Shared fixtures for the browser tests: the app on loopback, a headless system Chromium.

Uses the system Chromium and chromedriver (Debian packages ``chromium`` and
``chromium-driver``); Selenium Manager is kept offline, so nothing is downloaded.
Browser tests skip when they are missing, except under ``CI=true`` (``.ci/run``
installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def require_browser() -> None:
    """Skip (or, under ``CI=true``, fail) when the system Chromium or chromedriver is absent."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; under CI=true browser tests may not skip: .ci/run installs "
                    "them", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def serve_app() -> Iterator[Callable[[Any], str]]:
    """Serve a WSGI app on a free loopback port in a thread; returns its base URL.

    Every server started is shut down at the end of the test.
    """
    running: list[tuple[Any, threading.Thread]] = []

    def start(wsgi_app: Any) -> str:
        server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    try:
        yield start
    finally:
        for server, thread in running:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


@pytest.fixture
def driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A headless system Chromium driven by selenium (skips without one, see above)."""
    require_browser()
    from selenium import webdriver

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not download anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-quic", "--no-first-run", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--window-size=1000,2400",
                f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(arg)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    browser = webdriver.Chrome(service=service, options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


@pytest.fixture
def choose() -> Callable[[Any, str, str], None]:
    """The :func:`choose_option` helper, as a fixture for the browser tests."""
    return choose_option


def choose_option(browser: Any, dropdown_id: str, value: str, timeout: float = 30) -> None:
    """Open the Dash dropdown ``dropdown_id`` and click the option whose value is ``value``.

    Waits for the option itself rather than typing into whatever has focus: typing right
    after the click raced the popup opening under load (keys went to the closed trigger).
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, timeout)
    trigger = wait.until(ec.element_to_be_clickable((By.ID, dropdown_id)))
    option = (By.XPATH, f"//*[@role='option'][.//input[@value='{value}']]")
    for _ in range(3):  # the popup can close again if a re-render lands mid-click
        if trigger.get_attribute("aria-expanded") != "true":
            trigger.click()
        try:
            WebDriverWait(browser, timeout / 3).until(ec.element_to_be_clickable(option)).click()
            return
        except Exception:  # retried: the popup re-rendered under the click
            trigger = browser.find_element(By.ID, dropdown_id)
    WebDriverWait(browser, timeout).until(ec.element_to_be_clickable(option)).click()


def wait_until(browser: Any, condition: Callable[[Any], Any], timeout: float = 30) -> Any:
    """Wait for ``condition``, reading again when Dash re-renders what it was reading."""
    # selenium is imported only by the browser tests (they skip without a browser)
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, ignored_exceptions=(
        StaleElementReferenceException,)).until(condition)


def click_node(driver: Any, key: str) -> None:
    """Click the node ``key`` where plotly drew it (pixel position from the figure's axes)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    x, y = driver.execute_script("""
        const gd = document.querySelector('#network-graph .js-plotly-plot');
        const trace = gd.data.find(t => t.customdata && t.customdata.length);
        const i = trace.customdata.indexOf(arguments[0]);
        const L = gd._fullLayout;
        return [L._size.l + L.xaxis.l2p(trace.x[i]), L._size.t + L.yaxis.l2p(trace.y[i])];
    """, key)
    plot = driver.find_element(By.CSS_SELECTOR, "#network-graph .js-plotly-plot")
    size = plot.size
    ActionChains(driver).move_to_element_with_offset(
        plot, int(x - size["width"] / 2), int(y - size["height"] / 2)).pause(0.3).click(
        ).perform()


#: The password of every user :func:`sign_in` creates.
TEST_PASSWORD = "a long test password"


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for users the test creates (the production ones take ~0.5 s)."""
    from argon2 import PasswordHasher

    import survey.store.users

    monkeypatch.setattr(survey.store.users, "_HASHER",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def sign_in(client: Any, store: Any, role: str, name: str | None = None) -> str:
    """Make ``client`` (a Flask test client) a signed-in user with ``role``; returns the name.

    Creates the user when missing and writes flask-login's session entry directly;
    ``tests/dashboard/test_access.py`` tests signing in through ``/login`` itself.
    """
    from survey.store.users import add_user, find_user

    name = name or f"test-{role}"
    record = find_user(store, name) or add_user(store, name, role, TEST_PASSWORD, by="test")
    with client.session_transaction() as session:
        session["_user_id"] = f"{record.name}:{record.session_key}"
        session["_fresh"] = True
    return name


def page_json(client: Any, path: str, search: str = "") -> dict[str, Any]:
    """The layout of the page at ``path`` (query ``search``) the server sends ``client``,
    as JSON: what Dash's page router asks for on a client-side navigation."""
    response = client.post("/_dash-update-component", json={
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "state": [], "changedPropIds": ["_pages_location.pathname"]})
    assert response.status_code == 200, path
    page: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return page


def browser_sign_in(browser: Any, base_url: str, name: str, password: str = TEST_PASSWORD,
                    next_path: str = "/") -> None:
    """Sign in through the real ``/login`` form in the browser, then go to ``next_path``."""
    from urllib.parse import quote

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{base_url}/login?next={quote(next_path)}")
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(browser, 30).until(
        lambda d: "/login" not in d.current_url
        and d.execute_script("return document.readyState") == "complete")


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, built once per test session (tests get private copies of it)."""
    # Loaded when first needed: the browser-only fixtures above need no store.
    from survey.reproduce.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    load_demo(f"sqlite:///{path}")
    return path


@pytest.fixture
def store(demo_file: Path, tmp_path: Path) -> Iterator[Any]:
    """A private copy of the demo store (tests may change it); modules may define their own."""
    from survey.store import Store

    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    opened = Store.open(f"sqlite:///{copy}")
    try:
        yield opened
    finally:
        opened.close()


def all_components(tree: Any) -> list[Any]:
    """Every Dash component in a layout tree, depth first (strings and numbers left out)."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
        elif node is not None and not isinstance(node, str | int | float):
            found.append(node)
            walk(getattr(node, "children", None))

    walk(tree)
    return found
