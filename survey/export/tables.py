"""Band tables in the published layout, written as CSV, XLSX, DOCX or Markdown.

The layout itself (title, column titles, row order, notes, suppression) is made
once by :mod:`survey.export.layout`; this module only writes it.

Option labels, group names and notes are attacker input. Every writer treats
them as text: Markdown escapes them, CSV cells that a spreadsheet would run as
a formula (starting ``= + - @``, tab or carriage return) get a leading ``'``,
XLSX cells are stored as strings, never formulas, and control characters that
XML cannot hold are dropped.

DOCX is laid out for a UK report: an A4 page with 2 cm margins, each table exactly
the text width with fixed column widths (bands wide enough that their headers
wrap onto three lines at most, the option labels the rest; the page turns to
landscape only when the bands cannot fit), the caption kept with its table, rows
never split across pages and the header rows repeated on each page.

CSV is written as UTF-8 *with* a byte-order mark: without it Excel opens a CSV
in the legacy ANSI code page and mangles Welsh letters such as ŵ and ŷ.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from survey.errors import LandscapeError
from survey.export.charts import write_chart
from survey.export.disclosure import SUPPRESSED, DisclosurePolicy
from survey.export.layout import (
    CHART_FORMATS,
    TABLE_FORMATS,
    PublishedLayout,
    build_layouts,
    format_from_suffix,
)
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
from survey.files import atomic_write, defuse_cell
from survey.instrument.render import escape_markdown, markdown_table
from survey.ranking.bands import BandTable

__all__ = ["write_band_table", "write_layouts"]


def write_layouts(layouts: Sequence[PublishedLayout], path: Path | str, fmt: str) -> Path:
    """Write tables atomically as ``csv``, ``xlsx``, ``docx`` or ``md``.

    Several layouts go into one file: consecutive tables (DOCX, Markdown), one
    sheet each (XLSX), or a ``Group`` column (CSV).

    Raises
    ------
    LandscapeError
        ``X102`` for an unknown format, ``X101`` when the file cannot be
        written (nothing is left behind).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from survey.ranking.bands import band_table
    >>> table = band_table(pd.DataFrame({"a": [1, 2], "b": [2, 1]}, dtype="Int64"),
    ...                    bands=((1, 1), (2, 2)))
    >>> target = Path(tempfile.mkdtemp()) / "t.md"
    >>> _ = write_layouts(build_layouts(table, DisclosurePolicy()), target, "md")
    >>> target.read_text(encoding="utf-8").splitlines()[0]
    '**Table 1. All responses (n=2)**'
    """
    writers = {"csv": _write_csv, "xlsx": _write_xlsx, "docx": _write_docx, "md": _write_md}
    if fmt not in writers:
        raise LandscapeError.of("X102", f"'{fmt}' is not a table format; use one of "
                                f"{', '.join(TABLE_FORMATS)}")
    if not layouts:
        raise LandscapeError.of("X105", "no group has any respondents: nothing to export")
    writer = writers[fmt]
    return atomic_write(path, lambda temporary: writer(layouts, temporary))


def write_band_table(
    table: BandTable,
    path: Path | str,
    fmt: str | None = None,
    policy: DisclosurePolicy | None = None,
    **layout: Any,
) -> Path:
    """Lay out a band table and write it (format from the suffix when not given).

    ``layout`` keywords go to :func:`build_layouts` (title, group_labels, notes,
    reconstructed, first_number, column_titles). The default policy is the
    internal view.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from survey.ranking.bands import band_table
    >>> table = band_table(pd.DataFrame({"a": [1, 2], "b": [2, 1]}, dtype="Int64"))
    >>> path = write_band_table(table, Path(tempfile.mkdtemp()) / "t.csv")
    >>> path.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    chosen = fmt or format_from_suffix(path)
    layouts = build_layouts(table, policy or DisclosurePolicy(public=False), **layout)
    if chosen in CHART_FORMATS:
        return write_chart(layouts, path, chosen)
    return write_layouts(layouts, path, chosen)


# -- writers -----------------------------------------------------------------


