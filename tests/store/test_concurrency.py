"""Double-submitted form pages: fifty identical concurrent saves give one response and no
error, on SQLite and PostgreSQL (a double click, a retried request)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from store_helpers import complete_answers, write_frame

from survey.instrument import InstrumentVersion
from survey.store import Store, save_response
from survey.store.frame import import_frame
from survey.store.invitations import issue_invitations
from survey.store.models import Answer, RankingAnswer, Response

N = 50
FIRST_PAGE = {"in_partnership": "yes", "staff": 4}


def _at_once(store_url: str, calls: list[Callable[[Store], str]]) -> tuple[list[str],
                                                                           list[BaseException]]:
    """Run ``calls`` in threads released together; each thread has its own Store (as each
    server worker has), sharing one database."""
    barrier = threading.Barrier(len(calls))
    ids: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    stores = [Store.open(store_url) for _ in range(5)]

    def run(i: int, call: Callable[[Store], str]) -> None:
        barrier.wait()
        try:
            result = call(stores[i % len(stores)])
        except BaseException as exc:  # any failure is what the test counts
            with lock:
                errors.append(exc)
        else:
            with lock:
                ids.append(result)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for s in stores:
            s.close()
    return ids, errors


def _counts(store: Store) -> tuple[int, int, int]:
    with store.session() as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one()  # type: ignore[return-value]
                     for m in (Response, Answer, RankingAnswer))


@pytest.mark.parametrize("link", ["invitation", "open link"])
def test_fifty_identical_posts_of_the_first_and_final_page_give_one_response(
    store: Store, store_url: str, iv: InstrumentVersion, tmp_path: Path, link: str
) -> None:
    options: dict[str, Any] = {"idempotency_key": "k" * 32}
    if link == "invitation":
        import_frame(store, write_frame(tmp_path / "f.csv", [
            "Siân Jones,sian@example.org,Cyngor Sir Ynys Môn,unitary_authority,,Wales,"]))
        (row,) = issue_invitations(store, iv, "https://s.example.org")
        options["token"] = row.link.rsplit("/", 1)[1]
    first = [lambda s: save_response(s, iv, FIRST_PAGE, state="in_progress", **options)] * N
    ids, errors = _at_once(store_url, first)
    assert errors == [] and len(ids) == N and len(set(ids)) == 1
    assert _counts(store) == (1, 2, 0)
    final = complete_answers(staff=4)
    last = [lambda s: save_response(s, iv, final, path="partnership", **options)] * N
    ids, errors = _at_once(store_url, last)
    assert errors == [] and len(ids) == N and len(set(ids)) == 1
    assert _counts(store) == (1, 4, 3)
    with store.session() as s:
        assert s.execute(select(Response.state)).scalar_one() == "complete"


def test_fifty_distinct_concurrent_posts_give_fifty_responses(
    store: Store, store_url: str, iv: InstrumentVersion
) -> None:
    calls = [lambda s, i=i: save_response(s, iv, complete_answers(staff=i), path="partnership",
                                          idempotency_key=f"key-{i:04d}") for i in range(N)]
    ids, errors = _at_once(store_url, calls)
    assert errors == [] and len(set(ids)) == N
    assert _counts(store) == (N, 4 * N, 3 * N)
