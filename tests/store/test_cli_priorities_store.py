"""`landscape priorities` and `landscape reproduce` reading a store loaded by `landscape demo`."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.ranking.bands import band_table
from survey.ranking.published import load_tables
from survey.ranking.reconstruct import demo_ranking_data
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.analysis import store_ranking_data, store_ranking_groups


@pytest.fixture
def demo_url(store_url: str) -> str:
    load_demo(store_url)
    return store_url


def _records(output: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    payload = json.loads(output)
    return {(r["group"], r["option"], r["band"]): r for r in payload["records"]}


def test_priorities_by_instrument_reproduces_table_2_exactly(demo_url: str) -> None:
    result = CliRunner().invoke(main, ["priorities", "--database", demo_url, "--by",
                                       "instrument", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["groups"] == {"local_government": 35, "researcher": 17}
    assert payload["data_status"] and "not the real responses" in payload["data_status"][0]
    records = _records(result.output)
    table2 = load_tables()["table_2_researcher"]
    for row in table2.rows:
        for band, pct in zip(("1-3", "4-6", "7-9"), row.pct, strict=True):
            cell = records[("researcher", str(row.code), band)]
            assert Fraction(int(cell["percent"])) == pct, (row.code, band)
            # The exact share is count/17, independently of the display rounding.
            assert cell["n"] == 17 and cell["share"] == pytest.approx(cell["count"] / 17)
    # Each group shows its own options: the mirrored codes differ for two options.
    lg_options = {o for g, o, _ in records if g == "local_government"}
    r_options = {o for g, o, _ in records if g == "researcher"}
    assert "support_from_research_institutions" in lg_options - r_options
    assert "support_from_policy_organisations" in r_options - lg_options
    assert len(lg_options) == len(r_options) == 9


def test_store_band_tables_equal_the_shipped_demo_files(demo_url: str) -> None:
    with Store.open(demo_url) as store:
        groups = store_ranking_groups(store)
    for instrument in ("local_government", "researcher"):
        from_store = band_table(groups[instrument]).counts
        from_file = band_table(demo_ranking_data(instrument)).counts
        assert from_store.tolist() == from_file.tolist()


def test_priorities_table_prints_both_tables_with_labels(demo_url: str) -> None:
    result = CliRunner().invoke(main, ["priorities", "--database", demo_url, "--by",
                                       "instrument"])
    assert result.exit_code == 0, result.output
    assert "local_government (n = 35)" in result.output
    assert "researcher (n = 17)" in result.output
    assert "Support from local policy organisations" in result.output
    assert "Support from research institutions" in result.output
    assert "not the real responses" in result.output


def test_where_and_by_filter_and_split(demo_url: str) -> None:
    with Store.open(demo_url) as store:
        wales = store_ranking_groups(store, where=["nation=Wales"], by="path")
        every = store_ranking_data(store, by="nation")
    # The demo puts 3 local-government respondents in Wales; researchers come from answers.
    lg_wales = sum(len(d.ranks) for k, d in wales.items() if k.startswith("local_government"))
    assert lg_wales == 3
    assert all(k.split(": ")[1] in ("partnership", "no_partnership") for k in wales)
    assert every.groups is not None
    counts = every.groups.value_counts().to_dict()
    assert sum(v for k, v in counts.items() if k.startswith("researcher")) == 17
    assert counts["local_government: england"] == 27
    assert len(every.options) == 11  # union of the two instruments' options


def test_instrument_filter_and_csv(demo_url: str) -> None:
    result = CliRunner().invoke(main, ["priorities", "--database", demo_url, "--instrument",
                                       "researcher@1.0.0", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("group,option,label,band,count,n")
    assert len(lines) == 1 + 9 * 3
    assert all(line.startswith("researcher,") for line in lines[1:])


@pytest.mark.parametrize(("args", "expected"), [
    (["--where", "colour=red"], "A171"),
    (["--where", "nation"], "A171"),
    (["--where", "nation=mars"], "A172"),
    (["--question", "nope"], "A172"),
    (["--instrument", "nobody"], "A172"),
    (["--layout", "ordered-list"], "A171"),
])
def test_bad_store_options_exit_2_with_a_message(demo_url: str, args: list[str],
                                                 expected: str) -> None:
    result = CliRunner().invoke(main, ["priorities", "--database", demo_url, *args])
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert no_traceback(result)


def test_empty_store_says_what_to_do(store_url: str) -> None:
    result = CliRunner().invoke(main, ["priorities", "--database", store_url])
    assert result.exit_code == 2
    assert "A172" in result.output and "landscape demo" in result.output


def test_reproduce_from_the_store_matches_every_exact_figure(demo_url: str) -> None:
    result = CliRunner().invoke(main, ["reproduce", "--database", demo_url])
    assert result.exit_code == 0, result.output
    assert "Source: the store" in result.output
    assert "not the real responses" in result.output
    assert "barrier_mentions.resources_capacity_or_funding.local_government_pct" in result.output
    assert "20 of 26" in result.output and "7 of 16" in result.output
    assert "frame: local_government sent to, Wales" in result.output
    assert "FAIL" not in result.output


def test_reproduce_from_files_includes_barriers_and_frame() -> None:
    result = CliRunner().invoke(main, ["reproduce"])
    assert result.exit_code == 0, result.output
    assert "Source: the shipped demo files" in result.output
    for figure in ("barrier_mentions.resources_capacity_or_funding.researcher_pct",
                   "frame: local_government sent to"):
        assert figure in result.output
    assert "10/13, 20/26" in result.output  # the answering denominators that give 76.9%


def test_priorities_csv_and_md_of_demo_data_are_labelled_in_the_file(demo_url: str,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "bands.csv"
    result = CliRunner().invoke(main, ["priorities", "--database", demo_url, "--format", "csv",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all("not the real responses" in r["data_status"] for r in rows)
    assert {r["group"] for r in rows} == {"local_government", "researcher"}
    md = tmp_path / "bands.md"
    result = CliRunner().invoke(main, ["priorities", "--database", demo_url, "--format", "md",
                                       "-o", str(md)])
    assert result.exit_code == 0, result.output
    last = md.read_text(encoding="utf-8").rstrip("\n").splitlines()[-1]
    assert last.startswith("*Data: ") and "not the real responses" in last


def test_priorities_xlsx_writes_both_published_tables(demo_url: str, tmp_path: Path) -> None:
    import openpyxl

    target = tmp_path / "t.xlsx"
    result = CliRunner().invoke(main, ["priorities", "--database", demo_url, "--format", "xlsx",
                                       "-o", str(target)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Local Government", "Researcher"]
    sheet = book["Researcher"]
    assert sheet["A1"].value == ("Table 2. Researcher responses re: data and evidence "
                                 "requirements (n=17)")
    rows = {sheet.cell(row=r, column=1).value: [sheet.cell(row=r, column=c).value
                                                for c in range(2, 5)] for r in range(4, 13)}
    # research_project_resources, as published in Table 2
    assert rows["Resources to pursue specific research projects that support local "
                "policymaking"] == [59, 24, 18]
    assert len(rows) == 9 and None not in rows
    notes = [sheet.cell(row=r, column=1).value for r in range(14, 18)]
    assert notes[0].startswith("Demo data: reconstructed")
    assert book["Local Government"]["A1"].value.startswith("Table 1. Local Government")


def test_priorities_docx_without_output_is_exit_2(demo_url: str) -> None:
    result = CliRunner().invoke(main, ["priorities", "--database", demo_url, "--format",
                                       "docx"])
    assert result.exit_code == 2
    assert "X105" in result.output and "-o" in result.output and no_traceback(result)
