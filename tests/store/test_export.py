"""The raw export: one row per response, codes or labels, CSV or XLSX, several versions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select
from store_helpers import complete_answers, demo_instrument

from survey.cli import main
from survey.errors import LandscapeError
from survey.files import defuse_cell
from survey.instrument import InstrumentVersion
from survey.reproduce.demo import load_demo
from survey.store import Store, save_response
from survey.store.export import export_responses, response_table
from survey.store.models import Answer, RankingAnswer


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_codes_and_labels(store: Store, iv: InstrumentVersion, tmp_path: Path) -> None:
    save_response(store, iv, complete_answers(
        region="wales", satisfaction=5, sectors=["health", "other"],
        **{"sectors.other": "Transport"}, comments="=cmd|' /C calc'!A0"), path="partnership")
    out = tmp_path / "raw.csv"
    assert export_responses(store, out, "csv") == 1
    (row,) = _rows(out)
    assert (row["instrument"], row["version"], row["path"]) == ("demo", "1.0.0", "partnership")
    assert (row["priorities.funding"], row["priorities.skills"], row["priorities.data"]) == (
        "1", "2", "3")
    assert row["in_partnership"] == "yes" and row["region"] == "wales"
    assert row["sectors"] == "health;other" and row["sectors.other"] == "Transport"
    assert row["comments"].startswith("'=")  # formula injection defused
    assert row["top_two.a"] == ""
    export_responses(store, out, "csv", labels=True)
    (labelled,) = _rows(out)
    assert labelled["in_partnership"] == "Yes" and labelled["region"] == "Wales"
    assert labelled["satisfaction"] == "Very high" and labelled["sectors"] == "Health;other"
    assert labelled["agree"] == "yes" and labelled["priorities.funding"] == "1"


def test_xlsx_round_trip(store: Store, iv: InstrumentVersion, tmp_path: Path) -> None:
    save_response(store, iv, complete_answers(comments="Glyndŵr, Ynys Môn"), path="partnership")
    save_response(store, iv, {"in_partnership": "no", "agree": False}, path="no_partnership")
    out = tmp_path / "raw.xlsx"
    assert export_responses(store, out, "xlsx") == 2
    book = load_workbook(out, read_only=True)
    values = list(book["responses"].iter_rows(values_only=True))
    book.close()
    header = list(values[0])
    comments = {r[header.index("comments")] for r in values[1:]}
    assert comments == {"Glyndŵr, Ynys Môn", None}
    assert {r[header.index("version")] for r in values[1:]} == {"1.0.0"}


def test_two_versions_line_up_by_question(store: Store, iv: InstrumentVersion) -> None:
    newer = demo_instrument("1.1.0", "  - {code: extra, type: free_text, label: Extra}\n")
    save_response(store, iv, complete_answers(), path="partnership")
    save_response(store, newer, complete_answers(extra="new"), path="partnership")
    header, rows = response_table(store)
    assert header.count("priorities.funding") == 1 and "extra" in header
    by_version = {r[header.index("version")]: r for r in rows}
    assert by_version["1.0.0"][header.index("extra")] is None
    assert by_version["1.1.0"][header.index("extra")] == "new"
    assert {r[header.index("priorities.data")] for r in rows} == {3}
    _, only_new = response_table(store, "demo@1.1.0")
    assert len(only_new) == 1


def test_empty_store_and_cli(store_url: str, store: Store, iv: InstrumentVersion,
                             tmp_path: Path) -> None:
    with pytest.raises(LandscapeError) as exc:
        export_responses(store, tmp_path / "x.csv")
    assert exc.value.issues[0].code == "S110" and not (tmp_path / "x.csv").exists()
    save_response(store, iv, complete_answers(), path="partnership")
    out = tmp_path / "cli.xlsx"
    result = CliRunner().invoke(main, ["responses", "export", "--format", "xlsx", "--labels",
                                       "-o", str(out), "--database-url", store_url])
    assert result.exit_code == 0, result.output
    assert "wrote 1 responses" in result.output and out.exists()


def test_versions_line_up_through_the_harmonisation_map(
    store: Store, iv: InstrumentVersion, instruments_dir: Path
) -> None:
    """1.1.0 renames a question and an option; the map says so, and 1.0.0's answers land in
    1.1.0's columns."""
    text = (instruments_dir / "demo" / "1.0.0.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1.0.0", "version: 1.1.0").replace(
        "code: comments", "code: remarks").replace("code: funding", "code: money")
    (instruments_dir / "demo" / "1.1.0.yaml").write_text(text, encoding="utf-8")
    (instruments_dir / "harmonisation.yaml").write_text(
        "links:\n"
        "  - from: demo@1.0.0\n"
        "    to: demo@1.1.0\n"
        "    questions: {comments: remarks}\n"
        "    options: {priorities: {funding: money}}\n", encoding="utf-8")
    from survey.instrument.registry import Catalogue

    newer = Catalogue(instruments_dir).load("demo@1.1.0")
    assert newer.question("remarks") is not None
    save_response(store, iv, complete_answers(comments="old wording"), path="partnership")
    save_response(store, newer, complete_answers(
        remarks="new wording", priorities={"money": 2, "skills": 1, "data": 3}),
        path="partnership")
    header, rows = response_table(store)
    assert "comments" not in header and "priorities.funding" not in header
    by_version = {r[header.index("version")]: r for r in rows}
    assert by_version["1.0.0"][header.index("remarks")] == "old wording"
    assert by_version["1.1.0"][header.index("remarks")] == "new wording"
    assert by_version["1.0.0"][header.index("priorities.money")] == 1
    assert by_version["1.1.0"][header.index("priorities.money")] == 2


