"""The Overview (home) page without a browser: counts, disclosure, rate, priorities, links."""

from __future__ import annotations

import doctest
import sys
from typing import Any

import dash
import numpy as np
from sqlalchemy import func, select, update

import dashboard.overview_views as overview_views
from dashboard.access import page_allowed
from dashboard.app import create_app
from dashboard.overview_views import PAGE_LINKS, overview_view
from dashboard.views import text_of
from survey.export.disclosure import DisclosurePolicy
from survey.export.layout import LayoutRow, PublishedLayout
from survey.export.overview import overview_tables, respondent_counts
from survey.ranking.published import load_published
from survey.reproduce.demo import DEMO_LABEL
from survey.store import Store
from survey.store.analysis import data_labels
from survey.store.models import Respondent, Response
from tests.dashboard.conftest import all_components

SCRIPT = "<script>alert('x')</script>"


def test_examples() -> None:
    result = doctest.testmod(overview_views, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def _complete_by_instrument(store: Store) -> dict[str, int]:
    with store.session() as session:
        rows = session.execute(select(Response.instrument, func.count())
                               .where(Response.state == "complete")
                               .group_by(Response.instrument)).all()
    return {str(name): int(n) for name, n in rows}


def _determined(hidden: np.ndarray, row_totals: list[Any], col_totals: list[Any]
                ) -> list[tuple[int, int]]:
    """Hidden cells whose value follows from the shown cells and totals.

    Linear algebra, independent of the suppression code's graph method: the
    known totals (each shown row and column total, and the grand total) are
    linear equations in the hidden cells; a hidden cell is determined exactly
    when its unit vector lies in the span of those equations (adding it leaves
    the rank unchanged)."""
    cells = [tuple(c) for c in np.argwhere(hidden)]
    equations = [[1.0] * len(cells)]
    for i, total in enumerate(row_totals):
        if total is not None:
            equations.append([1.0 if c[0] == i else 0.0 for c in cells])
    for j, total in enumerate(col_totals):
        if total is not None:
            equations.append([1.0 if c[1] == j else 0.0 for c in cells])
    a = np.array(equations)
    rank = np.linalg.matrix_rank(a)
    out = []
    for k, cell in enumerate(cells):
        unit = np.zeros((1, len(cells)))
        unit[0, k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.append(cell)
    return out


def test_counts_match_the_store_and_the_public_view_hides_small_ones(store: Store) -> None:
    internal = respondent_counts(store, DisclosurePolicy(public=False))
    by_instrument = _complete_by_instrument(store)
    assert internal.loc["Local government", "Total"] == by_instrument["local_government"] == 35
    assert internal.loc["Researcher", "Total"] == by_instrument["researcher"] == 17
    assert internal.loc["Total", "Total"] == 52
    assert internal.loc["Local government", "Wales"] == 3  # as on the Priorities page
    public = respondent_counts(store, DisclosurePolicy(public=True, min_n=5))
    body = public.iloc[:-1, :-1]
    counts = internal.iloc[:-1, :-1].to_numpy().astype(int)
    hidden = body.isna().to_numpy()
    assert ((counts > 0) & (counts < 5) <= hidden).all()  # every small count is hidden
    shown = ~hidden
    assert (body.to_numpy()[shown] == counts[shown]).all()
    row_totals = public.iloc[:-1, -1].tolist()
    col_totals = public.iloc[-1, :-1].tolist()
    assert all(t is None or t >= 5 for t in [*row_totals, *col_totals])
    assert hidden.any() and not _determined(hidden, row_totals, col_totals)


def test_overview_states_rate_priorities_network_and_demo_label(store: Store) -> None:
    app = create_app(store)
    with app.server.app_context():
        view = overview_view(store, None, labels=data_labels(store))
    text = text_of(view)
    assert "35 of the 256 people in the sampling frame" in text
    assert f"{round(100 * 35 / 256, 1)}%" == "13.7%" and "rate of 13.7%" in text
    # top 3 of the published Table 2 (researchers): 59, 59, 47 in the first band
    rows = load_published()["priority_tables"]["table_2_researcher"]["rows"]
    ordered = sorted(rows, key=lambda r: -r["pct"][0])[:3]
    researcher = text.split("Researcher (n = 17)")[1]
    for row in ordered:
        assert f"{row['option']}: {row['pct'][0]}% ranked it first" in researcher
    assert "organisations and" in text and "partnership ties" in text
    assert "Synthetic or reconstructed data: " + DEMO_LABEL in text
    assert "No suppression" not in text  # anonymous: the public statement
    hrefs = [c.href for c in _links(view)]
    served = {page["path"] for page in dash.page_registry.values()}
    # anonymous: only the pages the access model lets them open
    assert hrefs == [path for path, _, _ in PAGE_LINKS
                     if path in served and page_allowed(path, "anonymous")]
    assert {"/priorities", "/network", "/barriers", "/compare"} <= set(hrefs)
    assert not {"/monitor"} & set(hrefs)
    with app.server.app_context():
        staff = overview_view(store, "admin", labels=data_labels(store))
    assert {"/compare", "/barriers"} <= {c.href for c in _links(staff)}


def _links(tree: Any) -> list[Any]:
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
        elif node is not None and not isinstance(node, str | int | float):
            if type(node).__name__ == "Link":
                found.append(node)
            walk(getattr(node, "children", None))

    walk(tree)
    return found


def test_signed_in_roles_see_the_unsuppressed_counts(store: Store) -> None:
    app = create_app(store)
    with app.server.app_context():
        anonymous = text_of(overview_view(store, None))
        viewer = text_of(overview_view(store, "viewer"))
    assert "[c]" in anonymous and "[c]" not in viewer
    assert "No suppression applied (internal view)" in viewer


def test_home_page_is_the_overview_and_renders_attacker_text_as_text(store: Store) -> None:
    with store.write() as session:
        session.execute(update(Respondent).where(Respondent.nation == "england")
                        .values(nation=SCRIPT))
    app = create_app(store)
    with app.server.test_request_context("/"):
        tree = sys.modules["dashboard.pages.home"].layout()
    text = text_of(tree)
    assert text.startswith("Overview")
    holders = [c for c in _all(tree) if isinstance(getattr(c, "children", None), str)
               and SCRIPT in c.children]
    assert holders and all(type(h).__module__.startswith("dash.html") for h in holders)
    assert not [c for c in _all(tree) if type(c).__name__ == "Markdown"
                or getattr(c, "dangerously_allow_html", False)]


_all = all_components


def test_who_answered_is_the_overview_report_with_a_link_to_its_files(store: Store) -> None:
    app = create_app(store)
    with app.server.app_context():
        view = overview_view(store, None)
    [table] = overview_tables(store, policy=DisclosurePolicy(public=True))
    counts = next(c for c in all_components(view)
                  if getattr(c, "id", None) == "overview-respondents")
    assert text_of(counts).startswith(table.title)  # the download's own table
    links = [c for c in all_components(view) if type(c).__name__ == "A"]
    assert [c.href for c in links] == ["/downloads?table=overview"]


def test_top_priorities_print_a_small_public_group_as_its_table_does(
        store: Store, monkeypatch: Any) -> None:
    # The public Overview table hides a group total below k (and a second one with it),
    # but the top-priorities heading under it printed the group's exact n ("n = 3"),
    # giving both hidden totals back with the grand total. It says "n = <5", as the
    # public Priorities table does.
    small = PublishedLayout(1, "tiny", "Tiny group", "Table 1. Tiny group (n<5)", 3,
                            ("1st-3rd",), (LayoutRow("a", "A", (None,)),), (), n_text="<5")
    monkeypatch.setattr(overview_views, "priorities_layouts",
                        lambda *_a, **_k: [(small, None)])
    text = text_of(overview_views._top_priorities(store, DisclosurePolicy(public=True), ()))
    assert "Tiny group (n = <5)" in text and "n = 3" not in text


def test_the_links_into_each_page_come_first(store: Store) -> None:
    # A new visitor finds each job without scrolling past the figures.
    view = overview_view(store)
    first = view.children[1]
    assert view.children[0].children == "Where to go" and first.id == "overview-links"
