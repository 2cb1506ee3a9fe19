"""Band tables checked against hand-worked cases and an independent pandas count."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from survey.errors import LandscapeError
from survey.instrument.model import RankingRule
from survey.ranking import RankingData, band_table, parse_bands, percent, round_percent


def frame(rows: list[list[int | None]], columns: str = "abc") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns),
                        index=[f"r{i}" for i in range(len(rows))]).astype("Int64")


@pytest.mark.parametrize(("count", "n", "expected"), [
    (1, 200, 1),      # 0.5% -> 1 (half-up), banker's would give 0
    (5, 200, 3),      # 2.5% -> 3, banker's would give 2
    (3, 200, 2),      # 1.5% -> 2
    (1, 8, 13),       # 12.5% -> 13
    (1, 3, 33),
    (2, 3, 67),
    (0, 17, 0),
    (17, 17, 100),
])
def test_half_up_rounding_edges(count: int, n: int, expected: int) -> None:
    assert percent(count, n) == expected
    reference = (Decimal(100 * count) / Decimal(n)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert percent(count, n) == int(reference)


def test_other_roundings_and_precision() -> None:
    assert round_percent(5, 200, rounding="half-even") == 2
    assert round_percent(3, 200, rounding="half-even") == 2
    assert round_percent(1, 3, rounding="up") == 34
    assert round_percent(2, 3, rounding="down") == 66
    assert round_percent(10, 13, precision=1) == Fraction(769, 10)   # 76.92 -> 76.9
    assert round_percent(7, 16, precision=1) == Fraction(438, 10)    # 43.75 -> 43.8


def test_hand_worked_full_ranking() -> None:
    # Three respondents, three options, bands {1} and {2,3}.
    ranks = frame([[1, 2, 3], [2, 1, 3], [1, 3, 2]])
    table = band_table(ranks, bands=((1, 1), (2, 3)))
    assert table.counts[0].tolist() == [[2, 1], [1, 2], [0, 3]]
    assert int(table.n[0]) == 3
    assert table.share("a", "1") == Fraction(2, 3)
    assert table.percent("a", "1") == 67 and table.percent("b", "2-3") == 67
    records = table.to_frame()
    assert list(records.columns) == ["group", "option", "label", "band", "count", "n", "share",
                                     "percent"]
    assert records["count"].sum() == 9
    wide = table.display()
    assert wide.loc["c"].tolist() == [0, 100]


def test_groups_filters_and_non_answering_rows() -> None:
    ranks = frame([[1, 2, 3], [3, 2, 1], [None, None, None], [2, 1, 3]])
    groups = pd.Series(["x", "y", "y", None], index=ranks.index)
    table = band_table(RankingData(ranks, ("a", "b", "c"), groups=groups),
                       bands=((1, 1), (2, 2), (3, 3)))
    assert table.groups == ("(missing)", "x", "y")
    # The blank row in group y did not answer: n(y) = 1, not 2.
    assert table.n.tolist() == [1, 1, 1]
    assert table.count("c", "1", "y") == 1
    filtered = band_table(ranks, bands=((1, 1), (2, 3)),
                          where=np.array([True, False, True, True]))
    assert int(filtered.n[0]) == 2
    assert filtered.count("a", "1") == 1 and filtered.count("b", "1") == 1


def test_top_k_unranked_counts_in_no_band() -> None:
    rule = RankingRule(mode="top_k", k=2)
    ranks = frame([[1, 2, None], [None, 1, 2], [1, None, None]])
    table = band_table(RankingData(ranks, ("a", "b", "c"), rule=rule), bands=((1, 1), (2, 3)))
    assert int(table.n[0]) == 3
    assert table.counts[0].tolist() == [[2, 0], [1, 1], [0, 1]]
    assert table.unranked[0].tolist() == [1, 1, 2]
    # Each row's band counts plus unranked make n.
    assert (table.counts[0].sum(axis=1) + table.unranked[0] == 3).all()


def test_ties_use_mid_rank_rounded_to_the_later_position() -> None:
    rule = RankingRule(ties="allow")
    # r0: a and b tied first (mid-rank 1.5 -> 2), c third.
    # r1: a first, b and c tied (positions 2-3, mid-rank 2.5 -> 3); stored as 1, 2, 2.
    # r2: all three tied (mid-rank 2).
    ranks = frame([[1, 1, 3], [1, 2, 2], [5, 5, 5]])
    table = band_table(ranks, bands=((1, 1), (2, 2), (3, 3)), rule=rule)
    assert table.counts[0].tolist() == [[1, 2, 0], [0, 2, 1], [0, 1, 2]]
    # Stored ties 1,1,3 and 1,1,2 mean the same.
    same = band_table(frame([[1, 1, 2]]), bands=((1, 1), (2, 2), (3, 3)), rule=rule)
    first = band_table(frame([[1, 1, 3]]), bands=((1, 1), (2, 2), (3, 3)), rule=rule)
    assert same.counts.tolist() == first.counts.tolist()


def test_matches_independent_pandas_count_on_random_data() -> None:
    rng = np.random.default_rng(7)
    k, size = 9, 3000
    matrix = np.argsort(rng.random((size, k)), axis=1) + 1
    ranks = pd.DataFrame(matrix, columns=[f"o{i}" for i in range(k)]).astype("Int64")
    ranks.iloc[::97] = pd.NA  # some respondents did not answer
    groups = pd.Series(rng.choice(["lg", "res"], size=size), index=ranks.index)
    table = band_table(ranks, by=groups)
    long = ranks.assign(g=groups).melt(id_vars="g", var_name="option", value_name="rank")
    long = long.dropna()
    long["band"] = pd.cut(long["rank"].astype(int), [0, 3, 6, 9], labels=["1-3", "4-6", "7-9"])
    expected = long.groupby(["g", "option", "band"], observed=False).size()
    got = table.to_frame().set_index(["group", "option", "band"])["count"]
    for key, value in expected.items():
        assert got[key] == value
    answered = ranks.notna().any(axis=1)
    assert table.n.tolist() == [int((answered & (groups == g)).sum()) for g in ("lg", "res")]


def test_records_json_ready() -> None:
    table = band_table(frame([[1, 2, 3]]), bands=((1, 1), (2, 3)))
    record = table.to_records()[0]
    assert record == {"group": "all", "option": "a", "label": "a", "band": "1", "count": 1,
                      "n": 1, "share": 1.0, "percent": 100}


@pytest.mark.parametrize("text", ["1-3,3-5", "0-2", "3-1", "a-b", ""])
def test_bad_bands(text: str) -> None:
    with pytest.raises(LandscapeError) as err:
        parse_bands(text)
    assert err.value.issues[0].code == "A111"
