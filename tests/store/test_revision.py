"""The data revision (migration 0009) and the results kept under it are never stale.

Every test writes through one route (the store API, raw SQL from another engine as
the CLI beside a running server would, TRUNCATE on PostgreSQL) and checks the next
read shows it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from store_helpers import complete_answers

from survey.instrument import InstrumentVersion
from survey.store import Store, analysis_frame, reading, revision
from survey.store.analysis import response_attributes, store_ranking_groups
from survey.store.revision import KEPT, WATCHED, data_revision, remembered
from survey.store.writing import ResponseRow, save_responses

_MIGRATION = (Path(revision.__file__).parent / "migrations" / "versions"
              / "0009_data_revision.py")


def _seed(store: Store, iv: InstrumentVersion, nations: list[str]) -> None:
    rows = [ResponseRow(complete_answers(), respondent={"nation": nation, "region": None,
                                                         "organisation_type": "unitary"})
            for nation in nations]
    save_responses(store, iv, rows, "seed.csv")


def _raw(url: str, statement: str) -> None:
    """A write by another engine (another process, as far as the store knows)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the analysis frame's reads of the database."""
    calls: list[str] = []
    real = reading._read_frame

    def counted(*args: object) -> object:
        calls.append("read")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "_read_frame", counted)
    return calls


def test_the_migration_watches_the_tables_the_analysis_reads() -> None:
    spec = importlib.util.spec_from_file_location("migration_0009", _MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module._WATCHED == WATCHED


def test_every_watched_table_has_its_triggers_at_head(store: Store) -> None:
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            found = set(conn.execute(text(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")).all())
            expected = {(t, f"data_revision_{t}_{op}") for t in WATCHED
                        for op in ("insert", "update", "delete")}
        else:
            found = set(conn.execute(text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c "
                "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal")).all())
            expected = {(t, f"data_revision_{t}") for t in WATCHED}
    assert expected <= {tuple(row) for row in found}


def test_a_response_saved_through_the_api_is_in_the_next_frame(
        store: Store, iv: InstrumentVersion, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _reads(monkeypatch)
    _seed(store, iv, ["wales", "england"])
    assert len(analysis_frame(store, "priorities")) == 2
    assert len(analysis_frame(store, "priorities", nation="wales")) == 1
    assert len(reads) == 1  # the filter used the frame kept for this revision
    _seed(store, iv, ["wales"])
    assert len(analysis_frame(store, "priorities", nation="wales")) == 2
    assert len(reads) == 2
    groups = store_ranking_groups(store, "priorities", where={"nation": ["wales"]})
    assert [len(g.ranks) for g in groups.values()] == [2]


def test_a_raw_sql_change_of_nation_or_rank_from_another_engine_is_seen(
        store_url: str, store: Store, iv: InstrumentVersion) -> None:
    _seed(store, iv, ["wales", "england"])
    assert analysis_frame(store, "priorities", nation="scotland").empty
    assert sorted(response_attributes(store)["nation"]) == ["england", "wales"]
    _raw(store_url, "UPDATE respondents SET nation = 'scotland' WHERE nation = 'wales'")
    assert len(analysis_frame(store, "priorities", nation="scotland")) == 1
    assert sorted(response_attributes(store)["nation"]) == ["england", "scotland"]
    _raw(store_url, "UPDATE ranking_answers SET rank = 4 - rank")
    frame = analysis_frame(store, "priorities")
    assert frame["funding"].tolist() == [3, 3]
    _raw(store_url, "DELETE FROM ranking_answers")
    assert analysis_frame(store, "priorities").empty


def test_a_profile_answer_change_is_seen(store_url: str, store: Store,
                                         iv: InstrumentVersion) -> None:
    # An open-link response: its region comes from its own answer, not a frame record.
    save_responses(store, iv, [complete_answers(region="wales")], "open.csv")
    assert analysis_frame(store, "priorities")["region"].tolist() == ["wales"]
    _raw(store_url, "UPDATE answers SET value = '\"london\"' WHERE question_code = 'region'")
    assert analysis_frame(store, "priorities")["region"].tolist() == ["london"]


@pytest.mark.postgres
def test_truncate_on_postgresql_is_seen(pg_store_url: str, iv: InstrumentVersion) -> None:
    with Store.open(pg_store_url) as store:
        _raw(pg_store_url, "TRUNCATE ranking_answers, answers, responses, respondents CASCADE")
        _seed(store, iv, ["wales"])
        before = data_revision(store)
        assert len(analysis_frame(store, "priorities")) == 1
        _raw(pg_store_url, "TRUNCATE ranking_answers")
        assert data_revision(store) != before
        assert analysis_frame(store, "priorities").empty


def test_a_store_before_0009_is_read_afresh_every_time(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'old.db'}", check=False, create=True) as store:
        store.upgrade("0008")
        assert data_revision(store) is None
        counter = iter(range(10))
        assert [remembered(store, "k", lambda: next(counter)) for _ in range(2)] == [0, 1]


def test_kept_results_are_bounded(store: Store) -> None:
    for i in range(3 * KEPT):
        remembered(store, ("k", i), lambda i=i: i)
    assert len(revision._KEPT[store]) == KEPT
    # The newest are kept, the oldest dropped.
    assert remembered(store, ("k", 3 * KEPT - 1), lambda: -1) == 3 * KEPT - 1
    assert remembered(store, ("k", 0), lambda: -1) == -1


def test_a_caller_changing_its_frame_does_not_change_the_next(store: Store,
                                                              iv: InstrumentVersion) -> None:
    _seed(store, iv, ["wales"])
    first = analysis_frame(store, "priorities")
    first.loc[:, "funding"] = 99
    attrs = response_attributes(store)
    attrs.loc[:, "nation"] = "mars"
    assert analysis_frame(store, "priorities")["funding"].tolist() == [1]
    assert response_attributes(store)["nation"].tolist() == ["wales"]


def test_callers_arriving_during_a_computation_wait_for_it_instead_of_repeating_it(
        store: Store) -> None:
    started, release_it = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release_it.wait(10)
        return 42

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(remembered(store, "slow", slow)))
    first.start()
    assert started.wait(10)
    waiters = [threading.Thread(target=lambda: results.append(remembered(store, "slow", slow)))
               for _ in range(3)]
    for thread in waiters:
        thread.start()
    release_it.set()
    for thread in [first, *waiters]:
        thread.join(10)
    assert results == [42] * 4 and calls == [1]
    assert revision._FLIGHTS == {}  # nothing left behind


def test_a_failed_computation_is_not_kept_and_the_next_caller_computes(store: Store) -> None:
    def broken() -> int:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        remembered(store, "k", broken)
    assert revision._FLIGHTS == {}
    assert remembered(store, "k", lambda: 7) == 7
