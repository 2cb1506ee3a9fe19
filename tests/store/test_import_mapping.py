"""`landscape responses map` and `responses import --mapping` (survey.store.import_mapping)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from cli_assert import no_traceback
from click.testing import CliRunner
from dialect_writers import FIXTURE_INSTRUMENT, export_rows, fixture_people
from sqlalchemy import func, select

from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument import InstrumentVersion
from survey.instrument.registry import Catalogue
from survey.store import Store
from survey.store.imports import import_responses
from survey.store.models import Response

REWORDED = {  # a team that edited the wording when building the survey in Qualtrics
    "What type of organisation is it?": "What kind of organisation is this?",
    "What is your job title or role?": "What is your role or job title?",
}
EXTRA = ("Q99", "How did you hear about the survey?", '{"ImportId":"QID99"}')


def _iv() -> InstrumentVersion:
    return Catalogue.default().load(FIXTURE_INSTRUMENT)


def _export(tmp_path: Path, *, extra: bool = False, name: str = "export.csv") -> Path:
    iv = _iv()
    rows = export_rows("qualtrics", iv, fixture_people(iv, "qualtrics"))
    rows[1] = [REWORDED.get(text, text) for text in rows[1]]
    if extra:
        for row, cell in zip(rows, [*EXTRA, *["newsletter"] * (len(rows) - 3)], strict=True):
            row.append(cell)
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def _store() -> Store:
    store = Store.open("sqlite://", check=False)
    store.upgrade()
    return store


def _map(tmp_path: Path, export: Path) -> tuple[Path, str]:
    out = tmp_path / "mapping.yaml"
    result = CliRunner().invoke(main, ["responses", "map", str(export), "--instrument",
                                       FIXTURE_INSTRUMENT, "--from", "qualtrics", "-o",
                                       str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_reworded_columns_are_an_error_naming_the_map_command(tmp_path: Path) -> None:
    with pytest.raises(LandscapeError) as caught:
        import_responses(_store(), _export(tmp_path), _iv(), tool="qualtrics")
    found = [i for i in caught.value.issues if i.code == "R103"]
    assert {i.location.column for i in found} == {"Q3", "Q4"}
    assert all("landscape responses map" in i.message for i in found)


def test_map_proposes_similar_labels_and_the_reviewed_mapping_imports(tmp_path: Path) -> None:
    export = _export(tmp_path)
    mapping, output = _map(tmp_path, export)
    assert "2 by similarity" in output and "0 unmatched" in output
    data = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    by_column = {e["column"]: e for e in data["columns"]}
    assert by_column["Q3"]["question"] == "organisation_type"
    assert by_column["Q3"]["how"] == "similar" and by_column["Q3"]["score"] >= 60
    assert by_column["Q4"]["question"] == "role"
    assert by_column["Q27_2"] == {"column": "Q27_2", "question": "evidence_priorities",
                                  "option": "synthesis_in_research_orgs", "how": "exact"}
    assert "Finished" not in by_column and "ResponseId" not in by_column  # tool metadata
    result = import_responses(_store(), export, _iv(), tool="qualtrics", mapping=mapping)
    assert result.imported == len(fixture_people(_iv(), "qualtrics"))


def test_a_column_with_no_close_question_must_be_given_one_or_ignored(tmp_path: Path) -> None:
    export = _export(tmp_path, extra=True)
    mapping, output = _map(tmp_path, export)
    assert "1 unmatched" in output
    with pytest.raises(LandscapeError) as caught:
        import_responses(_store(), export, _iv(), tool="qualtrics", mapping=mapping)
    assert caught.value.issues[0].code == "R121"
    assert "'Q99'" in caught.value.issues[0].message
    data = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    for entry in data["columns"]:
        if entry["column"] == "Q99":
            entry.clear()
            entry.update({"column": "Q99", "ignore": True})
    mapping.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = import_responses(_store(), export, _iv(), tool="qualtrics", mapping=mapping)
    assert result.imported == 7


def test_a_file_that_no_longer_fits_its_mapping_is_refused_naming_the_columns(
        tmp_path: Path, store_url: str) -> None:
    mapping, _ = _map(tmp_path, _export(tmp_path))
    changed = _export(tmp_path, extra=True, name="changed.csv")
    args = ["responses", "import", str(changed), "--instrument", FIXTURE_INSTRUMENT,
            "--from", "qualtrics", "--mapping", str(mapping), "--database-url", store_url]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and no_traceback(result)
    assert "R120" in result.output and "'Q99'" in result.output
    assert "newsletter" not in result.output  # no cell is echoed
    with Store.open(store_url) as store, store.session() as session:
        assert session.execute(select(func.count()).select_from(Response)).scalar_one() == 0


def test_priorities_reads_a_mapped_file(tmp_path: Path) -> None:
    """A ranking whose item texts were reworded is read through the reviewed mapping."""
    iv = _iv()
    rows = export_rows("qualtrics", iv, fixture_people(iv, "qualtrics"))
    rows[1] = [text.replace("Which of the following would contribute most",
                            "What would contribute most") for text in rows[1]]
    path = tmp_path / "reworded.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    args = ["priorities", "--input", str(path), "--from", "qualtrics", "--instrument",
            FIXTURE_INSTRUMENT, "--format", "json"]
    unmapped = CliRunner().invoke(main, args)
    assert unmapped.exit_code == 2 and "A103" in unmapped.output
    mapping, output = _map(tmp_path, path)
    assert "9 by similarity" in output
    mapped = CliRunner().invoke(main, [*args, "--mapping", str(mapping)])
    assert mapped.exit_code == 0, mapped.output
    generic = CliRunner().invoke(main, ["priorities", "--input", str(
        Path(__file__).parent.parent / "fixtures" / "dialects" / "generic.csv"), "--from",
        "generic", "--instrument", FIXTURE_INSTRUMENT, "--format", "json"])
    assert mapped.output == generic.output
    no_tool = CliRunner().invoke(main, ["priorities", "--input", str(path), "--mapping",
                                        str(mapping), "--layout", "rank-per-option"])
    assert no_tool.exit_code == 2 and "--mapping needs --from" in no_tool.output
