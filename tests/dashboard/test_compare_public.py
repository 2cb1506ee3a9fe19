"""The Compare page is public under disclosure control (issue 11): checked on the server.

An anonymous visitor opens ``/compare`` by address and through Dash's page router (the
callback request a browser, or an attacker, posts); the cells it gets are the staff
cells with exactly the withheld ones replaced by ``[c]``. Which ones are withheld is
worked out here from the shipped demo rankings with the rule restated by hand: a
top-3 share ``c / n`` is withheld when ``0 < c < k`` or ``0 < n - c < k``, and an
option's comparison (difference, p, rank-biserial) goes with either of its shares.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from dashboard.access import disclosure_policy
from dashboard.app import create_app
from dashboard.page_views import consensus_view, priorities_layouts
from dashboard.views import text_of
from survey.errors import LandscapeError
from survey.export.disclosure import DisclosurePolicy
from survey.export.release import check_public_release, store_populations
from survey.export.report import ReportTable
from survey.export.report_catalogue import REPORTS
from survey.ranking.reconstruct import demo_ranking_data
from survey.store import Store
from survey.store.analysis import data_labels
from tests.dashboard.conftest import sign_in

pytestmark = pytest.mark.usefixtures("fast_passwords")

#: The demo's mirrored pairs: concept -> (local government option, researcher option).
MIRRORED = {"partner_support": ("support_from_research_institutions",
                                "support_from_policy_organisations"),
            "partner_networks": ("networks_with_research_institutions",
                                 "networks_with_policy_makers")}


def _band_hidden(store: Store) -> set[tuple[str, str]]:
    """(group, option) whose 1st-3rd cell the public Priorities table withholds."""
    pairs = priorities_layouts(store, policy=DisclosurePolicy(public=True))
    return {(layout.group, row.code) for layout, _ in pairs for row in layout.rows
            if row.cells[0] is None}


def _expected_withheld(k: int, store: Store) -> dict[str, tuple[bool, bool]]:
    """Row name -> (local government's share withheld, researchers' share withheld):
    the share rule, or the public Priorities table withholding the same cell."""
    lg, rs = demo_ranking_data("local_government"), demo_ranking_data("researcher")
    pairs = {c: (c, c) for c in lg.options if c in rs.options} | MIRRORED
    band_hidden = _band_hidden(store)
    out = {}
    for concept, (a, b) in pairs.items():
        hidden = []
        for data, option, group in ((lg, a, "local_government"), (rs, b, "researcher")):
            n, count = len(data.ranks), int((data.ranks[option] <= 3).sum())
            hidden.append(0 < count < k or 0 < n - count < k or n < k
                          or (group, option) in band_hidden)
        out[concept.replace("_", " ").capitalize()] = (hidden[0], hidden[1])
    return out


def _rows_whole(store: Store) -> dict[str, bool]:
    """Row name -> whether both groups' public band rows of the option show every cell."""
    shown = {(layout.group, row.code): all(c is not None for c in row.cells)
             for layout, _ in priorities_layouts(store, policy=DisclosurePolicy(public=True))
             for row in layout.rows}
    lg, rs = demo_ranking_data("local_government"), demo_ranking_data("researcher")
    pairs = {c: (c, c) for c in lg.options if c in rs.options} | MIRRORED
    return {concept.replace("_", " ").capitalize(): shown[("local_government", a)]
            and shown[("researcher", b)] for concept, (a, b) in pairs.items()}


def _router_page(client: Any, path: str) -> dict[str, Any]:
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return dict(response.get_json())


def _by_id(tree: Any, wanted: str) -> Any:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == wanted:
                return node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise AssertionError(f"no component {wanted!r}")


def _text(node: Any) -> str:
    children = node["props"].get("children")
    return children if isinstance(children, str) else ""


def _table_rows(page: dict[str, Any], table_id: str) -> dict[str, list[str]]:
    table = _by_id(page, table_id)
    body = table["props"]["children"][2]
    return {_text(tr["props"]["children"][0]): [_text(td) for td in tr["props"]["children"][1:]]
            for tr in body["props"]["children"]}


@pytest.fixture
def clients(store: Store) -> Iterator[tuple[Any, Any]]:
    app = create_app(store)
    anonymous, viewer = app.server.test_client(), app.server.test_client()
    sign_in(viewer, store, "viewer")
    for client in (anonymous, viewer):
        client.get("/")  # Dash adds its page router on the first request
    yield anonymous, viewer


def test_an_anonymous_visitor_opens_compare_by_address(clients: tuple[Any, Any]) -> None:
    anonymous, _ = clients
    response = anonymous.get("/compare")
    assert response.status_code == 200 and anonymous.head("/compare").status_code == 200


