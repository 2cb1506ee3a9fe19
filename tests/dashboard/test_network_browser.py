"""The Network page in a real headless Chromium: filter a region, click a node, read its panel.

Fixtures (system Chromium, loopback server, skip rules) are in conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard.app import create_app
from survey.landscape.records import (
    LandscapeData,
    Organisation,
    Partnership,
    Provenance,
    Theme,
)
from survey.store import Store
from survey.store.landscape import save_landscape
from tests.dashboard.conftest import click_node, wait_until

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)> Borough"


def _landscape() -> LandscapeData:
    def prov(ref: str) -> tuple[Provenance, ...]:
        return (Provenance("report", ref),)

    orgs = (
        Organisation("wmca", "West Midlands Combined Authority", "combined_authority",
                     "england", "west_midlands", "major_city_region", themes=("skills",),
                     provenance=prov("report 3.36")),
        Organisation("bham", "University of Birmingham", "university", "england",
                     "west_midlands", "major_city_region", themes=("skills",),
                     provenance=prov("report 3.36")),
        Organisation("hostile", HOSTILE, "metropolitan_borough", "england", "west_midlands",
                     "major_city_region", themes=("skills",), provenance=prov("report 2.17")),
        Organisation("aston", "Aston University", "university", "england", "west_midlands",
                     "major_city_region", themes=("skills",), provenance=prov("report 3.38")),
        Organisation("wrex", "Wrexham County Borough Council", "unitary_authority", "wales",
                     "wales", "smaller_city_large_town", provenance=prov("report 2.5")),
        Organisation("bangor", "Bangor University", "university", "wales", "wales",
                     "predominantly_rural", provenance=prov("report 3.40")),
    )
    ties = (
        Partnership("cityredi", "City-REDI – WMCA joint post", "joint_post", ("wmca", "bham"),
                    themes=("skills",), provenance=prov("report 3.36")),
        Partnership("wmredi", "WMREDI", "observatory", ("wmca", "bham", "hostile"),
                    themes=("skills",), provenance=prov("report 3.38")),
        Partnership("nwpsl", "North Wales Public Service Lab", "strategic_link",
                    ("wrex", "bangor"), provenance=prov("report 3.40")),
    )
    return LandscapeData(orgs, ties, (Theme("skills", "Skills"),))


@pytest.fixture
def explorer(tmp_path: Path, serve_app: Callable[[Any], str]) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'network.db'}"
    store = Store.open(url, check=False, create=True)
    store.upgrade()
    save_landscape(store, _landscape())
    try:
        yield serve_app(create_app(store).server)
    finally:
        store.close()


def _wait(driver: Any, condition: Callable[[Any], Any], timeout: float = 30) -> Any:

    return wait_until(driver, timeout=timeout, condition=condition)


def test_filter_a_region_click_a_node_and_read_its_provenance(
        explorer: str, driver: Any, tmp_path: Path,
        choose: Callable[[Any, str, str], None]) -> None:
    from selenium.webdriver.common.by import By

    driver.set_window_size(1280, 2200)
    driver.get(explorer + "/network")
    summary = _wait(driver, lambda d: d.find_element(By.ID, "network-summary"))
    assert summary.text == "All organisations: 6 organisations, 4 ties."
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#network-graph .main-svg"))
    assert "Network" in [a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
    # filter: choose West Midlands in the region dropdown
    choose(driver, "network-region", "west_midlands")
    _wait(driver, lambda d: d.find_element(By.ID, "network-summary").text.startswith(
        "West Midlands: 4 organisations"))
    assert "region=west_midlands" in driver.current_url  # the view is in the URL
    click_node(driver, "wmca")
    panel = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#network-details h3"))
    assert panel.text == "West Midlands Combined Authority"
    details = driver.find_element(By.ID, "network-details").text
    assert "City-REDI – WMCA joint post (Joint post)" in details
    assert "Provenance: 2022 report paragraph: report 3.36" in details
    assert HOSTILE in details  # shown as text, never as an element
    assert not driver.find_elements(By.CSS_SELECTOR, "#network-details img")
    assert "Aston University" in details  # a suggestion, with its reason
    assert "works on Skills" in details
    assert "focus=wmca" in driver.current_url
    driver.save_screenshot(str(tmp_path / "network.png"))
    assert (tmp_path / "network.png").stat().st_size > 10_000
    # the shared address opens the same view
    driver.get(driver.current_url)
    _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#network-details h3").text
          == "West Midlands Combined Authority")
    assert driver.find_element(By.ID, "network-summary").text.startswith("West Midlands")
