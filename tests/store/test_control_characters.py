"""Control characters (issue 7, item 7): refused at every boundary, harmless when stored.

A NUL or vertical tab in one answer used to make ``responses export --format xlsx``
fail for the whole store, and a NUL in a frame field was a PostgreSQL traceback.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update
from store_helpers import FRAME_HEADER, complete_answers, demo_instrument

from survey.answers import check_answers, describe
from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument import InstrumentVersion
from survey.store import Store, save_response
from survey.store.imports import import_responses
from survey.store.models import Answer, Contact, Respondent, Response
from survey.tables import read_table
from survey.text import REPLACEMENT

CONTROLS = ["\x00", "\x0b", "\x0c", "\x1b", "\x07"]


def _counts(store: Store) -> tuple[int, ...]:
    with store.session() as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Response, Answer, Respondent, Contact))


@pytest.mark.parametrize("char", CONTROLS)
def test_the_answer_model_refuses_control_characters(iv: InstrumentVersion, char: str) -> None:
    problems = check_answers(iv, complete_answers(comments=f"ok{char}x"))
    assert [(p.code, p.question, p.params["position"]) for p in problems] == [
        ("control_character", "comments", 3)]
    assert f"U+{ord(char):04X}" in describe(problems[0])
    other = check_answers(iv, complete_answers(sectors=["other"], **{"sectors.other": char}))
    assert [p.code for p in other] == ["control_character"]
    # tab, newline and carriage return are text
    assert check_answers(iv, complete_answers(comments="a\tb\r\nc")) == []


def test_the_store_refuses_them(store: Store, iv: InstrumentVersion) -> None:
    with pytest.raises(LandscapeError) as exc:
        save_response(store, iv, complete_answers(comments="a\x00b"), path="partnership")
    assert exc.value.issues[0].reason == "control_character"
    assert _counts(store) == (0, 0, 0, 0)


@pytest.mark.parametrize("char", ["\x00", "\x0b"])
def test_response_import_refuses_them_with_row_and_column(
        store_url: str, store: Store, iv: InstrumentVersion, instruments_dir: Path,
        tmp_path: Path, char: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,in_partnership,priorities.funding,priorities.skills,priorities.data,"
                    f"comments,agree\nr1,yes,1,2,3,fine,yes\nr2,yes,1,2,3,bad{char}text,yes\n",
                    encoding="utf-8")
    with pytest.raises(LandscapeError) as exc:
        read_table(path)
    found = exc.value.issues[0]
    assert (found.code, found.location.row, found.location.column) == ("R101", 3, "6")
    assert "bad" not in found.message  # the cell is not echoed
    result = CliRunner().invoke(main, ["responses", "import", str(path), "--instrument",
                                       "demo@1.0.0", "--database-url", store_url])
    assert result.exit_code == 2 and "R101" in result.output and no_traceback(result)
    with pytest.raises(LandscapeError):
        import_responses(store, path, iv)
    assert _counts(store) == (0, 0, 0, 0)


@pytest.mark.parametrize("char", ["\x00", "\x0b"])
def test_frame_import_refuses_them_without_personal_data(store_url: str, store: Store,
                                                         tmp_path: Path, char: str) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(FRAME_HEADER + "Ann Lee,ann@leeds.gov.uk,Leeds City Council,unitary,,"
                    "England,\n" + f"Bo{char}b Secret,bob@example.org,Org,unitary,,Wales,\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["frame", "import", str(path), "--database-url",
                                       store_url])
    assert result.exit_code == 2 and no_traceback(result), result.output
    assert f"{path}:3" in result.output and "F101" in result.output
    assert "Secret" not in result.output and "bob@" not in result.output
    assert _counts(store) == (0, 0, 0, 0)


def test_every_export_survives_what_is_already_stored(store_url: str, store: Store,
                                                      iv: InstrumentVersion,
                                                      tmp_path: Path) -> None:
    """Data stored before the boundary checks existed still exports, in every format."""
    rid = save_response(store, iv, complete_answers(comments="fine", sectors=["other"],
                                                    **{"sectors.other": "x"}),
                        path="partnership")
    # PostgreSQL text cannot hold NUL at all; the JSON of an answer holds it escaped.
    with store.write() as s:
        s.execute(update(Answer).where(Answer.response_id == rid,
                                       Answer.question_code == "comments")
                  .values(value=json.dumps("a\x00b\x0bc\td")))
        s.execute(update(Answer).where(Answer.response_id == rid,
                                       Answer.question_code == "sectors.other")
                  .values(value=json.dumps("=\x1bcmd")))
    runner = CliRunner()
    out = tmp_path / "raw.csv"
    result = runner.invoke(main, ["responses", "export", "-o", str(out), "--database-url",
                                  store_url])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["comments"] == f"a{REPLACEMENT}b{REPLACEMENT}c\td"
    assert row["sectors.other"] == f"'={REPLACEMENT}cmd"
    out = tmp_path / "raw.xlsx"
    result = runner.invoke(main, ["responses", "export", "--format", "xlsx", "-o", str(out),
                                  "--database-url", store_url])
    assert result.exit_code == 0 and no_traceback(result), result.output
    book = load_workbook(out, read_only=True)
    values = list(book["responses"].iter_rows(values_only=True))
    book.close()
    header = list(values[0])
    assert values[1][header.index("comments")] == f"a{REPLACEMENT}b{REPLACEMENT}c\td"
    assert values[1][header.index("sectors.other")] == f"'={REPLACEMENT}cmd"


# -- size limits (issue 7, item 6) -------------------------------------------------------


def test_text_has_default_limits_overridable_per_question(iv: InstrumentVersion) -> None:
    plain = demo_instrument(extra_yaml="  - {code: long, type: free_text, label: Long}\n"
                            "  - {code: huge, type: free_text, label: Huge, max_length: 50000}\n"
                            "  - {code: org, type: organisation, label: Org}\n")
    assert [p.code for p in check_answers(plain, complete_answers(long="x" * 10_000))] == []
    (problem,) = check_answers(plain, complete_answers(long="x" * 10_001))
    assert (problem.code, dict(problem.params)) == ("too_long", {"limit": 10_000,
                                                                 "length": 10_001})
    assert check_answers(plain, complete_answers(huge="x" * 50_000)) == []
    assert [p.code for p in check_answers(plain, complete_answers(org="x" * 301))] == [
        "too_long"]
    other = check_answers(plain, complete_answers(sectors=["other"],
                                                  **{"sectors.other": "x" * 501}))
    assert [(p.code, p.question) for p in other] == [("too_long", "sectors.other")]


def test_a_one_megabyte_answer_is_refused_on_import(store_url: str, store: Store,
                                                    instruments_dir: Path,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "in_partnership", "priorities.funding", "priorities.skills",
                  "priorities.data", "sectors", "sectors.other", "agree"])
    sheet.append(["r1", "yes", 1, 2, 3, "other", "x" * 32_000, "yes"])
    book.save(path)
    result = CliRunner().invoke(main, ["responses", "import", str(path), "--instrument",
                                       "demo@1.0.0", "--database-url", store_url])
    assert result.exit_code == 2 and no_traceback(result), result.output
    assert "At most 500 characters (got 32000)" in result.output
    big = tmp_path / "big.csv"
    big.write_text("id,in_partnership,priorities.funding,priorities.skills,priorities.data,"
                   f"comments,agree\nr1,yes,1,2,3,{'x' * 1_000_000},yes\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["responses", "import", str(big), "--instrument",
                                       "demo@1.0.0", "--database-url", store_url])
    assert result.exit_code == 2 and no_traceback(result), result.output
    # The length rule speaks (was: R101, the csv module's 128 KiB field limit).
    assert "R101" not in result.output and "(got 1000000)" in result.output
    assert _counts(store) == (0, 0, 0, 0)


def test_xlsx_export_refuses_a_cell_excel_would_cut(store_url: str, store: Store,
                                                    iv: InstrumentVersion,
                                                    tmp_path: Path) -> None:
    """Stored before the limits (or under a high max_length): named, never cut silently."""
    rid = save_response(store, iv, complete_answers(comments="fine"), path="partnership")
    whole = "y" * 1_000_000
    with store.write() as s:
        s.execute(update(Answer).where(Answer.response_id == rid,
                                       Answer.question_code == "comments")
                  .values(value=json.dumps(whole)))
    runner = CliRunner()
    out = tmp_path / "raw.xlsx"
    result = runner.invoke(main, ["responses", "export", "--format", "xlsx", "-o", str(out),
                                  "--database-url", store_url])
    assert result.exit_code == 2 and no_traceback(result), result.output
    assert "X106" in result.output and "row 2, column comments" in result.output
    assert "32,767" in result.output and not out.exists()
    csv_out = tmp_path / "raw.csv"
    result = runner.invoke(main, ["responses", "export", "-o", str(csv_out),
                                  "--database-url", store_url])
    assert result.exit_code == 0
    csv.field_size_limit(2_000_000)
    with csv_out.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["comments"] == whole
