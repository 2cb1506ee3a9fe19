"""Survey tools' export dialects (survey.dialects) through the importer and the CLI.

The fixtures in tests/fixtures/dialects/ are written by tests/dialect_writers.py as each
tool exports (README there: which documentation each follows). Every one must be
recognised by ``--from auto``, import cleanly, and give the generic layout's band table;
the demo written as each tool would write it must re-import to the same answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner
from dialect_writers import (
    FIXTURE_DIR,
    FIXTURE_INSTRUMENT,
    FIXTURES,
    WITH_STATE,
    Respondent,
    export_rows,
    fixture_people,
    write_export,
)
from sqlalchemy import select

from survey.cli import main
from survey.commands.sources import TOOLS
from survey.dialects import DIALECTS, detect_dialect, read_dialect
from survey.errors import LandscapeError
from survey.instrument import InstrumentVersion
from survey.instrument.registry import Catalogue
from survey.ranking.bands import band_table, parse_bands
from survey.reproduce.demo import demo_responses
from survey.store import Store
from survey.store.imports import import_responses, read_tool_rankings
from survey.store.models import Answer, RankingAnswer, Response
from survey.tables import read_table

TOOL_OF = {name: name.split("-")[0] for name in FIXTURES}  # qualtrics-values -> qualtrics


def _version(ref: str = FIXTURE_INSTRUMENT) -> InstrumentVersion:
    return Catalogue.default().load(ref)


def _memory_store() -> Store:
    store = Store.open("sqlite://", check=False)
    store.upgrade()
    return store


def _stored(store: Store) -> list[tuple[str, dict[str, Any]]]:
    """(state, answers) of every stored response, in source-row order."""
    with store.session() as session:
        responses = session.execute(select(Response.id, Response.state, Response.source_row)
                                    .order_by(Response.source_row)).all()
        answers = session.execute(select(Answer.response_id, Answer.question_code,
                                         Answer.value)).all()
        ranks = session.execute(select(RankingAnswer.response_id, RankingAnswer.question_code,
                                       RankingAnswer.option_code, RankingAnswer.rank)).all()
    by_id: dict[str, dict[str, Any]] = {rid: {} for rid, *_ in responses}
    for rid, code, value in answers:
        by_id[rid][code] = json.loads(value)
    for rid, code, option, rank in ranks:
        by_id[rid].setdefault(code, {})[option] = rank
    return [(state, by_id[rid]) for rid, state, _ in responses]


def _comparable(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers with multiple choices as sets (tools write them in option order)."""
    return {k: frozenset(v) if isinstance(v, list) else v for k, v in answers.items()}


def test_the_cli_offers_every_dialect() -> None:
    assert sorted(TOOLS) == sorted(DIALECTS)


# -- every fixture: recognised, imported, the generic band table ----------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_auto_recognises_every_fixture(name: str) -> None:
    rows = read_table(FIXTURE_DIR / FIXTURES[name]).rows
    tool, reason = detect_dialect(rows, FIXTURES[name])
    assert tool == TOOL_OF[name]
    assert reason.startswith("recognised as")


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_fixture_imports_to_the_answers_it_was_written_from(name: str) -> None:
    iv = _version()
    store = _memory_store()
    result = import_responses(store, FIXTURE_DIR / FIXTURES[name], iv, tool="auto")
    people = fixture_people(iv, name)
    assert result.dialect == TOOL_OF[name]
    assert result.imported == len(people) and not result.rejected
    stored = _stored(store)
    assert [_comparable(a) for _, a in stored] == [_comparable(p.answers) for p in people]
    expected_states = ["complete" if p.complete else "in_progress" for p in people]
    assert [state for state, _ in stored] == expected_states
    if name in WITH_STATE:
        assert "in_progress" in expected_states  # the fixture has an unfinished response
    # Re-importing the same export stores nothing new: the tool's response id is the key.
    again = import_responses(store, FIXTURE_DIR / FIXTURES[name], iv, tool=TOOL_OF[name])
    assert (again.imported, again.already_stored) == (0, len(people))


