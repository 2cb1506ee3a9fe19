"""Importing responses from other tools' CSV/XLSX exports (survey.store.imports + CLI)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument import InstrumentVersion
from survey.instrument.registry import Catalogue
from survey.store import Store, analysis_frame
from survey.store.imports import import_responses, read_import_table
from survey.store.models import Answer, Respondent, Response

HEADER = ("id,in_partnership,priorities.funding,priorities.skills,priorities.data,staff,comments,"
          "agree")
GOOD_ROW = "r1,yes,1,2,3,12,fine,yes"


def _write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _count(store: Store, model: type) -> int:
    with store.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _answers(store: Store) -> dict[int, dict[str, object]]:
    """Stored answers by source row."""
    with store.session() as session:
        rows = session.execute(select(Response.source_row, Answer.question_code, Answer.value)
                               .join(Answer, Answer.response_id == Response.id)).all()
    out: dict[int, dict[str, object]] = {}
    for row, code, value in rows:
        out.setdefault(row or 0, {})[code] = json.loads(value)
    return out


# -- the three ranking layouts (and Qualtrics numbering) give the same rankings -------------

LAYOUT_FILES = {
    # REDCap/Qualtrics: one column per option holding its rank (by code and by label).
    "rank-per-option": ("id,agree,in_partnership,priorities.funding,Research skills,"
                        "priorities_data\na,1,yes,2,1,3\nb,1,Yes,3,2,1\nc,1,no,,,\n"),
    # LimeSurvey: one column per rank position holding the option's label or code.
    "option-per-rank": ("id,agree,in_partnership,priorities[1],priorities[2],priorities[3]\n"
                        "a,1,yes,Research skills,funding,data\n"
                        "b,1,yes,Access to data,skills,Research funding\nc,1,no,,,\n"),
    # ODK/Kobo export of the platform's XLSForm: group-prefixed, space-separated codes.
    "ordered-list": ("_uuid,agree,about/in_partnership,ranking/priorities\n"
                     "a,1,yes,skills funding data\nb,1,yes,data skills funding\nc,1,no,\n"),
    # Qualtrics numbers the options (priorities_1 = first option) and holds ranks.
    "qualtrics": ("ResponseId,agree,in_partnership,priorities_1,priorities_2,priorities_3\n"
                  "a,1,yes,2,1,3\nb,1,yes,3,2,1\nc,1,no,,,\n"),
}


@pytest.mark.parametrize("name", list(LAYOUT_FILES))
def test_every_layout_reads_to_the_same_rankings(store: Store, iv: InstrumentVersion,
                                                  tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / f"{name}.csv", LAYOUT_FILES[name])
    result = import_responses(store, path, iv)
    expected_layout = "rank-per-option" if name == "qualtrics" else name
    assert result.layouts == {"priorities": expected_layout}
    assert (result.imported, result.already_stored, result.rejected) == (3, 0, ())
    frame = analysis_frame(store, "priorities").sort_values("funding")
    assert frame[["funding", "skills", "data"]].to_numpy().tolist() == [[2, 1, 3], [3, 2, 1]]
    assert sorted(frame["path"]) == ["partnership", "partnership"]


def test_explicit_layout_must_fit_the_columns(store: Store, iv: InstrumentVersion,
                                              tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", LAYOUT_FILES["qualtrics"])
    # Told option-per-rank, the numbers in q_1.. are read as option codes and fail.
    with pytest.raises(LandscapeError) as exc:
        import_responses(store, path, iv, layout="option-per-rank")
    assert {i.code for i in exc.value.issues} >= {"A104", "R117"}
    assert _count(store, Response) == 0


# -- answers of every type ---------------------------------------------------------------


def test_codes_labels_and_option_columns(store: Store, iv: InstrumentVersion,
                                         tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", (
        "record_id,in_partnership,priorities.funding,priorities.skills,priorities.data,"
        "top_two[1],top_two[2],staff,satisfaction,region,sectors/health,sectors/housing,"
        "sectors_other,agree\n"
        "1,Yes,1,2,3,Option B,a,12,Very high,Cymru,1,0,,TRUE\n"
        "2,no,,,,,,0,2,TLC,0,1,Transport,0\n"
        "3,no,,,,c,b,1000,3,north_east,,,,no\n"))
    result = import_responses(store, path, iv)
    assert result.imported == 3
    got = _answers(store)
    assert got[2] == {"in_partnership": "yes", "priorities": {"funding": 1, "skills": 2,
                                                             "data": 3},
                      "top_two": {"b": 1, "a": 2}, "staff": 12, "satisfaction": 5,
                      "region": "wales", "sectors": ["health"], "agree": True}
    assert got[3]["sectors"] == ["housing"] and got[3]["sectors.other"] == "Transport"
    assert got[3]["region"] == "north_east" and got[3]["agree"] is False
    assert got[4] == {"in_partnership": "no", "top_two": {"c": 1, "b": 2}, "staff": 1000,
                      "satisfaction": 3, "region": "north_east", "agree": False}


@pytest.mark.parametrize(("cell", "expected"), [
    ("health;Housing", ["health", "housing"]), ("housing health", ["housing", "health"]),
    ("Health", ["health"]), ("health ; other", ["health", "other"]),
])
def test_multiple_choice_in_one_column(store: Store, iv: InstrumentVersion, tmp_path: Path,
                                       cell: str, expected: list[str]) -> None:
    path = _write(tmp_path / "x.csv", f"in_partnership,agree,sectors\nno,yes,{cell}\n")
    import_responses(store, path, iv)
    assert _answers(store)[2]["sectors"] == expected


def test_respondent_attribute_columns_make_a_pseudonymous_respondent(
        store: Store, iv: InstrumentVersion, tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", ("in_partnership,nation,organisation_type,agree\n"
                                       "no,Wales,Unitary authority,1\nno,,,1\n"))
    import_responses(store, path, iv)
    with store.session() as session:
        people = session.execute(select(Respondent.nation, Respondent.region,
                                        Respondent.organisation_type)).all()
        linked = session.execute(select(func.count()).where(
            Response.respondent_id.is_not(None))).scalar_one()
    # Wales has no ITL1 subdivision, so it is its own region (as in the frame).
    assert [tuple(p) for p in people] == [("wales", "wales", "unitary_authority")]
    assert linked == 1


def test_source_file_and_row_are_recorded(store: Store, iv: InstrumentVersion,
                                          tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", f"{HEADER}\n{GOOD_ROW}\n\nr2,no,,,,3,,yes\n")
    import_responses(store, path, iv)
    with store.session() as session:
        rows = session.execute(select(Response.source, Response.source_file,
                                      Response.source_row).order_by(Response.source_row)).all()
    # The blank line (row 3) is not a respondent; rows keep their spreadsheet numbers.
    assert [tuple(r) for r in rows] == [("import", str(path), 2), ("import", str(path), 4)]


def test_xlsx_sheet_and_bom_csv(store: Store, iv: InstrumentVersion, tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "notes"
    sheet = book.create_sheet("Responses")
    sheet.append(["id", "in_partnership", "ranking/priorities", "staff", "agree"])
    sheet.append(["x1", "Yes", "data funding skills", 7.0, True])
    book.save(tmp_path / "export.xlsx")
    with pytest.raises(LandscapeError) as exc:
        import_responses(store, tmp_path / "export.xlsx", iv, sheet="Missing")
    assert exc.value.issues[0].code == "R101" and "Responses" in exc.value.issues[0].message
    assert import_responses(store, tmp_path / "export.xlsx", iv, sheet="Responses").imported == 1
    assert _answers(store)[2]["staff"] == 7 and _answers(store)[2]["agree"] is True
    bom = _write(tmp_path / "bom.csv", f"{HEADER}\n{GOOD_ROW}\n", bom=True)
    assert read_import_table(bom)[1][0][0] == "id"  # the BOM is not part of the name
    assert import_responses(store, bom, iv).imported == 1


# -- idempotency ---------------------------------------------------------------------------


def test_reimporting_the_same_file_adds_nothing(store: Store, iv: InstrumentVersion,
                                                tmp_path: Path) -> None:
    # No id column: rows are keyed by the file's hash and row number.
    path = _write(tmp_path / "x.csv", "in_partnership,staff,agree\nno,1,yes\nno,1,yes\n")
    first = import_responses(store, path, iv)
    again = import_responses(store, path, iv)
    assert (first.imported, again.imported, again.already_stored) == (2, 0, 2)
    assert set(again.response_ids) == set(first.response_ids)
    assert _count(store, Response) == 2 and _count(store, Answer) == 6


def test_external_ids_make_edited_files_safe(store: Store, iv: InstrumentVersion,
                                             tmp_path: Path) -> None:
    import_responses(store, _write(tmp_path / "a.csv", f"{HEADER}\n{GOOD_ROW}\n"), iv)
    # A later export: the same respondent (now on row 3) plus a new one.
    later = _write(tmp_path / "b.csv", f"{HEADER}\nr2,no,,,,4,,yes\n{GOOD_ROW}\n")
    result = import_responses(store, later, iv)
    assert (result.imported, result.already_stored) == (1, 1)
    assert _count(store, Response) == 2
    changed = _write(tmp_path / "c.csv", f"{HEADER}\nr1,yes,1,2,3,99,fine,yes\n")
    with pytest.raises(LandscapeError) as exc:
        import_responses(store, changed, iv)
    assert [i.code for i in exc.value.issues] == ["R116"]
    assert str(exc.value.issues[0].location) == f"{changed}:2"
    assert _count(store, Response) == 2


# -- --skip-invalid ------------------------------------------------------------------------


def test_skip_invalid_imports_good_rows_and_writes_rejects(
        store: Store, iv: InstrumentVersion, tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", (f"{HEADER}\n{GOOD_ROW}\n"
                                       "r2,yes,1,1,3,5,ok,yes\nr3,no,,,,lots,,yes\nr4,no,,,,2,,yes\n"))
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(LandscapeError) as exc:
        import_responses(store, path, iv, skip_invalid=True)
    assert exc.value.issues[0].code == "R115"
    result = import_responses(store, path, iv, skip_invalid=True, rejects=rejects)
    assert (result.imported, len(result.rejected)) == (2, 2)
    assert _count(store, Response) == 2
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["import_row", "import_errors", *HEADER.split(",")]
    assert [r[0] for r in table[1:]] == ["3", "4"]
    assert "priorities.skills: A107" in table[1][1]
    assert "staff: R106 'lots' is not a whole number" in table[2][1]
    assert table[2][2:] == ["r3", "no", "", "", "", "lots", "", "yes"]
    assert not list(tmp_path.glob(".rejects.csv.*"))  # written atomically, no temp left
    # Fixed by hand and imported again: the bookkeeping columns are understood.
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table[0])
        writer.writerow([*table[1][:2], "r2", "yes", "1", "2", "3", "5", "ok", "yes"])
    assert import_responses(store, fixed, iv).imported == 1


_MIXED = f"{HEADER}\n{GOOD_ROW}\nr2,yes,1,1,3,5,ok,yes\n"  # row 3 is rejected (rank 1 twice)


def test_rejects_are_on_disk_before_the_commit_and_gone_if_it_fails(
        store: Store, iv: InstrumentVersion, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import survey.store.imports as imports

    path = _write(tmp_path / "x.csv", _MIXED)
    (folder := tmp_path / "out").mkdir()
    rejects = folder / "rejects.csv"
    staged: list[str] = []

    def failing_commit(*args: object, **kwargs: object) -> list[str]:
        # At commit time the rejects are complete in their temporary file, not yet in place.
        (temporary,) = folder.glob(".rejects.csv.*")
        staged.append(temporary.read_text(encoding="utf-8-sig"))
        assert not rejects.exists()
        raise RuntimeError("commit failed")

    monkeypatch.setattr(imports, "save_responses", failing_commit)
    with pytest.raises(RuntimeError, match="commit failed"):
        import_responses(store, path, iv, skip_invalid=True, rejects=rejects)
    assert staged and "priorities.skills: A107" in staged[0]
    assert list(folder.iterdir()) == []  # no rejects for an import that did not happen
    assert _count(store, Response) == 0


def test_failing_rejects_write_imports_nothing(
        store: Store, iv: InstrumentVersion, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import survey.store.imports as imports

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(imports, "_write_rejects", disk_full)
    (folder := tmp_path / "out").mkdir()
    with pytest.raises(LandscapeError) as exc:
        import_responses(store, _write(tmp_path / "x.csv", _MIXED), iv, skip_invalid=True,
                         rejects=folder / "rejects.csv")
    assert exc.value.issues[0].code == "X101" and "No space left" in str(exc.value)
    assert _count(store, Response) == 0  # the rejects are never lost after a commit
    assert list(folder.iterdir()) == []


def test_no_rejects_file_when_every_row_is_good(store: Store, iv: InstrumentVersion,
                                                tmp_path: Path) -> None:
    (folder := tmp_path / "out").mkdir()
    result = import_responses(store, _write(tmp_path / "x.csv", f"{HEADER}\n{GOOD_ROW}\n"),
                              iv, skip_invalid=True, rejects=folder / "rejects.csv")
    assert result.imported == 1 and result.rejects_file is None
    assert list(folder.iterdir()) == []


def test_rejects_file_defuses_spreadsheet_formulas(store: Store, iv: InstrumentVersion,
                                                   tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", f"{HEADER}\n{GOOD_ROW}\n"
                  'r2,yes,1,1,3,-3,"=HYPERLINK(""http://evil"")",yes\n'
                  "@r3,yes,1,2,3,5,=1+1@ex.org,maybe\n")
    rejects = tmp_path / "rejects.csv"
    result = import_responses(store, path, iv, skip_invalid=True, rejects=rejects)
    assert (result.imported, len(result.rejected)) == (1, 2)
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[1][2:] == ["r2", "yes", "1", "1", "3", "-3", "'=HYPERLINK(\"http://evil\")",
                            "yes"]  # -3 is a number, not a formula: left alone
    assert table[2][2] == "'@r3" and table[2][8] == "'=1+1@ex.org"


# -- Welsh text round-trips exactly through import and export ----------------------------

WELSH_ORGANISATION = "Cyngor Sir Ynys Môn / Wrexham Glyndŵr"
WELSH_TEXT = "Mae'r bartneriaeth â Phrifysgol Glyndŵr yn gryf; ŵ ŷ ô â ê î û ï ë"


def _local_government_file(path: Path, *, bom: bool) -> Path:
    iv = Catalogue.default().load("local_government@1.0.0")
    ranking = iv.question("evidence_priorities")
    assert ranking is not None
    header = ["external_id", "consent", "organisation", "organisation_type", "nation",
              "in_partnership", "partnership_intention", "challenges_no_partnership",
              *(f"evidence_priorities.{c}" for c in ranking.option_codes), "anything_else"]
    rows = [["w1", "ydw", WELSH_ORGANISATION, "Cyngor unedol", "Cymru", "Nac ydy",
             "We are planning to develop one", WELSH_TEXT, *range(1, 10), "  diolch ŵ  "],
            ["w2", "yes", "Glasgow City Council", "unitary_authority", "Scotland", "no",
             "open_to_it", "", *range(9, 0, -1), ""]]
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("bom", [False, True])
def test_welsh_names_round_trip_through_import_and_export(store_url: str, tmp_path: Path,
                                                          bom: bool) -> None:
    path = _local_government_file(tmp_path / "welsh.csv", bom=bom)
    runner = CliRunner()
    result = runner.invoke(main, ["responses", "import", str(path), "--instrument",
                                  "local_government@1.0.0", "--database-url", store_url])
    assert result.exit_code == 0, result.output
    assert "imported 2" in result.output
    out = tmp_path / "export.csv"
    result = runner.invoke(main, ["responses", "export", "-o", str(out),
                                  "--database-url", store_url])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        exported = {r["source_row"]: r for r in csv.DictReader(handle)}
    welsh = exported["2"]
    assert welsh["organisation"] == WELSH_ORGANISATION
    assert welsh["challenges_no_partnership"] == WELSH_TEXT
    assert welsh["anything_else"] == "  diolch ŵ  "  # free text is kept exactly
    assert (welsh["nation"], welsh["organisation_type"], welsh["in_partnership"],
            welsh["consent"]) == ("wales", "unitary_authority", "no", "True")
    assert welsh["evidence_priorities.research_project_resources"] == "1"
    assert exported["3"]["evidence_priorities.research_project_resources"] == "9"


# -- bad files: a clear error each, exit 2, nothing written -------------------------------

BAD_FILES = {
    "unknown column": (f"{HEADER},colour\n{GOOD_ROW},blue\n", [], "R103",
                       "bad.csv:1:colour", "'colour' is not a question of demo@1.0.0"),
    "unknown option label": (f"{HEADER}\nr1,Maybe,1,2,3,1,,yes\n", [], "R105",
                             "bad.csv:2:in_partnership", "'Maybe' is not an option"),
    "duplicate rank": (f"{HEADER}\nr1,yes,1,1,3,1,,yes\n", [], "A107",
                       "bad.csv:2:priorities.skills", "1 is used twice"),
    "rank out of range": (f"{HEADER}\nr1,yes,1,2,4,1,,yes\n", [], "A106",
                          "bad.csv:2:priorities.data", "Ranks must be between 1 and 3"),
    "missing required answer": (f"{HEADER}\nr1,yes,,,,1,,yes\n", [], "R109",
                                "bad.csv:2:priorities", "Answer this question"),
    "bad number": (f"{HEADER}\nr1,no,,,,twelve,,yes\n", [], "R106", "bad.csv:2:staff",
                   "'twelve' is not a whole number"),
    "unknown instrument": (f"{HEADER}\n{GOOD_ROW}\n", ["--instrument", "nope@1.0.0"], "I110",
                           "no instrument 'nope'", "landscape instrument list"),
    "wrong layout": (f"{HEADER}\n{GOOD_ROW}\n", ["--layout", "ordered-list"], "R112",
                     "bad.csv:1", "--layout ordered-list does not fit priorities"),
    "empty file": ("", [], "R102", "bad.csv", "the file is empty"),
    "non-UTF-8 file": (None, [], "R101", "bad.csv:2", "not UTF-8 text: byte 0xF4 on line 2"),
    "answer hidden by skip logic": (f"{HEADER}\nr1,no,1,2,3,1,,yes\n", [], "R111",
                                    "bad.csv:2:priorities.funding", "not on the path taken"),
    "duplicate id": (f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW}\n", [], "R114", "bad.csv:3:id",
                     "also on row 2"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_fail_clearly_with_nothing_written(store_url: str, instruments_dir: Path,
                                                     tmp_path: Path, case: str) -> None:
    text, options, code, where, message = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    if text is None:
        path.write_bytes(f"{HEADER}\nr1,no,,,,1,Ynys M\xf4n,yes\n".encode("latin-1"))
    else:
        _write(path, text)
    ref, extra = ("demo@1.0.0", options) if options[:1] != ["--instrument"] else \
        (options[1], options[2:])
    args = ["responses", "import", str(path), "--instrument", ref, "--database-url", store_url,
            *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert no_traceback(result)
    assert f"{code} " in result.output and where in result.output, result.output
    assert message in result.output, result.output
    assert "fix:" in result.output
    with Store.open(store_url) as store:
        assert _count(store, Response) == 0 and _count(store, Respondent) == 0


def test_every_problem_in_the_file_is_reported_at_once(store: Store, iv: InstrumentVersion,
                                                       tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", (f"{HEADER}\nr1,Maybe,1,2,3,1,,yes\nr2,yes,1,2,3,x,,yes\n"
                                       f"r3,yes,1,2,3,1,{'y' * 51},yes\n"))
    with pytest.raises(LandscapeError) as exc:
        import_responses(store, path, iv)
    located = [(i.code, i.location.row, i.location.column) for i in exc.value.issues]
    assert located == [("R105", 2, "in_partnership"), ("R106", 3, "staff"),
                       ("R110", 4, "comments"), ("R117", None, None)]
    assert "3 of 3 rows" in exc.value.issues[-1].message
    assert _count(store, Response) == 0


def test_skip_invalid_cli_summary(store_url: str, instruments_dir: Path,
                                  tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", f"{HEADER}\n{GOOD_ROW}\nr2,yes,1,2,2,1,,yes\n")
    rejects = tmp_path / "rejects.csv"
    result = CliRunner().invoke(main, ["responses", "import", str(path), "--instrument",
                                       "demo@1.0.0", "--database-url", store_url,
                                       "--skip-invalid", "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "imported 1, already in the store 0, rejected 1" in result.output
    assert f"written to {rejects}" in result.output and rejects.exists()
    help_text = CliRunner().invoke(main, ["responses", "import", "--help"]).output
    assert "SHA-256" in help_text and "already in the store" in help_text


def test_examples_in_the_docstrings_hold() -> None:
    import doctest

    import survey.store.imports

    result = doctest.testmod(survey.store.imports, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
