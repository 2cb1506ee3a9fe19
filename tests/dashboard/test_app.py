"""The app factory: explorer pages from a pages folder, the form on the same server."""

from __future__ import annotations

import doctest
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import dash
import pytest

from dashboard.app import create_app
from survey.store import Store

PAGE = '''
import dash
from dash import html

dash.register_page(__name__, path="/", name="Overview (test page)")
layout = html.Div("overview page")
'''


@pytest.mark.parametrize("name", ["dashboard.app", "dashboard.form.pages", "dashboard.form.fields",
                                  "dashboard.commands"])
def test_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Dash keeps pages in a process-wide registry: leave it as it was found."""
    saved = dict(dash.page_registry)
    modules = set(sys.modules)
    dash.page_registry.clear()  # the real pages (one at "/") from earlier apps would clash
    try:
        yield
    finally:
        dash.page_registry.clear()
        dash.page_registry.update(saved)
        for name in set(sys.modules) - modules:
            if "overview_test_page" in name:
                del sys.modules[name]


def test_pages_folder_modules_become_explorer_pages(tmp_path: Path,
                                                    clean_registry: None) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "overview_test_page.py").write_text(PAGE, encoding="utf-8")
    store = Store.open("sqlite://", check=False)
    store.upgrade()
    app = create_app(store, pages_folder=pages, demo_label="Synthetic demo data")
    client = app.server.test_client()
    layout = client.get("/_dash-layout").get_json()
    text = str(layout)
    assert "Overview (test page)" in text and "Synthetic demo data" in text
    assert "_pages_location" in text  # dash.page_container is in the layout
    assert client.get("/").status_code == 200
    # The form routes win over Dash's catch-all page route.
    assert client.get("/respond/unknown-token").status_code == 404
    assert "This link is not valid" in client.get("/respond/unknown-token").text


def test_without_pages_the_layout_says_so(tmp_path: Path) -> None:
    store = Store.open("sqlite://", check=False)
    store.upgrade()
    app = create_app(store, pages_folder=tmp_path / "none")
    text = str(app.server.test_client().get("/_dash-layout").get_json())
    assert "survey form only" in text


def test_form_only_serves_no_explorer_page() -> None:
    """`landscape serve --form-only`: the explorer (no login, unsuppressed figures) is off,
    even though the shipped pages exist; the form routes still work."""
    store = Store.open("sqlite://", check=False)
    store.upgrade()
    app = create_app(store, explorer=False)
    client = app.server.test_client()
    text = str(client.get("/_dash-layout").get_json())
    assert "survey form only" in text and "_pages_location" not in text
    assert "Priorities" not in text
    assert client.get("/respond/unknown-token").status_code == 404
