"""Fixtures for the store tests: a store on SQLite and on PostgreSQL.

PostgreSQL is expected on 127.0.0.1:5432 with trust auth (database ``test``).
One scratch database is created per test session, migrated once, truncated
between tests and dropped at the end. If the server is unreachable the
PostgreSQL tests skip with the reason - except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from store_helpers import DEMO_YAML, demo_instrument

from survey.instrument import InstrumentVersion
from survey.store import Store

PG_HOST = os.environ.get("LANDSCAPE_TEST_PG_HOST", "127.0.0.1:5432")
_START_HINT = ("start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) "
               "main start")
_TABLES = ("ranking_answers", "answers", "responses", "invitation_tokens", "invitations",
           "contacts", "respondents", "instrument_versions", "landscape_links",
           "landscape_provenance", "landscape_aliases", "landscape_partnerships",
           "landscape_organisations", "landscape_themes", "landscape_barriers",
           "landscape_reviews", "users", "audit_log")

@pytest.fixture
def iv() -> InstrumentVersion:
    return demo_instrument()


def _pg_admin_url() -> str:
    """A reachable admin URL on the test server, or skip/fail with the reason."""
    reasons = []
    for user in ("postgres", "root"):
        url = f"postgresql+psycopg://{user}@{PG_HOST}/test"
        engine = create_engine(url)
        try:
            with engine.connect():
                return url
        except Exception as exc:  # any failure means "not usable here"
            reasons.append(f"{user}: {str(exc).splitlines()[0]}")
        finally:
            engine.dispose()
    message = f"PostgreSQL at {PG_HOST} is unreachable ({'; '.join(reasons)})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}. Under CI=true PostgreSQL tests may not skip: {_START_HINT}",
                    pytrace=False)
    pytest.skip(f"{message}; {_START_HINT}")


class _PgDatabases:
    """Creates and drops scratch databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = "landscape_test_" + secrets.token_hex(6)
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.engine.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[_PgDatabases]:
    databases = _PgDatabases(_pg_admin_url())
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def pg_store_url(pg_databases: _PgDatabases) -> str:
    """One migrated database shared by the PostgreSQL tests (truncated between tests)."""
    url = pg_databases.create()
    with Store.open(url, check=False) as store:
        store.upgrade()
    return url


def _truncate(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(_TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        with Store.open(url, check=False, create=True) as store:
            store.upgrade()
        return url
    url: str = request.getfixturevalue("pg_store_url")
    _truncate(url)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty, migrated store on each backend."""
    opened = Store.open(store_url)
    yield opened
    opened.close()


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """A factory of URLs of brand-new, empty databases on each backend."""
    if request.param == "sqlite":
        counter = iter(range(1_000))
        return lambda: f"sqlite:///{tmp_path / f'fresh{next(counter)}.db'}"
    databases: _PgDatabases = request.getfixturevalue("pg_databases")
    return databases.create


@pytest.fixture
def instruments_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalogue holding the demo instrument, used by the CLI commands."""
    root = tmp_path / "instruments"
    (root / "demo").mkdir(parents=True)
    (root / "demo" / "1.0.0.yaml").write_text(DEMO_YAML, encoding="utf-8")
    monkeypatch.setenv("LANDSCAPE_INSTRUMENTS_DIR", str(root))
    return root
