"""Audit of printed band tables: hand-worked checks and a brute-force nearest table."""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.errors import LandscapeError
from survey.ranking.audit import audit_table, nearest_table
from survey.ranking.bands import percent
from survey.ranking.published import load_tables, published_table


def _all_tables(n: int, widths: list[int]) -> list[list[list[int]]]:
    """Every integer table with k = sum(widths) rows summing to n, columns to w*n."""
    k = sum(widths)
    rows = [r for r in itertools.product(range(n + 1), repeat=len(widths)) if sum(r) == n]
    tables = []
    for combo in itertools.product(rows, repeat=k):
        if all(sum(r[j] for r in combo) == widths[j] * n for j in range(len(widths))):
            tables.append([list(r) for r in combo])
    return tables


def _key(table: list[list[int]], printed: list[list[int]], n: int
         ) -> tuple[Fraction, int, Fraction]:
    l1 = Fraction(0)
    outside = 0
    squares = Fraction(0)
    for row, prow in zip(table, printed, strict=True):
        for x, p in zip(row, prow, strict=True):
            d = abs(Fraction(100 * x, n) - p)
            l1 += d
            squares += d * d
            ok = [c for c in range(n + 1) if percent(c, n) == p]
            if ok:
                lo, hi = ok[0], ok[-1]
            else:
                lo, hi = math.floor(Fraction(p * n, 100)), math.ceil(Fraction(p * n, 100))
            outside += max(0, x - hi, lo - x)
    return l1, outside, squares


@pytest.mark.parametrize("printed", [
    [[50, 50], [50, 50], [0, 100]],            # consistent
    [[75, 25], [75, 25], [0, 100]],            # column 1 sums to 150: inconsistent
    [[33, 67], [33, 67], [33, 67]],            # unattainable at n=4
    [[100, 0], [60, 40], [10, 90]],
])
def test_nearest_table_matches_brute_force(printed: list[list[int]]) -> None:
    n, widths = 4, [1, 2]
    got = nearest_table(printed, n, widths).tolist()
    assert [sum(r) for r in got] == [n] * 3
    assert [sum(r[j] for r in got) for j in range(2)] == [n, 2 * n]
    best = min(_key(t, printed, n) for t in _all_tables(n, widths))
    assert _key(got, printed, n) == best


def test_consistent_small_table() -> None:
    report = audit_table([[67, 33], [33, 67]], n=3, bands=[(1, 1), (2, 2)])
    assert report.consistent and report.violations == ()
    assert report.feasible_counts[0] == ((2,), (1,))
    assert report.nearest.tolist() == [[2, 1], [1, 2]]
    assert report.changed_cells == []


def test_violations_name_cell_and_reason() -> None:
    # n = 4: 30% is not c/4 for any c; row 2 sums to 110; column 1 sums to 130.
    report = audit_table([[30, 70], [100, 10]], n=4, bands=[(1, 1), (2, 2)],
                         options=["x", "y"])
    kinds = {(v.kind, v.option, v.band) for v in report.violations}
    assert ("cell", "x", "1") in kinds and ("cell", "x", "2") in kinds
    assert ("cell", "y", "2") in kinds
    assert ("row", "y", None) in kinds
    assert ("column", None, "1") in kinds
    assert not report.consistent


def test_precision_and_feasible_counts() -> None:
    # 76.9% of 13 = 10/13 (76.92); 43.8% of 16 = 7/16 (43.75).
    report = audit_table([[76.9, 23.1], [23.1, 76.9]], n=13, bands=[(1, 1), (2, 2)],
                         precision=1)
    assert report.feasible_counts[0] == ((10,), (3,))
    assert report.consistent


def test_bands_must_cover_all_positions() -> None:
    with pytest.raises(LandscapeError) as err:
        audit_table([[50, 50], [50, 50], [0, 100]], n=2, bands=[(1, 1), (2, 2)])
    assert err.value.issues[0].code == "A111"


