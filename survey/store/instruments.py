"""Instrument versions recorded in the store: the exact content responses answered.

A response points at the instrument version row it was answered on; the row keeps
a canonical JSON snapshot, so the version can be rebuilt even after its file is gone.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.errors import LandscapeError, Location
from survey.instrument.loader import parse_instrument, parse_instrument_text
from survey.instrument.model import InstrumentVersion
from survey.instrument.yamlsource import with_lines
from survey.store.engine import Store
from survey.store.models import InstrumentVersionRow

__all__ = ["canonical_json", "instrument_row_id", "load_recorded_instrument",
           "record_instrument", "utc_now"]


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC), as every store row records it."""
    return datetime.now(UTC)


def canonical_json(value: Any) -> str:
    """``value`` as compact JSON with sorted keys (the form snapshots and hashes use)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def instrument_row_id(session: Session, iv: InstrumentVersion) -> int:
    """The row id of ``iv``, recorded first if need be (``S105`` if its content changed)."""
    row = session.execute(
        select(InstrumentVersionRow).where(
            InstrumentVersionRow.instrument == iv.instrument,
            InstrumentVersionRow.version == str(iv.version),
        )
    ).scalar_one_or_none()
    if row is not None:
        if row.content_hash != iv.content_hash:
            raise LandscapeError.of(
                "S105",
                f"{iv.ref} was recorded with content {row.content_hash[:19]}… but is now "
                f"{iv.content_hash[:19]}…",
                Location(file=iv.source_file),
            )
        return row.id
    row = InstrumentVersionRow(
        instrument=iv.instrument, version=str(iv.version), content_hash=iv.content_hash,
        content=canonical_json(iv.data), recorded_at=utc_now(),
    )
    try:
        with session.begin_nested():  # a savepoint: a concurrent first save may win
            session.add(row)
    except IntegrityError:
        return instrument_row_id(session, iv)  # recorded meanwhile: use (and check) that row
    return row.id


def record_instrument(store: Store, iv: InstrumentVersion) -> int:
    """Record an instrument version (with a snapshot of its content); return its row id.

    Recording the same version twice is harmless; the same version with different
    content is refused (``S105``).

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: Demo\\n"
    ...     "questions: [{code: name, type: free_text, label: Name}]")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> record_instrument(store, iv) == record_instrument(store, iv)
    True
    """
    with store.write() as session:
        return instrument_row_id(session, iv)


def load_recorded_instrument(store: Store, instrument: str, version: str) -> InstrumentVersion:
    """Rebuild an instrument version from the snapshot kept in the store."""
    with store.session() as session:
        row = session.execute(
            select(InstrumentVersionRow).where(
                InstrumentVersionRow.instrument == instrument,
                InstrumentVersionRow.version == version,
            )
        ).scalar_one_or_none()
    if row is None:
        raise LandscapeError.of("I110", f"{instrument}@{version} is not recorded in the store")
    return _parse_snapshot(row.content, f"<store {instrument}@{version}>")


@functools.lru_cache(maxsize=64)
def _parse_snapshot(content: str, file: str) -> InstrumentVersion:
    """A recorded snapshot, parsed once per content: snapshots never change (``S105``)
    and :class:`InstrumentVersion` is frozen, so every reader can share the result
    (parsing took half of each explorer filter change at 20,000 respondents)."""
    try:
        data = json.loads(content)  # snapshots are canonical JSON
    except ValueError:
        return parse_instrument_text(content, file)  # not JSON: read it as YAML
    # Read as JSON, not as YAML: YAML 1.1 reads JSON's 1e-05 as text, so a recorded
    # minimum of 0.00001 made the version unreadable (I104); and it is ten times faster.
    return parse_instrument(with_lines(data), file)
