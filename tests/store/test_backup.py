"""`landscape db backup` / `db restore`: round trips on both databases and across them,
refusal of bad files, no overwrite without --force, and all-or-nothing restores."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner, Result
from sqlalchemy import MetaData, create_engine, inspect, select, text, update

from survey.cli import main
from survey.errors import ERRORS, LandscapeError
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store import backup as backup_module
from survey.store.backup import FORMAT, backup_store, read_manifest
from survey.store.models import Respondent, data_tables
from survey.store.users import add_user


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["db", *args])


def _contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every data table's rows, as sorted tuples with times in UTC (read independently)."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        out: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as conn:
            for name, table in metadata.tables.items():
                if name in ("alembic_version", "data_revision"):  # not data (0009)
                    continue
                rows = []
                for row in conn.execute(select(table)).mappings():
                    values = []
                    for column in sorted(row):
                        value = row[column]
                        if isinstance(value, datetime):
                            value = (value.replace(tzinfo=UTC) if value.tzinfo is None
                                     else value.astimezone(UTC))
                        values.append((column, value))
                    rows.append(tuple(values))
                out[name] = sorted(rows, key=repr)
    finally:
        engine.dispose()
    return out


def _demo_with_a_coding(url: str) -> None:
    """The demo, plus one stored coding and one user so that every table holds rows."""
    load_demo(url)
    with Store.open(url) as store, store.write_connection() as conn:
        response = conn.execute(text("SELECT id FROM responses ORDER BY id LIMIT 1")).scalar()
        conn.execute(text(
            "INSERT INTO codings (response_id, question_code, theme, applied, source, coder, "
            "coded_at) VALUES (:r, 'challenges', 'staff_turnover', :t, 'manual', 'tester', :at)"),
            {"r": response, "t": True, "at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC)})
    with Store.open(url) as store:  # a login and its audit line (users, audit_log)
        add_user(store, "ada", "admin", "a long enough password", by="cli:tester")


def test_round_trip_on_each_database_and_across_them(
        store_url: str, fresh_url: Callable[[], str], tmp_path: Path) -> None:
    """Backed up from each database, restored into each (SQLite -> PostgreSQL included)."""
    _demo_with_a_coding(store_url)
    file = tmp_path / "store.backup"
    result = _run("backup", str(file), "--database-url", store_url)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # it holds the frame's personal data
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    target = fresh_url()
    result = _run("restore", str(file), "--database-url", target)
    assert result.exit_code == 0, result.output
    before, after = _contents(store_url), _contents(target)
    assert after == before
    assert before["codings"] and before["ranking_answers"] and before["contacts"]
    assert before["users"] and before["audit_log"]
    total = sum(len(rows) for rows in before.values())
    assert f"restored {total} rows in {len(before)} tables" in result.output

    # New rows get fresh ids after the restore (PostgreSQL's sequences were moved on).
    with Store.open(target) as store, store.write_connection() as conn:
        highest = conn.execute(text("SELECT MAX(id) FROM codings")).scalar()
        conn.execute(text(
            "INSERT INTO codings (response_id, question_code, theme, applied, source, coder, "
            "coded_at) SELECT response_id, question_code, 'other', applied, source, coder, "
            "coded_at FROM codings"))
        assert conn.execute(text("SELECT MAX(id) FROM codings")).scalar() == highest + 1


def test_every_table_of_the_metadata_is_in_the_manifest(store: Store, tmp_path: Path) -> None:
    summary = backup_store(store, tmp_path / "empty.backup")
    manifest = read_manifest(tmp_path / "empty.backup")
    assert {t.name for t in data_tables()} <= set(manifest["tables"])
    with store.engine.connect() as conn:
        # data_revision is the triggers' counter, not data: a restore bumps it instead.
        migrated = set(inspect(conn).get_table_names()) - {"alembic_version", "data_revision"}
    assert set(manifest["tables"]) == migrated == set(summary.rows)
    assert manifest["format"] == FORMAT
    assert manifest["schema_revision"] == store.status().head
    assert all(entry["rows"] == 0 and len(entry["sha256"]) == 64
               for entry in manifest["tables"].values())


def test_sqlite_backup_is_a_consistent_snapshot_while_a_writer_is_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    load_demo(url)
    committed = _contents(url)
    with Store.open(url) as store, store.write_connection() as writer:
        # An uncommitted write (the server mid-request) neither blocks nor leaks into it.
        writer.execute(update(Respondent).values(region="uncommitted"))
        summary = backup_store(store, tmp_path / "live.backup")
    assert summary.rows["respondents"] == 256
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    assert _run("restore", str(tmp_path / "live.backup"), "--database-url",
                restored).exit_code == 0
    assert _contents(restored) == committed != _contents(url)


def _backup(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'source.db'}"
    load_demo(url)
    file = tmp_path / "good.backup"
    with Store.open(url) as store:
        backup_store(store, file)
    return file


def _edit(file: Path, *statements: str) -> None:
    conn = sqlite3.connect(file)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str, str]]:
    """name -> (file, code, words in the message)."""
    good = _backup(tmp_path)
    data = good.read_bytes()
    files: dict[str, tuple[Path, str, str]] = {}

    def add(name: str, content: bytes, code: str, words: str) -> Path:
        path = tmp_path / f"{name}.backup"
        path.write_bytes(content)
        files[name] = (path, code, words)
        return path

    add("truncated", data[: len(data) // 2], "S162", "cut short")
    add("empty", b"", "S161", "empty")
    add("csv", b"name,email\nAda,ada@example.org\n", "S161", "not a SQLite database")
    add("store_file", (tmp_path / "source.db").read_bytes(), "S161", "without a backup manifest")
    edited = add("edited_row", data, "S162", "checksum")
    _edit(edited, "UPDATE answers SET value = '\"changed\"' WHERE rowid = 1")
    dropped = add("dropped_row", data, "S162", "rows; the manifest says")
    _edit(dropped, "DELETE FROM ranking_answers WHERE rowid = 1")
    newer = add("newer_schema", data, "S163", "does not know")
    manifest = read_manifest(good)
    manifest["schema_revision"] = "9999_from_the_future"
    _edit(newer, "UPDATE alembic_version SET version_num = '9999_from_the_future'",
          f"UPDATE landscape_backup_manifest SET manifest = '{json.dumps(manifest)}'")
    other = add("other_format", data, "S161", "format")
    manifest = read_manifest(good)
    manifest["format"] = "someone-else/3"
    _edit(other, f"UPDATE landscape_backup_manifest SET manifest = '{json.dumps(manifest)}'")
    return files


def test_restore_refuses_bad_files_and_leaves_the_store_alone(
        store_url: str, tmp_path: Path) -> None:
    load_demo(store_url)
    before = _contents(store_url)
    for name, (file, code, words) in _bad_files(tmp_path).items():
        for args in ([], ["--force"]):
            result = _run("restore", str(file), "--database-url", store_url, *args)
            assert result.exit_code == 2, (name, result.output)
            assert no_traceback(result), name
            assert f"{file}: error {code}" in result.output, (name, result.output)
            assert words in result.output, (name, result.output)
            assert ERRORS[code][1] in result.output
    assert _contents(store_url) == before


def test_restore_refuses_bad_files_before_creating_a_store(tmp_path: Path) -> None:
    file, _, _ = _bad_files(tmp_path)["truncated"]
    target = tmp_path / "new.db"
    assert _run("restore", str(file), "--database-url", f"sqlite:///{target}").exit_code == 2
    assert not target.exists()


def test_restore_never_overwrites_a_store_without_force(
        store_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.backup"
    with Store.open(store_url) as store:
        backup_store(store, empty)
    load_demo(store_url)
    before = _contents(store_url)
    result = _run("restore", str(empty), "--database-url", store_url)
    assert result.exit_code == 2 and "S164" in result.output and no_traceback(result)
    assert "respondents 256" in result.output
    assert _contents(store_url) == before
    result = _run("restore", str(empty), "--database-url", store_url, "--force")
    assert result.exit_code == 0, result.output
    assert not any(_contents(store_url).values())


def test_a_restore_that_fails_half_way_changes_nothing(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = _backup(tmp_path)
    load_demo(store_url)
    before = _contents(store_url)
    copy = backup_module._copy_rows
    tables_done: list[str] = []

    def fail_after_three_tables(source: Any, target: Any, tables: list[Any]) -> None:
        copy(source, target, tables[:3])
        tables_done.extend(t.name for t in tables[:3])
        raise LandscapeError.of("S165", "simulated failure half-way")

    monkeypatch.setattr(backup_module, "_copy_rows", fail_after_three_tables)
    result = _run("restore", str(file), "--database-url", store_url, "--force")
    assert result.exit_code == 2 and "simulated failure" in result.output
    assert len(tables_done) == 3
    assert _contents(store_url) == before


@pytest.mark.postgres
def test_rows_postgresql_refuses_roll_back_without_echoing_them(
        pg_databases: Any, tmp_path: Path) -> None:
    url = pg_databases.create()
    sqlite_url = f"sqlite:///{tmp_path / 'loose.db'}"
    load_demo(sqlite_url)
    with Store.open(sqlite_url) as store:
        with store.write_connection() as conn:
            # SQLite does not enforce VARCHAR lengths; PostgreSQL does.
            conn.execute(update(Respondent).where(Respondent.nation == "wales")
                         .values(organisation_type="x" * 80))
        backup_store(store, tmp_path / "loose.backup")
    load_demo(url)
    before = _contents(url)
    result = _run("restore", str(tmp_path / "loose.backup"), "--database-url", url, "--force")
    assert result.exit_code == 2 and "S165" in result.output and no_traceback(result)
    assert "x" * 80 not in result.output
    assert _contents(url) == before


def test_backup_is_written_atomically(store: Store, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "nightly.backup"
    file.write_bytes(b"yesterday's backup")

    def broken(*_: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_module, "_digests", broken)
    with pytest.raises(LandscapeError) as caught:
        backup_store(store, file)
    assert caught.value.issues[0].code == "X101"
    assert file.read_bytes() == b"yesterday's backup"
    assert [p.name for p in tmp_path.iterdir() if "nightly" in p.name] == ["nightly.backup"]


def test_backup_into_a_missing_folder_is_x101(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open_or_create(url):
        pass
    result = _run("backup", str(tmp_path / "no" / "such.backup"), "--database-url", url)
    assert result.exit_code == 2 and "X101" in result.output and no_traceback(result)


def test_an_older_backup_is_migrated_on_the_way_in(tmp_path: Path) -> None:
    old_url = f"sqlite:///{tmp_path / 'old.db'}"
    with Store.open(old_url, check=False, create=True) as old:
        old.upgrade("0003")
        with old.write_connection() as conn:
            conn.execute(text(
                "INSERT INTO instrument_versions (instrument, version, content_hash, content, "
                "recorded_at) VALUES ('demo', '1.0.0', 'h', '{}', '2026-01-01 00:00:00')"))
        summary = backup_store(old, tmp_path / "old.backup")  # back up before upgrading
    assert summary.revision == "0003"
    target = f"sqlite:///{tmp_path / 'new.db'}"
    result = _run("restore", str(tmp_path / "old.backup"), "--database-url", target)
    assert result.exit_code == 0, result.output
    with Store.open(target) as store, store.session() as session:
        row = session.execute(text("SELECT instrument, open_link FROM instrument_versions")).one()
    assert tuple(row) == ("demo", False)  # column added by 0004, default applied
    assert os.path.exists(tmp_path / "old.backup")


def test_restore_leaves_other_tables_in_a_shared_database_alone(
        store_url: str, tmp_path: Path) -> None:
    with Store.open(store_url) as store:
        backup_store(store, tmp_path / "empty.backup")
        with store.write_connection() as conn:
            conn.execute(text("CREATE TABLE someone_elses (note VARCHAR(20))"))
            conn.execute(text("INSERT INTO someone_elses VALUES ('keep me')"))
    try:
        result = _run("restore", str(tmp_path / "empty.backup"), "--database-url", store_url)
        assert result.exit_code == 0, result.output  # the store's own tables are empty
        result = _run("restore", str(tmp_path / "empty.backup"), "--database-url", store_url,
                      "--force")
        assert result.exit_code == 0, result.output
        with Store.open(store_url) as store, store.session() as session:
            assert session.execute(text("SELECT note FROM someone_elses")).scalars().all() == [
                "keep me"]
    finally:
        with Store.open(store_url) as store, store.write_connection() as conn:
            conn.execute(text("DROP TABLE someone_elses"))