def test_table_2_is_consistent_and_table_1_is_not() -> None:
    tables = load_tables()
    t2 = audit_table(tables["table_2_researcher"])
    assert t2.consistent and t2.changed_cells == []
    assert t2.nearest[:, 0].tolist() == [10, 10, 8, 6, 6, 5, 4, 2, 0]
    t1 = audit_table(tables["table_1_local_government"])
    assert not t1.consistent
    by_kind: dict[str, list[str]] = {}
    for v in t1.violations:
        by_kind.setdefault(v.kind, []).append(v.band or v.option or "")
    # Independent check of the column finding: printed band sums.
    sums = [sum(int(r.pct[j]) for r in tables["table_1_local_government"].rows)
            for j in range(3)]
    assert sums == [341, 305, 254]
    assert sorted(by_kind["column"]) == ["1-3", "4-6", "7-9"]
    assert by_kind["row"] == ["support_from_research_institutions"]   # 35+38+29 = 102
    assert len(by_kind["cell"]) == 14
    assert any(v.kind == "duplicate" and v.severity == "warning" for v in t1.violations)
    assert t1.nearest.sum(axis=0).tolist() == [105, 105, 105]
    assert t1.nearest.sum(axis=1).tolist() == [35] * 9


def test_cli_audit_text_json_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    reference = Path(__file__).resolve().parents[1] / "reference" / "published_2022.yaml"
    result = runner.invoke(main, ["audit-table", str(reference),
                                  "--table", "table_1_local_government"])
    assert result.exit_code == 0, result.output
    assert "Consistent with complete strict rankings: NO" in result.output
    assert "sums to 341%" in result.output
    result = runner.invoke(main, ["audit-table", "--table", "table_2_researcher",
                                  "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["consistent"] is True
    result = runner.invoke(main, ["audit-table", "--table", "table_9"])
    assert result.exit_code == 2 and "A113" in result.output and no_traceback(result)
    bad = tmp_path / "bad.yaml"
    bad.write_text("priority_tables:\n  bands: ['1-3']\n  t:\n    n: 5\n    rows:\n"
                   "      - option: x\n        pct: [50, 50]\n", encoding="utf-8")
    result = runner.invoke(main, ["audit-table", str(bad), "--table", "t"])
    assert result.exit_code == 2
    assert "A112" in result.output and f"{bad}:6" in result.output


def test_published_table_names() -> None:
    with pytest.raises(LandscapeError) as err:
        published_table("nope")
    assert "table_1_local_government" in str(err.value)


@pytest.mark.parametrize("rounding", ["half-up", "half-even", "down", "up"])
def test_tables_printed_from_real_rankings_pass_under_every_rounding(rounding: str) -> None:
    """Independent check of the row/column windows: print band tables from actual complete
    rankings with each rounding rule, and the audit must find no error in any of them."""
    import numpy as np

    from survey.ranking.audit import audit_table
    from survey.ranking.bands import round_percent

    rng = np.random.default_rng(7)
    bands = ((1, 2), (3, 4), (5, 6))
    for _ in range(15):
        n = int(rng.integers(3, 30))
        orders = np.argsort(rng.random((n, 6)), axis=1)  # orders[r, pos] = option
        counts = np.zeros((6, 3), dtype=int)
        for row in orders:
            for pos, option in enumerate(row):
                counts[option, pos // 2] += 1
        printed = [[round_percent(int(c), n, 0, rounding) for c in row] for row in counts]
        report = audit_table(printed, n=n, bands=bands, rounding=rounding)
        assert report.consistent, (rounding, n, printed, [str(v) for v in report.violations])


def test_rounding_down_and_up_windows_point_the_right_way() -> None:
    from survey.ranking.audit import audit_table

    # 1/3 and 2/3 rounded down print 33 and 66 (sum 99 <= 100); up, 34 and 67 (sum 101).
    assert audit_table([[33, 66], [66, 33]], n=3, bands=((1, 1), (2, 2)),
                       rounding="down").consistent
    assert audit_table([[34, 67], [67, 34]], n=3, bands=((1, 1), (2, 2)),
                       rounding="up").consistent
    # The other way round is impossible: rounding down can never sum above the total.
    assert not audit_table([[34, 67], [67, 34]], n=3, bands=((1, 1), (2, 2)),
                           rounding="down").consistent
