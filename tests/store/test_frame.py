"""Importing the sampling frame, and purging its personal data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select, text
from store_helpers import complete_answers, write_frame

from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument import InstrumentVersion
from survey.instrument.registry import Catalogue
from survey.store import Store, analysis_frame, save_response
from survey.store import engine as engine_module
from survey.store.frame import import_frame, organisation_types, purge_contacts
from survey.store.models import Contact, Respondent

GOOD = [
    "Siân Jones,sian@ynysmon.gov.wales,Cyngor Sir Ynys Môn,Unitary authority,Officer,Wales,",
    "Ann Lee,ann@leeds.gov.uk,Leeds City Council,District council,Analyst,england,"
    "Yorkshire and The Humber",
    "Rob Roy,rob@glasgow.gov.uk,Glasgow City Council,unitary_authority,,Scotland,TLM",
]


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_import_keeps_personal_data_apart(store: Store, tmp_path: Path) -> None:
    result = import_frame(store, write_frame(tmp_path / "f.csv", GOOD))
    assert result.imported == 3
    assert result.by_nation == {"england": 1, "scotland": 1, "wales": 1}
    with store.session() as s:
        people = {r.nation: (r.region, r.organisation_type)
                  for r in s.execute(select(Respondent)).scalars()}
        emails = set(s.execute(select(Contact.email)).scalars())
        names = set(s.execute(select(Contact.name)).scalars())
    assert people == {"wales": ("wales", "unitary_authority"),
                      "england": ("yorkshire_humber", "district_council"),
                      "scotland": ("scotland", "unitary_authority")}
    assert emails == {"sian@ynysmon.gov.wales", "ann@leeds.gov.uk", "rob@glasgow.gov.uk"}
    assert "Siân Jones" in names  # Welsh names round-trip exactly


@pytest.mark.parametrize(
    ("row", "code", "column"),
    [
        ("X,not-an-email,Org,unitary,,Wales,", "F102", "email"),
        ("X,x@example.org,Org,unitary,,Atlantis,", "F103", "nation"),
        ("X,x@example.org,Org,unitary,,England,Narnia", "F103", "region"),
        ("X,x@example.org,Org,unitary,,Wales,London", "F104", "region"),
        ("X,sian@ynysmon.gov.wales,Org,unitary,,Wales,", "F105", "email"),
        (",x@example.org,Org,unitary,,Wales,", "F106", "name"),
        ("X,x@example.org,Org,,,Wales,", "F106", "organisation_type"),
    ],
)
def test_bad_rows_are_located_and_nothing_is_written(
    store: Store, tmp_path: Path, row: str, code: str, column: str
) -> None:
    path = write_frame(tmp_path / "f.csv", [*GOOD, row])
    with pytest.raises(LandscapeError) as exc:
        import_frame(store, path)
    (problem,) = exc.value.issues
    assert problem.code == code
    assert str(problem.location) == f"{path}:5:{column}"
    assert _count(store, Respondent) == 0 and _count(store, Contact) == 0


def test_email_already_in_store_is_refused(store: Store, tmp_path: Path) -> None:
    import_frame(store, write_frame(tmp_path / "a.csv", GOOD[:1]))
    with pytest.raises(LandscapeError) as exc:
        import_frame(store, write_frame(tmp_path / "b.csv", GOOD))
    assert [i.code for i in exc.value.issues] == ["F105"]
    assert _count(store, Contact) == 1


def test_missing_column_and_bad_encoding(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("name,email\nA,a@example.org\n", encoding="utf-8")
    with pytest.raises(LandscapeError) as exc:
        import_frame(store, path)
    assert exc.value.issues[0].code == "F101" and "organisation" in str(exc.value)
    path.write_bytes(b"name,email\n\xff\xfe\n")
    with pytest.raises(LandscapeError) as exc:
        import_frame(store, path)
    assert exc.value.issues[0].code == "F101"


def test_bom_is_accepted(store: Store, tmp_path: Path) -> None:
    path = write_frame(tmp_path / "f.csv", GOOD)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert import_frame(store, path).imported == 3


def test_purge_removes_contacts_and_keeps_answers(store: Store, tmp_path: Path,
                                                  iv: InstrumentVersion) -> None:
    import_frame(store, write_frame(tmp_path / "f.csv", GOOD))
    with store.session() as s:
        rid = s.execute(select(Respondent.id).where(Respondent.nation == "wales")).scalar_one()
    save_response(store, iv, complete_answers(), respondent_id=rid, path="partnership")
    before = analysis_frame(store, "priorities")
    assert purge_contacts(store) == 3
    assert _count(store, Contact) == 0 and _count(store, Respondent) == 3
    after = analysis_frame(store, "priorities")
    pd_equal = before.equals(after)
    assert pd_equal and after["nation"].tolist() == ["wales"]


_MARKER = "qzxjv.purge-marker"


def _file_bytes(store: Store) -> bytes:
    database = Path(store.engine.url.database or "")
    return b"".join(p.read_bytes() for p in (database, Path(f"{database}-wal"),
                                            Path(f"{database}-shm")) if p.exists())


def _pg_filenodes(store: Store) -> dict[str, int]:
    # The contacts table and its indexes, each with the file that holds it.
    query = text("SELECT c.relname, pg_relation_filenode(c.oid) FROM pg_class c "
                 "WHERE c.oid = 'contacts'::regclass OR c.oid IN "
                 "(SELECT indexrelid FROM pg_index WHERE indrelid = 'contacts'::regclass)")
    with store.session() as s:
        return {name: int(node) for name, node in s.execute(query)}


def test_purge_scrubs_the_deleted_personal_data_from_disk(
    store: Store, tmp_path: Path, iv: InstrumentVersion
) -> None:
    people = [*GOOD, f"Zed Marker,{_MARKER}@example.org,Marker Council,unitary,,Wales,"]
    import_frame(store, write_frame(tmp_path / "f.csv", people))
    with store.session() as s:
        rids = s.execute(select(Respondent.id).order_by(Respondent.id)).scalars().all()
    for rid in rids:
        save_response(store, iv, complete_answers(), respondent_id=rid, path="partnership")
    before = analysis_frame(store, "priorities")
    if store.dialect == "sqlite":
        assert _MARKER.encode() in _file_bytes(store)
    else:
        nodes_before = _pg_filenodes(store)
    assert purge_contacts(store) == 4
    assert _count(store, Contact) == 0 and _count(store, Respondent) == 4
    after = analysis_frame(store, "priorities")
    assert before.equals(after) and len(after) == 4
    if store.dialect == "sqlite":
        # Not in the main file, the write-ahead log or its index, in any encoding we wrote.
        on_disk = _file_bytes(store)
        assert on_disk and _MARKER.encode() not in on_disk
        assert b"Marker Council" not in on_disk
    else:
        # VACUUM FULL gave the table and its indexes new, empty files.
        nodes_after = _pg_filenodes(store)
        assert "contacts" in nodes_after
        assert all(nodes_after[name] != node for name, node in nodes_before.items())
        with store.session() as s:
            assert s.execute(text("SELECT pg_relation_size('contacts')")).scalar_one() == 0


def test_frame_cli(store_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    good = write_frame(tmp_path / "good.csv", GOOD)
    result = runner.invoke(main, ["frame", "import", str(good), "--database-url", store_url])
    assert result.exit_code == 0, result.output
    assert "imported 3 people (england 1, scotland 1, wales 1)" in result.output
    bad = write_frame(tmp_path / "bad.csv", ["X,bad,Org,unitary,,Wales,"])
    result = runner.invoke(main, ["frame", "import", str(bad), "--database-url", store_url])
    assert result.exit_code == 2
    assert f"{bad}:2:email" in result.output and "F102" in result.output
    assert no_traceback(result)
    result = runner.invoke(main, ["frame", "purge", "--database-url", store_url])
    assert result.exit_code == 2 and "--yes" in result.output
    result = runner.invoke(main, ["frame", "purge", "--yes", "--database-url", store_url])
    assert result.exit_code == 0 and "3 contacts" in result.output


# -- hardening (issue 7, item 8) ------------------------------------------------------

_SECRET_NAME, _SECRET_EMAIL = "Zed Secretname", "zed.secret@example.org"


def _cli_import(store_url: str, path: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["frame", "import", str(path), *extra,
                                     "--database-url", store_url])


def _refused(result: Result, code: str, where: str) -> None:
    """Exit 2, the code and its place, no traceback, and no name or email printed."""
    assert result.exit_code == 2 and no_traceback(result), result.output
    assert code in result.output and where in result.output, result.output
    for stream in (result.output, result.stdout, result.stderr):
        assert "Secretname" not in stream and "zed.secret" not in stream


def test_a_header_only_file_is_refused(store_url: str, store: Store, tmp_path: Path) -> None:
    path = write_frame(tmp_path / "f.csv", [",,,,,,", ""])
    _refused(_cli_import(store_url, path), "F111", f"{path}:2")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _refused(_cli_import(store_url, empty), "F111", str(empty))
    assert _count(store, Respondent) == 0


def test_a_column_named_twice_is_refused(store_url: str, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("name,email,organisation,organisation_type,role,nation,region,EMAIL\n"
                    f"{_SECRET_NAME},first@example.org,Org,unitary_authority,,Wales,,"
                    f"{_SECRET_EMAIL}\n", encoding="utf-8")
    result = _cli_import(store_url, path)
    _refused(result, "F112", f"{path}:1:email")
    assert "columns 2 and 8" in result.output
    assert _count(store, Contact) == 0


@pytest.mark.parametrize("extra", ["surplus", ",surplus"])
def test_cells_beyond_the_header_are_refused(store_url: str, store: Store, tmp_path: Path,
                                             extra: str) -> None:
    column = 8 + extra.count(",")
    path = write_frame(tmp_path / "f.csv", [
        *GOOD, f"{_SECRET_NAME},{_SECRET_EMAIL},Org,unitary_authority,,Wales,,{extra}"])
    _refused(_cli_import(store_url, path), "F113", f"{path}:5:{column}")
    assert _count(store, Contact) == 0
    # Blank cells after the last column (a trailing comma) are not values.
    trailing = write_frame(tmp_path / "t.csv", [f"{GOOD[0]},,"])
    assert _cli_import(store_url, trailing).exit_code == 0


@pytest.mark.parametrize(("written", "code"), [
    ("unitary_authority", "unitary_authority"), ("Unitary council", "unitary_authority"),
    ("UNITARY-AUTHORITY", "unitary_authority"), ("  unitary   authority. ", "unitary_authority"),
    ("Cyngor unedol", "unitary_authority"), ("local enterprise partnership (LEP)",
                                             "local_enterprise_partnership"),
])
def test_organisation_types_match_by_code_or_label(store: Store, tmp_path: Path, written: str,
                                                   code: str) -> None:
    types = organisation_types([Catalogue.default().load("local_government")])
    path = write_frame(tmp_path / "f.csv", [f"A,a@example.org,Org,{written},,Wales,"])
    import_frame(store, path, types=types)
    with store.session() as s:
        assert s.execute(select(Respondent.organisation_type)).scalar_one() == code


@pytest.mark.parametrize(("written", "closest"), [("unitary_authorty", "unitary_authority"),
                                                  ("banana", None), ("university", None)])
def test_an_unknown_organisation_type_is_refused_with_the_closest(
        store_url: str, store: Store, tmp_path: Path, written: str, closest: str | None) -> None:
    path = write_frame(tmp_path / "f.csv", [
        GOOD[0], f"{_SECRET_NAME},{_SECRET_EMAIL},Org,{written},,Wales,"])
    result = _cli_import(store_url, path, "--instrument", "local_government")
    _refused(result, "F115", f"{path}:3:organisation_type")
    if closest is not None:
        assert f"the closest is '{closest}'" in result.output
    assert "valid: combined_authority, county_council" in result.output
    assert _count(store, Respondent) == 0


def test_a_type_map_translates_the_frames_own_terms(store_url: str, store: Store,
                                                    tmp_path: Path) -> None:
    path = write_frame(tmp_path / "f.csv", [
        "A,a@example.org,Org,Met. District,,England,London",
        "B,b@example.org,Org,UA,,Wales,", "C,c@example.org,Org,county council,,England,"])
    mapping = tmp_path / "map.csv"
    mapping.write_text("frame_type,organisation_type\nmet district,District council\n"
                       "ua,unitary_authority\n", encoding="utf-8")
    _refused(_cli_import(store_url, path, "--instrument", "local_government"), "F115",
             f"{path}:2:organisation_type")
    result = _cli_import(store_url, path, "--instrument", "local_government",
                         "--type-map", str(mapping))
    assert result.exit_code == 0, result.output
    with store.session() as s:
        assert sorted(s.execute(select(Respondent.organisation_type)).scalars()) == [
            "county_council", "district_council", "unitary_authority"]
    bad = tmp_path / "bad.csv"
    bad.write_text("frame_type,organisation_type\nua,unitary\n", encoding="utf-8")
    result = _cli_import(store_url, path, "--type-map", str(bad))
    _refused(result, "F116", f"{bad}:2:organisation_type")
    assert "the closest is 'unitary_authority'" in result.output
    assert _count(store, Respondent) == 3


_ROW = "{name},{email},Org,unitary_authority,,Wales,"


@pytest.mark.parametrize(("name", "email", "code", "where"), [
    # over the csv module's 128 KiB field limit (was: a traceback echoing the row)
    (_SECRET_NAME + "x" * 200_000, _SECRET_EMAIL, "F114", "3:name"),
    # longer than its column (was: stored on SQLite, a traceback on PostgreSQL)
    (_SECRET_NAME + "x" * 190, _SECRET_EMAIL, "F114", "3:name"),
    (_SECRET_NAME, "zed.secret" + "x" * 320 + "@example.org", "F114", "3:email"),
    # a NUL (was: a PostgreSQL traceback); the cell is not echoed
    (_SECRET_NAME + "\x00", _SECRET_EMAIL, "F101", "3:1"),
])
def test_long_values_and_nul_are_coded_errors_without_personal_data(
        store_url: str, store: Store, tmp_path: Path, name: str, email: str, code: str,
        where: str) -> None:
    path = write_frame(tmp_path / "f.csv", [GOOD[0], _ROW.format(name=name, email=email)])
    _refused(_cli_import(store_url, path), code, f"{path}:{where}")
    assert _count(store, Respondent) == 0 and _count(store, Contact) == 0


def test_rows_are_records_not_physical_lines(store: Store, tmp_path: Path) -> None:
    """A quoted cell spanning lines does not shift the row reported (was: the line)."""
    path = write_frame(tmp_path / "f.csv", [
        'A,a@example.org,"Org\nwith\nlines",unitary_authority,,Wales,',
        "B\x0b,b@example.org,Org,unitary_authority,,Wales,"])
    with pytest.raises(LandscapeError) as exc:
        import_frame(store, path)
    (problem,) = exc.value.issues
    assert (problem.code, problem.location.row) == ("F101", 3)


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_purge_leaves_no_page_even_while_another_transaction_reads(
        store: Store, tmp_path: Path) -> None:
    """PostgreSQL: an open snapshot (a report running, a dashboard query, another test
    under load) kept the deleted rows alive through VACUUM FULL, which copied them into
    the table's new file as "recently dead" (``pg_relation_size`` 8192, not 0)."""
    import_frame(store, write_frame(tmp_path / "f.csv", GOOD))
    reader = create_engine(store.url)
    try:
        with reader.connect() as conn:
            conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ")
            conn.exec_driver_sql("SELECT count(*) FROM respondents").scalar_one()
            assert purge_contacts(store) == 3
            with store.session() as s:
                assert s.execute(text("SELECT pg_relation_size('contacts')")).scalar_one() == 0
            conn.exec_driver_sql("ROLLBACK")
    finally:
        reader.dispose()