def _bands(data: Any) -> Any:
    table = band_table(data, bands=parse_bands("1-3,4-6,7-9"))
    return table.counts if hasattr(table, "counts") else table


@pytest.mark.parametrize("name", sorted(set(FIXTURES) - {"generic"}))
def test_each_fixture_gives_the_generic_band_table(name: str) -> None:
    iv = _version()
    question = iv.question("evidence_priorities")
    assert question is not None
    generic = read_tool_rankings(FIXTURE_DIR / FIXTURES["generic"], "generic", iv, question)
    tool = read_tool_rankings(FIXTURE_DIR / FIXTURES[name], "auto", iv, question)
    # Same respondents ranked the same way (the ids differ by tool; the generic file has
    # an unfinished response that ranked nothing).
    def ranked(data: Any) -> Any:
        return data.ranks.dropna(how="all").reset_index(drop=True)
    assert ranked(tool).equals(ranked(generic))
    a = band_table(tool, bands=parse_bands("1-3,4-6,7-9"))
    b = band_table(generic, bands=parse_bands("1-3,4-6,7-9"))
    assert list(a.n) == list(b.n) == [6]
    for group in a.groups:
        assert a.display(group).equals(b.display(group))


# -- the demo written by every tool re-imports to the same answers --------------------------


@pytest.mark.parametrize("ref", ["researcher@1.0.0", "local_government@1.0.0"])
@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_demo_round_trips_through_every_tool(name: str, ref: str, tmp_path: Path) -> None:
    iv = _version(ref)
    demo = [d for d in demo_responses() if d.instrument == iv.instrument]
    people = [Respondent(d.demo_id, d.answers) for d in demo]
    path = write_export(name, iv, people, tmp_path / "export.csv")
    store = _memory_store()
    result = import_responses(store, path, iv, tool="auto")
    assert result.dialect == TOOL_OF[name]
    assert result.imported == len(demo)
    assert [_comparable(a) for _, a in _stored(store)] == \
        [_comparable(d.answers) for d in demo]


# -- bad input ---------------------------------------------------------------------------------


def test_auto_names_the_closest_tool_and_why_not(tmp_path: Path) -> None:
    rows = [["Respondent ID", "Start Date", "Q1"], ["1", "2022-01-01", "x"]]
    with pytest.raises(LandscapeError) as caught:
        read_dialect(rows, "auto", "odd.csv")
    found = caught.value.issues[0]
    assert found.code == "R118"
    assert "closest is SurveyMonkey" in found.message and "collector id" in found.message


def test_a_file_with_only_common_columns_is_no_tool_export() -> None:
    rows = [["id", "name", "email", "consent"], ["1", "A", "a@example.org", "yes"]]
    with pytest.raises(LandscapeError) as caught:
        read_dialect(rows, "auto", "contacts.csv")
    assert caught.value.issues[0].code == "R118"
    assert "a@example.org" not in caught.value.issues[0].message  # no cell echoed


def test_a_qualtrics_file_without_its_import_id_row_is_refused() -> None:
    rows = [["ResponseId", "Q1"], ["Response ID", "Question"], ["R_1", "x"]]
    with pytest.raises(LandscapeError) as caught:
        read_dialect(rows, "qualtrics", "q.csv")
    assert caught.value.issues[0].code == "R119"
    assert caught.value.issues[0].location.row == 3


def _qualtrics_rows(iv: InstrumentVersion) -> list[list[str]]:
    return export_rows("qualtrics", iv, fixture_people(iv, "qualtrics")[:2])


