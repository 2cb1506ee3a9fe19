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
from dashboard.access import page_allowed
from dashboard.app import create_app
from dashboard.download_views import download, export_policies, table_groupings
from dashboard.views import text_of
from survey.cli import main
from survey.errors import LandscapeError
from survey.export.charts import find_chromium
from survey.export.report import Report
from survey.export.report_catalogue import REPORTS
from survey.store import Store
from survey.store.analysis import GROUP_FIELDS
from survey.store.users import audit_entries
from tests.dashboard.conftest import all_components, sign_in


def post_download(client: Any, fmt: str, by: str | None, policy: str,
                  table: str = "priorities") -> Any:
    """Post the Downloads page's download callback as the browser does (or as anyone may)."""
    button = {"format": fmt, "type": "downloads-get"}
    body = {"output": "..downloads-file.data...downloads-status.children..",
            "outputs": [{"id": "downloads-file", "property": "data"},
                        {"id": "downloads-status", "property": "children"}],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "downloads-table", "property": "data", "value": table},
                      {"id": "downloads-by", "property": "data", "value": by},
                      {"id": "downloads-policy", "property": "data", "value": policy}],
            "changedPropIds": [json.dumps(button, separators=(",", ":")) + ".n_clicks"]}
    return client.post("/_dash-update-component", json=body)


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
    response = post_download(client, "csv", "instrument", "internal")
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
              by: str | None = None, **query: str) -> Any:
    app = create_app(store)
    page = sys.modules["dashboard.pages.downloads"]
    monkeypatch.setattr(page, "current_role", lambda: role)
    with app.server.test_request_context("/downloads"):
        return page.layout(by=by, **query)


def _public_groupings(store: Store) -> list[str]:
    """Independent of the page: the groupings whose public download the export path
    itself does not refuse (X108)."""
    refused = set()
    for field in GROUP_FIELDS:
        try:
            download(store, "md", field)
        except LandscapeError as exc:
            assert exc.issues[0].code == "X108"
            refused.add(field)
    assert "nation" in refused and "instrument" not in refused
    return [f for f in GROUP_FIELDS if f not in refused]


