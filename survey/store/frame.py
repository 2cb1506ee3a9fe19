"""The sampling frame: who is asked. Importing it, and purging its personal data.

A frame CSV has the columns ``name, email, organisation, organisation_type, role,
nation, region`` (``role`` and ``region`` may be blank). Each person becomes a
pseudonymous :class:`~survey.store.models.Respondent` (organisation type, nation,
region: what the monitor groups by) and a :class:`~survey.store.models.Contact`
holding the personal data, which :func:`purge_contacts` deletes after fieldwork.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select

from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.places import NATIONS, REGIONS, Place, own_region
from survey.store.engine import Store
from survey.store.models import Contact, Respondent
from survey.text import control_name, first_control

__all__ = ["FRAME_COLUMNS", "FrameImport", "import_frame", "new_respondent_id",
           "purge_contacts"]


def _table(model: type[Any]) -> Table:
    # Core inserts (executemany) are much faster than ORM unit-of-work for bulk rows.
    return cast(Table, model.__table__)

FRAME_COLUMNS: tuple[str, ...] = ("name", "email", "organisation", "organisation_type", "role",
                                  "nation", "region")
_REQUIRED = ("name", "email", "organisation", "organisation_type", "nation")
# Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is the
# mail server's business; this catches typing and column-shift errors.
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+$")
_CODE = re.compile(r"[^a-z0-9]+")


def new_respondent_id() -> str:
    """A fresh pseudonymous respondent id: random, meaningless, not personal data.

    Examples
    --------
    >>> rid = new_respondent_id(); rid.startswith("r") and len(rid) == 21
    True
    """
    return "r" + secrets.token_hex(10)


def _normalise(text: str) -> str:
    return _CODE.sub("_", text.strip().lower()).strip("_")


def _lookup(places: tuple[Place, ...]) -> dict[str, Place]:
    out: dict[str, Place] = {}
    for place in places:
        out[place.code] = place
        out[_normalise(place.en)] = place
        if place.itl1:
            out[place.itl1.lower()] = place
    return out


_NATIONS = _lookup(NATIONS)
_REGIONS = _lookup(REGIONS)


@dataclass(frozen=True, slots=True)
class FrameImport:
    """What an import did."""

    imported: int
    by_nation: dict[str, int]


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LandscapeError.of("F101", f"cannot read it: {exc}", Location(file=str(path))) \
            from None
    where = first_control(text)
    if where is not None:
        line = text.count("\n", 0, where - 1) + 1
        raise LandscapeError.of(
            "F101", f"line {line} holds the control character {control_name(text)}; text may "
            "hold tabs and line breaks only", Location(file=str(path), row=line))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in FRAME_COLUMNS if c not in header]
    if missing:
        raise LandscapeError.of("F101", f"missing column(s): {', '.join(missing)}",
                                Location(file=str(path), row=1))
    reader.fieldnames = header
    rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    return header, rows


def _places(row: Mapping[str, str], bad: Callable[[str, str, str], None]
            ) -> tuple[Place | None, Place | None]:
    """A row's nation and region (names or codes), reporting F103/F104 through ``bad``."""
    nation = _NATIONS.get(_normalise(row.get("nation", ""))) if row.get("nation") else None
    if row.get("nation") and nation is None:
        bad("F103", "nation", f"'{row['nation']}' is not a UK nation")
    region: Place | None = None
    if row.get("region"):
        region = _REGIONS.get(_normalise(row["region"])) or _REGIONS.get(
            row["region"].strip().lower())
        if region is None:
            bad("F103", "region", f"'{row['region']}' is not an ITL1 region")
        elif nation is not None and region.nation != nation.code:
            bad("F104", "region",
                f"'{row['region']}' is in {region.nation}, not {nation.code}")
    return nation, region