def test_an_export_imports_into_a_fresh_store_unchanged(
    store: Store, iv: InstrumentVersion, tmp_path: Path
) -> None:
    """Export -> import -> export gives the same answers (the export's own columns are
    understood by the importer, and its attributes never collide with a question)."""
    from survey.store.imports import import_responses

    save_response(store, iv, complete_answers(region="wales", comments="Glyndŵr, Ynys Môn",
                                              sectors=["health"]), path="partnership")
    save_response(store, iv, {"in_partnership": "no", "agree": False}, path="no_partnership")
    first = tmp_path / "first.csv"
    export_responses(store, first, "csv")
    with first.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert len(header) == len(set(header)), "duplicate columns"
    with Store.open(f"sqlite:///{tmp_path / 'other.db'}", check=False, create=True) as other:
        other.upgrade()
        result = import_responses(other, first, iv)
        assert result.imported == 2
        second = tmp_path / "second.csv"
        export_responses(other, second, "csv")
    answers = [c for c in header if c.split(".")[0] in {q.code for q in iv.questions}]

    def answer_rows(path: Path) -> list[tuple[str, ...]]:
        return sorted(tuple(r[c] for c in answers) for r in _rows(path))

    assert answer_rows(second) == answer_rows(first)


EVIL_LABEL = '=HYPERLINK("http://evil")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_defuses_formulas_in_labels_and_answers(store: Store, tmp_path: Path,
                                                       fmt: str) -> None:
    from store_helpers import DEMO_YAML

    from survey.instrument import parse_instrument_text

    hostile = parse_instrument_text(DEMO_YAML.replace("label: Health", f"label: '{EVIL_LABEL}'"))
    save_response(store, hostile, complete_answers(sectors=["health"], comments="=1+1@ex.org",
                                                   staff=3), path="partnership")
    out = tmp_path / f"raw.{fmt}"
    export_responses(store, out, fmt, labels=True)
    if fmt == "csv":
        (row,) = _rows(out)
    else:
        book = load_workbook(out)  # not read-only: data_type shows a formula as "f"
        sheet = book["responses"]
        header = [c.value for c in sheet[1]]
        assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
        row = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert row["sectors"] == "'" + EVIL_LABEL
    assert row["comments"] == "'=1+1@ex.org"
    assert str(row["staff"]) == "3" and row["in_partnership"] == "Yes"  # untouched


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cli_export_to_a_missing_directory_is_x101(store_url: str, store: Store,
                                                   iv: InstrumentVersion, tmp_path: Path,
                                                   fmt: str) -> None:
    save_response(store, iv, complete_answers(), path="partnership")
    out = tmp_path / "nodir" / f"x.{fmt}"
    result = CliRunner().invoke(main, ["responses", "export", "--format", fmt, "-o", str(out),
                                       "--database-url", store_url])
    assert result.exit_code == 2, result.output
    assert "X101" in result.output and "does not exist" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "nodir").exists()


def test_default_export_holds_every_stored_answer_of_every_instrument(
    store_url: str, tmp_path: Path
) -> None:
    """The demo holds two instruments whose ranking options differ in two codes; the
    default export (no --instrument) must hold every stored answer cell, recounted
    against the store."""
    load_demo(store_url)
    out = tmp_path / "all.csv"
    result = CliRunner().invoke(main, ["responses", "export", "--format", "csv", "-o",
                                       str(out), "--database-url", store_url])
    assert result.exit_code == 0, result.output
    expected: dict[str, dict[str, str]] = {}
    with Store.open(store_url) as store, store.session() as s:
        for rid, code, value in s.execute(select(Answer.response_id, Answer.question_code,
                                                 Answer.value)):
            value = json.loads(value)
            cells = expected.setdefault(rid, {})
            if isinstance(value, dict):
                cells.update({f"{code}.{o}": str(r) for o, r in value.items()})
            elif isinstance(value, list):
                cells[code] = ";".join(str(v) for v in value)
            else:
                cells[code] = str(value)
        ranks = s.execute(select(RankingAnswer.response_id, RankingAnswer.question_code,
                                 RankingAnswer.option_code, RankingAnswer.rank)).all()
    with out.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    meta = header[:header.index("respondent_organisation_type") + 1]
    got = {r["response_id"]: {c: v for c, v in r.items() if c not in meta and v != ""}
           for r in _rows(out)}
    assert len(got) == 52
    assert got == {rid: {c: str(defuse_cell(v)) for c, v in cells.items()}
                   for rid, cells in expected.items()}
    stored_cells = sum(len(cells) for cells in expected.values())
    assert sum(len(cells) for cells in got.values()) == stored_cells
    # Every ranking_answers row is a cell; the two local-government-only options are there.
    assert len(ranks) == 52 * 9
    assert all(got[rid][f"{q}.{o}"] == str(rank) for rid, q, o, rank in ranks)
    lg_only = [c for c in header if c.endswith("_research_institutions")]
    assert len(lg_only) == 2
    by_instrument = {r["response_id"]: r["instrument"] for r in _rows(out)}
    assert sum(1 for rid, cells in got.items() for c in cells if c in lg_only
               and by_instrument[rid] == "local_government") == 35 * 2
