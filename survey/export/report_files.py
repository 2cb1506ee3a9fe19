"""Report tables and charts as files: the one writer behind every download and CLI export.

Every :class:`~survey.export.report.Report` of
:data:`survey.export.report_catalogue.REPORTS` is written here, by ``landscape
export report NAME`` and by the explorer's Downloads page alike, so the same
arguments give the same bytes:

* :func:`write_report_tables` writes a list of
  :class:`~survey.export.report.ReportTable` as CSV, XLSX, DOCX or Markdown;
* :func:`write_figure` (from :mod:`survey.export.charts`) writes a report's
  figure as HTML (plotly.js inline, offline) or PNG/SVG (the system Chromium);
* :func:`write_report` builds a report for a store and writes whichever the
  format asks for.

Titles, column titles, labels and notes are attacker input. CSV and XLSX cells
pass :func:`survey.files.defuse_cell` (no spreadsheet formulas; XLSX cells are
stored as strings, never formulas), Markdown passes
:func:`survey.instrument.render.escape_markdown`, and DOCX holds plain text runs.
A suppressed cell (``None``) is written ``[c]``; numbers stay numbers in XLSX.

CSV is written as UTF-8 *with* a byte-order mark (as the band tables are):
without it Excel opens a CSV in the legacy ANSI code page and mangles Welsh
letters such as ŵ and ŷ. Several tables go into one CSV one after the other,
each under its title, with its notes, separated by an empty row.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from survey.errors import LandscapeError
from survey.export.charts import write_figure
from survey.export.disclosure import DisclosurePolicy
from survey.export.layout import CHART_FORMATS, TABLE_FORMATS
from survey.export.office import (
    DOCX_BODY_PT,
    DOCX_HEADER_PT,
    docx_column_widths,
    docx_page,
    docx_row_flags,
    docx_widths,
    sheet_names,
    xlsx_text,
)
from survey.export.report import Cell, Report, ReportTable
from survey.files import atomic_write, defuse_cell
from survey.instrument.render import escape_markdown, markdown_table
from survey.store.engine import Store

__all__ = ["write_figure", "write_report", "write_report_tables"]


def write_report_tables(tables: Sequence[ReportTable], path: Path | str, fmt: str) -> Path:
    """Write report tables atomically as ``csv``, ``xlsx``, ``docx`` or ``md``.

    Raises
    ------
    LandscapeError
        ``X102`` for an unknown format, ``X105`` when there is no table, ``X101``
        when the file cannot be written (nothing is left behind).

    Examples
    --------
    >>> import tempfile
    >>> table = ReportTable("Who *answered*", ("Group", "n"), (("Wales", 3), ("=1+1", None)),
    ...                     ("A note.",))
    >>> target = Path(tempfile.mkdtemp()) / "t.md"
    >>> print(write_report_tables([table], target, "md").read_text(encoding="utf-8"))
    **Who \\*answered\\***
    <BLANKLINE>
    | Group | n |
    |---|---:|
    | Wales | 3 |
    | \\=1+1 | \\[c\\] |
    <BLANKLINE>
    A note.
    <BLANKLINE>
    """
    writers = {"csv": _write_csv, "xlsx": _write_xlsx, "docx": _write_docx, "md": _write_md}
    if fmt not in writers:
        raise LandscapeError.of("X102", f"'{fmt}' is not a table format; use one of "
                                f"{', '.join(TABLE_FORMATS)}")
    if not tables:
        raise LandscapeError.of("X105", "the report has no table: nothing to export")
    writer = writers[fmt]
    return atomic_write(path, lambda temporary: writer(tables, temporary))


def write_report(report: Report, store: Store, path: Path | str, fmt: str, *,
                 by: str | None = None, policy: DisclosurePolicy | None = None,
                 reconstructed: bool = False) -> Path:
    """Build ``report`` from ``store`` and write its tables (table formats) or figure
    (chart formats): what ``landscape export report`` and the Downloads page both call.

    ``policy`` defaults to the internal view (nothing suppressed).

    Raises
    ------
    LandscapeError
        ``X102`` for an unknown format, or a chart format for a report without a
        chart; ``X105`` for a ``by`` the report does not accept; the report's own
        errors; those of :func:`write_report_tables` and :func:`write_figure`.
    """
    policy = policy or DisclosurePolicy(public=False)
    if by is not None and by not in report.groupings:
        accepted = ", ".join(report.groupings) or "none"
        raise LandscapeError.of("X105", f"the report '{report.name}' cannot be grouped by "
                                f"'{by}' (groupings it accepts: {accepted})")
    if fmt in CHART_FORMATS:
        if report.figure is None:
            raise LandscapeError.of("X102", f"the report '{report.name}' has no chart; use "
                                    f"one of {', '.join(TABLE_FORMATS)}")
        return write_figure(report.figure(store, by=by, policy=policy), path, fmt)
    if fmt not in TABLE_FORMATS:
        raise LandscapeError.of("X102", f"'{fmt}' is not an export format; use one of "
                                f"{', '.join((*TABLE_FORMATS, *CHART_FORMATS))}")
    tables = report.tables(store, by=by, policy=policy, reconstructed=reconstructed)
    return write_report_tables(tables, path, fmt)


# -- writers -----------------------------------------------------------------


def _text_cells(values: Sequence[Cell]) -> list[str | int | float]:
    """Cells for CSV: text defused, ``[c]`` for a suppressed one, numbers as they are."""
    return [ReportTable.cell_text(v) if v is None
            else defuse_cell(v) if isinstance(v, str) else v for v in values]


def _write_csv(tables: Sequence[ReportTable], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        for index, table in enumerate(tables):
            if index:
                writer.writerow([])
            writer.writerow([defuse_cell(table.title)])
            writer.writerow(_text_cells(table.columns))
            for row in table.rows:
                writer.writerow(_text_cells(row))
            for note in table.notes:
                writer.writerow([defuse_cell(note)])


def _write_xlsx(tables: Sequence[ReportTable], path: Path) -> None:
    # The writer's library is heavy; it loads only for this format.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    rule = Border(bottom=Side(style="thin"))
    for table, name in zip(tables, sheet_names([t.title for t in tables]), strict=True):
        sheet = book.create_sheet(title=name)
        xlsx_text(sheet, 1, 1, table.title).font = Font(bold=True, size=12)
        for column, title in enumerate(table.columns, start=1):
            cell = xlsx_text(sheet, 2, column, title)
            cell.font = Font(bold=True)
            cell.border = rule
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        for r, row in enumerate(table.rows, start=3):
            for column, value in enumerate(row, start=1):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    cell = xlsx_text(sheet, r, column, ReportTable.cell_text(value))
                else:
                    cell = sheet.cell(row=r, column=column, value=value)
                cell.alignment = Alignment(wrap_text=True, vertical="top",
                                           horizontal="left" if column == 1 else "right")
        for offset, note in enumerate(table.notes, start=4 + len(table.rows)):
            xlsx_text(sheet, offset, 1, note).font = Font(italic=True, size=9)
        longest = max((len(ReportTable.cell_text(row[0])) for row in table.rows), default=10)
        sheet.column_dimensions["A"].width = max(20, min(70, longest + 2))
        for column in range(2, len(table.columns) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 18
        sheet.freeze_panes = "B3"
    book.properties.title = tables[0].title
    book.save(path)


def _write_docx(tables: Sequence[ReportTable], path: Path) -> None:
    # The writer's library is heavy; it loads only for this format.
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    text_width = docx_page(document, max(len(t.columns) for t in tables) - 1)
    for index, table in enumerate(tables):
        if index:
            document.add_paragraph()
        caption = document.add_paragraph(table.title, style="Caption")
        caption.paragraph_format.keep_with_next = True  # never a caption alone at a page foot
        grid = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        for column, title in enumerate(table.columns):
            grid.cell(0, column).text = title
        for r, row in enumerate(table.rows, start=1):
            for column, value in enumerate(row):
                cell = grid.cell(r, column)
                cell.text = ReportTable.cell_text(value)
                if column:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for r, table_row in enumerate(grid.rows):
            header = r == 0
            # The caption, the header row and the first row stay on one page.
            docx_row_flags(table_row, header=header, keep_with_next=header)
            for cell in table_row.cells:
                for run in (run for p in cell.paragraphs for run in p.runs):
                    run.bold = header
                    run.font.size = Pt(DOCX_HEADER_PT if header else DOCX_BODY_PT)
        # Fixed widths inside the margins: the row labels get what the figures leave.
        docx_column_widths(grid, docx_widths(text_width, len(table.columns) - 1))
        for note in table.notes:
            run = document.add_paragraph().add_run(note)
            run.font.size = Pt(9)
            run.italic = True
    document.core_properties.title = tables[0].title
    document.save(str(path))


def _write_md(tables: Sequence[ReportTable], path: Path) -> None:
    blocks = []
    for table in tables:
        lines = [f"**{escape_markdown(table.title)}**", "",
                 *markdown_table(table.columns,
                                 ([ReportTable.cell_text(v) for v in row] for row in table.rows)),
                 ""]
        lines.extend(f"{escape_markdown(note)}\n" for note in table.notes)
        blocks.append("\n".join(lines).rstrip("\n"))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8", newline="\n")
