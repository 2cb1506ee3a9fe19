"""The explorer pages, without a browser: views on a real demo store, layouts and callbacks."""

from __future__ import annotations

import doctest
import importlib
import io
import json
import math
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

import dashboard.access
from dashboard.app import create_app
from dashboard.page_views import (
    barriers_cooccurrence_view,
    barriers_quotes_view,
    barriers_view,
    compare_view,
    consensus_view,
    filter_choices,
    monitor_view,
    priorities_export,
    priorities_view,
    ranking_question_choices,
    where_from_filters,
)
from dashboard.views import share_text, table_from_rows, text_of
from survey.ranking.compare import agreement, compare_groups, wilson_interval
from survey.ranking.published import load_published
from survey.ranking.reconstruct import demo_ranking_data
from survey.ranking.uncertainty import majority_check, position_intervals
from survey.reproduce.demo import DEMO_LABEL
from survey.store import Store
from survey.store.analysis import data_labels
from survey.store.models import InstrumentVersionRow, Respondent, Response
from tests.dashboard.conftest import sign_in

SCRIPT = "<script>alert('x')</script>"


@pytest.mark.parametrize("name", ["dashboard.views", "dashboard.page_views"])
def test_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.fixture
def empty_store() -> Iterator[Store]:
    opened = Store.open("sqlite://", check=False)
    opened.upgrade()
    try:
        yield opened
    finally:
        opened.close()


def _find_all(node: Any, predicate: Any) -> list[Any]:
    found: list[Any] = []

    def walk(item: Any) -> None:
        if item is None or isinstance(item, str | int | float):
            return
        if isinstance(item, list | tuple):
            for child in item:
                walk(child)
            return
        if predicate(item):
            found.append(item)
        walk(getattr(item, "children", None))

    walk(node)
    return found


def _tables(tree: Any) -> list[Any]:
    return _find_all(tree, lambda c: type(c).__name__ == "Table")


def _rows(table: Any) -> dict[str, list[str]]:
    """Row header -> the row's other cells' text."""
    _caption, _head, body = table.children
    out = {}
    for row in body.children:
        cells = [c.children for c in row.children]
        out[cells[0]] = cells[1:]
    return out


