"""Published-layout tables: each written file is read back with its own reader."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from survey.errors import LandscapeError
from survey.export.disclosure import SUPPRESSED, DisclosurePolicy
from survey.export.layout import (
    RECONSTRUCTED_NOTE,
    band_titles,
    build_layouts,
    format_from_suffix,
)
from survey.export.tables import write_band_table, write_layouts
from survey.instrument.model import RankingRule
from survey.ranking.bands import RankingData, band_table
from survey.ranking.published import published_table
from survey.ranking.reconstruct import demo_ranking_data

HOSTILE = "=HYPERLINK(\"http://evil.example\")<script>alert(1)</script> **x** | ŵ\x07"
INTERNAL = DisclosurePolicy(public=False)


def small_table(labels: dict[str, str] | None = None, groups: list[str] | None = None):
    rows = [[1, 2, 3]] * 5 + [[2, 1, 3]] * 3 + [[3, 1, 2]] * 2
    frame = pd.DataFrame(rows, columns=["a", "b", "c"]).astype("Int64")
    data = RankingData(frame, ("a", "b", "c"), labels or {"a": "Alpha", "b": "Beta",
                                                          "c": "Gamma"},
                       groups=None if groups is None else pd.Series(groups, index=frame.index))
    return band_table(data, bands=((1, 1), (2, 2), (3, 3)))


def demo_table_2():
    return band_table(demo_ranking_data("researcher"))


# -- layout ---------------------------------------------------------------------


def test_band_titles_follow_the_report() -> None:
    assert band_titles(((1, 3), (4, 6), (7, 9))) == (
        "First, second or third most important", "Fourth, fifth or sixth most important",
        "Seventh, eighth or ninth most important")
    assert band_titles(((1, 2), (3, 40))) == ("First or second most important",
                                               "Ranked 3rd to 40th")


def test_exported_table_2_equals_the_published_percentages_in_the_published_order() -> None:
    published = published_table("table_2_researcher")
    layout = build_layouts(demo_table_2(), INTERNAL, reconstructed=True)[0]
    assert layout.n == 17 and "(n=17)" in layout.title
    assert [r.code for r in layout.rows] == list(published.codes)
    assert {r.code: tuple(r.cells) for r in layout.rows} == {
        row.code: tuple(int(p) for p in row.pct) for row in published.rows}
    assert layout.notes[0] == RECONSTRUCTED_NOTE
    assert any("No suppression applied" in note for note in layout.notes)


def test_rows_ordered_by_first_band_with_ties_in_question_order() -> None:
    # a: 5 first; b: 3 first; c: 2 first -> a, b, c; reversed question order keeps ranks.
    layout = build_layouts(small_table(), INTERNAL)[0]
    assert [r.code for r in layout.rows] == ["a", "b", "c"]
    frame = pd.DataFrame([[1, 2], [2, 1]], columns=["x", "y"]).astype("Int64")
    tie = build_layouts(band_table(frame, bands=((1, 1), (2, 2))), INTERNAL)[0]
    assert [r.code for r in tie.rows] == ["x", "y"]


def test_public_order_uses_only_shown_values() -> None:
    # 20 respondents; options p and q have 3 and 1 first places (both suppressed at k=5),
    # r has 16. Sorting on hidden counts would put p above q and reveal p > q.
    rows = [[3, 2, 1]] * 16 + [[1, 2, 3]] * 1 + [[2, 1, 3]] * 3
    frame = pd.DataFrame(rows, columns=["q", "p", "r"]).astype("Int64")
    table = band_table(frame, bands=((1, 1), (2, 3)))
    assert table.counts[0, :, 0].tolist() == [1, 3, 16]
    layout = build_layouts(table, DisclosurePolicy(public=True, min_n=5))[0]
    codes = [r.code for r in layout.rows]
    hidden_first = {r.code for r in layout.rows if r.cells[0] is None}
    assert {"p", "q"} <= hidden_first
    assert codes.index("q") < codes.index("p")  # question order, not the hidden 1 < 3
    shown = [r.cells[0] is not None for r in layout.rows]
    assert shown == sorted(shown, reverse=True)  # shown first bands come first


def test_public_demo_table_suppresses_and_states_the_rule() -> None:
    layout = build_layouts(demo_table_2(), DisclosurePolicy(public=True, min_n=5))[0]
    cells = layout.percents()
    # 6% = 1 of 17 researchers ranked support_from_policy_organisations 7th-9th.
    assert cells["support_from_policy_organisations"][2] is None
    shown = [v for row in layout.rows for v in row.cells if v is not None]
    assert all(v >= 100 * 5 / 17 or v == 0 for v in shown)
    assert "Shares based on fewer than 5 respondents are suppressed" in " ".join(layout.notes)


def test_title_template_and_group_labels() -> None:
    table = small_table(groups=["west"] * 6 + ["east"] * 4)
    layouts = build_layouts(table, INTERNAL, title="T{number}: {group} (n={n}) {group}",
                            group_labels={"east": "East"}, first_number=3)
    assert [layout.title for layout in layouts] == ["T3: East (n=4) East", "T4: west (n=6) west"]


def test_unranked_column_appears_for_top_k() -> None:
    frame = pd.DataFrame([[1, 2, None], [None, 1, 2], [2, None, 1]],
                         columns=list("abc")).astype("Int64")
    table = band_table(frame, bands=((1, 1), (2, 2)), rule=RankingRule(mode="top_k", k=2))
    layout = build_layouts(table, INTERNAL)[0]
    assert layout.column_titles[-1] == "Not ranked"
    assert all(sum(v for v in row.cells if v is not None) in (99, 100, 101)
               for row in layout.rows)
    assert any("Not ranked" in note for note in layout.notes)


def test_format_from_suffix_and_unknown_format(tmp_path: Path) -> None:
    assert format_from_suffix(tmp_path / "a.Markdown") == "md"
    with pytest.raises(LandscapeError) as caught:
        format_from_suffix(tmp_path / "a.pdf")
    assert caught.value.issues[0].code == "X102"
    layouts = build_layouts(small_table(), INTERNAL)
    with pytest.raises(LandscapeError):
        write_layouts(layouts, tmp_path / "a.pdf", "pdf")
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(LandscapeError) as caught:
        write_band_table(small_table(), tmp_path / "absent" / "t.xlsx")
    assert caught.value.issues[0].code == "X101"
    assert list(tmp_path.iterdir()) == []


# -- writers, read back ------------------------------------------------------------


def test_csv_has_bom_group_column_notes_and_no_formulas(tmp_path: Path) -> None:
    table = small_table(labels={"a": HOSTILE, "b": "Beta", "c": "Gamma"},
                        groups=["west"] * 6 + ["=cmd|' /C calc'!A0"] * 4)
    path = write_band_table(table, tmp_path / "t.csv", policy=INTERNAL)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel then reads UTF-8 (Welsh letters)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["Table", "Group", "n", "Option"]
    assert rows[0][4] == "Most important (%)"
    body = [r for r in rows[1:] if r and r[0].isdigit()]
    assert {r[1] for r in body} == {"'=cmd|' /C calc'!A0", "west"}
    hostile = [r for r in body if "HYPERLINK" in r[3]]
    assert hostile and all(r[3].startswith("'=") for r in hostile)
    assert all("\x07" not in cell for r in rows for cell in r)
    assert "ŵ" in hostile[0][3]
    west = next(r for r in body if r[1] == "west" and r[3] == "Beta")
    assert west[2] == "6" and west[4:] == ["17", "83", "0"]  # b: 1, 5, 0 of 6
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    flat = [cell for r in rows for cell in r]
    assert "No suppression applied (internal view): not for publication." in flat


def test_xlsx_sheets_numbers_formats_and_strings(tmp_path: Path) -> None:
    table = small_table(labels={"a": HOSTILE, "b": "Beta", "c": "Gamma"},
                        groups=["west"] * 6 + ["east/[x]"] * 4)
    path = write_band_table(table, tmp_path / "t.xlsx",
                            policy=DisclosurePolicy(public=True, min_n=2),
                            notes=["Source: test"])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["east  x", "west"]
    sheet = book["west"]
    assert sheet["A1"].value == "Table 2. west responses (n=6)"
    assert sheet["A1"].font.bold
    assert sheet["B2"].value == "% of respondents ranking the option by preference"
    assert [c.value for c in sheet[3]][:4] == ["Option", "Most important",
                                              "Second most important", "Third most important"]
    assert all(c.font.bold for c in sheet[3][:4])
    labels = [sheet.cell(row=r, column=1).value for r in range(4, 7)]
    hostile_row = 4 + labels.index(next(x for x in labels if "HYPERLINK" in x))
    cell = sheet.cell(row=hostile_row, column=1)
    # Text, not a formula, and defused like the CSV (survey.files.defuse_cell).
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")
    numbers = [sheet.cell(row=r, column=c) for r in range(4, 7) for c in range(2, 5)]
    shown = [c for c in numbers if c.value != SUPPRESSED]
    assert shown and all(isinstance(c.value, int) and c.number_format == '0"%"' for c in shown)
    notes = [sheet.cell(row=r, column=1).value for r in range(8, 14)]
    assert "Source: test" in notes
    assert any(n and n.startswith("Shares based on fewer than 2") for n in notes)
    assert sheet.column_dimensions["A"].width >= 20


def test_xlsx_demo_values_match_the_layout(tmp_path: Path) -> None:
    layout = build_layouts(demo_table_2(), INTERNAL, reconstructed=True)[0]
    path = write_layouts([layout], tmp_path / "demo.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(path).active
    for r, row in enumerate(layout.rows, start=4):
        assert sheet.cell(row=r, column=1).value == row.label
        assert [sheet.cell(row=r, column=c).value for c in range(2, 5)] == list(row.cells)
    assert sheet.cell(row=4 + len(layout.rows) + 1, column=1).value == RECONSTRUCTED_NOTE


def test_docx_is_a_real_word_table_with_caption_and_notes(tmp_path: Path) -> None:
    table = small_table(labels={"a": HOSTILE, "b": "Beta", "c": "Gamma"},
                        groups=["west"] * 6 + ["east"] * 4)
    path = write_band_table(table, tmp_path / "t.docx",
                            policy=DisclosurePolicy(public=True, min_n=2))
    document = docx.Document(str(path))
    assert len(document.tables) == 2
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == ["Table 1. east responses (n=4)", "Table 2. west responses (n=6)"]
    grid = document.tables[1]
    assert grid.cell(0, 1).text == "% of respondents ranking the option by preference"
    assert grid.cell(0, 1)._tc is grid.cell(0, 3)._tc  # merged across the bands
    assert [grid.cell(1, c).text for c in range(4)] == [
        "Option", "Most important", "Second most important", "Third most important"]
    body = [[grid.cell(r, c).text for c in range(4)] for r in range(2, len(grid.rows))]
    assert {row[0] for row in body} == {"Beta", "Gamma",
                                        HOSTILE.replace("\x07", "")}
    assert all(v == SUPPRESSED or v.endswith("%") for row in body for v in row[1:])
    assert "w:tblHeader" in grid.rows[0]._tr.xml
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("Shares based on fewer than 2") for t in texts)


def test_markdown_escapes_labels_and_renders_no_raw_html(tmp_path: Path) -> None:
    table = small_table(labels={"a": HOSTILE, "b": "[link](javascript:alert(1))",
                                "c": "Gamma"})
    path = write_band_table(table, tmp_path / "t.md", policy=INTERNAL)
    text = path.read_text(encoding="utf-8")
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in rendered and "<a " not in rendered
    assert "&lt;script&gt;" in rendered
    assert "<table>" in rendered and rendered.count("<tr>") == 4
    assert "No suppression applied" in rendered
    assert "<strong>x</strong>" not in rendered  # label emphasis shown literally


def test_several_groups_make_several_tables_everywhere(tmp_path: Path) -> None:
    table = small_table(groups=["g1"] * 5 + ["g2"] * 5)
    layouts = build_layouts(table, INTERNAL)
    assert len(layouts) == 2
    md = write_layouts(layouts, tmp_path / "t.md", "md").read_text(encoding="utf-8")
    assert md.count("% of respondents ranking") == 2
    with (write_layouts(layouts, tmp_path / "t.csv", "csv")).open(encoding="utf-8-sig") as f:
        groups = {r[1] for r in csv.reader(f) if r and r[0].isdigit()}
    assert groups == {"g1", "g2"}


def test_group_with_no_respondents_is_left_out() -> None:
    frame = pd.DataFrame([[1, 2], [None, None]], columns=["a", "b"]).astype("Int64")
    table = band_table(frame, bands=((1, 1), (2, 2)), by=np.array(["x", "y"]))
    assert [layout.group for layout in build_layouts(table, INTERNAL)] == ["x"]


def test_priority_layouts_number_groups_and_use_the_published_names() -> None:
    from survey.export.layout import PUBLISHED_TITLE, priority_layouts

    groups = {name: demo_ranking_data(name) for name in ("local_government", "researcher")}
    layouts = priority_layouts(groups, INTERNAL, bands=((1, 3), (4, 6), (7, 9)),
                               reconstructed=True, notes=("Source: demo",))
    assert [(lay.number, lay.group_label, lay.n) for lay in layouts] == [
        (1, "Local Government", 35), (2, "Researcher", 17)]
    assert layouts[1].title == PUBLISHED_TITLE.format(number=2, group="Researcher", n=17)
    published = {row.option: tuple(int(p) for p in row.pct)
                 for row in published_table("table_2_researcher").rows}
    assert {row.label: row.cells for row in layouts[1].rows} == published
    assert layouts[1].percents()["research_project_resources"] == (59, 24, 18)
    assert layouts[0].notes[0] == RECONSTRUCTED_NOTE and layouts[0].notes[-1] == "Source: demo"
    # Other groups keep their names under the generic title; each has its own options.
    other = priority_layouts({"north": small_data(["a", "b"]), "south": small_data(["c"])},
                             INTERNAL, bands=((1, 1), (2, 2)))
    assert [lay.title for lay in other] == ["Table 1. north responses (n=2)",
                                            "Table 2. south responses (n=2)"]
    assert [[r.code for r in lay.rows] for lay in other] == [["a", "b"], ["c"]]
    assert other[0].percents() == {"a": (50, 50), "b": (50, 50)}


def small_data(options: list[str]) -> RankingData:
    frame = pd.DataFrame({o: [i + 1, len(options) - i] for i, o in enumerate(options)},
                         dtype="Int64")
    return RankingData(frame, tuple(options), {})


# -- DOCX page layout (read from the document's XML, not from a renderer) ----------


def _top_k_table():
    """The demo researchers, one of whom ranked only the top six: adds "Not ranked"."""
    data = demo_ranking_data("researcher")
    ranks = data.ranks.copy()
    first = ranks.index[0]
    ranks.loc[first] = ranks.loc[first].where(ranks.loc[first] <= 6)
    return band_table(RankingData(ranks, data.options, data.labels))


def _twips(element: object, tag: str) -> int:
    from docx.oxml.ns import qn

    found = element.find(qn(tag))  # type: ignore[attr-defined]
    assert found is not None, tag
    return int(found.get(qn("w:w")))


def test_docx_is_a4_with_every_table_inside_the_margins(tmp_path: Path) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Emu, Pt

    layouts = build_layouts(demo_table_2(), INTERNAL, reconstructed=True)
    layouts += build_layouts(_top_k_table(), INTERNAL, first_number=2)
    assert [len(layout.column_titles) for layout in layouts] == [3, 4]
    document = docx.Document(str(write_layouts(layouts, tmp_path / "t.docx", "docx")))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert abs(section.page_width - Cm(21.0)) < Cm(0.01)
    assert abs(section.page_height - Cm(29.7)) < Cm(0.01)
    for margin in (section.left_margin, section.right_margin, section.top_margin,
                   section.bottom_margin):
        assert abs(margin - Cm(2.0)) < Cm(0.01)
    text_width = Emu(section.page_width - section.left_margin - section.right_margin).twips
    assert len(document.tables) == 2
    for table in document.tables:
        properties = table._tbl.tblPr
        assert properties.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        width = _twips(properties, "w:tblW")
        columns = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.gridCol_lst]
        assert sum(columns) == width == text_width
        for row in table.rows:
            cells = [_twips(tc.tcPr, "w:tcW") for tc in row._tr.tc_lst]
            assert sum(cells) == text_width
        # The option column keeps at least 5 cm for the long labels.
        assert columns[0] >= Cm(5.0).twips
        # Each band header wraps onto at most three lines: characters per line from the
        # column width less the cell padding (0.19 cm a side), at a wide font's average
        # character width (0.55 em) and the header's own size.
        for column, cell in enumerate(table.rows[1].cells[1:], start=1):
            sizes = {run.font.size for p in cell.paragraphs for run in p.runs}
            assert len(sizes) == 1 and None not in sizes, "header size must be set"
            size = sizes.pop().pt
            usable = Pt(columns[column] / 20).pt - 2 * Cm(0.19).pt
            per_line = int(usable / (0.55 * size))
            assert len(textwrap.wrap(cell.text, per_line)) <= 3, (cell.text, per_line)


def test_docx_caption_stays_with_its_table_and_rows_do_not_split(tmp_path: Path) -> None:
    from docx.oxml.ns import qn

    layouts = build_layouts(demo_table_2(), INTERNAL, reconstructed=True)
    layouts += build_layouts(demo_table_2(), INTERNAL, first_number=2)
    document = docx.Document(str(write_layouts(layouts, tmp_path / "t.docx", "docx")))
    body = list(document.element.body)
    captions = [p for p in document.paragraphs if p.style.name == "Caption"]
    assert len(captions) == 2
    for caption in captions:
        assert caption.paragraph_format.keep_with_next is True
        following = body[body.index(caption._p) + 1]
        assert following.tag == qn("w:tbl")  # nothing between a caption and its table
    for table in document.tables:
        for r, row in enumerate(table.rows):
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
            keep = {p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs}
            assert keep == {r < 2}  # header rows keep with the first option
        assert all(table.rows[r]._tr.trPr.find(qn("w:tblHeader")) is not None
                   for r in (0, 1))
