"""What the data is now (the data revision), and results kept while it stays so.

Reading 100,000 respondents' rankings takes seconds; the explorer asks for the same
analysis frame on every filter change. Migration 0009 keeps one row,
``data_revision``, that database triggers bump on every INSERT, UPDATE and DELETE
(and TRUNCATE on PostgreSQL) of the tables the analysis reads (:data:`WATCHED`),
whoever writes: this process, the CLI importing beside a running server, a raw SQL
statement. :func:`remembered` keeps a computed result under the revision it was
computed at and serves it only while the revision is unchanged: one tiny SELECT per
use instead of re-reading every ranking.

Fresh, not stale: the revision is read *before* the data. A write committed in
between makes the kept result newer than its revision, never older, and the next
reader sees the new revision and computes again. A store without the table (an
old schema opened with ``check=False``) is never cached.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from survey.store.engine import Store

__all__ = ["KEPT", "WATCHED", "data_revision", "remembered"]

#: The tables whose changes bump the revision: everything the analysis frame, the
#: respondents' profiles, the instrument snapshots and who is in a frame (invitations)
#: are read from.
WATCHED = ("respondents", "responses", "answers", "ranking_answers", "instrument_versions",
           "invitations")
#: Results kept per store (least recently used dropped first): memory stays bounded.
#: One explorer page load asks for about eight (the attributes, the frame, the
#: populations, the filter choices, ...); fewer would drop one another between visits.
KEPT = 32

T = TypeVar("T")

_KEPT: weakref.WeakKeyDictionary[Store, OrderedDict[Hashable, tuple[Any, Any]]] = \
    weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
#: The computations running now, by (store, key, revision): see :func:`remembered`.
_FLIGHTS: dict[tuple[int, Hashable, tuple[int, str]], threading.Lock] = {}


def data_revision(store: Store) -> tuple[int, str] | None:
    """``(revision, token)`` of the store's data now; None without the 0009 table.

    ``revision`` only grows (every write to :data:`WATCHED` adds one); ``token`` is
    random text the migration set, so a database rebuilt under the same URL is told
    apart. Replacing a SQLite file under a running server with an older copy of
    itself is not supported (its count would repeat); restore a backup instead
    (``landscape db restore`` writes rows, which bumps the revision).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> before = data_revision(store)
    >>> from survey.store.models import Respondent
    >>> from datetime import UTC, datetime
    >>> with store.write() as s:
    ...     s.add(Respondent(id="r1", created_at=datetime.now(UTC)))
    >>> after = data_revision(store)
    >>> after[0] == before[0] + 1 and after[1] == before[1]
    True
    """
    try:
        with store.engine.connect() as conn:
            row = conn.execute(text("SELECT revision, token FROM data_revision WHERE id = 1")
                               ).first()
    except DBAPIError:  # no such table: a schema before 0009
        return None
    return None if row is None else (int(row[0]), str(row[1]))


def remembered(store: Store, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or the result kept for ``key`` at the store's current data revision.

    ``compute`` must depend only on the store's data (:data:`WATCHED`) and ``key``;
    callers copy a mutable result before handing it out.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> calls = []
    >>> def count():
    ...     calls.append(1)
    ...     return len(calls)
    >>> remembered(store, "n", count), remembered(store, "n", count)
    (1, 1)
    """
    revision = data_revision(store)  # before the data: see the module notes
    if revision is None:
        return compute()
    found = _kept(store, key, revision)
    if found is not None:
        return found[0]
    # One computation per (store, key, revision): a visitor arriving while the server
    # warms the views (or a second visitor) waits for that result instead of starting
    # the same seconds of work beside it on a two-core machine. ``compute`` must not ask,
    # directly or not, for a key that asks for it back.
    with _LOCK:
        flight = _FLIGHTS.setdefault((id(store), key, revision), threading.Lock())
    with flight:
        found = _kept(store, key, revision)
        if found is not None:
            return found[0]
        try:
            value = compute()
            with _LOCK:
                kept = _KEPT.setdefault(store, OrderedDict())
                kept[key] = (revision, value)
                kept.move_to_end(key)
                while len(kept) > KEPT:
                    kept.popitem(last=False)
        finally:  # kept first, then the flight ends: a later caller finds the value
            with _LOCK:
                _FLIGHTS.pop((id(store), key, revision), None)
    return value


def _kept(store: Store, key: Hashable, revision: tuple[int, str]) -> tuple[Any] | None:
    """``(value,)`` kept for ``key`` at ``revision``, or None."""
    with _LOCK:
        kept = _KEPT.setdefault(store, OrderedDict())
        found = kept.get(key)
        if found is not None and found[0] == revision:
            kept.move_to_end(key)
            return (found[1],)
    return None
