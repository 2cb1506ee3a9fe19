"""Reading a table file (CSV or XLSX) as rows of text: the one reader every importer uses.

One rule for every file a person hands the platform as a table (response
exports, ranking files): CSV is UTF-8 with or without a BOM, separated by ``,``
- or, when the header row has no comma, by ``;`` (Excel in many locales) or a
tab; ``.xlsx``/``.xlsm`` is a workbook (first sheet unless one is named).
Whole numbers stored as floats by spreadsheets read as ``12``, not ``12.0``.

Names and labels in a table are matched by :func:`match_key` (NFC, casefolded,
whitespace collapsed).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from survey.errors import LandscapeError, Location
from survey.text import control_name, first_control

__all__ = ["MAX_CSV_FIELD", "TableFile", "cell_outside", "match_key", "read_table"]

#: Suffixes read as workbooks; everything else is read as CSV.
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_NOT_READ = (".xls", ".ods", ".numbers")
#: The longest CSV cell read (characters): far above every length limit an importer
#: enforces (a free-text answer's 10,000 by default), so those limits speak first.
MAX_CSV_FIELD = 16 * 1024 * 1024


@lru_cache(maxsize=65536)
def match_key(text: str) -> str:
    """The key names and labels are matched by: NFC, casefolded, whitespace collapsed.

    Examples
    --------
    >>> match_key("  Ynys  MÔN ") == match_key("ynys môn")
    True
    """
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class TableFile:
    """A table file's SHA-256 and its rows as text (header first)."""

    sha256: str
    rows: list[list[str]]


def _fail(code: str, message: str, file: str, row: int | None = None) -> LandscapeError:
    return LandscapeError.of(code, message, Location(file=file, row=row))


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))  # spreadsheets keep whole numbers as floats
        return repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _read_xlsx(data: bytes, file: str, sheet: str | int | None, code: str) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise _fail(code, f"not a readable XLSX workbook ({type(exc).__name__}: {exc})",
                    file) from None
    try:
        names = book.sheetnames
        if isinstance(sheet, int) and not 0 <= sheet < len(names):
            raise _fail(code, f"no sheet number {sheet}; the workbook has {len(names)}", file)
        if isinstance(sheet, str) and sheet not in names:
            raise _fail(code, f"no sheet '{sheet}'; the sheets are: {', '.join(names)}", file)
        ws = book.worksheets[sheet] if isinstance(sheet, int) else \
            book[sheet] if sheet is not None else book.worksheets[0]
        return [[_xlsx_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _read_csv(data: bytes, file: str, code: str) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _fail(code, f"not UTF-8 text: byte 0x{data[exc.start]:02X} on line {line} "
                    f"(byte offset {exc.start}) cannot be decoded", file, row=line) from None
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        # Excel in many locales saves ';'-separated "CSV"; some tools export tabs.
        delimiter = next((d for d in (";", "\t") if d in first), ",")
    # The csv module refuses a field over 128 KiB (its default) as malformed; raised so
    # that a long cell reaches the importer's own length rule, which names its limit.
    csv.field_size_limit(MAX_CSV_FIELD)
    rows: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                 strict=True):
            rows.append(record)
    except csv.Error as exc:
        # The row is the record's (a quoted cell may span several lines); the cell is
        # not echoed (it may be personal).
        detail = (f"a cell longer than {MAX_CSV_FIELD:,} characters"
                  if "field larger than field limit" in str(exc) else str(exc))
        raise _fail(code, f"malformed CSV: {detail} in row {len(rows) + 1}", file,
                    row=len(rows) + 1) from None
    return rows


def _refuse_controls(rows: list[list[str]], file: str, code: str) -> None:
    """Raise ``code`` naming row:column of the first cell holding a refused control
    character (:mod:`survey.text`); the cell's text is not echoed (it may be personal)."""
    for number, row in enumerate(rows, start=1):
        for column, cell in enumerate(row, start=1):
            position = first_control(cell)
            if position is not None:
                raise LandscapeError.of(
                    code, f"the cell holds the control character {control_name(cell)} at "
                    f"position {position}; text may hold tabs and line breaks only",
                    Location(file=file, row=number, column=str(column)))


def cell_outside(rows: Sequence[Sequence[str]]) -> tuple[int, int] | None:
    """The ``(row, column)`` (1-based) of the first value no header names, or None.

    A value is outside the columns when it lies beyond the header's last cell or
    under a blank header cell: a reader that keyed rows by the header would drop
    it without a word. Blank cells (a trailing comma) are not values.

    Examples
    --------
    >>> cell_outside([["id", "a"], ["r1", "1", ""], ["r2", "2", "3"]])
    (3, 3)
    >>> cell_outside([["id", "", "a"], ["r1", "", "1"]]) is None
    True
    """
    header = [name.strip() for name in rows[0]] if rows else []
    for number, cells in enumerate(rows[1:], start=2):
        for column, cell in enumerate(cells, start=1):
            if cell.strip() and (column > len(header) or not header[column - 1]):
                return number, column
    return None


def read_table(path: Path | str, sheet: str | int | None = None, *,
               unreadable: str = "R101", empty: str = "R102") -> TableFile:
    """The file's SHA-256 and its rows as text (header first, trailing blank rows dropped).

    ``sheet`` names (or numbers, from 0) the workbook sheet. ``unreadable`` and
    ``empty`` are the catalogue codes the caller reports problems under.

    Raises
    ------
    LandscapeError
        ``unreadable`` (missing, unreadable, not UTF-8, malformed, a cell holding
        a control character other than tab or line break) or ``empty``.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes("\\ufeffcode;organisation\\n1;Ynys Môn\\n".encode("utf-8"))
    >>> read_table(p).rows
    [['code', 'organisation'], ['1', 'Ynys Môn']]
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise _fail(unreadable, "no such file", file)
    suffix = path.suffix.lower()
    if suffix in _NOT_READ:
        raise _fail(unreadable, f"'{suffix}' files are not read", file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(unreadable, f"cannot read it: {exc.strerror}", file) from None
    rows = (_read_xlsx(data, file, sheet, unreadable) if suffix in XLSX_SUFFIXES
            else _read_csv(data, file, unreadable))
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    _refuse_controls(rows, file, unreadable)
    if not rows:
        raise _fail(empty, "the file is empty", file)
    return TableFile(hashlib.sha256(data).hexdigest(), rows)
