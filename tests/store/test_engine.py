"""Opening the store: SQLite locking, the schema check and the db commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner
from sqlalchemy import event, text

from survey.cli import main
from survey.errors import LandscapeError
from survey.settings import SETTINGS, resolve, settings_markdown
from survey.store import Store
from survey.store.engine import _script_revisions


def _codes(exc: pytest.ExceptionInfo[LandscapeError]) -> list[str]:
    return [i.code for i in exc.value.issues]


def test_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path) -> None:
    db = tmp_path / "nothing.db"
    with pytest.raises(LandscapeError) as exc:
        Store.open(f"sqlite:///{db}")
    assert _codes(exc) == ["S101"]
    assert "landscape db upgrade" in str(exc.value)
    assert not db.exists()


def test_schema_check_refuses_unmigrated_old_and_newer(store_url: str) -> None:
    with Store.open(store_url) as store:
        assert store.status().up_to_date
        try:
            cases = [("0001", "S103"), ("9999_future", "S102")]
            for revision, code in cases:
                with store.write() as s:
                    s.execute(text("UPDATE alembic_version SET version_num = :v"),
                              {"v": revision})
                with pytest.raises(LandscapeError) as exc:
                    Store.open(store_url)
                assert _codes(exc) == [code]
            with pytest.raises(LandscapeError) as exc:
                store.upgrade()  # never "upgrade" a schema we do not know
            assert _codes(exc) == ["S102"]
            with store.write() as s:
                s.execute(text("DELETE FROM alembic_version"))
            with pytest.raises(LandscapeError) as exc:
                Store.open(store_url)
            assert _codes(exc) == ["S101"]
            assert "no migration record" in str(exc.value)
        finally:
            with store.write() as s:
                s.execute(text("DELETE FROM alembic_version"))
                s.execute(text("INSERT INTO alembic_version VALUES (:v)"),
                          {"v": store.status().head})
        Store.open(store_url).close()


def test_sqlite_uses_wal_busy_timeout_and_begin_immediate_for_writes(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}", check=False, create=True)
    store.upgrade()
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *a: statements.append(statement))
    with store.session() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert "BEGIN" in statements and "BEGIN IMMEDIATE" not in statements
    statements.clear()
    with store.write() as s:
        s.execute(text("DELETE FROM contacts"))
    assert statements[0] == "BEGIN IMMEDIATE"
    store.close()


def test_sqlite_commits_are_durable_synchronous_full_with_wal(tmp_path: Path) -> None:
    """A response confirmed to a respondent must survive a power cut: in WAL mode only
    synchronous=FULL (2) fsyncs the log at every commit; NORMAL (1) may lose the last
    commits. Checked on reading and writing connections, and on a new one from the pool."""
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}", check=False, create=True)
    store.upgrade()
    with store.session() as s:
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2
    with store.write() as s, store.session() as other:
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2
        assert other.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert other.execute(text("PRAGMA synchronous")).scalar() == 2
    store.close()


def test_sqlite_write_rolls_back_whole_transaction(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}", check=False, create=True)
    store.upgrade()
    with pytest.raises(RuntimeError), store.write() as s:
        s.execute(text("INSERT INTO respondents (id, created_at) VALUES ('r1', '2024-01-01')"))
        raise RuntimeError("boom")
    with store.session() as s:
        assert s.execute(text("SELECT count(*) FROM respondents")).scalar() == 0
    store.close()


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(LandscapeError) as exc:
        Store.open("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert _codes(exc) == ["S104"]
    assert "secret" not in str(exc.value)


def test_db_upgrade_and_status_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    result = runner.invoke(main, ["db", "status", "--database-url", url])
    assert result.exit_code == 2
    assert "S101" in result.output and "landscape db upgrade" in result.output
    assert no_traceback(result)
    result = runner.invoke(main, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    head, _ = _script_revisions()  # the newest migration, whichever it is
    assert f"-> {head}" in result.output
    result = runner.invoke(main, ["db", "upgrade"], env={"LANDSCAPE_DATABASE_URL": url})
    assert result.exit_code == 0 and f"already at revision {head}" in result.output
    result = runner.invoke(main, ["db", "status", "--database-url", url])
    assert result.exit_code == 0 and "up to date" in result.output


def test_bad_database_url_setting_is_reported() -> None:
    result = CliRunner().invoke(main, ["db", "status"],
                                env={"LANDSCAPE_DATABASE_URL": "mysql://x/y"})
    assert result.exit_code == 2
    assert "S108" in result.output and "LANDSCAPE_DATABASE_URL" in result.output


def test_settings_are_declared_once_and_documented() -> None:
    assert resolve("database_url", environ={}) == "sqlite:///landscape.db"
    assert resolve("reminder_limit", environ={}) == 2
    assert resolve("smtp_starttls", environ={"LANDSCAPE_SMTP_STARTTLS": "yes"}) is True
    with pytest.raises(LandscapeError) as exc:
        resolve("smtp_password", "x", environ={}) and resolve(
            "smtp_port", environ={"LANDSCAPE_SMTP_PORT": "99999"})
    assert "LANDSCAPE_SMTP_PORT" in str(exc.value)
    table = settings_markdown()
    for setting in SETTINGS.values():
        assert setting.env in table and setting.option in table


@pytest.mark.parametrize(("name", "given"), [("view_refresh", "often"),
                                             ("smtp_port", "25a"),
                                             ("protection_width", "wide")])
def test_a_number_setting_given_text_says_what_to_give(name: str, given: str) -> None:
    env = SETTINGS[name].env
    with pytest.raises(LandscapeError) as caught:
        resolve(name, environ={env: given})
    message = str(caught.value)
    assert env in message and "give a" in message and "invalid literal" not in message


def test_a_missing_database_driver_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged install without psycopg: S104 naming the driver, not a traceback."""
    import builtins

    real_import = builtins.__import__

    def no_psycopg(name: str, *args: object, **kwargs: object) -> object:
        if name == "psycopg" or name.startswith("psycopg."):
            raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    with pytest.raises(LandscapeError) as caught:
        Store.open("postgresql+psycopg://nobody@127.0.0.1:1/none")
    (problem,) = caught.value.issues
    assert problem.code == "S104" and "'psycopg' is not installed" in problem.message
