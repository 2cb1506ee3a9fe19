"""The respondent form in a real headless Chromium, answered by keyboard only.

The browser and server fixtures (system Chromium, skip rules) are in conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dashboard.app import create_app
from survey.instrument import Catalogue
from survey.store import Store, analysis_frame
from survey.store.frame import import_frame
from survey.store.invitations import issue_invitations
from survey.store.models import Response as ResponseRow
from tests.dashboard.conftest import wait_until

pytestmark = pytest.mark.browser

FRAME = ("name,email,organisation,organisation_type,role,nation,region\n"
         "Siân Jones,sian@example.org,Cyngor Sir Ynys Môn,unitary,Officer,Wales,\n")
RANKS = {
    "research_project_resources": 3, "synthesis_in_policy_orgs": 1, "public_sector_data": 2,
    "synthesis_in_research_orgs": 4, "networks_with_research_institutions": 5,
    "support_from_research_institutions": 6, "internal_analytical_capacity": 7,
    "commercial_data": 8, "analysis_tools": 9,
}
# What to do, by field name, when the keyboard focus reaches it.
ANSWERS: dict[str, Any] = {
    "consent": True, "organisation": "Cyngor Sir Ynys Môn (synthetic test answer)",
    "organisation_type": "unitary_authority", "nation": "wales", "in_partnership": "no",
    "partnership_intention": "open_to_it", "openness": "4",
    "what_would_help": {"staff_time_capacity"},
    **{f"evidence_priorities:{code}": str(rank) for code, rank in RANKS.items()},
}


@pytest.fixture
def served(tmp_path: Path, serve_app: Callable[[Any], str]) -> Iterator[tuple[str, Store]]:
    """The app on a free loopback port, with one invitation to the LG survey."""
    store = Store.open(f"sqlite:///{tmp_path / 'browser.db'}", check=False, create=True)
    store.upgrade()
    frame = tmp_path / "frame.csv"
    frame.write_text(FRAME, encoding="utf-8")
    import_frame(store, frame)
    lg = Catalogue.default().load("local_government@1.0.0")
    (row,) = issue_invitations(store, lg, "http://127.0.0.1")
    app = create_app(store, demo_label="Browser test: synthetic responses")
    base = serve_app(app.server)
    token = row.link.rsplit("/", 1)[1]
    try:
        yield f"{base}/respond/{token}", store
    finally:
        store.close()


def _answer_page_by_keyboard(browser: Any, screenshot: Path | None = None) -> str:
    """Tab through the page, answering each field with keys; press Enter on Continue.

    Returns the button's text. With ``screenshot``, the filled page is saved first.
    """
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    keys = ActionChains(browser)
    keys.send_keys(Keys.TAB).perform()
    for _ in range(150):
        active = browser.switch_to.active_element
        tag = active.tag_name.lower()
        kind = (active.get_attribute("type") or "").lower()
        name = active.get_attribute("name") or ""
        wanted = ANSWERS.get(name)
        if tag == "button" and active.get_attribute("value") == "next":
            label = active.text
            if screenshot is not None:
                browser.save_screenshot(str(screenshot))
            ActionChains(browser).send_keys(Keys.ENTER).perform()
            return label
        if tag == "select" and wanted is not None:
            ActionChains(browser).send_keys(wanted).perform()  # type-ahead picks "3"
        elif kind == "checkbox":
            value = active.get_attribute("value")
            should = wanted is True or (isinstance(wanted, set) and value in wanted)
            if should != active.is_selected():
                ActionChains(browser).send_keys(Keys.SPACE).perform()
        elif kind == "radio" and wanted is not None:
            # Arrow keys move through a radio group and select as they go.
            for _ in range(20):
                if active.get_attribute("value") == wanted:
                    break
                ActionChains(browser).send_keys(Keys.ARROW_DOWN).perform()
                active = browser.switch_to.active_element
            if not active.is_selected():
                ActionChains(browser).send_keys(Keys.SPACE).perform()
        elif tag in ("input", "textarea") and kind in ("text", "textarea", "") \
                and isinstance(wanted, str) and not active.get_attribute("value"):
            ActionChains(browser).send_keys(wanted).perform()
        ActionChains(browser).send_keys(Keys.TAB).perform()
    raise AssertionError(f"never reached the Continue button on {browser.current_url}")


def test_local_government_form_by_keyboard_only(
    served: tuple[str, Store], driver: Any, tmp_path: Path
) -> None:
    from a11y import serious_violations
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    url, store = served
    driver.get(url)
    assert "Browser test: synthetic responses" in driver.page_source
    # The error state first: submitting page 1 empty names each question in the summary.
    driver.find_element(By.CSS_SELECTOR, "button[value='next']").click()
    wait_until(driver, timeout=20, condition=
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    problems = [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".error-summary a")]
    assert problems and len(set(problems)) == len(problems)  # each names its question
    assert driver.find_element(By.CSS_SELECTOR, "p.caption").text.startswith("Page 1 of ")
    assert serious_violations(driver) == [], "error summary"
    # every button shows the focus ring, "Save and continue later" included (it had lost it)
    for button in driver.find_elements(By.CSS_SELECTOR, ".buttons button"):
        driver.execute_script("arguments[0].focus()", button)
        ring = driver.execute_script("return getComputedStyle(arguments[0]).boxShadow", button)
        assert "rgb(11, 12, 12) 0px 0px 0px 4px" in ring, (button.text, ring)
    driver.get(url)
    screenshot = tmp_path / "ranking-page.png"
    for _ in range(12):
        assert serious_violations(driver) == [], driver.current_url
        heading = driver.find_element(By.TAG_NAME, "h1").text
        if heading == "Priorities":
            assert len(driver.find_elements(By.CSS_SELECTOR, "fieldset select")) == 9
        body = driver.find_element(By.TAG_NAME, "body")
        label = _answer_page_by_keyboard(driver, screenshot if heading == "Priorities" else None)
        WebDriverWait(driver, 20).until(expected_conditions.staleness_of(body))
        assert "There is a problem" not in driver.page_source, driver.page_source
        if label == "Submit my answers":
            break
    panel = driver.find_element(By.CSS_SELECTOR, ".panel h1").text
    assert panel == "Your answers have been submitted"
    assert driver.current_url.split("?")[0].endswith("/done")
    with store.session() as s:
        (response,) = s.execute(select(ResponseRow)).scalars()
    assert (response.state, response.path) == ("complete", "no_partnership")
    ranks = analysis_frame(store, "evidence_priorities")
    assert ranks[list(RANKS)].iloc[0].tolist() == list(RANKS.values())
    assert screenshot.stat().st_size > 0  # the filled ranking page, for a person to look at
