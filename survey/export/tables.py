"""Band tables in the published layout, written as CSV, XLSX, DOCX or Markdown.

The layout follows the 2022 report's Tables 1 and 2: a numbered title with the
group and ``n``, the header "% of respondents ranking the option by
preference", one column per band ("First, second or third most important",
...), whole percentages rounded half-up, and notes underneath on ``n``, on
disclosure control (always: what was suppressed, or that nothing was) and, for
the demo data, that it is reconstructed.

Rows are ordered as the report orders them: by the first band's share,
largest first; ties keep the question's option order (the report's own ties,
51/23/27 before 51/39/9, are not broken by the second band). In a public table
only the values *shown* decide the order, a suppressed cell counting as lowest,
so the order cannot reveal a suppressed value.

Option labels, group names and notes are attacker input. Every writer treats
them as text: Markdown escapes them, CSV cells that a spreadsheet would run as
a formula (starting ``= + - @``, tab or carriage return) get a leading ``'``,
XLSX cells are stored as strings, never formulas, and control characters that
XML cannot hold are dropped.

CSV is written as UTF-8 *with* a byte-order mark: without it Excel opens a CSV
in the legacy ANSI code page and mangles Welsh letters such as ŵ and ŷ.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from survey.errors import LandscapeError
from survey.export.disclosure import SUPPRESSED, DisclosurePolicy, ProtectedTable, protect
from survey.files import atomic_write, defuse_cell
from survey.instrument.render import escape_markdown
from survey.ranking.bands import BandTable, RankingData, band_table

__all__ = [
    "CHART_FORMATS",
    "DEFAULT_TITLE",
    "HEADER",
    "TABLE_FORMATS",
    "LayoutRow",
    "PublishedLayout",
    "band_titles",
    "build_layouts",
    "format_from_suffix",
    "priority_layouts",
    "write_band_table",
    "write_layouts",
]

#: Formats written by :func:`write_layouts`.
TABLE_FORMATS = ("csv", "xlsx", "docx", "md")
#: Formats written by :func:`survey.export.charts.write_chart`.
CHART_FORMATS = ("html", "png", "svg")

#: The title template: ``{number}``, ``{group}`` and ``{n}`` are filled in.
DEFAULT_TITLE = "Table {number}. {group} responses (n={n})"
HEADER = "% of respondents ranking the option by preference"
RECONSTRUCTED_NOTE = ("Demo data: reconstructed to match published aggregates, not the real "
                      "responses.")
UNRANKED_TITLE = "Not ranked"
#: The report's own title for the evidence-priorities tables (Tables 1 and 2).
PUBLISHED_TITLE = ("Table {number}. {group} responses re: data and evidence requirements "
                   "(n={n})")
#: Instrument group -> the name the report's table titles use.
PUBLISHED_GROUP_NAMES: Mapping[str, str] = {"local_government": "Local Government",
                                            "researcher": "Researcher"}
_PUBLISHED_QUESTION = "evidence_priorities"

_SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".docx": "docx", ".md": "md", ".markdown": "md",
             ".html": "html", ".htm": "html", ".png": "png", ".svg": "svg"}
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth", "eleventh", "twelfth")
# C0/C1 controls other than tab and newline, and the XML non-characters.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass(frozen=True)
class LayoutRow:
    """One option: its code, label and displayed whole percents (None = suppressed)."""

    code: str
    label: str
    cells: tuple[int | None, ...]


@dataclass(frozen=True)
class PublishedLayout:
    """One table as it will be printed.

    Attributes
    ----------
    number
        Table number in the document.
    group, group_label
        The group key and its display name.
    title
        The filled-in title, e.g. ``Table 2. Researcher responses (n=17)``.
    n
        Respondents who answered.
    column_titles
        One per band (plus "Not ranked" when shown).
    rows
        Options in display order.
    notes
        Sentences printed under the table (the disclosure statement included).
    """

    number: int
    group: str
    group_label: str
    title: str
    n: int
    column_titles: tuple[str, ...]
    rows: tuple[LayoutRow, ...]
    notes: tuple[str, ...]
    header: str = HEADER

    @staticmethod
    def cell_text(value: int | None) -> str:
        """``51%``, or ``[c]`` for a suppressed cell."""
        return SUPPRESSED if value is None else f"{value}%"

    def percents(self) -> dict[str, tuple[int | None, ...]]:
        """Option code -> displayed percents (None = suppressed)."""
        return {row.code: row.cells for row in self.rows}


def band_titles(bands: Sequence[tuple[int, int]]) -> tuple[str, ...]:
    """Column titles in the report's words.

    Examples
    --------
    >>> band_titles(((1, 3), (4, 6), (7, 9)))[0]
    'First, second or third most important'
    >>> band_titles(((1, 1), (2, 2), (3, 20)))
    ('Most important', 'Second most important', 'Ranked 3rd to 20th')
    """
    titles = []
    for lo, hi in bands:
        if hi > len(_ORDINALS) or hi - lo >= 3:
            titles.append(f"Ranked {_ordinal_number(lo)} to {_ordinal_number(hi)}")
            continue
        words = list(_ORDINALS[lo - 1:hi])
        if words == ["first"]:
            titles.append("Most important")
            continue
        text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        titles.append(text[0].upper() + text[1:] + " most important")
    return tuple(titles)


def _ordinal_number(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"


def _clean(text: object) -> str:
    """Attacker text made safe to store: no control characters, whitespace folded."""
    return " ".join(_UNSAFE_CHARS.sub("", str(text)).split())


def build_layouts(
    table: BandTable,
    policy: DisclosurePolicy,
    *,
    title: str = DEFAULT_TITLE,
    group_labels: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    reconstructed: bool = False,
    first_number: int = 1,
    column_titles: Sequence[str] | None = None,
) -> list[PublishedLayout]:
    """One :class:`PublishedLayout` per group with respondents, after disclosure control.

    Parameters
    ----------
    table
        Band counts (:func:`survey.ranking.bands.band_table`).
    policy
        Public (suppressing) or internal.
    title
        Template with ``{number}``, ``{group}`` and ``{n}`` placeholders.
    group_labels
        Group key -> display name (default: the key; ``all`` shows as ``All``).
    notes
        Extra sentences printed under every table.
    reconstructed
        The data is reconstructed/synthetic: every table says so first.
    first_number
        Number of the first table.
    column_titles
        Band column titles (default :func:`band_titles`).

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.ranking.bands import band_table
    >>> ranks = pd.DataFrame({"a": [1, 2, 1], "b": [2, 1, 2]}, dtype="Int64")
    >>> table = band_table(ranks, bands=((1, 1), (2, 2)), labels={"a": "Alpha"})
    >>> layout = build_layouts(table, DisclosurePolicy())[0]
    >>> layout.title, [(r.label, r.cells) for r in layout.rows]
    ('Table 1. All responses (n=3)', [('Alpha', (67, 33)), ('b', (33, 67))])
    """
    protected = protect(table, policy)
    titles = tuple(column_titles) if column_titles is not None else band_titles(table.bands)
    if len(titles) != len(table.bands):
        raise ValueError("give one column title per band")
    if protected.shows_unranked:
        titles += (UNRANKED_TITLE,)
    layouts = []
    number = first_number
    for g in protected.groups():
        key = table.groups[g]
        default = "All" if key == "all" else key
        group_label = _clean((group_labels or {}).get(key, default))
        n = int(table.n[g])
        filled = (title.replace("{number}", str(number)).replace("{group}", group_label)
                  .replace("{n}", str(n)))
        layouts.append(PublishedLayout(
            number=number, group=key, group_label=group_label, title=_clean(filled), n=n,
            column_titles=titles, rows=_ordered_rows(protected, g),
            notes=_notes(protected, n, reconstructed, notes)))
        number += 1
    return layouts


def priority_layouts(
    groups: Mapping[str, RankingData],
    policy: DisclosurePolicy,
    *,
    bands: Sequence[tuple[int, int]],
    title: str | None = None,
    notes: Sequence[str] = (),
    reconstructed: bool = False,
) -> list[PublishedLayout]:
    """Published-layout tables for rankings split into groups: one band table per group.

    Each group keeps its own options and labels (instruments differ), and the
    tables are numbered consecutively in the groups' order. The store's
    instrument groups are named as the 2022 report names them ("Local
    Government", "Researcher"); other groups by their key.

    Parameters
    ----------
    groups
        Group name -> rankings, e.g. from
        :func:`survey.store.analysis.store_ranking_groups`.
    policy
        Public (suppressing) or internal.
    bands
        Rank bands, e.g. ``((1, 3), (4, 6), (7, 9))``.
    title
        Template with ``{number}``, ``{group}`` and ``{n}``; default the report's
        own title when every group is an instrument answering its evidence
        priorities question, otherwise :data:`DEFAULT_TITLE`.
    notes
        Extra sentences printed under every table.
    reconstructed
        The data is reconstructed/synthetic: every table says so first.

    Examples
    --------
    >>> from survey.ranking.reconstruct import demo_ranking_data
    >>> groups = {name: demo_ranking_data(name) for name in ("local_government", "researcher")}
    >>> layouts = priority_layouts(groups, DisclosurePolicy(public=False),
    ...                            bands=((1, 3), (4, 6), (7, 9)), reconstructed=True)
    >>> layouts[1].title
    'Table 2. Researcher responses re: data and evidence requirements (n=17)'
    >>> layouts[1].percents()["research_project_resources"]
    (59, 24, 18)
    """
    if title is None:
        published = all(name in PUBLISHED_GROUP_NAMES and data.question == _PUBLISHED_QUESTION
                         for name, data in groups.items())
        title = PUBLISHED_TITLE if published else DEFAULT_TITLE
    layouts: list[PublishedLayout] = []
    for name, data in groups.items():
        table = band_table(data, bands=bands, by=[name] * len(data.ranks))
        known = {name: PUBLISHED_GROUP_NAMES[name]} if name in PUBLISHED_GROUP_NAMES else None
        layouts += build_layouts(table, policy, title=title, group_labels=known,
                                 notes=notes, reconstructed=reconstructed,
                                 first_number=len(layouts) + 1)
    return layouts


def _ordered_rows(protected: ProtectedTable, g: int) -> tuple[LayoutRow, ...]:
    table = protected.table
    rows = []
    keys = []
    for o, code in enumerate(table.options):
        cells = tuple(protected.cell(g, o, c) for c in range(len(protected.columns)))
        rows.append(LayoutRow(code=code, label=_clean(table.labels.get(code, code)),
                              cells=cells))
        # Only what is shown orders the rows: a suppressed first band sorts lowest.
        first = -1 if cells[0] is None else int(protected.counts[g, o, 0])
        keys.append((-first, o))
    return tuple(rows[o] for _, o in sorted(keys))


def _notes(protected: ProtectedTable, n: int, reconstructed: bool, extra: Sequence[str]
           ) -> tuple[str, ...]:
    notes = [RECONSTRUCTED_NOTE] if reconstructed else []
    notes.append(f"n = {n} respondents who ranked at least one option. Percentages are of n, "
                 "rounded half-up to whole percent, so a row may not add to exactly 100.")
    if protected.shows_unranked:
        notes.append(f"{UNRANKED_TITLE}: respondents who answered but did not rank the option "
                     "(only the top positions were asked for).")
    notes.append(protected.statement())
    notes.extend(_clean(note) for note in extra if _clean(note))
    return tuple(notes)


def format_from_suffix(path: Path | str) -> str:
    """The export format named by a file's suffix.

    Raises
    ------
    LandscapeError
        ``X102`` when the suffix names no known format.

    Examples
    --------
    >>> format_from_suffix("table.XLSX"), format_from_suffix("chart.htm")
    ('xlsx', 'html')
    """
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise LandscapeError.of(
            "X102", f"cannot tell the format from '{Path(path).name}'; give --format or end "
            f"the file name in one of {', '.join(sorted(_SUFFIXES))}")
    return _SUFFIXES[suffix]


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
        from survey.export.charts import write_chart

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
                writer.writerow([layout.number, defuse_cell(layout.group_label), layout.n,
                                 defuse_cell(row.label), *cells])
        for layout in layouts:
            writer.writerow([])
            writer.writerow([defuse_cell(layout.title)])
            writer.writerow([defuse_cell(layout.header)])
            for note in layout.notes:
                writer.writerow([defuse_cell(note)])


def _sheet_names(layouts: Sequence[PublishedLayout]) -> list[str]:
    names: list[str] = []
    for layout in layouts:
        base = re.sub(r"[\[\]:*?/\\]", " ", layout.group_label).strip(" '")[:28] or "Table"
        name, i = base, 2
        while name.casefold() in (n.casefold() for n in names):
            name = f"{base[:27 - len(str(i))]} ({i})"
            i += 1
        names.append(name)
    return names


def _write_xlsx(layouts: Sequence[PublishedLayout], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    rule = Border(bottom=Side(style="thin"))
    for layout, name in zip(layouts, _sheet_names(layouts), strict=True):
        sheet = book.create_sheet(title=name)
        width = 1 + len(layout.column_titles)

        def text(row: int, column: int, value: str, sheet: Any = sheet) -> Any:
            cell = sheet.cell(row=row, column=column)
            # Stored as text (never a formula) and defused as in the CSV, so that
            # editing the cell in a spreadsheet does not turn it into a live formula.
            cell.value = defuse_cell(value)
            cell.data_type = "s"
            return cell

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
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    for index, layout in enumerate(layouts):
        if index:
            document.add_paragraph()
        document.add_paragraph(layout.title, style="Caption")
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
        for header_row in grid.rows[:2]:
            properties = header_row._tr.get_or_add_trPr()
            repeat = OxmlElement("w:tblHeader")  # repeat the header on every page
            repeat.set(qn("w:val"), "true")
            properties.append(repeat)
            for cell in header_row.cells:
                for run in (r for p in cell.paragraphs for r in p.runs):
                    run.bold = True
        for r, row in enumerate(layout.rows, start=2):
            grid.cell(r, 0).text = row.label
            for column, value in enumerate(row.cells, start=1):
                cell = grid.cell(r, column)
                cell.text = layout.cell_text(value)
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        # The option labels are long: give them half the page, the bands the rest.
        grid.autofit = False
        band_width = Cm(8.0 / max(1, columns - 1))
        for column, grid_column in enumerate(grid.columns):  # the grid, for LibreOffice
            grid_column.width = Cm(8.0) if column == 0 else band_width
        for row_cells in grid.rows:  # and each cell, for Word
            for column, cell in enumerate(row_cells.cells):
                cell.width = Cm(8.0) if column == 0 else band_width
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
                 "| Option | " + " | ".join(escape_markdown(t) for t in layout.column_titles)
                 + " |",
                 "|---|" + "---:|" * len(layout.column_titles)]
        for row in layout.rows:
            lines.append(f"| {escape_markdown(row.label)} | "
                         + " | ".join(escape_markdown(layout.cell_text(v)) for v in row.cells)
                         + " |")
        lines.append("")
        lines.extend(f"{escape_markdown(note)}\n" for note in layout.notes)
        blocks.append("\n".join(lines).rstrip("\n"))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8", newline="\n")