def test_the_router_gives_anonymous_visitors_public_cells_only(
        clients: tuple[Any, Any], store: Store) -> None:
    anonymous, viewer = clients
    k = disclosure_policy("anonymous").min_n
    expected = _expected_withheld(k, store)
    # the demo's groups of 35 and 17 leave some top-3 counts between 1 and k - 1
    assert sum(a or b for a, b in expected.values()) >= 2
    whole = _rows_whole(store)
    public_page, staff_page = _router_page(anonymous, "/compare"), _router_page(viewer, "/compare")
    public, staff = (_table_rows(p, "compare-table") for p in (public_page, staff_page))
    assert set(public) == set(staff) == set(expected) and len(public) == 9
    leaked = json.dumps(public_page)
    for name, (hide_a, hide_b) in expected.items():
        internal = staff[name]
        assert "[c]" not in internal  # staff: everything
        shown = list(internal)
        if hide_a:
            shown[2] = "[c]"
        if hide_b:
            shown[3] = "[c]"
        if not whole[name]:  # the test reads the whole row: withheld with any cell of it
            shown[5:8] = ["[c]"] * 3
        if hide_a or hide_b:
            shown[4:] = ["[c]"] * 5
            for cell in (internal[2] if hide_a else None, internal[3] if hide_b else None,
                         internal[4]):
                if cell is not None:  # a withheld cell appears nowhere in the response
                    assert f'"{cell}"' not in leaked, (name, cell)
        assert public[name] == shown, name
    readings = _by_id(public_page, "compare-readings")["props"]["children"]
    withheld = [_text(li) for li in readings if "withheld under disclosure control" in _text(li)]
    assert len(withheld) == sum(a or b for a, b in expected.values())
    # the chart draws no withheld difference
    figure = _by_id(public_page, "compare-chart")["props"]["figure"]
    points = dict(zip(figure["data"][0]["y"], figure["data"][0]["x"], strict=True))
    for name, (hide_a, hide_b) in expected.items():
        key = f"{name} [c]" if hide_a or hide_b else name
        assert (points[key] is None) == (hide_a or hide_b), name
    assert disclosure_policy("anonymous").statement() in leaked
    assert "No suppression applied (internal view)" in json.dumps(staff_page)
    assert "Download this table" in leaked and "/downloads?table=compare" in leaked


def test_the_download_builds_the_same_cells_as_the_page(store: Store,
                                                        clients: tuple[Any, Any]) -> None:
    anonymous, _ = clients
    page = _table_rows(_router_page(anonymous, "/compare"), "compare-table")
    policy = disclosure_policy("anonymous")
    report = REPORTS["compare"]
    table, agreement = report.tables(store, policy=policy, reconstructed=bool(data_labels(store)))
    assert {row[0]: [ReportTable.cell_text(c) for c in row[1:]] for row in table.rows} == page
    assert policy.statement() in table.notes and "Demo data: reconstructed" in " ".join(
        table.notes)
    assert [row[0] for row in agreement.rows] == ["Local government", "Researchers"]
    figure = report.figure(store, policy=policy)
    hidden = {name for name, (a, b) in _expected_withheld(policy.min_n, store).items() if a or b}
    assert {y.removesuffix(" [c]") for y, x in zip(figure.data[0].y, figure.data[0].x,
                                                  strict=True) if x is None} == hidden


def test_consensus_withholds_a_group_below_the_threshold(store: Store) -> None:
    # 35 local government respondents, 17 researchers: a threshold of 20 withholds one
    view = consensus_view(store, resamples=40, policy=DisclosurePolicy(public=True, min_n=20))
    text = text_of(view)
    assert "Researchers: withheld under disclosure control ([c])" in text
    assert "Local government (n=35): mean-rank" in text and "Researchers (n=17)" not in text
    staff = text_of(consensus_view(store, resamples=40))
    assert "Researchers (n=17): kemeny" in staff and "withheld" not in staff


def test_public_consensus_uses_a_method_the_release_check_audits(store: Store) -> None:
    # `landscape consensus --public --method kemeny` is refused (X108): Kemeny rests on
    # pairwise preferences the release attack does not model. The public Compare page
    # printed the Kemeny order anyway; it now orders by mean rank (audited), as the CLI
    # lets a public release do, and staff keep Kemeny.
    public = DisclosurePolicy(public=True)
    with pytest.raises(LandscapeError, match="X108"):
        check_public_release(store_populations(store), public, method="kemeny")
    text = text_of(consensus_view(store, resamples=40, policy=public))
    # (the methods' tops still appear in the warning when they disagree, as the CLI's)
    assert "kemeny consensus" not in text and "(n=35): mean-rank consensus order" in text
    assert "(n=35): kemeny" in text_of(consensus_view(store, resamples=40))