def _write_rows(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def test_unknown_choice_text_names_row_column_and_nearest_option(tmp_path: Path) -> None:
    iv = _version()
    rows = _qualtrics_rows(iv)
    column = rows[1].index("What type of organisation is it?")
    rows[4][column] = "Universty"  # second respondent (sheet row 5), a typo
    path = _write_rows(tmp_path / "q.csv", rows)
    with pytest.raises(LandscapeError) as caught:
        import_responses(_memory_store(), path, iv, tool="qualtrics")
    found = next(i for i in caught.value.issues if i.code == "R105")
    assert found.location.row == 5
    assert found.location.column == "What type of organisation is it?"
    assert "nearest: 'University' (university)" in found.message
    assert "Universty" not in str(caught.value.issues[-1])  # the summary echoes no cell


def test_tool_metadata_never_errors_but_an_unknown_answer_column_names_the_map_command(
        tmp_path: Path) -> None:
    iv = _version()
    rows = _qualtrics_rows(iv)
    # Qualtrics adds metadata columns with some settings: dropped, never an error.
    for row, cell in zip(rows, ["Q_TotalDuration", "Q_TotalDuration",
                                '{"ImportId":"Q_TotalDuration"}', "840", "900"], strict=True):
        row.insert(0, cell)
    ok = import_responses(_memory_store(), _write_rows(tmp_path / "ok.csv", rows), iv,
                          tool="qualtrics")
    assert ok.imported == 2 and "Q_TotalDuration" in ok.dropped
    for row, cell in zip(rows, ["Q99", "How did you hear about the survey?",
                                '{"ImportId":"QID99"}', "a", "b"], strict=True):
        row.append(cell)
    with pytest.raises(LandscapeError) as caught:
        import_responses(_memory_store(), _write_rows(tmp_path / "bad.csv", rows), iv,
                         tool="qualtrics")
    found = caught.value.issues[0]
    assert found.code == "R103"
    assert "landscape responses map" in found.message and "--from qualtrics" in found.message


# -- the CLI -----------------------------------------------------------------------------------


def test_cli_imports_a_qualtrics_export_in_one_command(store_url: str) -> None:
    url = store_url
    path = FIXTURE_DIR / FIXTURES["qualtrics"]
    result = CliRunner().invoke(main, ["responses", "import", str(path), "--instrument",
                                       FIXTURE_INSTRUMENT, "--from", "auto",
                                       "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "Recognised as Qualtrics" in result.output
    assert "imported 7" in result.output
    assert "metadata columns not imported" in result.output


def test_a_qualtrics_export_imports_without_naming_the_tool(tmp_path: Path) -> None:
    """Issue 9: a genuine Qualtrics export failed with R103 per metadata column and A114."""
    result = import_responses(_memory_store(), FIXTURE_DIR / FIXTURES["qualtrics"], _version())
    assert (result.dialect, result.imported) == ("qualtrics", 7)
    assert "--from generic" in result.summary()


def test_an_unrecognised_file_is_read_as_the_generic_layout_and_says_how_to_name_a_tool(
        tmp_path: Path) -> None:
    path = _write_rows(tmp_path / "plain.csv", [["response_id", "consent", "colour"],
                                                ["r1", "yes", "blue"]])
    with pytest.raises(LandscapeError) as caught:
        import_responses(_memory_store(), path, _version())
    found = next(i for i in caught.value.issues if i.location.column == "colour")
    assert found.code == "R103" and "--from TOOL" in found.message


def test_cli_priorities_reads_a_tool_export(tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for name, tool in (("generic", "generic"), ("msforms", "auto"), ("limesurvey", "auto")):
        result = runner.invoke(main, ["priorities", "--input", str(FIXTURE_DIR / FIXTURES[name]),
                                      "--from", tool, "--instrument", FIXTURE_INSTRUMENT,
                                      "--format", "json"])
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(result.output))
    assert outputs[0] == outputs[1] == outputs[2]


def test_cli_from_without_instrument_is_a_coded_error() -> None:
    args = ["consensus", "--method", "borda", "--input", str(FIXTURE_DIR / FIXTURES["kobo"]),
            "--from", "kobo"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and no_traceback(result)
    assert "A102" in result.output and "--instrument" in result.output
    result = CliRunner().invoke(main, [*args, "--instrument", FIXTURE_INSTRUMENT])
    assert result.exit_code == 0, result.output
    assert "n = 6" in result.output


def test_problems_are_located_in_the_tool_file_below_its_header_rows(tmp_path: Path) -> None:
    """Row numbers count the tool's header rows: a Qualtrics file's 2nd response is row 5."""
    iv = _version()
    rows = _qualtrics_rows(iv)
    first, second = (rows[0].index(f"Q27_{i}") for i in (1, 2))
    rows[4][second] = rows[4][first]  # a tie on the second respondent's ranking
    path = _write_rows(tmp_path / "tie.csv", rows)
    with pytest.raises(LandscapeError) as caught:
        import_responses(_memory_store(), path, iv, tool="qualtrics")
    assert {i.location.row for i in caught.value.issues if i.code.startswith("A")} == {5}
    question = iv.question("evidence_priorities")
    assert question is not None
    with pytest.raises(LandscapeError) as caught:
        read_tool_rankings(path, "qualtrics", iv, question)
    assert {i.location.row for i in caught.value.issues} == {5}
    for j, tag in enumerate(rows[0]):  # now only the first respondent ranks...
        if tag.startswith("Q27_"):
            rows[4][j] = ""
    data = read_tool_rankings(_write_rows(tmp_path / "ok.csv", rows), "qualtrics", iv, question)
    assert list(data.ranks.index) == ["qu-R01", "qu-R02"]  # ...and no header row is one


def test_a_microsoft_forms_workbook_imports_as_downloaded(tmp_path: Path) -> None:
    """Forms downloads an .xlsx: ids and times are numbers and dates in the workbook."""
    from datetime import datetime

    from openpyxl import Workbook

    iv = _version()
    people = fixture_people(iv, "msforms")
    rows = export_rows("msforms", iv, people)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(rows[0])
    for n, row in enumerate(rows[1:], start=1):
        sheet.append([n, datetime(2022, 1, 12, 9), datetime(2022, 1, 12, 9, 14), *row[3:]])
    path = tmp_path / "forms.xlsx"
    book.save(path)
    store = _memory_store()
    result = import_responses(store, path, iv)
    assert (result.dialect, result.imported) == ("msforms", len(people))
    assert [_comparable(a) for _, a in _stored(store)] == \
        [_comparable(p.answers) for p in people]


@pytest.mark.parametrize(("name", "preview"), [("qualtrics", "Survey Preview"),
                                               ("qualtrics-values", "1")])
def test_qualtrics_previews_are_left_out(name: str, preview: str, tmp_path: Path) -> None:
    """Qualtrics exports its survey previews (Status), which are no respondent's answers."""
    iv = _version()
    rows = export_rows(name, iv, fixture_people(iv, name))
    status = rows[0].index("Status")
    rows[3][status] = preview  # the first response was the team trying the survey out
    path = _write_rows(tmp_path / "with_preview.csv", rows)
    store = _memory_store()
    result = import_responses(store, path, iv, tool="qualtrics")
    assert (result.imported, result.left_out) == (len(rows) - 4, 1)
    assert "left out 1 response(s)" in result.summary()
    question = iv.question("evidence_priorities")
    assert question is not None
    data = read_tool_rankings(path, "qualtrics", iv, question)
    assert list(data.ranks.index) == [p.rid for p in fixture_people(iv, name)[1:]]


def test_cli_auto_on_an_unknown_export_exits_2_naming_the_closest_tool(tmp_path: Path,
                                                                       store_url: str) -> None:
    path = _write_rows(tmp_path / "odd.csv", [["Respondent ID", "Start Date", "Secret"],
                                              ["1", "2022-01-01", "jane@example.org"]])
    result = CliRunner().invoke(main, ["responses", "import", str(path), "--instrument",
                                       FIXTURE_INSTRUMENT, "--from", "auto",
                                       "--database-url", store_url])
    assert result.exit_code == 2 and no_traceback(result)
    assert "R118" in result.output and "closest is SurveyMonkey" in result.output
    assert "jane@example.org" not in result.output
