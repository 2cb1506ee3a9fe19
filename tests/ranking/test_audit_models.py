"""Generating-model verdicts and the fewest wrong cells of the published tables."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_misprints import K, _brute_fewest, _cases

import survey.ranking.audit_models as audit_models_module
from survey.cli import main
from survey.ranking.audit_models import audit_models
from survey.ranking.misprints import SearchLimit, fewest_wrong
from survey.ranking.published import load_tables, shipped_path

BANDS = [(1, 2), (3, 4)]
TABLE_1 = "table_1_local_government"
TABLE_2 = "table_2_researcher"


def _table(name: str) -> list[list[Fraction]]:
    return load_tables()[name].pcts


@pytest.mark.parametrize("n", [3, 5])
def test_each_verdict_matches_brute_force(n: int) -> None:
    cases = _cases(n, (K,), "common", "half-up", count=3, seed=50 + n)
    cases.append([[50, 50], [50, 50], [0, 100], [0, 100]])
    cases.append([[60, 40], [60, 40], [40, 60], [20, 80]])  # two identical rows
    for printed in cases:
        result = audit_models(printed, n=n, bands=BANDS)
        got = {v.model: v.fewest for v in result.verdicts}
        assert got["complete"] == _brute_fewest(printed, n)
        assert got["per-option"] == _brute_fewest(printed, n, (1, 2, 3, 4), "per-option")
        assert got["top-k"] == min(_brute_fewest(printed, n, (k, K)) for k in (1, 2, 3))
        for rule in ("half-even", "down", "up"):
            assert got[f"rounding-{rule}"] == _brute_fewest(printed, n, rounding=rule)
        pairs = [(i, j) for i, j in itertools.permutations(range(K), 2)
                 if printed[i] == printed[j]]
        assert got["duplicated-row"] == (min(
            _brute_fewest(printed, n, free=((i, 0), (i, 1))) for i, _ in pairs)
            if pairs else None)
        transposed = [[list(r) for r in printed] for _ in range(K)]
        options = []
        for i in range(K):
            if printed[i][0] != printed[i][1]:
                transposed[i][i] = printed[i][::-1]
                options.append(_brute_fewest(transposed[i], n))
        assert got["transposed-row"] == (min(options) if options else None)


def test_table_2_needs_no_wrong_cell() -> None:
    result = audit_models(load_tables()[TABLE_2])
    assert result.stated.fewest == 0 and result.stated.can
    assert result.sentence().startswith("No printed cell need be wrong")


@pytest.mark.parametrize(("row", "band", "value"), [(8, 0, 3), (2, 1, 50)])
def test_one_altered_cell_of_table_2_is_found(row: int, band: int, value: int) -> None:
    # 3% and 50% are c/17 for no whole c: that cell must be wrong, and only it.
    printed = _table(TABLE_2)
    printed[row][band] = Fraction(value)
    result = fewest_wrong(printed, 17, [3, 3, 3])
    assert result.fewest == 1 and result.wrong == ((row, band),)
    audit = audit_models(printed, n=17, bands=[(1, 3), (4, 6), (7, 9)],
                         options=load_tables()[TABLE_2].codes)
    assert audit.stated.wrong == ((row, band),)
    assert "At least 1 of the 27 printed cells must be wrong" in audit.sentence()
    assert audit.to_dict()["fewest_wrong"]["wrong_cells"][0]["option"] == \
        load_tables()[TABLE_2].codes[row]


def test_table_1_result_is_pinned() -> None:
    table = load_tables()[TABLE_1]
    result = audit_models(table)
    assert result.stated.fewest == 15
    assert result.sentence() == (
        "At least 15 of the 27 printed cells must be wrong; no table that 35 complete "
        "rankings can give agrees with more than 27 - 15 = 12 of them.")
    # The 14 values that are c/35 for no whole c are in every smallest set.
    impossible = {(i, j) for i, row in enumerate(table.pcts) for j, p in enumerate(row)
                  if not any((200 * c + 35) // 70 == p for c in range(36))}  # half-up
    assert len(impossible) == 14 and impossible < set(result.stated.wrong)
    assert {v.model: v.fewest for v in result.verdicts} == {
        "complete": 15, "per-option": 7, "top-k": 15, "rounding-half-even": 15,
        "rounding-down": 16, "rounding-up": 13, "duplicated-row": 12, "transposed-row": 14}
    assert not any(v.can for v in result.verdicts)
    stated = result.stated.misprints
    assert stated is not None
    assert stated.counts.sum(axis=1).tolist() == [35] * 9
    assert stated.counts.sum(axis=0).tolist() == [105] * 3


def test_audit_table_cli_prints_both_parts() -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["audit-table", "--table", TABLE_1])
    assert text.exit_code == 0, text.output
    assert "At least 15 of the 27 printed cells must be wrong" in text.output
    assert "per-option bases" in text.output and "cannot: at least 7 of 27" in text.output
    # After today's findings, not instead of them.
    assert text.output.index("Nearest table") < text.output.index("The fewest cells")
    data = json.loads(runner.invoke(main, ["audit-table", "--table", TABLE_1,
                                           "--format", "json"]).output)
    assert data["fewest_wrong"]["fewest"] == 15 and data["fewest_wrong"]["most_kept"] == 12
    assert len(data["fewest_wrong"]["wrong_cells"]) == 15
    assert {m["model"]: m["can_print"] for m in data["models"]}["per-option"] is False
    assert "nearest" in data  # today's findings are still there
    two = json.loads(runner.invoke(main, ["audit-table", "--table", TABLE_2,
                                          "--format", "json"]).output)
    assert two["fewest_wrong"]["fewest"] == 0 and two["fewest_wrong"]["wrong_cells"] == []


def test_reproduce_summarises_table_1_in_one_line() -> None:
    result = CliRunner().invoke(main, ["reproduce"])
    lines = [line for line in result.output.splitlines()
             if "printed cells must be wrong" in line]
    assert len(lines) == 1 and lines[0].strip().startswith(TABLE_1)
    assert "at least 15 of 27" in lines[0] and "7 per-option" in lines[0]


def test_an_unsettled_search_is_reported_not_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    real = audit_models_module.fewest_wrong

    def limited(*args: object, **kwargs: object) -> object:
        if kwargs.get("base") == "per-option":
            raise SearchLimit("limit")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_models_module, "fewest_wrong", limited)
    result = audit_models([[61, 39], [40, 60], [0, 100], [0, 100]], n=9, bands=BANDS)
    verdict = {v.model: v for v in result.verdicts}["per-option"]
    assert verdict.fewest is None and verdict.can is None
    assert "not settled" in verdict.detail and "not settled" in result.to_text()


def test_audit_table_cli_names_the_one_altered_cell(tmp_path: Path) -> None:
    text = shipped_path().read_text(encoding="utf-8")
    assert text.count("pct: [0, 24, 76]") == 1
    altered = tmp_path / "altered.yaml"
    altered.write_text(text.replace("pct: [0, 24, 76]", "pct: [3, 24, 76]"), encoding="utf-8")
    result = CliRunner().invoke(main, ["audit-table", str(altered), "--table", TABLE_2])
    assert result.exit_code == 0, result.output
    assert "At least 1 of the 27 printed cells must be wrong" in result.output
    assert "analysis_tools (1-3): printed 3%, the table has 0/17" in result.output