def test_compare_and_priorities_together_never_reveal_a_small_cell(store: Store) -> None:
    # Compare once printed top-3 shares the public Priorities table withholds only to
    # protect a small cell of the same row (secondary suppression): a reader adding the
    # two outputs got that small cell back by subtraction (e.g. researchers' public
    # sector data: 4-6 shown, 1-3 from Compare, so 7-9 = 17 - the two = 4 respondents).
    public = DisclosurePolicy(public=True)
    k = public.min_n
    internal = {layout.group: (layout, table) for layout, table in priorities_layouts(store)}
    shown_bands = {layout.group: {row.code: row.cells for row in layout.rows}
                   for layout, _ in priorities_layouts(store, policy=public)}
    compare = REPORTS["compare"].tables(store, policy=public)[0]
    lg, rs = demo_ranking_data("local_government"), demo_ranking_data("researcher")
    pairs = {c: (c, c) for c in lg.options if c in rs.options} | MIRRORED
    by_name = {row[0]: row for row in compare.rows}
    # the case at stake: a 1st-3rd cell withheld only to protect another (its count >= k)
    assert any(shown_bands[g][option][0] is None
               and int(table.counts[0, table.options.index(option), 0]) >= k
               for g, (_, table) in internal.items() for option in table.options)
    for concept, options in pairs.items():
        row = by_name[concept.replace("_", " ").capitalize()]
        for column, group, option in ((3, "local_government", options[0]),
                                      (4, "researcher", options[1])):
            _, table = internal[group]
            o = table.options.index(option)
            counts = [int(c) for c in table.counts[0, o]]
            known = [cell is not None for cell in shown_bands[group][option]]
            if row[column] is not None:
                known[0] = True  # Compare prints the 1st-3rd share
            unknown = [c for c, seen in zip(counts, known, strict=True) if not seen]
            if len(unknown) == 1:  # the row total (n) gives it away
                assert not 0 < unknown[0] < k, (group, option, counts)


def _top_counts_consistent(n: int, top: int, known: dict[str, int], hidden: list[str],
                           q_text: str | None) -> set[tuple[int, ...]]:
    """Every vector of hidden top-``top`` counts an attacker cannot rule out.

    What the attacker knows (conservatively, the shown counts exactly): each respondent
    puts ``top`` options in the top ``top`` (complete rankings), so the column sums to
    ``top * n``; and, when printed, Cochran's Q to one decimal, which for complete
    rankings is ``(m - 1) (m sum C^2 - N^2) / (m N - n top^2)`` with ``N = top * n``.
    """
    m = len(known) + len(hidden)
    total = top * n - sum(known.values())
    q_shown = None
    if q_text is not None:
        q_shown = float(q_text.split("=")[1].split(",")[0])
    found = set()
    for values in itertools.product(range(min(n, total) + 1), repeat=len(hidden)):
        if sum(values) != total:
            continue
        if q_shown is not None:
            squares = sum(c * c for c in known.values()) + sum(c * c for c in values)
            big_n = top * n
            q = (m - 1) * (m * squares - big_n ** 2) / (m * big_n - n * top ** 2)
            if abs(q - q_shown) > 0.05 + 1e-9:
                continue
        found.add(values)
    return found


def test_cochran_q_on_compare_never_narrows_a_withheld_top_share(store: Store) -> None:
    # Public Compare printed each group's Cochran's Q on the top-3 choices although the
    # public Priorities table withholds some of those top-3 cells. Q rests on the sum of
    # the squared top-3 counts; with the column total (3 n) that is a second equation
    # in the hidden counts: local government's two withheld 1st-3rd cells came back as
    # exactly {1, 7} (analysis tools: one respondent). The CLI (public_comparison)
    # withholds Q for such a group; the page, download and report now do too.
    public = DisclosurePolicy(public=True)
    agreement = REPORTS["compare"].tables(store, policy=public)[1]
    q_of = {row[0]: row[5] for row in agreement.rows}
    names = {"local_government": "Local government", "researcher": "Researchers"}
    shown = {layout.group: layout for layout, _ in priorities_layouts(store, policy=public)}
    checked = 0
    for layout, table in priorities_layouts(store):
        rows = {row.code: row for row in shown[layout.group].rows}
        n = int(table.n[0])
        counts = {o: int(table.counts[0, i, 0]) for i, o in enumerate(table.options)}
        hidden = [o for o in table.options if rows[o].cells[0] is None]
        if not hidden:
            continue
        known = {o: c for o, c in counts.items() if o not in hidden}
        q_text = q_of[names[layout.group]]
        assert isinstance(q_text, str | None)
        with_q = _top_counts_consistent(n, 3, known, hidden,
                                        q_text if q_text and q_text.startswith("Q(") else None)
        without = _top_counts_consistent(n, 3, known, hidden, None)
        assert tuple(counts[o] for o in hidden) in with_q
        assert with_q == without, (layout.group, sorted(with_q))
        checked += 1
    assert checked == 2  # both demo groups have a withheld 1st-3rd cell


def test_public_compare_tests_only_options_whose_public_rows_are_whole(store: Store) -> None:
    # As `landscape compare --public` (release.public_comparison): the Mann-Whitney p
    # and the rank-biserial read an option's whole distribution, so they are withheld
    # when any cell of its row is withheld in either group's public band table, even
    # where both top-3 shares are shown. The page once printed them for three options.
    public = DisclosurePolicy(public=True)
    compare = REPORTS["compare"].tables(store, policy=public)[0]
    by_name = {row[0]: row for row in compare.rows}
    for name, tested in _rows_whole(store).items():
        row = by_name[name]
        assert (row[6] is not None) == tested, (name, row)
        assert (row[7] is not None) == tested and (row[8] is not None) == tested
    assert any(row[3] is not None and row[4] is not None and row[6] is None
               for row in compare.rows)  # the case at stake: shares shown, test withheld