def _wilson(count: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval from its formula (independent of statsmodels)."""
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# -- views helpers --------------------------------------------------------------------


@pytest.mark.parametrize(("count", "n"), [(10, 17), (4, 17), (0, 17), (18, 35), (3, 8)])
def test_share_text_rounds_half_up_and_matches_the_wilson_formula(count: int, n: int) -> None:
    low, high = _wilson(count, n)
    text = share_text(wilson_interval(count, n))
    expected_share = math.floor(100 * count / n + 0.5)  # half-up for these exact cases
    assert text.startswith(f"{expected_share}% ")
    shown = text.split("(")[1].split(")")[0]
    assert shown == f"{math.floor(100 * low + 0.5)}–{math.floor(100 * high + 0.5)}"
    # The one small-n rule: n under 10 or an interval wider than 40 points.
    small = n < 10 or high - low > 0.4
    assert text.endswith(" *") is small


def test_where_from_filters_keeps_only_chosen_values() -> None:
    assert where_from_filters({"nation": ["wales", "scotland"], "region": None,
                               "path": []}) == {"nation": ["wales", "scotland"]}


# -- priorities ----------------------------------------------------------------------------


def test_priorities_view_reproduces_table_2_with_wilson_intervals(store: Store) -> None:
    view = priorities_view(store, labels=data_labels(store))
    tables = _tables(view)
    assert [t.children[0].children.split(".")[0] for t in tables] == ["Table 1", "Table 2"]
    researcher = tables[1]
    assert researcher.children[0].children.startswith(
        "Table 2. Researcher responses re: data and evidence requirements (n=17)")
    rows = _rows(researcher)
    published = load_published()["priority_tables"]["table_2_researcher"]["rows"]
    assert list(rows) == [row["option"] for row in published]  # the report's order too
    for row in published:
        cells = rows[row["option"]]
        assert [int(c.split("%")[0]) for c in cells] == row["pct"]
    first = rows["Resources to pursue specific research projects that support local "
                 "policymaking"]
    low, high = _wilson(10, 17)
    # The one small-n rule: 10 of 17 has an interval 42 points wide, so it is flagged;
    # 3 of 17 (6-41, 35 points) is not.
    assert first[0] == f"59% ({round(100 * low)}–{round(100 * high)}) *" == "59% (36–78) *"
    assert not first[2].endswith("*")
    text = text_of(view)
    assert "reconstructed" in text and "No suppression applied (internal view)" in text
    assert "95% Wilson interval" in text
    graphs = _find_all(view, lambda c: type(c).__name__ == "Graph")
    (graph,) = graphs
    assert [trace.name for trace in graph.figure.data][:3] == [
        "First, second or third most important", "Fourth, fifth or sixth most important",
        "Seventh, eighth or ninth most important"]


def test_priorities_view_groups_and_filters(store: Store) -> None:
    by_nation = priorities_view(store, by="nation")
    captions = [t.children[0].children for t in _tables(by_nation)]
    # two instruments, so each nation group is prefixed with its instrument
    assert any(c.startswith("Table 1. Local government: England") for c in captions)
    wales = priorities_view(store, where={"nation": ["wales"]})
    totals = [t.children[0].children for t in _tables(wales)]
    attrs_n = sum(1 for v in filter_choices(store)["nation"] if v[0] == "wales")
    assert attrs_n == 1 and all("(n=" in c for c in totals)
    # Instrument groups carry the report's own names and title, as in the CLI export.
    lg_wales = [c for c in totals if c.startswith("Table 1. Local Government responses re: ")]
    assert lg_wales and "(n=3)" in lg_wales[0]  # 3 of the 35 LG respondents are in Wales
    nothing = priorities_view(store, where={"nation": ["nowhere"]})
    assert "A172" in text_of(nothing) and not _tables(nothing)


def test_priorities_view_on_an_empty_store_says_why(empty_store: Store) -> None:
    view = priorities_view(empty_store)
    assert "no complete responses" in text_of(view)
    assert filter_choices(empty_store)["instrument"] == []


def test_question_choices_list_the_ranking_question(store: Store) -> None:
    codes = [code for code, _ in ranking_question_choices(store)]
    assert codes == ["evidence_priorities"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx", "md"])
def test_priorities_export_in_every_format_states_the_policy(store: Store, fmt: str) -> None:
    name, content = priorities_export(store, fmt, public=True, reconstructed=True)
    assert name == f"priorities-public.{fmt}"
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content))
        text = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows()
                        for c in row if c.value is not None)
    elif fmt == "docx":
        from docx import Document

        document = Document(io.BytesIO(content))
        text = " ".join(p.text for p in document.paragraphs) + " ".join(
            cell.text for table in document.tables for row in table.rows for cell in row.cells)
    else:
        text = content.decode("utf-8-sig")
    assert ("Researcher responses re: data and evidence requirements (n=17)"
            in text.replace("\\", ""))
    assert "suppressed" in text and "reconstructed" in text


def test_public_export_suppresses_and_internal_does_not(store: Store) -> None:
    _, public = priorities_export(store, "csv", public=True)
    _, internal = priorities_export(store, "csv", public=False)
    assert "[c]" in public.decode("utf-8-sig")  # e.g. 0 < 3 of 17 < 5
    assert "[c]" not in internal.decode("utf-8-sig")
    assert "not for publication" in internal.decode("utf-8-sig")


# -- monitor -------------------------------------------------------------------------------


def test_monitor_view_shows_the_funnel_rates_and_pseudonymous_reminders(store: Store) -> None:
    view = monitor_view(store)
    tables = {t.id: t for t in _tables(view)}
    assert _rows(tables["monitor-funnel"]) == {
        "Sampling frame": ["256", "100.0%"], "Invited": ["256", "100.0%"],
        "Started": ["35", "13.7%"], "Completed": ["35", "13.7%"]}
    nations = _rows(tables["monitor-by-nation"])
    assert nations["England"][0] == "193" and nations["Wales"][0] == "21"
    frame_total = sum(int(cells[0]) for cells in nations.values())
    assert frame_total == 256
    completed = {k: int(v[3]) for k, v in nations.items()}
    assert sum(completed.values()) == 35
    assert nations["Wales"][4] == str(21 - completed["Wales"])  # no response
    assert nations["Wales"][5] == f"{round(100 * completed['Wales'] / 21, 1)}%"
    assert set(tables) >= {"monitor-by-region", "monitor-by-organisation_type", "monitor-due"}
    text = text_of(view)
    assert "221 respondent(s)" in text  # 256 invited - 35 completed
    assert ("Outside the sampling frame (open link and imported responses, not in any "
            "response rate): 17 started, 17 completed.") in text
    # pseudonymous ids only: no names, e-mail addresses or organisations from the frame
    from sqlalchemy import select

    from survey.store.models import Contact

    with store.session() as session:
        contacts = session.execute(select(Contact.email, Contact.name)).all()
    assert len(contacts) == 256
    assert not any(email in text or name in text for email, name in contacts)
    assert "example.org" not in text and "Synthetic contact" not in text
    due_rows = _rows(tables["monitor-due"])
    assert len(due_rows) == 100 and "… and 121 more" in text


def test_priorities_view_says_the_open_link_group_has_no_frame(store: Store) -> None:
    text = text_of(priorities_view(store))
    assert "researcher: no sampling frame." in text
    assert "assumption the design does not provide" in text
    assert "local_government: respondents against its sampling frame of 256" in text


def test_monitor_view_tests_nonresponse_against_the_frame(store: Store) -> None:
    from survey.store.monitor import monitor_report

    text = text_of(monitor_view(store))
    assert "Non-response against the frame" in text
    for test in monitor_report(store).nonresponse.values():
        assert test.reading() in text
    # The demo's researchers came through an open link: no frame.
    assert "assumption the design does not provide" in text


def test_monitor_view_for_one_instrument(store: Store) -> None:
    text = text_of(monitor_view(store, "researcher"))
    assert "0 respondent(s)" in text and "17 started" in text


# -- barriers ------------------------------------------------------------------------------


def test_barriers_view_reproduces_3_58_and_follows_overrides(store: Store) -> None:
    view = barriers_view(store)
    text = text_of(view)
    assert "rule-coded with overrides" in text
    lg, researcher = _tables(view)
    lg_rows, r_rows = _rows(lg), _rows(researcher)
    resources = "Resources / capacity / funding"
    low, high = _wilson(20, 26)
    assert lg_rows[resources] == [f"76.9% ({100 * low:.1f}–{100 * high:.1f})", "20"]
    assert r_rows[resources][0].startswith("43.8% (") and r_rows[resources][1] == "7"
    # n once per table, in its title
    assert "(n=26 who answered, of 35 respondents)" in text
    assert "(n=16 who answered, of 17 respondents)" in text
    assert text.count("No suppression applied (internal view)") == 1  # notes said once

    from survey.store.codings import add_override, codings_frame

    coded = codings_frame(store)
    lg_ids = set(store_ids(store, "local_government"))
    without = coded[(coded["theme"] == "resources_capacity_funding") & ~coded["applied"]
                    & coded["answered"] & coded["response_id"].isin(lg_ids)]
    add_override(store, str(without["response_id"].iloc[0]), "resources_capacity_funding",
                 True, "test coder", "mentions budgets")
    after = _rows(_tables(barriers_view(store))[0])
    assert after[resources][1] == "21"
    assert "(1 recorded)" in text_of(barriers_view(store))


def test_barriers_view_shows_the_report_tables_under_the_policy(store: Store) -> None:
    """The page's cells are the download's: the same builder, the same policy."""
    from survey.export.disclosure import DisclosurePolicy
    from survey.export.report_catalogue import REPORTS

    public = DisclosurePolicy(public=True)
    labels = data_labels(store)
    for name, view in (("barriers", barriers_view), ("cooccurrence",
                                                     barriers_cooccurrence_view)):
        tables = REPORTS[name].tables(store, by="instrument", policy=public,
                                      reconstructed=True)
        shown = _tables(view(store, "instrument", policy=public, labels=labels))
        assert len(shown) == len(tables) == 2
        for table, html_table in zip(tables, shown, strict=True):
            rows = _rows(html_table)
            assert html_table.children[0].children == table.title
            for row in table.rows:
                assert rows[row[0]] == [table.cell_text(c) for c in row[1:]]
        text = text_of(view(store, "instrument", policy=public, labels=labels))
        assert "[c]" in text and public.statement() in text and "Demo data" in text
        assert "by instrument only" in text
        refused = text_of(view(store, "nation", policy=public, labels=labels))
        assert "X108" in refused and "[c]" not in refused
    links = _find_all(barriers_view(store),
                      lambda c: str(getattr(c, "href", "")).startswith("/downloads"))
    assert [link.href for link in links] == ["/downloads?table=barriers"]


def store_ids(store: Store, instrument: str) -> list[str]:
    from sqlalchemy import select

    with store.session() as session:
        return [str(r) for r in session.execute(
            select(Response.id).where(Response.instrument == instrument)).scalars()]


def test_barriers_view_by_an_unknown_field_shows_the_problem(store: Store) -> None:
    assert "A171" in text_of(barriers_view(store, "shoe_size"))
    assert "A171" in text_of(barriers_cooccurrence_view(store, "shoe_size"))


def test_barriers_cooccurrence_table_counts_pairs_of_themes_per_group(store: Store) -> None:
    from survey.store.codings import barrier_shares, codings_frame

    view = barriers_cooccurrence_view(store)
    lg, researcher = (_rows(t) for t in _tables(view))
    shares = barrier_shares(store, "instrument").set_index(["group", "theme"])
    # The diagonal is each theme's count in its group (20 and 7 for funding).
    funding = "(1) Resources / capacity / funding"
    assert lg[funding][0] == str(shares.loc[("local_government", "resources_capacity_funding"),
                                            "count"]) == "20"
    assert researcher[funding][0] == "7"
    assert "(n=26 who answered)" in text_of(view) and "(n=16 who answered)" in text_of(view)
    # An independent count of one pair per group: answers carrying funding and timescales.
    coded = codings_frame(store)
    wide = coded[coded["answered"]].pivot(index="response_id", columns="theme",
                                           values="applied")
    both = wide["resources_capacity_funding"] & wide["different_timescales"]
    lg_ids = set(store_ids(store, "local_government"))
    expected = {"lg": int(both[both.index.isin(lg_ids)].sum()),
                "r": int(both[~both.index.isin(lg_ids)].sum())}
    column = list(dict.fromkeys(coded["theme"])).index("different_timescales")  # row order
    assert int(lg[funding][column]) == expected["lg"] > 0
    assert int(researcher[funding][column]) == expected["r"] > 0


def test_barriers_cooccurrence_heatmap_is_above_the_tables(store: Store) -> None:
    view = barriers_cooccurrence_view(store)
    graph = view.children[0].children[0]
    assert graph.id == "barriers-cooccurrence-chart" and graph.config["displayModeBar"] is False
    assert len(graph.figure.data) == 2  # one heatmap per group
    summary = view.children[0].children[1].children
    assert summary.startswith("Heatmap of barrier co-occurrence, one per group.")
    assert "Local government (26 answered)" in summary


def _hostile_quote(store: Store) -> str:
    """Make one local-government answer name an email, a registry body, its own organisation
    and its contact (the person and their organisation in the frame)."""
    from sqlalchemy import select

    from survey.store.models import Answer, Contact

    with store.session() as session:
        rid = session.execute(
            select(Answer.response_id).join(Response, Response.id == Answer.response_id)
            .where(Answer.question_code == "challenges",
                   Response.instrument == "local_government")
            .order_by(Answer.response_id)).scalars().first()
        own = session.execute(select(Answer).where(Answer.response_id == rid,
                                                   Answer.question_code == "organisation")
                              ).scalar_one()
        own.value = json.dumps("Gorsedd Borough Council")
        contact = session.execute(
            select(Contact).join(Response, Response.respondent_id == Contact.respondent_id)
            .where(Response.id == rid)).scalar_one()
        contact.name, contact.organisation = "Morwenna Trelawny", "Trelawny Associates"
        text = session.execute(select(Answer).where(Answer.response_id == rid,
                                                    Answer.question_code == "challenges")
                               ).scalar_one()
        text.value = json.dumps(
            f"{SCRIPT}<script>send('jo.bloggs@gorsedd.gov.uk')</script> At gorsedd borough "
            "council we lack funding; Aberdeen City Council too. Ring 01234 567 890, "
            "see https://gorsedd.gov.uk/x. **bold** [x](javascript:alert(1)) Ask Morwenna "
            "or MORWENNA TRELAWNY at Trelawny Associates.")
        session.commit()
    return str(rid)


def _quotes_body(theme: str | None, group: str | None) -> dict[str, Any]:
    return {"output": "..barriers-quotes-list.children...barriers-filter.data..",
            "outputs": [{"id": "barriers-quotes-list", "property": "children"},
                        {"id": "barriers-filter", "property": "data"}],
            "inputs": [{"id": "barriers-quotes-theme", "property": "value", "value": theme},
                       {"id": "barriers-quotes-group", "property": "value", "value": group}],
            "state": [], "changedPropIds": ["barriers-quotes-theme.value"]}


@pytest.mark.parametrize(("role", "status"), [(None, 403), ("viewer", 403),
                                              ("analyst", 200), ("admin", 200)])
def test_quotes_callback_is_for_analysts_and_withholds_identifying_details(
        store: Store, role: str | None, status: int) -> None:
    from survey.store.codings import barrier_shares

    _hostile_quote(store)
    shares = barrier_shares(store, "instrument").set_index(["group", "theme"])
    expected = int(shares.loc[("local_government", "resources_capacity_funding"), "count"])
    client = create_app(store).server.test_client()
    if role:
        sign_in(client, store, role)
    client.get("/")
    response = client.post("/_dash-update-component",
                           json=_quotes_body("resources_capacity_funding", "local_government"))
    assert response.status_code == status
    text = response.get_data(as_text=True)
    if status != 200:
        assert "funding" not in text and "Gorsedd" not in text
        return
    children = response.get_json()["response"]["barriers-quotes-list"]["children"]
    shown = json.dumps(children)
    assert "lack funding" in shown and f"{expected} of 42 answers" in shown
    for leak in ("jo.bloggs", "gorsedd", "Gorsedd", "Aberdeen", "01234", "567 890",
                 "Morwenna", "MORWENNA", "Trelawny", "TRELAWNY"):
        assert leak not in shown, leak
    quote = next(q for q in _blockquotes(children) if "lack funding" in q)
    assert quote.startswith(SCRIPT + "<script>send('[email withheld]')</script> At "
                            "[organisation withheld] we lack funding; [organisation withheld]")
    assert "[phone withheld]" in quote and "[link withheld]" in quote
    assert "**bold** [x](javascript:alert(1))" in quote  # plain text, not Markdown
    assert "dangerously" not in shown and '"Markdown"' not in shown and '"namespace": "dash_' \
        not in shown.replace('"namespace": "dash_html_components"', "")


def _blockquotes(node: Any) -> list[str]:
    """Every Blockquote's text in a serialised component tree (each a plain string)."""
    found: list[str] = []
    if isinstance(node, list):
        for item in node:
            found += _blockquotes(item)
    elif isinstance(node, dict):
        props = node.get("props", {})
        if node.get("type") == "Blockquote":
            assert isinstance(props["children"], str)
            found.append(props["children"])
        else:
            found += _blockquotes(props.get("children"))
    return found


def test_quotes_callback_checks_the_role_itself(store: Store) -> None:
    """Besides the component table, the callback refuses a viewer on its own (403)."""
    from werkzeug.exceptions import Forbidden

    app = create_app(store)
    with app.server.test_request_context("/"), pytest.raises(Forbidden):
        _page("barriers")._quotes("staff_turnover", None)


def test_barriers_page_offers_quotes_only_to_analysts(store: Store) -> None:
    from survey.store.codings import barrier_quotes

    quotes = [str(t) for t in barrier_quotes(store)["text"] if len(str(t)) > 20]
    client = create_app(store).server.test_client()
    client.get("/")
    for role, has_quotes in (("anonymous", False), ("viewer", False), ("analyst", True)):
        if role != "anonymous":
            sign_in(client, store, role)
        response = client.post("/_dash-update-component", json={
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/barriers"},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]})
        assert response.status_code == 200
        page = json.dumps(response.get_json())  # plain JSON: Dash's escapes "/" and "<"
        assert ("barriers-quotes-list" in page) is has_quotes, role
        assert ("shown to analysts" in page) is not has_quotes, role
        assert "barriers-cooccurrence" in page and "access-refused" not in page
        # no quote text at all below the analyst role (JSON escapes some characters)
        shown = sum(json.dumps(q)[1:-1] in page for q in quotes)
        assert (shown > 0) is has_quotes, role
        with client.session_transaction() as session:
            session.clear()


def test_quotes_view_filters_by_theme_and_group(store: Store) -> None:
    from survey.store.codings import barrier_quotes

    quotes = barrier_quotes(store)
    assert list(quotes.columns) == ["group", "themes", "text"]
    assert len(quotes) == 42
    lg = barriers_quotes_view(quotes, None, "local_government")
    assert text_of(lg[0]).startswith("26 of 42 answers")
    both = barriers_quotes_view(quotes, "resources_capacity_funding", "researcher")
    assert text_of(both[0]).startswith("7 of 42 answers")  # report 3.58: 7 of 16
    assert "No quotes match" in text_of(barriers_quotes_view(quotes, "nonsense", None)[0])


# -- compare -------------------------------------------------------------------------------


def _points(value: float) -> str:
    """A share difference in whole percentage points, half away from zero, signed."""
    whole = int(math.copysign(math.floor(abs(100 * value) + 0.5), value))
    return f"{whole:+d}" if whole else "0"


def test_compare_view_matches_compare_groups_on_the_demo_data(store: Store) -> None:
    view = compare_view(store, labels=data_labels(store))
    options, agreement_table = _tables(view)
    assert options.id == "compare-table" and agreement_table.id == "compare-agreement"
    assert options.children[0].children.startswith(
        "Local government (n=35) and Researchers (n=17)")
    assert "reconstructed data" in options.children[0].children
    rows = _rows(options)
    # Independent: the shipped demo files, joined on a concept map written out by hand.
    lg, rs = demo_ranking_data("local_government"), demo_ranking_data("researcher")
    mirrored = {"partner_support": ("support_from_research_institutions",
                                    "support_from_policy_organisations"),
                "partner_networks": ("networks_with_research_institutions",
                                     "networks_with_policy_makers")}
    map_a = {c: c for c in lg.options} | {a: concept for concept, (a, _) in mirrored.items()}
    map_b = {c: c for c in rs.options} | {b: concept for concept, (_, b) in mirrored.items()}
    labels = {c: lg.label(c) for c in lg.options} | {
        concept: f"{lg.label(a)} / {rs.label(b)}" for concept, (a, b) in mirrored.items()}
    expected = compare_groups(lg.ranks, rs.ranks, (map_a, map_b), option_labels=labels,
                              labels=("Local government", "Researchers"),
                              wordings=({c: lg.label(c) for c in lg.options},
                                        {c: rs.label(c) for c in rs.options}))
    # Each option by its concept's short name (as on the chart), the full wording on hover.
    short = {row.label: row.concept.replace("_", " ").capitalize() for row in expected.rows}
    assert list(rows) == [short[row.label] for row in expected.rows] and len(rows) == 9
    assert _row_titles(options) == {short[row.label]: row.label for row in expected.rows}
    assert short[labels["partner_support"]] == "Partner support"
    for row in expected.rows:
        cells = rows[short[row.label]]
        assert cells[:2] == [f"{row.mean_rank_a:.1f}", f"{row.mean_rank_b:.1f}"]
        # top-3 counts straight from the demo file: positions 1-3 of a full ranking
        top_a = int((lg.ranks[row.option_a] <= 3).sum())
        top_b = int((rs.ranks[row.option_b] <= 3).sum())
        low_a, high_a = _wilson(top_a, 35)
        assert cells[2].startswith(f"{math.floor(100 * top_a / 35 + 0.5)}% "
                                   f"({math.floor(100 * low_a + 0.5)}–"
                                   f"{math.floor(100 * high_a + 0.5)})")
        assert cells[3].split(" (")[0] == f"{math.floor(100 * top_b / 17 + 0.5)}%"
        assert cells[4] == (f"{_points(top_a / 35 - top_b / 17)} "
                            f"({_points(row.top_difference_low)} to "
                            f"{_points(row.top_difference_high)})")
        assert cells[5] == ("<0.001" if row.p_holm < 0.001 else f"{row.p_holm:.3f}")
        assert cells[6] == f"{row.rank_biserial + 0.0:+.2f}"
        assert cells[7] == (f"{row.rank_biserial_low + 0.0:+.2f} to "
                            f"{row.rank_biserial_high + 0.0:+.2f}")
        assert cells[8] == (f"{_points(top_a / 35 - top_b / 17)} "
                            f"({_points(row.top_difference_low_adjusted)} to "
                            f"{_points(row.top_difference_high_adjusted)})")
    readings = _find_all(view, lambda c: getattr(c, "id", None) == "compare-readings")
    assert [li.children for li in readings[0].children] == [r.reading for r in expected.rows]
    support = rows["Partner support"]
    assert support[0] == "5.1" and support[1] == "3.9"  # the mirrored pair, joined
    agreements = _rows(agreement_table)
    for name, data in (("Local government", lg), ("Researchers", rs)):
        found = agreement(data.ranks)
        cells = agreements[name]
        assert cells[:2] == [str(found.n), f"{found.kendall_w:.2f}"]
        assert cells[4].startswith(f"Q({found.cochran_df}) = {found.cochran_q:.1f}, p ")
        assert f"{name}: {found.reading}" in text_of(view)
    assert "Holm-adjusted across 9 options" in text_of(view)
    # the test across all options comes before the table, and no reading claims a direction
    across = _find_all(view, lambda c: "compare-across" in str(getattr(c, "className", "")))
    assert across[0].children[0].children == expected.summary
    assert expected.summary.startswith("Across all 9 options: no evidence")
    assert all(r.reading.startswith("No evidence of a difference") for r in expected.rows)
    assert "the mirrored options (Local government: Support from research institutions" \
        in text_of(view)


def _row_titles(table: Any) -> dict[str, str | None]:
    """Row header -> its hover text (the ``title`` attribute), None when it has none."""
    _caption, _head, body = table.children
    return {row.children[0].children: getattr(row.children[0], "title", None)
            for row in body.children}


def test_compare_table_keeps_the_full_wording_of_a_short_label_on_hover() -> None:
    """A mirrored pair reads as its concept; the joined "A / B" wording is the title."""
    table = table_from_rows("t", ["Option", "n"], [["Partner support", 3], ["Same", 1]],
                            row_titles=["Support from A / Support from B", None])
    assert _row_titles(table) == {"Partner support": "Support from A / Support from B",
                                  "Same": None}


def _body_rows(table: Any) -> list[list[str]]:
    _caption, _head, body = table.children
    return [[cell.children for cell in row.children] for row in body.children]


def test_consensus_view_shows_position_intervals_and_the_majority_check(store: Store) -> None:
    view = consensus_view(store, labels=data_labels(store), resamples=120)
    tables = _tables(view)
    assert [t.id for t in tables] == ["consensus-local_government", "consensus-researcher"]
    text = text_of(view)
    for table, instrument, name in ((tables[0], "local_government", "Local government"),
                                    (tables[1], "researcher", "Researchers")):
        data = demo_ranking_data(instrument)  # independent of the store: the shipped files
        expected = position_intervals(data.ranks, "kemeny", resamples=120)
        assert table.children[0].children.startswith(f"{name} (n={len(data.ranks)}): kemeny")
        assert "reconstructed data" in table.children[0].children
        assert _body_rows(table) == [
            [str(o.position), data.label(o.option), f"{o.low}–{o.high}",
             f"{math.floor(100 * o.first + 0.5)}%"] for o in expected.options]
        assert majority_check(data.ranks).reading(
            {c: data.label(c) for c in data.options}) in text
    assert "No option beats every other head to head" in text  # local government: a cycle
    assert "8 of 9 options" in text
    assert "WARNING: the methods disagree on the top option" in text  # researchers
    assert "120 bootstrap resamples of the 17 respondents" in text


def test_consensus_view_says_why_when_nothing_is_ranked(empty_store: Store) -> None:
    assert "no complete responses" in text_of(consensus_view(empty_store))


def test_compare_view_says_why_when_a_group_is_missing(store: Store,
                                                       empty_store: Store) -> None:
    assert "no complete responses" in text_of(compare_view(empty_store))
    with store.write() as session:
        session.execute(update(Response).where(Response.instrument == "researcher")
                        .values(state="in_progress"))
    text = text_of(compare_view(store))
    assert "A155" in text and not _tables(compare_view(store))


@pytest.mark.parametrize("role", ["viewer", "anonymous"])
def test_compare_renders_an_option_label_with_markup_as_text(
        store: Store, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    import dashboard.access

    label = "Improved internal analytical capacity and / or skills"
    with store.write() as session:
        for row in session.execute(select(InstrumentVersionRow)).scalars():
            assert label in row.content
            row.content = row.content.replace(label, SCRIPT)
    app = create_app(store)
    monkeypatch.setattr(dashboard.access, "current_role", lambda: role)
    with app.server.test_request_context("/compare"):
        tree = _page("compare").layout()
    holders = _find_all(tree, lambda c: isinstance(getattr(c, "children", None), str)
                        and SCRIPT in c.children)
    # staff read the option's reading; the public view withholds it (researchers' top-3
    # count is 4) and names the wording in the table's notes only
    shown = {type(h).__name__ for h in holders}
    assert ("Li" in shown) == (role == "viewer") and "P" in shown
    assert all(type(h).__module__.startswith("dash.html") for h in holders)
    # the table row: the concept's short name, the full (hostile) wording as plain title text
    titled = _find_all(tree, lambda c: getattr(c, "title", None) == SCRIPT)
    assert [type(h).__name__ for h in titled] == ["Th"]
    assert titled[0].children == "Internal analytical capacity"
    assert not _find_all(tree, lambda c: type(c).__name__ == "Markdown"
                         or getattr(c, "dangerously_allow_html", False))


# -- pages in the app: layouts, banner, callbacks, escaping ------------------------------


def _page(module: str) -> Any:
    return sys.modules[f"dashboard.pages.{module}"]


def test_every_page_shows_the_synthetic_label_and_the_nav(store: Store) -> None:
    app = create_app(store)
    client = app.server.test_client()
    sign_in(client, store, "admin")  # the navigation lists only the pages a role may see
    shell = json.dumps(client.get("/_dash-layout").get_json())
    assert shell.count('"href": "/priorities"') == 1  # home alias not linked twice
    for href in ("/monitor", "/barriers", "/compare"):
        assert f'"href": "{href}"' in shell
    with app.server.test_request_context("/"):
        for name in ("priorities", "home", "monitor", "barriers", "compare"):
            text = text_of(_page(name).layout())
            assert "Synthetic or reconstructed data: " + DEMO_LABEL in text, name


def test_pages_without_demo_data_have_no_synthetic_label(empty_store: Store) -> None:
    app = create_app(empty_store)
    with app.server.test_request_context("/"):
        for name in ("priorities", "monitor", "barriers", "compare"):
            text = text_of(_page(name).layout())
            assert "Synthetic or reconstructed data" not in text
        assert "no complete responses" in text_of(_page("priorities").layout())


def test_dropdowns_have_labels(store: Store) -> None:
    app = create_app(store)
    with app.server.test_request_context("/"):
        tree = _page("priorities").layout()
    dropdowns = _find_all(tree, lambda c: type(c).__name__ == "Dropdown")
    labels = {c.htmlFor for c in _find_all(tree, lambda c: type(c).__name__ == "Label")}
    assert dropdowns and {d.id for d in dropdowns} <= labels
    assert "priorities-by" not in {d.id for d in dropdowns}


def _pressed(tree: Any) -> dict[str, str]:
    """Choice value -> aria-pressed of the group-by buttons."""
    buttons = _find_all(tree, lambda c: type(c).__name__ == "Button"
                        and isinstance(getattr(c, "id", None), dict)
                        and c.id.get("type") == "priorities-by-choice")
    return {b.id["value"]: b.to_plotly_json()["props"]["aria-pressed"] for b in buttons}


def test_group_by_is_a_labelled_group_of_toggle_buttons(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Staff get every grouping (the public view only those its release allows:
    # tests/dashboard/test_priorities_page.py).
    monkeypatch.setattr(dashboard.access, "current_role", lambda: "viewer")
    app = create_app(store)
    with app.server.test_request_context("/"):
        tree = _page("priorities").layout(by="nation")
        default = _page("priorities").layout()
    (fieldset,) = _find_all(tree, lambda c: type(c).__name__ == "Fieldset"
                            and "choice-buttons" in (getattr(c, "className", "") or ""))
    legend, holder, *buttons = fieldset.children
    assert type(legend).__name__ == "Legend" and legend.children == "Group by"
    assert (holder.id, holder.data) == ("priorities-by", "nation")
    assert [b.children for b in buttons] == ["Instrument (respondent type)",
                                             "Instrument version", "Nation", "Region",
                                             "Organisation type", "Partnership path"]
    assert all(b.type == "button" for b in buttons)
    assert [v for v, state in _pressed(tree).items() if state == "true"] == ["nation"]
    assert [v for v, state in _pressed(default).items() if state == "true"] == ["instrument"]


@pytest.mark.parametrize("control", ["priorities-by", "barriers-by"])
def test_group_by_button_callback_records_the_choice(store: Store, control: str) -> None:
    client = create_app(store).server.test_client()
    sign_in(client, store, "viewer")  # Barriers is for staff (dashboard.access.PAGE_ROLES)
    client.get("/")
    codes = ["instrument", "version", "nation", "region", "organisation_type", "path"]
    pattern = json.dumps({"type": f"{control}-choice", "value": ["ALL"]},
                         separators=(",", ":"))

    def choice(code: str) -> dict[str, str]:
        return {"type": f"{control}-choice", "value": code}

    body = {
        "output": f"..{control}.data...{pattern}.aria-pressed..",
        "outputs": [{"id": control, "property": "data"},
                    [{"id": choice(c), "property": "aria-pressed"} for c in codes]],
        "inputs": [[{"id": choice(c), "property": "n_clicks", "value": int(c == "path")}
                    for c in codes]],
        "state": [],
        "changedPropIds": [json.dumps(choice("path"), separators=(",", ":")) + ".n_clicks"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    result = response.get_json()["response"]
    assert result[control]["data"] == "path"
    pressed = [result[json.dumps(choice(c), separators=(",", ":"))]["aria-pressed"]
               for c in codes]
    assert pressed == ["false"] * 5 + ["true"]


def _post_callback(client: Any, output: str, inputs: list[dict[str, Any]],
                   state: list[dict[str, Any]] | None = None) -> Any:
    outputs: Any = [{"id": o.split(".")[0], "property": o.split(".")[1]}
                    for o in output.strip(".").split("...")]
    body = {"output": output, "outputs": outputs[0] if len(outputs) == 1 else outputs,
            "inputs": inputs, "state": state or [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def test_priorities_callback_regroups_the_tables(store: Store) -> None:
    client = create_app(store).server.test_client()
    sign_in(client, store, "viewer")  # internal figures: groups below the threshold shown
    client.get("/")
    filters: list[dict[str, Any]] = [
        {"id": f"priorities-filter-{f}", "property": "value",
         "value": ["scotland"] if f == "nation" else None}
        for f in ("instrument", "version", "nation", "region", "organisation_type", "path")]
    result = _post_callback(client, "priorities-content.children", [
        {"id": "priorities-by", "property": "data", "value": "path"},
        {"id": "priorities-question", "property": "value", "value": None}, *filters])
    titles = re.findall(r"Table \d+\. ([^(]+) responses \(n=(\d+)\)", json.dumps(result))
    groups = dict(dict.fromkeys(titles))  # each title appears in a heading and a caption
    lg = {g: int(n) for g, n in groups if g.startswith("Local government: ")}
    researchers = {g: int(n) for g, n in groups if g.startswith("Researcher: ")}
    assert set(lg) <= {"Local government: Partnership", "Local government: No partnership"}
    scotland = priorities_view(store, where={"nation": ["scotland"]})
    expected = {g: int(n) for g, n in re.findall(
        r"Table \d+\. ([^(]+) responses re: data and evidence requirements \(n=(\d+)\)",
        text_of(scotland))}
    assert sum(lg.values()) == expected["Local Government"] == 4
    assert sum(researchers.values()) == expected.get("Researcher", 0)


def test_monitor_callback_refreshes(store: Store) -> None:
    client = create_app(store).server.test_client()
    sign_in(client, store, "admin")  # fieldwork data is for admins
    client.get("/")
    outputs = ["monitor-content.children", "monitor-funnel-chart.figure",
               "monitor-nation-chart.figure", "monitor-region-chart.figure",
               "monitor-funnel-chart-summary.children", "monitor-nation-chart-summary.children",
               "monitor-region-chart-summary.children", "monitor-announce.children"]
    result = _post_callback(client, ".." + "...".join(outputs) + "..", [
        {"id": "monitor-refresh", "property": "n_intervals", "value": 1},
        {"id": "monitor-instrument", "property": "value", "value": "local_government"}])
    text = json.dumps(result)
    assert "Last updated" in text and "monitor-funnel" in text


def test_download_callback_sends_the_file(store: Store) -> None:
    client = create_app(store).server.test_client()
    client.get("/")
    output = "..priorities-download.data...priorities-download-problem.children.."
    clicks = {"id": {"format": "csv", "type": "priorities-download"}, "property": "n_clicks",
              "value": 1}
    body = {
        "output": output,
        "outputs": [{"id": "priorities-download", "property": "data"},
                    {"id": "priorities-download-problem", "property": "children"}],
        "inputs": [[{**clicks, "id": {"format": f, "type": "priorities-download"},
                     "value": 1 if f == "csv" else 0}
                    for f in ("csv", "xlsx", "docx", "md")]],
        "state": [{"id": "priorities-export-policy", "property": "value", "value": "public"},
                  {"id": "priorities-by", "property": "data", "value": "instrument"},
                  {"id": "priorities-question", "property": "value", "value": None},
                  *[{"id": f"priorities-filter-{f}", "property": "value", "value": None}
                    for f in ("instrument", "version", "nation", "region",
                              "organisation_type", "path")]],
        "changedPropIds": [json.dumps({"format": "csv", "type": "priorities-download"},
                                      separators=(",", ":")) + ".n_clicks"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    data = response.get_json()["response"]["priorities-download"]["data"]
    assert data["filename"] == "priorities-public.csv" and data["base64"]
    import base64

    csv_text = base64.b64decode(data["content"]).decode("utf-8-sig")
    assert "Researcher responses re: data and evidence requirements (n=17)" in csv_text
    assert "[c]" in csv_text


def test_attacker_text_is_rendered_as_plain_text(store: Store) -> None:
    with store.write() as session:
        session.execute(update(Response).values(source_file="demo: " + SCRIPT))
        session.execute(update(Respondent).where(Respondent.nation == "wales")
                        .values(organisation_type=SCRIPT))
    assert data_labels(store) == [SCRIPT]
    app = create_app(store)
    with app.server.test_request_context("/"):
        trees = {name: _page(name).layout() for name in ("priorities", "monitor",
                                                          "barriers", "compare")}
    trees["by_type"] = priorities_view(store, by="organisation_type")
    for name, tree in trees.items():
        holders = _find_all(tree, lambda c: isinstance(getattr(c, "children", None), str)
                            and SCRIPT in c.children)
        assert holders, name
        # held as a text child of an ordinary HTML element, never parsed as markup
        assert all(type(h).__module__.startswith("dash.html") for h in holders), name
        unsafe = _find_all(tree, lambda c: type(c).__name__ == "Markdown"
                           or getattr(c, "dangerously_allow_html", False))
        assert not unsafe, name
    monitor_types = _rows({t.id: t for t in _tables(trees["monitor"])}
                          ["monitor-by-organisation_type"])
    assert SCRIPT in monitor_types
