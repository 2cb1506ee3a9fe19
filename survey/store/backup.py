"""Backing up and restoring the store, on SQLite and PostgreSQL alike.

A backup is one portable file: a SQLite database holding every table of the
store at its Alembic revision, and a manifest (format, schema revision, time,
and for every table its row count and a SHA-256 of its rows). Tables are found
by reflecting the database, not listed here, so a table added by a later
migration is covered without touching this module. Because the format is the
same whichever database it came from, a backup of a SQLite store restores into
PostgreSQL and the other way round.

* **Backup** of a SQLite store uses SQLite's online backup API, which copies a
  consistent snapshot while the server keeps writing; a PostgreSQL store is
  read in one ``REPEATABLE READ`` read-only transaction (one snapshot) into a
  SQLite file built by the same migrations. The file is written beside its
  target and moved into place only when complete
  (:func:`survey.files.staged_file`), readable by its owner only since it holds
  the frame's personal data. A store at an older revision can be backed up
  (do so before ``landscape db upgrade``).
* **Restore** checks the file before touching the store: a file that is not a
  SQLite database, or one without a manifest, is foreign (``S161``); a file
  shorter than its header says, failing SQLite's integrity check, or whose rows
  do not match the manifest's counts and checksums is damaged (``S162``); a
  schema revision this software does not know is refused (``S163``). An older
  revision is migrated, in a private copy, before it is loaded. A store that
  holds any row is left alone unless ``force`` is given (``S164``). All rows
  are then written in one transaction, checked against the backup again, and
  committed only if every table matches: the store ends up either unchanged or
  exactly the backup.

Times are written as UTC: SQLite keeps them naive, PostgreSQL aware, and every
copy converts between the two.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    MetaData,
    Table,
    create_engine,
    false,
    func,
    select,
    text,
)
from sqlalchemy.exc import StatementError

from survey.errors import LandscapeError, Location
from survey.files import staged_file
from survey.store.engine import Store
from survey.store.models import DataRevision

__all__ = ["FORMAT", "BackupSummary", "backup_store", "fingerprint", "read_manifest",
           "restore_store"]

#: The format name and version written into every manifest.
FORMAT = "partnership-landscape-backup/1"

_MANIFEST_TABLE = "landscape_backup_manifest"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_BATCH = 1_000
# data_revision is not data but a counter the triggers keep (survey.store.revision):
# a restore bumps it like any other write, so caches never take the backup for the past.
_NOT_DATA = frozenset({"alembic_version", _MANIFEST_TABLE, DataRevision.__tablename__})


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a backup holds (or a restore wrote): its revision and rows per table."""

    revision: str
    rows: Mapping[str, int]
    path: Path

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# -- the manifest's checksums ---------------------------------------------------------


def _utc(value: Any) -> Any:
    """A time as an aware UTC one (SQLite hands back the naive UTC time the store wrote,
    PostgreSQL an aware one); anything else unchanged."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _canonical(value: Any) -> Any:
    """A JSON value that reads the same from SQLite and from PostgreSQL."""
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date | time | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def _table_digest(conn: Connection, table: Table) -> tuple[int, str]:
    """The row count and an order-independent SHA-256 of ``table``'s rows."""
    names = sorted(column.name for column in table.columns)
    lines = sorted(
        json.dumps([_canonical(row[name]) for name in names], ensure_ascii=False)
        for row in conn.execute(select(table)).mappings()
    )
    digest = hashlib.sha256(json.dumps(names).encode())
    for line in lines:
        digest.update(b"\n" + line.encode())
    return len(lines), digest.hexdigest()


def _digests(conn: Connection, tables: list[Table]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for table in tables:
        rows, sha256 = _table_digest(conn, table)
        out[table.name] = {"rows": rows, "sha256": sha256}
    return out


def _tables(conn: Connection) -> list[Table]:
    """The data tables of a database (reflected), parents before children.

    Everything but Alembic's revision record and a backup's own manifest.
    """
    metadata = MetaData()
    metadata.reflect(conn)
    return [t for t in metadata.sorted_tables if t.name not in _NOT_DATA]


def fingerprint(store: Store) -> dict[str, dict[str, Any]]:
    """Every data table's row count and checksum, as a backup's manifest records them.

    Equal fingerprints mean equal contents (rows compared in a form that reads the
    same from SQLite and PostgreSQL): what "the store is unchanged" is checked by.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> fingerprint(store)["responses"]["rows"]
    0
    """
    with store.engine.connect() as conn:
        return _digests(conn, _tables(conn))


# -- backup ---------------------------------------------------------------------------


def _sqlite_engine(path: Path) -> Any:
    return create_engine(f"sqlite:///{path}", future=True)


def _copy_sqlite(store: Store, target: Path) -> None:
    """Copy a SQLite store with the online backup API (a consistent snapshot)."""
    destination = sqlite3.connect(target)
    try:
        with store.engine.connect() as conn:
            source = conn.connection.driver_connection
            assert isinstance(source, sqlite3.Connection)
            source.backup(destination)
        # A self-contained file: no -wal/-shm beside it when it is opened later.
        destination.execute("PRAGMA journal_mode = DELETE")
    finally:
        destination.close()


def _copy_rows(source: Connection, target: Connection, tables: list[Table]) -> None:
    """Copy ``tables`` (the target's) row by row from the same-named source tables."""
    present = {t.name: t for t in _tables(source)}
    for table in tables:
        batch: list[dict[str, Any]] = []
        for row in source.execute(select(present[table.name])).mappings():
            batch.append({key: _utc(value) for key, value in row.items()})
            if len(batch) >= _BATCH:
                target.execute(table.insert(), batch)
                batch = []
        if batch:
            target.execute(table.insert(), batch)


def _copy_postgresql(store: Store, target: Path, revision: str) -> None:
    """Copy a PostgreSQL store into a new SQLite file, from one snapshot."""
    engine = _sqlite_engine(target)
    try:
        with Store(engine) as copy:
            copy.upgrade(revision)  # the same tables, by the same migrations
        with engine.begin() as out, store.engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True) as source, \
                source.begin():
            _copy_rows(source, out, _tables(out))
    finally:
        engine.dispose()


