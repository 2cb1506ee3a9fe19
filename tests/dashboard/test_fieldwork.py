"""The Fieldwork monitor's charts, live region and reminder download, without a browser."""

from __future__ import annotations

import csv
import doctest
import io
import json
import sys
from typing import Any

from sqlalchemy import func, select, update

import dashboard.fieldwork_views as fieldwork_views
from dashboard.app import create_app
from dashboard.fieldwork_views import REMINDER_COLUMNS, funnel_figure, rate_figure, reminder_csv
from survey.store import Store
from survey.store.models import Contact, Respondent, Response
from survey.store.monitor import monitor_report
from tests.dashboard.conftest import all_components, sign_in


def test_examples() -> None:
    result = doctest.testmod(fieldwork_views, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_funnel_chart_counts_the_frame_directly(store: Store) -> None:
    with store.session() as session:
        frame = session.execute(select(func.count()).select_from(Respondent)
                                .where(Respondent.in_frame)).scalar_one()
        completed = session.execute(
            select(func.count(func.distinct(Response.respondent_id)))
            .join(Respondent, Respondent.id == Response.respondent_id)
            .where(Respondent.in_frame, Response.state == "complete")).scalar_one()
    bars = funnel_figure(monitor_report(store)).data[0]
    assert list(bars.y) == ["Sampling frame", "Invited", "Started", "Completed"]
    assert bars.x[0] == frame == 256 and bars.x[3] == completed == 35
    assert bars.text[3] == f"35 ({35 / 256:.1%})" == "35 (13.7%)"


def test_rate_chart_is_completed_over_frame_per_nation(store: Store) -> None:
    with store.session() as session:
        frame = dict(session.execute(select(Respondent.nation, func.count())
                                     .where(Respondent.in_frame)
                                     .group_by(Respondent.nation)).all())
    report = monitor_report(store)
    bars = rate_figure(report.by["nation"], "By nation").data[0]
    assert list(bars.y) == ["England", "Northern Ireland", "Scotland", "Wales"]
    for group, rate in zip(report.by["nation"], bars.x, strict=True):
        assert group.frame == frame[group.group]
        assert rate == round(100 * group.completed / frame[group.group], 1)


def test_reminder_download_lists_everyone_due_with_defused_cells(store: Store) -> None:
    with store.write() as session:
        first = session.execute(select(Contact.respondent_id)).scalars().first()
        session.execute(update(Contact).where(Contact.respondent_id == first)
                        .values(email='=HYPERLINK("http://evil")'))
    name, content = reminder_csv(store)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    assert name == "reminders-due.csv" and tuple(rows[0]) == REMINDER_COLUMNS
    due = monitor_report(store).due
    assert len(rows) - 1 == len(due) == 221
    assert [r[0] for r in rows[1:]] == [d["respondent_id"] for d in due]
    assert all("@" in r[3] or r[3].startswith("'=") for r in rows[1:])
    assert not any(r[3].startswith("=") for r in rows[1:])
    only = reminder_csv(store, "researcher")
    assert only[0] == "reminders-due-researcher.csv"


def _post(client: Any, outputs: list[str], inputs: list[dict[str, Any]],
          state: list[dict[str, Any]] | None = None) -> Any:
    specs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in outputs]
    single = len(outputs) == 1
    body = {"output": outputs[0] if single else ".." + "...".join(outputs) + "..",
            "outputs": specs[0] if single else specs, "inputs": inputs, "state": state or [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def test_refresh_announces_one_short_sentence_and_redraws_the_charts(store: Store) -> None:
    client = create_app(store).server.test_client()
    sign_in(client, store, "admin")  # fieldwork is for admins
    client.get("/")
    outputs = ["monitor-content.children", "monitor-funnel-chart.figure",
               "monitor-nation-chart.figure", "monitor-region-chart.figure",
               "monitor-funnel-chart-summary.children", "monitor-nation-chart-summary.children",
               "monitor-region-chart-summary.children", "monitor-announce.children"]
    result = _post(client, outputs, [
        {"id": "monitor-refresh", "property": "n_intervals", "value": 1},
        {"id": "monitor-instrument", "property": "value", "value": "local_government"}])
    announce = result["monitor-announce"]["children"]
    assert announce.startswith("Fieldwork figures refreshed. Last updated") and len(announce) < 120
    assert "monitor-funnel" in json.dumps(result["monitor-content"])
    assert result["monitor-funnel-chart"]["figure"]["data"][0]["x"][0] == \
        monitor_report(store, "local_government").total.frame
    summary = result["monitor-nation-chart-summary"]["children"]
    assert summary.startswith("Response rate by nation: highest ") and len(summary) < 200
    reminders = _post(client, ["monitor-reminders.data"], [
        {"id": "monitor-get-reminders", "property": "n_clicks", "value": 1}],
        [{"id": "monitor-instrument", "property": "value", "value": None}])
    assert reminders["monitor-reminders"]["data"]["filename"] == "reminders-due.csv"


def test_page_has_charts_without_a_toolbar_and_a_quiet_live_region(store: Store) -> None:
    app = create_app(store)
    with app.server.test_request_context("/monitor"):
        tree = sys.modules["dashboard.pages.monitor"].layout()
    found = all_components(tree)
    graphs = [c for c in found if type(c).__name__ == "Graph"]
    assert len(graphs) == 3 and all(g.config["displayModeBar"] is False for g in graphs)
    live = [c for c in found if c.to_plotly_json()["props"].get("aria-live")]
    assert [c.id for c in live] == ["monitor-announce"]  # not the whole content any more


def test_the_monitor_links_to_the_fieldwork_report_files(store: Store) -> None:
    app = create_app(store)
    with app.server.test_request_context("/monitor"):
        tree = sys.modules["dashboard.pages.monitor"].layout()
    links = [c.href for c in all_components(tree) if type(c).__name__ == "A"]
    assert "/downloads?table=fieldwork" in links