def import_frame(store: Store, path: Path, *, instrument: str | None = None) -> FrameImport:
    """Check every row of a frame CSV, then add all of them (or none) to the store.

    Errors name ``file:row:column`` (row 1 is the header): a missing required
    value, a bad email, a nation or region that is neither a code nor an English
    name from :mod:`survey.instrument.places`, a region outside the nation, or an
    email repeated in the file or already in the store. ``instrument`` (an id)
    records which survey these people are in the frame for.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> csv_path = pathlib.Path(tempfile.mkdtemp()) / "frame.csv"
    >>> _ = csv_path.write_text("name,email,organisation,organisation_type,role,nation,region\\n"
    ...     "Ann,ann@example.org,Cardiff Council,unitary,Officer,Wales,\\n")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> import_frame(store, csv_path).by_nation
    {'wales': 1}
    """
    _, rows = _read(path)
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    good: list[tuple[dict[str, str], str, str | None]] = []
    for number, row in enumerate(rows, start=2):
        def bad(code: str, column: str, message: str, number: int = number) -> None:
            issues.append(issue(code, message, Location(file=str(path), row=number,
                                                        column=column)))

        for column in _REQUIRED:
            if not row.get(column):
                bad("F106", column, f"'{column}' is empty")
        email = row.get("email", "").lower()
        if email and not _EMAIL.match(email):
            bad("F102", "email", f"'{row['email']}' is not an email address")
        elif email in seen:
            bad("F105", "email", f"'{row['email']}' is also on row {seen[email]}")
        elif email:
            seen[email] = number
        nation, region = _places(row, bad)
        if nation is not None:
            code = region.code if region else own_region(nation.code)
            good.append((row, nation.code, code))
    if issues:
        raise LandscapeError(issues)
    with store.write() as session:
        emails = list(seen)
        for start in range(0, len(emails), 500):
            clash = session.execute(
                select(Contact.email).where(Contact.email.in_(emails[start:start + 500]))
            ).scalars().all()
            issues.extend(
                issue("F105", f"'{e}' is already in the frame",
                      Location(file=str(path), row=seen[e], column="email"))
                for e in clash
            )
        if issues:
            raise LandscapeError(issues)
        now = datetime.now(UTC)
        respondents: list[dict[str, object]] = []
        contacts: list[dict[str, object]] = []
        by_nation: dict[str, int] = {}
        for row, nation_code, region_code in good:
            rid = new_respondent_id()
            respondents.append({"id": rid, "organisation_type": _normalise(
                row["organisation_type"]), "nation": nation_code, "region": region_code,
                "instrument": instrument, "created_at": now, "in_frame": True})
            contacts.append({"respondent_id": rid, "name": row["name"],
                             "email": row["email"].lower(), "organisation": row["organisation"],
                             "role": row.get("role") or None})
            by_nation[nation_code] = by_nation.get(nation_code, 0) + 1
        if respondents:
            session.execute(insert(_table(Respondent)), respondents)
            session.execute(insert(_table(Contact)), contacts)
    return FrameImport(imported=len(good), by_nation=dict(sorted(by_nation.items())))


def purge_contacts(store: Store) -> int:
    """Delete every contact (the personal data); keep respondents, answers and invitations.

    A plain ``DELETE`` leaves the old rows readable in free pages (and on SQLite in
    the write-ahead log) until the space is reused, so the freed space is scrubbed
    afterwards: on SQLite the delete zeroes the freed cells (``secure_delete``, set
    on every connection), then the log is checkpointed and truncated and the file
    rebuilt (``VACUUM``); on PostgreSQL ``VACUUM FULL contacts`` rewrites the table
    and its indexes into new files. Returns how many contacts were deleted.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> purge_contacts(store)
    0
    """
    with store.write() as session:
        count = session.execute(select(func.count()).select_from(Contact)).scalar_one()
        session.execute(delete(Contact))
    _scrub_freed_space(store)
    return int(count)


def _scrub_freed_space(store: Store) -> None:
    # VACUUM cannot run inside a transaction on either backend.
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            # The driver connection runs in autocommit (the engine issues BEGIN itself),
            # so these statements run outside any transaction.
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                # Checkpoint before (so VACUUM starts from a short log) and after (the
                # rebuilt pages reach the main file and the log is truncated to zero).
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.execute("VACUUM")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                cursor.close()
    elif store.dialect == "postgresql":
        # FULL (cheap on the now-empty table) writes new table and index files, so the
        # deleted emails do not linger in index pages or in reusable heap space.
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM FULL contacts")