def backup_store(store: Store, path: Path | str) -> BackupSummary:
    """Write a backup of ``store`` to ``path`` (see the module notes).

    Parameters
    ----------
    store
        An open store at a schema revision this software knows.
    path
        The backup file to create or replace; it appears only once complete.

    Returns
    -------
    BackupSummary
        The revision and the rows of every table in the backup.

    Raises
    ------
    LandscapeError
        ``S101``/``S102`` for a store with no schema or a newer one, ``X101``
        when the file cannot be written.
    """
    status = store.status()
    if status.current is None or status.is_newer:
        store.check()
    revision = str(status.current)
    path = Path(path)
    with staged_file(path, mode=0o600) as temporary:  # owner-only: it holds personal data
        if store.dialect == "sqlite":
            _copy_sqlite(store, temporary)
        else:
            _copy_postgresql(store, temporary, revision)
        engine = _sqlite_engine(temporary)
        try:
            with engine.begin() as conn:
                manifest: dict[str, Any] = {
                    "format": FORMAT,
                    "schema_revision": revision,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "source": store.dialect,
                    "tables": _digests(conn, _tables(conn)),
                }
                conn.execute(text("CREATE TABLE landscape_backup_manifest "
                                  "(manifest TEXT NOT NULL)"))
                conn.execute(text("INSERT INTO landscape_backup_manifest VALUES (:m)"),
                             {"m": json.dumps(manifest, indent=1)})
        finally:
            engine.dispose()
    rows = {name: entry["rows"] for name, entry in manifest["tables"].items()}
    return BackupSummary(revision, rows, path)


# -- reading and checking a backup file --------------------------------------------------


def _damaged(path: Path, detail: str) -> LandscapeError:
    return LandscapeError.of("S162", detail, Location(file=str(path)))


def _foreign(path: Path, detail: str) -> LandscapeError:
    return LandscapeError.of("S161", detail, Location(file=str(path)))


def _check_header(path: Path) -> None:
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(_SQLITE_MAGIC):
        raise _foreign(path, "it is not a SQLite database file (a backup is one)" if size
                       else "the file is empty")
    if len(header) < 100:
        raise _damaged(path, f"the file holds only {size} bytes: it was cut short")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65_536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages and size < page_size * pages:
        raise _damaged(path, f"the file holds {size:,} bytes but its header says "
                             f"{page_size * pages:,}: it was cut short")