def test_public_visitors_are_offered_only_the_groupings_the_release_allows(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _public_groupings(store)
    for role in ("anonymous", "viewer"):  # both get public files only
        tree = _page_for(store, role, monkeypatch, by="nation")
        assert _offered(tree) == expected
        assert "Nation" not in [b.children for b in _choice_buttons(tree)]
        # ?by=nation is not offered, so the page falls back to one table per instrument
        assert "by=nation" not in json.dumps(tree.to_plotly_json(), default=str)



@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_staff_with_internal_files_are_offered_every_grouping(
        store: Store, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _page_for(store, role, monkeypatch, by="nation", policy="internal")
    assert _offered(tree) == list(GROUP_FIELDS)
    pressed = [b for b in _choice_buttons(tree)
               if b.to_plotly_json()["props"]["aria-pressed"] == "true"]
    assert [b.id["value"] for b in pressed] == ["nation"]


def test_a_refused_grouping_posted_directly_still_gets_x108(store: Store) -> None:
    app = create_app(store)
    client = app.server.test_client()
    client.get("/")
    response = post_download(client, "csv", "nation", "public")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    result = response.get_json()["response"]
    assert "downloads-file" not in result  # nothing sent
    assert "X108" in json.dumps(result["downloads-status"])


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_staff_choosing_public_files_are_offered_only_the_public_groupings(
        store: Store, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The offered groupings follow the chosen policy, not only the role (they did)."""
    expected = _public_groupings(store)
    tree = _page_for(store, role, monkeypatch, by="nation")  # public is preselected
    assert _offered(tree) == expected
    tree = _page_for(store, role, monkeypatch, by="nation", policy="public")
    assert _offered(tree) == expected


def _choose_body(table: str, policy: str, by: str | None, changed: str) -> dict[str, Any]:
    """The Downloads page's choice callback, as the browser posts it after a click."""
    outputs = [("downloads-by-box", "children"), ("downloads-formats", "children"),
               ("downloads-query", "data"), ("downloads-policy-note", "children")]
    return {"output": "...".join(f"{i}.{p}" for i, p in outputs).join(("..", "..")),
            "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [{"id": "downloads-table", "property": "data", "value": table},
                       {"id": "downloads-policy", "property": "data", "value": policy},
                       {"id": "downloads-by", "property": "data", "value": by}],
            "changedPropIds": [f"{changed}.data"]}


def test_switching_to_public_offers_the_public_groupings(
        store: Store, fast_passwords: None) -> None:
    app = create_app(store)
    client = app.server.test_client()
    sign_in(client, store, "analyst")
    expected = _public_groupings(store)
    for policy, offered in (("internal", list(GROUP_FIELDS)), ("public", expected)):
        response = client.post("/_dash-update-component",
                               json=_choose_body("priorities", policy, "nation",
                                                 "downloads-policy"))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        result = response.get_json()["response"]
        box = json.dumps(result["downloads-by-box"]["children"])
        shown = [f for f in GROUP_FIELDS if f'"value": "{f}"' in box]
        assert shown == offered, policy
        query = result["downloads-query"]["data"]
        assert query == ("by=nation&policy=internal" if policy == "internal" else "")


def test_what_to_download_follows_the_pages_the_visitor_may_open(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def tables(tree: Any) -> list[str]:
        return [str(c.id["value"]) for c in all_components(tree)
                if isinstance(getattr(c, "id", None), dict)
                and c.id.get("type") == "downloads-table-choice"]

    expected = {role: ["priorities", *(r.name for r in REPORTS.values()
                                       if page_allowed(r.page, role))]
                for role in ("anonymous", "viewer", "admin")}
    for role, names in expected.items():
        # ?table=fieldwork for a visitor who may not have it: the priority tables instead.
        tree = _page_for(store, role, monkeypatch, table="fieldwork")
        assert tables(tree) == names
        chosen = "fieldwork" if "fieldwork" in names else "priorities"
        [store_of_choice] = [c for c in all_components(tree)
                             if getattr(c, "id", None) == "downloads-table"]
        assert store_of_choice.data == chosen
    assert "overview" in expected["anonymous"] and "fieldwork" not in expected["viewer"]
    assert "fieldwork" in expected["admin"]


def test_a_report_without_a_chart_offers_only_table_formats(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _page_for(store, "anonymous", monkeypatch, table="overview")
    formats = [c.id["format"] for c in all_components(tree)
               if isinstance(getattr(c, "id", None), dict)
               and c.id.get("type") == "downloads-get"]
    assert formats == ["csv", "xlsx", "docx", "md"]
    assert "This table comes in one grouping." in text_of(tree)


@pytest.mark.parametrize("role", ["anonymous", "viewer", "analyst"])
def test_a_report_above_the_role_is_refused_whatever_is_posted(
        store: Store, role: str, fast_passwords: None) -> None:
    app = create_app(store)
    client = app.server.test_client()
    client.get("/")
    if role != "anonymous":
        sign_in(client, store, role)
    response = post_download(client, "csv", "region", "internal", table="fieldwork")
    assert response.status_code == 403
    assert not [e for e in audit_entries(store) if e.action == "export"]


def test_admins_get_the_fieldwork_report_and_it_is_audited(
        store: Store, fast_passwords: None) -> None:
    app = create_app(store)
    client = app.server.test_client()
    sign_in(client, store, "admin")
    response = post_download(client, "csv", "region", "internal", table="fieldwork")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    sent = response.get_json()["response"]["downloads-file"]["data"]
    assert sent["filename"] == "fieldwork-internal.csv"
    exports = [(e.who, e.what) for e in audit_entries(store) if e.action == "export"]
    assert exports == [("test-admin", "downloads: fieldwork-internal.csv")]


@pytest.mark.parametrize("role", [None, "viewer"])
def test_report_internal_files_are_refused_below_analyst(store: Store,
                                                         role: str | None) -> None:
    name, content = download(store, "md", role=role, policy="internal", table="overview")
    assert name == "overview-public.md" and "\\[c\\]" in content.decode()
    name, content = download(store, "md", role="analyst", policy="internal", table="overview")
    assert name == "overview-internal.md"
    assert "No suppression applied (internal view)" in content.decode()


def test_an_unknown_table_is_a_coded_error(store: Store) -> None:
    with pytest.raises(LandscapeError) as unknown:
        download(store, "csv", table="nope")
    assert unknown.value.issues[0].code == "X109"


def test_a_reports_public_groupings_are_all_a_public_file_is_offered(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report whose public tables take only some groupings (Barriers: by instrument)."""
    overview = REPORTS["overview"]
    limited = Report(name="limited", label="Limited", page="/", tables=overview.tables,
                     groupings=("instrument", "nation", "region"),
                     public_groupings=("instrument",))
    monkeypatch.setitem(REPORTS, "limited", limited)
    assert table_groupings(store, "limited") == ("instrument",)
    assert table_groupings(store, "limited", "analyst", "public") == ("instrument",)
    assert table_groupings(store, "limited", "viewer", "internal") == ("instrument",)
    assert table_groupings(store, "limited", "analyst", "internal") == limited.groupings
    tree = _page_for(store, "analyst", monkeypatch, by="region", table="limited")
    assert _offered(tree) == ["instrument"]
    tree = _page_for(store, "analyst", monkeypatch, by="region", table="limited",
                     policy="internal")
    assert _offered(tree) == list(limited.groupings)


@pytest.mark.parametrize("name", ["barriers", "cooccurrence"])
def test_public_barriers_files_are_offered_by_instrument_only(store: Store, name: str) -> None:
    # Their public tables refuse every other grouping (X108): none may be offered.
    assert table_groupings(store, name) == ("instrument",)
    assert table_groupings(store, name, "analyst", "public") == ("instrument",)
    assert len(table_groupings(store, name, "analyst", "internal")) > 1
