"""Opening the store: engines, SQLite locking, migrations and the schema check.

SQLite (the default) runs in WAL mode with ``synchronous=FULL`` (a commit is on disk
when it returns) and a busy timeout, and every write runs in
a ``BEGIN IMMEDIATE`` transaction so two writers queue for the lock instead of
failing half-way. SQLAlchemy's own ``BEGIN`` handling is used (the driver's
implicit transactions are switched off), following the SQLAlchemy SQLite
"serializable isolation / BEGIN" recipe. PostgreSQL is used when the URL says
so (``postgresql+psycopg://``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session

from survey.errors import LandscapeError
from survey.settings import resolve

__all__ = ["SchemaStatus", "Store", "serialise"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_BUSY_TIMEOUT_MS = 10_000
_WRITE = "landscape_write"


def _normalise_url(url: str) -> str:
    # psycopg 3 is the supported PostgreSQL driver; a bare postgresql:// would pick psycopg2.
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN out of the driver's hands (see _sqlite_begin), then set pragmas.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    # Deleted content is overwritten with zeros, so purged personal data does not
    # linger in free pages (cheap: it only costs writes on delete).
    cursor.execute("PRAGMA secure_delete = ON")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: every commit is fsynced to the write-ahead log before it returns, so a
        # response confirmed to a respondent survives a power cut. NORMAL would only
        # keep the database consistent, possibly losing the last commits (RELIABILITY.md).
        cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front: a deferred BEGIN that later upgrades to a
    # write can fail with SQLITE_BUSY at once, bypassing busy_timeout.
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def serialise(session: Session, *names: str) -> None:
    """Make write transactions that name the same thing wait for each other.

    Two saves of one response (a double click, a retried request) must not run
    side by side: each would find no response and insert one, or delete the
    other's answers. On PostgreSQL this takes a transaction-level advisory lock
    per name (released at commit or rollback), in a fixed order so that two
    writers never deadlock; the second writer then sees what the first
    committed. On SQLite nothing is needed: every write transaction holds the
    database's write lock from its ``BEGIN IMMEDIATE``.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False)
    >>> with store.write() as session:
    ...     serialise(session, "response-key:abc")
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({int.from_bytes(hashlib.sha256(n.encode("utf-8")).digest()[:8], "big",
                                  signed=True) for n in names})
    for key in keys:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where the database's schema stands against the migrations this code knows."""

    current: str | None
    head: str
    known: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def is_newer(self) -> bool:
        return self.current is not None and self.current not in self.known


def _alembic_config(connection: Connection | None = None) -> Any:
    # Alembic is heavy; it loads only to check or migrate the schema.
    from alembic.config import Config

    config = Config()
    # The scripts ship inside the package, so an installed wheel needs no alembic.ini.
    config.set_main_option("script_location", str(_MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _script_revisions() -> tuple[str, tuple[str, ...]]:
    # Alembic is heavy; it loads only to check or migrate the schema.
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    head = script.get_current_head()
    assert head is not None
    known = tuple(rev.revision for rev in script.walk_revisions())
    return head, known


class Store:
    """The response store: one database, opened from a URL.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> url = "sqlite:///" + str(pathlib.Path(tempfile.mkdtemp()) / "demo.db")
    >>> store = Store.open(url, check=False, create=True)
    >>> store.upgrade()
    >>> store.status().up_to_date
    True
    >>> store.close()
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The same pool, but every transaction on it starts with BEGIN IMMEDIATE on SQLite.
        self.write_engine = engine.execution_options(**{_WRITE: True})

    # -- opening ---------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, *, check: bool = True, create: bool = False) -> Store:
        """Open the store at ``url`` (default: the ``database_url`` setting).

        With ``check`` (the default), refuse a database that is not migrated to
        exactly the schema this code knows (``S101``/``S102``/``S103``). A missing
        SQLite file is created only when ``create`` is true (``db upgrade``).
        """
        url = _normalise_url(resolve("database_url", url))
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise LandscapeError.of("S104", f"'{url}' is not a database URL") from None
        is_sqlite = parsed.get_backend_name() == "sqlite"
        database = parsed.database or ""
        if is_sqlite and database not in ("", ":memory:") and not database.startswith("file:"):
            path = Path(database)
            if not path.exists() and not create:
                raise LandscapeError.of(
                    "S101", f"there is no store at {path.resolve()} yet"
                )
            if not path.parent.exists():
                raise LandscapeError.of("S104", f"the folder {path.parent} does not exist")
        try:
            engine = create_engine(url, future=True)
        except ImportError as exc:
            # The PostgreSQL driver ships with the package; this is a damaged install.
            raise LandscapeError.of(
                "S104", f"{_safe(url)}: the database driver '{exc.name}' is not installed; "
                "run: python -m pip install 'psycopg[binary]'") from None
        if is_sqlite:
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        try:
            with engine.connect():
                pass
        except OperationalError as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise LandscapeError.of("S104", f"{_safe(url)}: {reason}") from None
        store = cls(engine)
        if check:
            try:
                store.check()
            except LandscapeError:
                store.close()
                raise
        return store

    @classmethod
    def open_or_create(cls, url: str | None = None) -> Store:
        """Open the store at ``url``, creating and migrating it first if it is new.

        A missing SQLite file or a database with no tables at all is created and
        migrated to head; any other database must already be at head
        (``S101``-``S103``, as :meth:`open`).
        """
        store = cls.open(url, check=False, create=True)
        try:
            if store.status().current is None:
                with store.engine.connect() as conn:
                    has_tables = bool(inspect(conn).get_table_names())
                if not has_tables:
                    store.upgrade()
            store.check()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    # -- schema ----------------------------------------------------------
    def status(self) -> SchemaStatus:
        """The database's migration revision against the newest one this code knows."""
        # Alembic is heavy; it loads only to check or migrate the schema.
        from alembic.runtime.migration import MigrationContext

        head, known = _script_revisions()
        with self.engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
        return SchemaStatus(current=heads[0] if heads else None, head=head, known=known)

    def check(self) -> None:
        """Raise ``S101``/``S102``/``S103`` unless the schema is exactly at head."""
        status = self.status()
        if status.current is None:
            with self.engine.connect() as conn:
                tables = inspect(conn).get_table_names()
            detail = (f"it has tables ({', '.join(sorted(tables)[:5])}) but no migration record"
                      if tables else "it has no tables")
            raise LandscapeError.of("S101", f"{self.url}: {detail}")
        if status.is_newer:
            raise LandscapeError.of(
                "S102",
                f"{self.url} is at schema revision {status.current}, which this version "
                f"does not know (newest known: {status.head})",
            )
        if not status.up_to_date:
            raise LandscapeError.of(
                "S103", f"{self.url} is at revision {status.current}; this version needs "
                f"{status.head}",
            )

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema up to ``revision`` (all of it runs in one transaction)."""
        # Alembic is heavy; it loads only to check or migrate the schema.
        from alembic import command

        status = self.status()
        if status.is_newer:
            self.check()
        with self.write_engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)

    # -- sessions --------------------------------------------------------
    def session(self) -> Session:
        """A session for reading (and for writes the caller commits itself).

        Examples
        --------
        >>> from sqlalchemy import text
        >>> store = Store.open("sqlite://", check=False)
        >>> with store.session() as s:
        ...     s.execute(text("select 1")).scalar()
        1
        """
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on error.

        On SQLite it begins with ``BEGIN IMMEDIATE``.
        """
        with Session(self.write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in one write transaction, for bulk inserts."""
        with self.write_engine.begin() as conn:
            yield conn