def _write_csv(layouts: Sequence[PublishedLayout], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        # Tables of one export share their bands; only a "Not ranked" column may differ.
        widest = max(layouts, key=lambda layout: len(layout.column_titles))
        writer.writerow(["Table", "Group", "n", "Option",
                         *(defuse_cell(f"{t} (%)") for t in widest.column_titles)])
        for layout in layouts:
            for row in layout.rows:
                cells = [SUPPRESSED if v is None else v for v in row.cells]
                cells += [""] * (len(widest.column_titles) - len(cells))
                writer.writerow([layout.number, defuse_cell(layout.group_label), layout.shown_n,
                                 defuse_cell(row.label), *cells])
        for layout in layouts:
            writer.writerow([])
            writer.writerow([defuse_cell(layout.title)])
            writer.writerow([defuse_cell(layout.header)])
            for note in layout.notes:
                writer.writerow([defuse_cell(note)])


def _write_xlsx(layouts: Sequence[PublishedLayout], path: Path) -> None:
    # The writer's library is heavy; it loads only for this format.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    rule = Border(bottom=Side(style="thin"))
    names = sheet_names([layout.group_label for layout in layouts])
    for layout, name in zip(layouts, names, strict=True):
        sheet = book.create_sheet(title=name)
        width = 1 + len(layout.column_titles)

        def text(row: int, column: int, value: str, sheet: Any = sheet) -> Any:
            return xlsx_text(sheet, row, column, value)

        text(1, 1, layout.title).font = Font(bold=True, size=12)
        header = text(2, 2, layout.header)
        header.font = Font(italic=True)
        sheet.merge_cells(start_row=2, start_column=2, end_row=2, end_column=width)
        for column, title in enumerate(("Option", *layout.column_titles), start=1):
            cell = text(3, column, title)
            cell.font = bold
            cell.border = rule
            cell.alignment = Alignment(wrap_text=True, vertical="bottom",
                                       horizontal="left" if column == 1 else "right")
        for r, row in enumerate(layout.rows, start=4):
            text(r, 1, row.label).alignment = Alignment(wrap_text=True, vertical="top")
            for column, value in enumerate(row.cells, start=2):
                if value is None:
                    cell = text(r, column, SUPPRESSED)
                else:
                    cell = sheet.cell(row=r, column=column, value=value)
                    cell.number_format = '0"%"'
                cell.alignment = Alignment(horizontal="right", vertical="top")
        note_row = 4 + len(layout.rows) + 1
        for offset, note in enumerate(layout.notes):
            text(note_row + offset, 1, note).font = Font(italic=True, size=9)
        longest = max((len(r.label) for r in layout.rows), default=10)
        label_width = max(20, min(70, longest + 2))
        sheet.column_dimensions["A"].width = label_width
        for column in range(2, width + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 20
        # Spreadsheets do not grow a row for wrapped text written by a program: give each
        # wrapped row the height of its lines (about 15 points a line).
        sheet.row_dimensions[3].height = 15 * 3
        for r, row in enumerate(layout.rows, start=4):
            sheet.row_dimensions[r].height = 15 * max(1, math.ceil(len(row.label) / label_width))
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.freeze_panes = "B4"
    book.properties.title = layouts[0].title
    book.save(path)


def _write_docx(layouts: Sequence[PublishedLayout], path: Path) -> None:
    # The writer's library is heavy; it loads only for this format.
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    text_width = docx_page(document, max(len(layout.column_titles) for layout in layouts))
    for index, layout in enumerate(layouts):
        if index:
            document.add_paragraph()
        caption = document.add_paragraph(layout.title, style="Caption")
        caption.paragraph_format.keep_with_next = True  # never a caption alone at a page foot
        columns = 1 + len(layout.column_titles)
        grid = document.add_table(rows=2 + len(layout.rows), cols=columns)
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        spanning = grid.cell(0, 1).merge(grid.cell(0, columns - 1)) if columns > 2 \
            else grid.cell(0, 1)
        spanning.text = layout.header
        titles = ("Option", *layout.column_titles)
        for column, title in enumerate(titles):
            grid.cell(1, column).text = title
        for r, row in enumerate(layout.rows, start=2):
            grid.cell(r, 0).text = row.label
            for column, value in enumerate(row.cells, start=1):
                cell = grid.cell(r, column)
                cell.text = layout.cell_text(value)
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for r, table_row in enumerate(grid.rows):
            header = r < 2
            # The caption, the header rows and the first option stay on one page.
            docx_row_flags(table_row, header=header, keep_with_next=r < 2)
            for cell in table_row.cells:
                for run in (run for p in cell.paragraphs for run in p.runs):
                    run.bold = header
                    run.font.size = Pt(DOCX_HEADER_PT if header else DOCX_BODY_PT)
        # Fixed widths inside the margins: the option labels get what the bands leave.
        docx_column_widths(grid, docx_widths(text_width, columns - 1))
        for note in layout.notes:
            paragraph = document.add_paragraph()
            run = paragraph.add_run(note)
            run.font.size = Pt(9)
            run.italic = True
    document.core_properties.title = layouts[0].title
    document.save(str(path))


def _write_md(layouts: Sequence[PublishedLayout], path: Path) -> None:
    blocks = []
    for layout in layouts:
        lines = [f"**{escape_markdown(layout.title)}**", "", escape_markdown(layout.header), "",
                 *markdown_table(["Option", *layout.column_titles],
                                 ([row.label, *map(layout.cell_text, row.cells)]
                                  for row in layout.rows)),
                 ""]
        lines.extend(f"{escape_markdown(note)}\n" for note in layout.notes)
        blocks.append("\n".join(lines).rstrip("\n"))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8", newline="\n")
