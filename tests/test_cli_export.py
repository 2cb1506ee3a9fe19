"""``landscape export priorities`` as a user runs it."""

from __future__ import annotations

import csv
from pathlib import Path

import docx
import openpyxl
import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.ranking.published import published_table
from survey.reproduce.demo import load_demo


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store loaded by ``landscape demo`` (shared: the tests only read it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'demo.db'}"
    load_demo(url)
    return url


def run(*args: str):
    return CliRunner().invoke(main, ["export", "priorities", *args])


def test_demo_store_export_to_xlsx_has_both_published_tables(tmp_path: Path,
                                                             demo_url: str) -> None:
    target = tmp_path / "tables.xlsx"
    result = run("--database", demo_url, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "reconstructed to match published aggregates" in result.output
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Local Government", "Researcher"]
    sheet = book["Researcher"]
    assert sheet["A1"].value == ("Table 2. Researcher responses re: data and evidence "
                                 "requirements (n=17)")
    published = {row.option: [int(p) for p in row.pct]
                 for row in published_table("table_2_researcher").rows}
    got = {sheet.cell(row=r, column=1).value: [sheet.cell(row=r, column=c).value
                                               for c in range(2, 5)]
           for r in range(4, 13)}
    assert got == published
    notes = [sheet.cell(row=r, column=1).value for r in range(14, 18)]
    assert notes[0].startswith("Demo data: reconstructed")
    assert "No suppression applied (internal view): not for publication." in notes


def test_public_docx_suppresses_with_the_given_threshold(tmp_path: Path,
                                                         demo_url: str) -> None:
    target = tmp_path / "tables.docx"
    result = run("--database", demo_url, "-o", str(target), "--public", "--min-n", "3")
    assert result.exit_code == 0, result.output
    assert "public, suppression threshold 3" in result.output
    document = docx.Document(str(target))
    assert len(document.tables) == 2
    cells = [c.text for row in document.tables[1].rows[2:] for c in row.cells[1:]]
    assert "[c]" in cells
    assert any(p.text.startswith("Shares based on fewer than 3 respondents")
               for p in document.paragraphs)


def test_input_file_with_groups_to_csv(tmp_path: Path) -> None:
    source = tmp_path / "lime.csv"
    lines = ["id,team,rank_1,rank_2,rank_3"]
    lines += [f"r{i},north,a,b,c" for i in range(6)] + [f"s{i},south,c,a,b" for i in range(4)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    result = run("--input", str(source), "--layout", "option-per-rank", "--group-column",
                 "team", "--bands", "1,2,3", "-o", str(target), "--note", "Source: pilot")
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    body = [r for r in rows if r and r[0].isdigit()]
    north_a = next(r for r in body if r[1] == "north" and r[3] == "a")
    assert north_a[2:] == ["6", "a", "100", "0", "0"]
    flat = [cell for r in rows for cell in r]
    assert "Source: pilot" in flat
    assert not any("Demo data" in cell for cell in flat)


def test_input_labelled_reconstructed_is_labelled(tmp_path: Path) -> None:
    source = tmp_path / "demo.csv"
    source.write_text("respondent_id,data_status,ranking\nr1,synthetic test data,a b\n"
                      "r2,synthetic test data,b a\n", encoding="utf-8")
    target = tmp_path / "out.md"
    result = run("--input", str(source), "--layout", "ordered-list", "--list-column",
                 "ranking", "--bands", "1,2", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "Demo data: reconstructed" in target.read_text(encoding="utf-8")


def test_format_option_overrides_the_suffix(tmp_path: Path, demo_url: str) -> None:
    target = tmp_path / "report.txt"
    result = run("--database", demo_url, "-o", str(target), "--format", "md")
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("**Table 1. Local Government")


def test_html_chart(tmp_path: Path, demo_url: str) -> None:
    target = tmp_path / "chart.html"
    result = run("--database", demo_url, "-o", str(target), "--public")
    assert result.exit_code == 0, result.output
    assert "Suppressed ([c])" in target.read_text(encoding="utf-8")


def test_unknown_suffix_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    result = run("-o", str(tmp_path / "tables.pdf"))
    assert result.exit_code == 2
    assert "X102" in result.output and no_traceback(result)
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_choice_is_exit_2(tmp_path: Path) -> None:
    result = run("-o", str(tmp_path / "t.csv"), "--format", "pdf")
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_missing_output_directory_is_exit_2(tmp_path: Path) -> None:
    result = run("-o", str(tmp_path / "absent" / "t.xlsx"))
    assert result.exit_code == 2
    assert "X101" in result.output and "does not exist" in result.output
    assert list(tmp_path.iterdir()) == []


def test_min_n_without_public_is_refused(tmp_path: Path) -> None:
    result = run("-o", str(tmp_path / "t.csv"), "--min-n", "10")
    assert result.exit_code == 2 and "--public" in result.output
    assert list(tmp_path.iterdir()) == []


def test_store_split_by_field_gets_the_generic_title(tmp_path: Path, demo_url: str) -> None:
    target = tmp_path / "by_path.md"
    result = run("--database", demo_url, "--by", "path", "--instrument", "researcher",
                 "-o", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert "**Table 1. " in text and "re: data and evidence" not in text
    assert "Demo data: reconstructed" in text


def test_input_needs_layout_and_store_rejects_file_options(tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_text("id,a,b\nr1,1,2\n", encoding="utf-8")
    result = run("--input", str(source), "-o", str(tmp_path / "t.csv"))
    assert result.exit_code == 2 and "--layout" in result.output
    result = run("--group-column", "team", "-o", str(tmp_path / "t.csv"))
    assert result.exit_code == 2 and "--input" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_bad_input_file_is_exit_2_with_location(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("id,a,b\nr1,1,x\n", encoding="utf-8")
    result = run("--input", str(source), "--layout", "rank-per-option", "-o",
                 str(tmp_path / "t.csv"))
    assert result.exit_code == 2
    assert "bad.csv:2" in result.output and no_traceback(result)
    assert [p.name for p in tmp_path.iterdir()] == ["bad.csv"]
