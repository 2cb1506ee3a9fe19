"""Report tables and figures written to files, read back with the formats' own readers.

Labels are attacker input: each format must give back the hostile label as inert
text (a spreadsheet formula defused with a leading ``'``, markup escaped or plain),
and a suppressed cell as ``[c]``.
"""

from __future__ import annotations

import csv
import doctest
import importlib
import io
from pathlib import Path

import docx
import openpyxl
import plotly.graph_objects as go
import pytest

from survey.errors import LandscapeError
from survey.export.charts import find_chromium
from survey.export.report import ReportTable
from survey.export.report_files import write_figure, write_report_tables

FORMULA = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script>"
BOLD = "**bold**"

TABLES = [
    ReportTable("Who answered (n=41)", ("Group", "Wales", "Share"),
                ((FORMULA, 12, "29% (16–45)"), (SCRIPT, None, "[c]"), (BOLD, 0, 0.5)),
                ("Shares based on fewer than 5 respondents are suppressed.", "=SUM(A1)")),
    ReportTable("Second table", ("Stage", "People"), (("Invited", 40),)),
]


@pytest.mark.parametrize("module", ["report_files", "office"])
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"survey.export.{module}"),
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_csv_reads_back_with_bom_and_defused_cells(tmp_path: Path) -> None:
    path = write_report_tables(TABLES, tmp_path / "r.csv", "csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Who answered (n=41)"]
    assert rows[1] == ["Group", "Wales", "Share"]
    assert rows[2] == ["'" + FORMULA, "12", "29% (16–45)"]
    assert rows[3] == [SCRIPT, "[c]", "[c]"]  # suppressed: [c]; markup is plain text
    assert rows[4] == [BOLD, "0", "0.5"]
    assert rows[5] == ["Shares based on fewer than 5 respondents are suppressed."]
    assert rows[6] == ["'=SUM(A1)"]
    assert rows[7] == [] and rows[8] == ["Second table"] and rows[10] == ["Invited", "40"]


def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(tmp_path: Path) -> None:
    path = write_report_tables(TABLES, tmp_path / "r.xlsx", "xlsx")
    book = openpyxl.load_workbook(path)
    assert len(book.worksheets) == 2
    sheet = book.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Who answered (n=41)" and sheet["A1"].font.bold
    assert values[1] == ["Group", "Wales", "Share"]
    assert all(sheet.cell(row=2, column=c).font.bold for c in (1, 2, 3))
    assert values[2] == ["'" + FORMULA, 12, "29% (16–45)"]
    assert values[3] == [SCRIPT, "[c]", "[c]"]
    assert values[4] == [BOLD, 0, 0.5]
    assert isinstance(values[2][1], int) and isinstance(values[4][2], float)
    # No cell is a formula, whatever the label.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    notes = [r[0] for r in values[5:] if r[0]]
    assert notes == ["Shares based on fewer than 5 respondents are suppressed.", "'=SUM(A1)"]
    assert [list(r) for r in book.worksheets[1].iter_rows(values_only=True)][2] == \
        ["Invited", 40]


def test_docx_has_a_titled_table_per_report_table(tmp_path: Path) -> None:
    path = write_report_tables(TABLES, tmp_path / "r.docx", "docx")
    document = docx.Document(str(path))
    assert len(document.tables) == 2
    grid = document.tables[0]
    cells = [[cell.text for cell in row.cells] for row in grid.rows]
    assert cells[0] == ["Group", "Wales", "Share"]
    assert all(run.bold for cell in grid.rows[0].cells for p in cell.paragraphs
               for run in p.runs)
    assert cells[1] == [FORMULA, "12", "29% (16–45)"]  # Word runs no formula: kept as typed
    assert cells[2] == [SCRIPT, "[c]", "[c]"]
    assert cells[3] == [BOLD, "0", "0.5"]
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[0] == "Who answered (n=41)"
    assert "Shares based on fewer than 5 respondents are suppressed." in texts
    assert "Second table" in texts


def test_markdown_escapes_every_label(tmp_path: Path) -> None:
    text = write_report_tables(TABLES, tmp_path / "r.md", "md").read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "**bold**" not in text and "\\*\\*bold\\*\\*" in text
    assert "\\[c\\]" in text  # the suppressed cell, escaped like any text
    assert text.startswith("**Who answered (n=41)**\n")
    assert "| Group | Wales | Share |" in text


def test_bad_format_and_no_table_are_coded_and_write_nothing(tmp_path: Path) -> None:
    with pytest.raises(LandscapeError) as bad:
        write_report_tables(TABLES, tmp_path / "r.pdf", "pdf")
    assert bad.value.issues[0].code == "X102"
    with pytest.raises(LandscapeError) as empty:
        write_report_tables([], tmp_path / "r.csv", "csv")
    assert empty.value.issues[0].code == "X105"
    assert list(tmp_path.iterdir()) == []


def _figure() -> go.Figure:
    figure = go.Figure(go.Bar(x=[3, 1], y=["a", "b"], orientation="h"))
    figure.update_layout(width=400, height=300)
    return figure


def test_html_figure_works_offline(tmp_path: Path) -> None:
    page = write_figure(_figure(), tmp_path / "f.html", "html").read_text(encoding="utf-8")
    assert "<script src=" not in page and "Plotly.newPlot" in page


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium to draw a PNG")
def test_png_figure_is_drawn_by_the_system_chromium(tmp_path: Path) -> None:
    data = write_figure(_figure(), tmp_path / "f.png", "png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_table_format_is_not_a_figure_format(tmp_path: Path) -> None:
    with pytest.raises(LandscapeError) as bad:
        write_figure(_figure(), tmp_path / "f.csv", "csv")
    assert bad.value.issues[0].code == "X102"
    assert not (tmp_path / "f.csv").exists()
