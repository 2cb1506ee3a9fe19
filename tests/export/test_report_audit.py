"""The published tables' audit as a report table, checked against the tables themselves."""

from __future__ import annotations

from fractions import Fraction

from survey.export.report_audit import audit_tables
from survey.percent import round_percent
from survey.ranking.published import load_tables


def test_each_published_table_is_printed_beside_a_feasible_nearest_table() -> None:
    tables = list(load_tables().values())
    reports = audit_tables()
    assert len(reports) == len(tables) == 2
    for published, report in zip(tables, reports, strict=True):
        assert f"(n={published.n})" in report.title
        counts = []
        for row, printed in zip(report.rows, published.rows, strict=True):
            assert row[0] == printed.option
            shown = row[1::2]
            nearest = row[2::2]
            assert [Fraction(s.rstrip("%")) for s in shown] == [
                Fraction(v) for v in printed.pct]
            row_counts = [int(c.split("(")[1].rstrip(")")) for c in nearest]
            # each nearest cell prints as the report would print its count
            for cell, count in zip(nearest, row_counts, strict=True):
                assert cell.split(" ")[0] == f"{int(round_percent(count, published.n))}%"
            assert sum(row_counts) == published.n  # every respondent in one band
            counts.append(row_counts)
        widths = [hi - lo + 1 for lo, hi in published.bands]
        assert [sum(c[b] for c in counts) for b in range(len(widths))] == [
            w * published.n for w in widths]  # complete rankings fill every position


def test_table_1_is_inconsistent_and_table_2_consistent() -> None:
    first, second = audit_tables()
    assert any("not c/35" in note for note in first.notes)
    assert second.notes[0].startswith("Every printed value is a share of 17")