def test_a_type_map_applies_before_the_instruments_types(store: Store, tmp_path: Path) -> None:
    """Without instrument types (a catalogue that asks none) only mapped terms change."""
    path = write_frame(tmp_path / "f.csv", ["A,a@example.org,Org,Met. district,,Wales,",
                                            "B,b@example.org,Org,Free Term,,Wales,"])
    import_frame(store, path, type_map={"met_district": "district_council"})
    with store.session() as s:
        assert sorted(s.execute(select(Respondent.organisation_type)).scalars()) == [
            "district_council", "free_term"]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_purge_says_when_a_reader_keeps_the_log_from_emptying(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite: a reader (a running server) kept the write-ahead log from being truncated,
    so the deleted emails stayed in the -wal file while the purge reported success."""
    monkeypatch.setattr(engine_module, "_BUSY_TIMEOUT_MS", 200)  # not 20 s of waiting
    people = [*GOOD, f"Zed Marker,{_MARKER}@example.org,Marker Council,unitary,,Wales,"]
    with Store.open(store_url) as store:
        import_frame(store, write_frame(tmp_path / "f.csv", people))
        reader = sqlite3.connect(store.engine.url.database or "")
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM respondents").fetchone()
            with pytest.raises(LandscapeError) as exc:
                purge_contacts(store)
            assert exc.value.issues[0].code == "F117" and "4 contact(s)" in str(exc.value)
            assert _count(store, Contact) == 0
        finally:
            reader.close()
        result = CliRunner().invoke(main, ["frame", "purge", "--yes", "--database-url",
                                           store_url])
        assert result.exit_code == 0, result.output  # run again: the scrub finishes
        assert _MARKER.encode() not in _file_bytes(store)