def read_manifest(path: Path | str) -> dict[str, Any]:
    """The manifest of the backup at ``path``, after checking the file's structure.

    Raises
    ------
    LandscapeError
        ``S161`` for a file that is not a backup, ``S162`` for a damaged one.
    """
    path = Path(path)
    _check_header(path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _damaged(path, str(exc)) from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise _damaged(path, "SQLite's integrity check failed: "
                           + "; ".join(str(r[0]) for r in result[:3]))
        found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
                             (_MANIFEST_TABLE,)).fetchone()
        if found is None:
            raise _foreign(path, "a SQLite database without a backup manifest (to copy a "
                           "store file, back it up with 'landscape db backup')")
        rows = conn.execute("SELECT manifest FROM landscape_backup_manifest").fetchall()
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, str(exc)) from None
    finally:
        conn.close()
    try:
        manifest = json.loads(rows[0][0]) if len(rows) == 1 else None
    except (TypeError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        raise _damaged(path, "its manifest is unreadable")
    if manifest.get("format") != FORMAT:
        raise _foreign(path, f"its format is {manifest.get('format')!r}; this software reads "
                       f"{FORMAT}")
    return manifest


def _verify(path: Path, conn: Connection, manifest: Mapping[str, Any]) -> None:
    """Check every table's count and checksum in the backup against the manifest."""
    expected: dict[str, Any] = manifest["tables"]
    found = _digests(conn, _tables(conn))
    if set(found) != set(expected):
        differ = sorted(set(found) ^ set(expected))
        raise _damaged(path, f"its tables differ from its manifest's: {', '.join(differ)}")
    for name, entry in expected.items():
        if found[name]["rows"] != entry.get("rows"):
            raise _damaged(path, f"table {name} has {found[name]['rows']} rows; the manifest "
                           f"says {entry.get('rows')}")
        if found[name] != entry:
            raise _damaged(path, f"the rows of table {name} do not match the manifest's "
                           "checksum")
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if revision != [manifest.get("schema_revision")]:
        raise _damaged(path, f"its schema revision {revision} differs from the manifest's "
                       f"{manifest.get('schema_revision')!r}")


# -- restore -------------------------------------------------------------------------------


@contextmanager
def _working_copy(path: Path) -> Iterator[Path]:
    """A private copy of the backup file (migrating it never touches the original)."""
    with tempfile.TemporaryDirectory(prefix="landscape-restore-") as folder:
        copy = Path(folder) / "backup.db"
        shutil.copyfile(path, copy)
        yield copy


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Point PostgreSQL's id sequences past the ids just inserted."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            highest = select(func.max(column)).scalar_subquery()
            conn.execute(select(func.setval(
                func.pg_get_serial_sequence(table.name, column.name),
                func.coalesce(highest, 0) + 1, false())).where(
                    func.pg_get_serial_sequence(table.name, column.name).is_not(None)))


def _load(source: Connection, target: Connection, force: bool, url: str) -> list[Table]:
    # Only the backup's tables: a shared database's other tables are never read or emptied.
    wanted = {t.name for t in _tables(source)}
    tables = [t for t in _tables(target) if t.name in wanted]
    missing = sorted(wanted - {t.name for t in tables})
    if missing:
        raise LandscapeError.of("S165", f"{url} has no table {', '.join(missing)}; nothing "
                                "was changed")
    held = {t.name: n for t in tables if (n := _count(target, t))}
    if held and not force:
        detail = ", ".join(f"{name} {n}" for name, n in held.items())
        raise LandscapeError.of("S164", f"{url} already holds data ({detail} rows); "
                                "nothing was changed")
    for table in reversed(tables):
        target.execute(table.delete())
    try:
        _copy_rows(source, target, tables)
    except StatementError as exc:
        # Only the first line: PostgreSQL's DETAIL line can quote a row's values.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise LandscapeError.of("S165", f"{url} refused the backup's rows ({reason}); "
                                "nothing was changed") from None
    if target.dialect.name == "postgresql":
        _reset_sequences(target, tables)
    return tables


def restore_store(url: str | None, path: Path | str, *, force: bool = False) -> BackupSummary:
    """Replace the (empty) store at ``url`` with the backup at ``path``.

    Parameters
    ----------
    url
        The store to restore into (default: the ``database_url`` setting). A
        new SQLite file or empty database is created and migrated first.
    path
        A file written by :func:`backup_store`, from either database.
    force
        Replace a store that already holds rows (every row is deleted first,
        in the same transaction as the load).

    Returns
    -------
    BackupSummary
        The revision restored and the rows of every table.

    Raises
    ------
    LandscapeError
        ``S161`` not a backup, ``S162`` damaged, ``S163`` newer schema, ``S164``
        the store holds data (without ``force``), ``S165`` the store refused the
        rows; in every case the store is unchanged.
    """
    path = Path(path)
    manifest = read_manifest(path)
    with _working_copy(path) as copy:
        engine = _sqlite_engine(copy)
        try:
            backup = Store(engine)
            status = backup.status()
            if status.current is None:
                raise _damaged(path, "it records no schema revision")
            if status.is_newer:
                raise LandscapeError.of(
                    "S163", f"the backup is at schema revision {status.current}, which this "
                    f"version does not know (newest known: {status.head})",
                    Location(file=str(path)))
            with engine.connect() as conn:
                _verify(path, conn, manifest)
            if not status.up_to_date:
                backup.upgrade()  # the private copy only
            with engine.connect() as source:
                expected = _digests(source, _tables(source))
                with Store.open_or_create(url) as store, store.write_connection() as target:
                    tables = _load(source, target, force, store.url)
                    loaded = _digests(target, tables)
                    wrong = sorted(n for n in loaded if loaded[n] != expected.get(n))
                    if wrong:
                        raise LandscapeError.of(
                            "S165", f"{store.url}: after loading, table {', '.join(wrong)} "
                            "did not match the backup; nothing was changed")
        finally:
            engine.dispose()
    return BackupSummary(status.head, {name: entry["rows"] for name, entry in loaded.items()},
                         path)
