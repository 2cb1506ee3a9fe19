"""The Downloads page without a browser: the CLI's files, the viewer's disclosure policy."""

from __future__ import annotations

import doctest
import io
import json
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

import dashboard.download_views as download_views
from dashboard.app import create_app
from dashboard.download_views import download, export_policies
from dashboard.views import text_of
from survey.cli import main
from survey.errors import LandscapeError
from survey.export.charts import find_chromium
from survey.store import Store
from survey.store.analysis import GROUP_FIELDS


def test_examples() -> None:
    result = doctest.testmod(download_views, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def _cli(store_file: Path, target: Path, *options: str) -> None:
    result = CliRunner().invoke(main, ["export", "priorities", "--database",
                                       f"sqlite:///{store_file}", "-o", str(target), *options])
    assert result.exit_code == 0, result.output


def test_public_csv_is_the_cli_public_csv(store: Store, tmp_path: Path) -> None:
    name, content = download(store, "csv", "instrument", reconstructed=True)
    target = tmp_path / "cli.csv"
    _cli(tmp_path / "demo.db", target, "--public", "--by", "instrument")
    assert name == "priorities-public.csv"
    assert content == target.read_bytes()
    assert "[c]" in content.decode("utf-8-sig")


def test_public_by_nation_is_refused_like_the_cli(store: Store, tmp_path: Path) -> None:
    """England's table beside all councils' would show the 8 others cell by cell."""
    with pytest.raises(LandscapeError) as refused:
        download(store, "csv", "nation", reconstructed=True)
    assert refused.value.issues[0].code == "X108"
    result = CliRunner().invoke(main, ["export", "priorities", "--database",
                                       f"sqlite:///{tmp_path / 'demo.db'}", "-o",
                                       str(tmp_path / "cli.csv"), "--public", "--by", "nation"])
    assert result.exit_code == 2 and "X108" in result.output
    assert not (tmp_path / "cli.csv").exists()


def test_xlsx_download_matches_the_cli(store: Store, tmp_path: Path) -> None:
    _, content = download(store, "xlsx", role="analyst", policy="internal",
                          reconstructed=True)
    target = tmp_path / "cli.xlsx"
    _cli(tmp_path / "demo.db", target, "--internal")

    def cells(data: bytes) -> list[Any]:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return [[tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book]

    assert cells(content) == cells(target.read_bytes())


@pytest.mark.parametrize("role", [None, "viewer"])
def test_internal_files_are_refused_below_analyst(store: Store, role: str | None) -> None:
    assert export_policies(role) == ("public",)
    name, content = download(store, "md", role=role, policy="internal")
    assert name == "priorities-public.md"
    assert "No suppression applied (internal view)" not in content.decode()
    assert "suppressed" in content.decode()
    _, internal = download(store, "md", role="analyst", policy="internal")
    assert "No suppression applied (internal view)" in internal.decode()


def test_html_chart_works_offline(store: Store) -> None:
    name, content = download(store, "html", "instrument")
    page = content.decode("utf-8")
    assert name == "priorities-chart-public.html"
    assert "<script src=" not in page and "plotly" in page.lower()


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium to draw a PNG")
def test_png_chart_is_drawn_by_the_system_chromium(store: Store) -> None:
    name, content = download(store, "png")
    assert name == "priorities-chart-public.png" and content[:8] == b"\x89PNG\r\n\x1a\n"


def test_page_and_callback_send_the_public_file(store: Store) -> None:
    app = create_app(store)
    with app.server.test_request_context("/downloads"):
        tree = sys.modules["dashboard.pages.downloads"].layout(by="nation")
    text = text_of(tree)
    assert "Disclosure policy of your downloads: Shares based on fewer than" in text
    assert "Internal (not for publication)" not in text  # anonymous: public only
    client = app.server.test_client()
    client.get("/")
    button = {"format": "csv", "type": "downloads-get"}
    body = {"output": "..downloads-file.data...downloads-status.children..",
            "outputs": [{"id": "downloads-file", "property": "data"},
                        {"id": "downloads-status", "property": "children"}],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "downloads-by", "property": "data", "value": "instrument"},
                      {"id": "downloads-policy", "property": "data", "value": "internal"}],
            "changedPropIds": [json.dumps(button, separators=(",", ":")) + ".n_clicks"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    result = response.get_json()["response"]
    assert result["downloads-file"]["data"]["filename"] == "priorities-public.csv"
    assert result["downloads-status"]["children"] == "Downloaded priorities-public.csv."


def _choice_buttons(tree: Any) -> list[Any]:
    """The Downloads page's grouping buttons (``downloads-by`` choices)."""
    out: list[Any] = []

    def walk(item: Any) -> None:
        if item is None or isinstance(item, str | int | float):
            return
        if isinstance(item, list | tuple):
            for child in item:
                walk(child)
            return
        key = getattr(item, "id", None)
        if isinstance(key, dict) and key.get("type") == "downloads-by-choice":
            out.append(item)
        walk(getattr(item, "children", None))

    walk(tree)
    return out


def _offered(tree: Any) -> list[str]:
    """The groupings the Downloads page offers."""
    return [str(b.id["value"]) for b in _choice_buttons(tree)]


def _page_for(store: Store, role: str, monkeypatch: pytest.MonkeyPatch,
              by: str | None = None) -> Any:
    app = create_app(store)
    page = sys.modules["dashboard.pages.downloads"]
    monkeypatch.setattr(page, "current_role", lambda: role)
    with app.server.test_request_context("/downloads"):
        return page.layout(by=by)


def test_public_visitors_are_offered_only_the_groupings_the_release_allows(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Independent: which public downloads the export path itself refuses (X108).
    refused = set()
    for field in GROUP_FIELDS:
        try:
            download(store, "md", field)
        except LandscapeError as exc:
            assert exc.issues[0].code == "X108"
            refused.add(field)
    assert "nation" in refused and "instrument" not in refused
    expected = [f for f in GROUP_FIELDS if f not in refused]
    for role in ("anonymous", "viewer"):  # both get public files only
        tree = _page_for(store, role, monkeypatch, by="nation")
        assert _offered(tree) == expected
        assert "Nation" not in [b.children for b in _choice_buttons(tree)]
        # ?by=nation is not offered, so the page falls back to one table per instrument
        assert "by=nation" not in json.dumps(tree.to_plotly_json(), default=str)



@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_staff_with_internal_files_are_offered_every_grouping(
        store: Store, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _page_for(store, role, monkeypatch, by="nation")
    assert _offered(tree) == list(GROUP_FIELDS)
    pressed = [b for b in _choice_buttons(tree)
               if b.to_plotly_json()["props"]["aria-pressed"] == "true"]
    assert [b.id["value"] for b in pressed] == ["nation"]


def test_a_refused_grouping_posted_directly_still_gets_x108(store: Store) -> None:
    app = create_app(store)
    client = app.server.test_client()
    client.get("/")
    button = {"format": "csv", "type": "downloads-get"}
    body = {"output": "..downloads-file.data...downloads-status.children..",
            "outputs": [{"id": "downloads-file", "property": "data"},
                        {"id": "downloads-status", "property": "children"}],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "downloads-by", "property": "data", "value": "nation"},
                      {"id": "downloads-policy", "property": "data", "value": "public"}],
            "changedPropIds": [json.dumps(button, separators=(",", ":")) + ".n_clicks"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    result = response.get_json()["response"]
    assert "downloads-file" not in result  # nothing sent
    assert "X108" in json.dumps(result["downloads-status"])
