"""The Compare report (survey.export.report_compare) against hand-worked small data.

Two groups rank four options; every count, percentage and mean rank below is worked
out by hand from the rankings written in the test, and the cells withheld under a
public policy follow the disclosure rule restated here: a share ``c / n`` is withheld
when ``0 < c < k`` or ``0 < n - c < k`` (or ``n < k``), and an option's comparison is
withheld when either of its shares is.
"""

from __future__ import annotations

import doctest
import importlib

import pandas as pd
import pytest

from survey.errors import LandscapeError
from survey.export.disclosure import DisclosurePolicy
from survey.export.report_catalogue import REPORTS
from survey.export.report_compare import (
    agreement_table,
    comparison_table,
    difference_chart,
    p_text,
    tables,
)
from survey.ranking.bands import RankingData
from survey.ranking.compare import GroupComparison, compare_instruments
from survey.store import Store


def test_examples() -> None:
    module = importlib.import_module("survey.export.report_compare")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# Local government, n = 10: 6 x (x, y, z, w), 3 x (y, z, x, w), 1 x (w, x, y, z).
LG_ORDERS = [("x", "y", "z", "w_lg")] * 6 + [("y", "z", "x", "w_lg")] * 3 + \
    [("w_lg", "x", "y", "z")]
# Researchers, n = 8: 4 x (z, w, x, y), 4 x (x, z, y, w).
RS_ORDERS = [("z", "w_rs", "x", "y")] * 4 + [("x", "z", "y", "w_rs")] * 4
#: Top-2 counts by hand: (local government of 10, researchers of 8), per concept.
TOP2 = {"x": (7, 4), "y": (9, 0), "z": (3, 8), "partner_support": (1, 4)}
#: Mean positions by hand.
MEANS = {"x": ("1.7", "2.0"), "y": ("1.8", "3.5"), "z": ("2.8", "1.5"),
         "partner_support": ("3.7", "3.0")}
SHORT = {"x": "X", "y": "Y", "z": "Z", "partner_support": "Partner support"}


def _data(orders: list[tuple[str, ...]], mirror: str, wording: str) -> RankingData:
    options = ("x", "y", "z", mirror)
    frame = pd.DataFrame([{o: order.index(o) + 1 for o in options} for order in orders],
                         dtype="Int64")
    return RankingData(frame, options, labels={mirror: wording},
                       concepts={mirror: "partner_support"})


@pytest.fixture(scope="module")
def result() -> GroupComparison:
    groups = {"local_government": _data(LG_ORDERS, "w_lg", "Support from research"),
              "researcher": _data(RS_ORDERS, "w_rs", "Support from councils")}
    return compare_instruments(groups, "local_government", "researcher", top=2,
                               resamples=200, permutations=199, likelihood_permutations=0)


def _withheld_by_hand(count: int, n: int, k: int) -> bool:
    return n < k or 0 < count < k or 0 < n - count < k


def _percent(count: int, n: int) -> str:
    return f"{(200 * count + n) // (2 * n)}%"  # half-up on exact integers


