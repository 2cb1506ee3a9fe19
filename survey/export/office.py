"""Shared pieces of the XLSX and DOCX writers: sheet names, text cells, the A4 page.

Both :mod:`survey.export.tables` (the band tables in the published layout) and
:mod:`survey.export.report_files` (every other report table) lay out their
spreadsheets and Word documents with these, so a sheet name, a defused text
cell or a DOCX page follows one rule wherever it is written.

DOCX is laid out for a UK report: an A4 page with 2 cm margins, each table exactly
the text width with fixed column widths (figure columns wide enough that their
headers wrap onto three lines at most, the label column the rest; the page turns
to landscape only when the columns cannot fit), rows never split across pages and
the header rows repeated on each page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from survey.files import defuse_cell

__all__ = [
    "DOCX_BAND_CM",
    "DOCX_BODY_PT",
    "DOCX_HEADER_PT",
    "DOCX_MARGIN_CM",
    "DOCX_MIN_BAND_CM",
    "DOCX_MIN_OPTION_CM",
    "DOCX_PAGE_CM",
    "docx_column_widths",
    "docx_page",
    "docx_row_flags",
    "docx_widths",
    "sheet_names",
    "xlsx_text",
]

#: DOCX page: A4 with 2 cm margins (UK reports). Portrait, unless the widest table needs
#: more than the portrait text width for its label column and figure columns.
DOCX_PAGE_CM = (21.0, 29.7)
DOCX_MARGIN_CM = 2.0
#: A figure column this wide holds "Seventh, eighth or ninth most important" on three lines
#: of :data:`DOCX_HEADER_PT` text; columns narrow to the minimum before the page turns.
DOCX_BAND_CM = 3.2
DOCX_MIN_BAND_CM = 2.6
DOCX_MIN_OPTION_CM = 5.0
DOCX_HEADER_PT = 8.5
DOCX_BODY_PT = 10


def sheet_names(labels: Sequence[str]) -> list[str]:
    """One Excel sheet name per label: no ``[]:*?/\\``, at most 28 characters, unique
    regardless of case (a repeat gets `` (2)``, `` (3)``...).

    Examples
    --------
    >>> sheet_names(["Wales: a/b", "wales: a/b", "", "x" * 40])
    ['Wales  a b', 'wales  a b (2)', 'Table', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    """
    names: list[str] = []
    for label in labels:
        base = re.sub(r"[\[\]:*?/\\]", " ", label).strip(" '")[:28] or "Table"
        name, i = base, 2
        while name.casefold() in (n.casefold() for n in names):
            name = f"{base[:27 - len(str(i))]} ({i})"
            i += 1
        names.append(name)
    return names


def xlsx_text(sheet: Any, row: int, column: int, value: str) -> Any:
    """Write ``value`` into an openpyxl sheet as text (never a formula); the cell.

    Defused as in the CSV (:func:`survey.files.defuse_cell`), so that editing the
    cell in a spreadsheet does not turn it into a live formula.
    """
    cell = sheet.cell(row=row, column=column)
    cell.value = defuse_cell(value)
    cell.data_type = "s"
    return cell


def docx_page(document: Any, widest: int) -> int:
    """Set A4 and the margins (landscape if a table with ``widest`` figure columns needs
    it); the text width in twips."""
    # The writer's library is heavy; it loads only for this format.
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Emu

    short, long = DOCX_PAGE_CM
    landscape = DOCX_MIN_OPTION_CM + widest * DOCX_MIN_BAND_CM > short - 2 * DOCX_MARGIN_CM
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Cm(long), Cm(short)) if landscape \
        else (Cm(short), Cm(long))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(DOCX_MARGIN_CM))
    return Emu(section.page_width - section.left_margin - section.right_margin).twips


def docx_widths(text_width: int, bands: int) -> list[int]:
    """Column widths in twips: the figure columns as wide as :data:`DOCX_BAND_CM` allows,
    the label column the rest, adding up to exactly ``text_width``."""
    # The writer's library is heavy; it loads only for this format.
    from docx.shared import Cm

    if bands == 0:
        return [text_width]
    band = min(Cm(DOCX_BAND_CM).twips, (text_width - Cm(DOCX_MIN_OPTION_CM).twips) // bands)
    return [text_width - band * bands] + [band] * bands


def _docx_table_width(grid: Any, width: int) -> None:
    """A fixed table layout ``width`` twips wide (what Word and LibreOffice both honour)."""
    # The writer's library is heavy; it loads only for this format.
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = grid._tbl.tblPr
    table_width = properties.find(qn("w:tblW"))
    if table_width is None:
        table_width = OxmlElement("w:tblW")
        properties.append(table_width)
    table_width.set(qn("w:type"), "dxa")
    table_width.set(qn("w:w"), str(width))


def docx_column_widths(grid: Any, widths: Sequence[int]) -> None:
    """Fix a DOCX table's columns at ``widths`` twips (merged cells span theirs)."""
    # The writer's library is heavy; it loads only for this format.
    from docx.shared import Twips

    grid.autofit = False
    _docx_table_width(grid, sum(widths))
    for grid_column, width in zip(grid.columns, widths, strict=True):  # for LibreOffice
        grid_column.width = Twips(width)
    for table_row in grid.rows:  # and each cell, for Word (a merged one spans several)
        column = 0
        for tc in table_row._tr.tc_lst:
            tc.width = Twips(sum(widths[column:column + tc.grid_span]))
            column += tc.grid_span


def docx_row_flags(row: Any, *, header: bool, keep_with_next: bool) -> None:
    """A row never split across pages; a header row repeated on every page."""
    # The writer's library is heavy; it loads only for this format.
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    flags = ["w:cantSplit"] + (["w:tblHeader"] if header else [])
    for name in flags:
        flag = OxmlElement(name)
        flag.set(qn("w:val"), "true")
        properties.append(flag)
    for cell in row.cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = keep_with_next