def test_internal_cells_are_the_hand_worked_counts(result: GroupComparison) -> None:
    table = comparison_table(result, DisclosurePolicy(), reconstructed=True)
    assert table.title.startswith("Local government (n=10) and Researchers (n=8)")
    assert "reconstructed data" in table.title
    assert [row[0] for row in table.rows] == [SHORT[c] for c in TOP2]
    assert len(table.columns) == 10 and table.columns[3].startswith("Top-2 share")
    for row, (concept, (a, b)), found in zip(table.rows, TOP2.items(), result.rows,
                                             strict=True):
        assert row[1:3] == MEANS[concept]
        assert isinstance(row[3], str) and row[3].startswith(_percent(a, 10) + " (")
        assert isinstance(row[4], str) and row[4].startswith(_percent(b, 8) + " (")
        points = (200 * (8 * a - 10 * b) + 80) // 160 if 8 * a >= 10 * b else \
            -((200 * (10 * b - 8 * a) + 80) // 160)  # half away from zero, exact
        assert isinstance(row[5], str) and row[5].split(" (")[0] == (
            f"{points:+d}" if points else "0")
        assert row[6] == p_text(found.p_holm) and None not in row
    notes = " ".join(table.notes)
    assert "Partner support: Support from research / Support from councils" in notes
    assert "No suppression applied (internal view)" in notes
    assert "Demo data: reconstructed" in notes


@pytest.mark.parametrize("k", [3, 5, 9])
def test_public_cells_are_withheld_by_the_rule(result: GroupComparison, k: int) -> None:
    policy = DisclosurePolicy(public=True, min_n=k)
    table = comparison_table(result, policy)
    for row, (concept, (a, b)) in zip(table.rows, TOP2.items(), strict=True):
        hide_a, hide_b = _withheld_by_hand(a, 10, k), _withheld_by_hand(b, 8, k)
        assert (row[3] is None) == hide_a, (concept, k)
        assert (row[4] is None) == hide_b, (concept, k)
        # the difference, p, rank-biserial and adjusted interval go with either share
        assert all((cell is None) == (hide_a or hide_b) for cell in row[5:]), (concept, k)
        # a mean rank goes only with its whole group
        assert (row[1] is None, row[2] is None) == (10 < k, 8 < k)
        assert row[0] == SHORT[concept]
    assert policy.statement() in table.notes
    assert ("so is the option's comparison" in " ".join(table.notes)) == (k > 1)


def test_k3_withholds_exactly_the_worked_out_cells(result: GroupComparison) -> None:
    """By hand at k = 3: LG y (9 of 10: 1 did not) and LG partner support (1 of 10)."""
    rows = comparison_table(result, DisclosurePolicy(public=True, min_n=3)).rows
    withheld = {row[0]: [i for i, cell in enumerate(row) if cell is None] for row in rows}
    assert withheld == {"X": [], "Y": [3, 5, 6, 7, 8, 9], "Z": [],
                        "Partner support": [3, 5, 6, 7, 8, 9]}
    assert rows[0][3] is not None and str(rows[0][3]).startswith("70% (")
    assert str(rows[0][5]).startswith("+20 (")  # 7/10 - 4/8
    assert str(rows[2][4]).startswith("100% (")  # 8 of 8: the complement is 0, shown


def test_the_agreement_table_withholds_a_small_group(result: GroupComparison) -> None:
    rows = agreement_table(result, DisclosurePolicy(public=True, min_n=9)).rows
    assert rows[0][:2] == ("Local government", "10")
    assert rows[1] == ("Researchers", None, None, None, None, None)
    assert agreement_table(result, DisclosurePolicy()).rows[1][1] == "8"


def test_the_chart_leaves_out_a_withheld_difference_and_says_so(result: GroupComparison) -> None:
    figure, summary = difference_chart(result, DisclosurePolicy(public=True, min_n=3))
    trace = figure.data[0]
    assert list(trace.y) == ["X", "Y [c]", "Z", "Partner support [c]"]
    assert trace.x[1] is None and trace.x[3] is None
    assert trace.x[0] == pytest.approx(100 * (7 / 10 - 4 / 8))
    assert trace.x[2] == pytest.approx(100 * (3 / 10 - 8 / 8))
    assert summary.endswith("2 withheld under disclosure control ([c], not drawn).")
    assert "the largest shown is Z" in summary  # -70 points beats +20
    assert "withheld under disclosure control" in figure.layout.xaxis.title.text
    internal, text = difference_chart(result, DisclosurePolicy())
    assert None not in internal.data[0].x and "withheld" not in text


def test_the_report_is_registered_and_refuses_a_grouping() -> None:
    report = REPORTS["compare"]
    assert (report.page, report.tables, report.groupings) == ("/compare", tables, ())
    store = Store.open("sqlite://", check=False)
    store.upgrade()
    with pytest.raises(LandscapeError) as caught:
        report.tables(store, by="region", policy=DisclosurePolicy(public=True))
    assert caught.value.issues[0].code == "A153"
    with pytest.raises(LandscapeError):  # no rankings at all: said, not a crash
        report.tables(store, policy=DisclosurePolicy(public=True))


def test_a_public_group_below_the_threshold_is_n_below_k_in_the_title(
        result: GroupComparison) -> None:
    # The agreement row of a group below k is withheld whole (its n too), but the
    # comparison's title printed "(n=8)"; a public table says "n<k" (issue 12).
    public = DisclosurePolicy(public=True, min_n=9)
    title = comparison_table(result, public).title
    assert "(n=10)" in title and "(n=<9)" in title and "(n=8)" not in title
    assert agreement_table(result, public).rows[1][1] is None
    assert "(n=8)" in comparison_table(result, DisclosurePolicy()).title
