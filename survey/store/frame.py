"""The sampling frame: who is asked. Importing it, and purging its personal data.

A frame CSV (or XLSX, read by :func:`survey.tables.read_table`) has the columns ``name,
email, organisation, organisation_type, role, nation, region`` (``role`` and ``region``
may be blank; other columns are ignored, but a column named twice or a value beyond the
header is refused). Organisation types are matched to the instrument's (see
:func:`organisation_types`, :func:`read_type_map`). Each person becomes a
pseudonymous :class:`~survey.store.models.Respondent` (organisation type, nation,
region: what the monitor groups by) and a :class:`~survey.store.models.Contact`
holding the personal data, which :func:`purge_contacts` deletes after fieldwork.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from rapidfuzz import fuzz, process
from sqlalchemy import Table, delete, func, insert, select, text

from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.model import InstrumentVersion
from survey.instrument.places import NATIONS, REGIONS, Place, own_region
from survey.store.engine import Store
from survey.store.models import Contact, Respondent
from survey.tables import cell_outside, match_key, read_table
from survey.text import clip

__all__ = ["FRAME_COLUMNS", "FrameImport", "import_frame", "new_respondent_id",
           "organisation_types", "purge_contacts", "read_type_map", "type_key"]


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
_WORD = re.compile(r"[^\W_]+")
#: The most characters each personal-data column holds (its database column's length).
_LENGTHS: dict[str, int] = {
    name: int(getattr(_table(Contact).c[name].type, "length", 0))
    for name in ("name", "email", "organisation", "role")}


def new_respondent_id() -> str:
    """A fresh pseudonymous respondent id: random, meaningless, not personal data.

    Examples
    --------
    >>> rid = new_respondent_id(); rid.startswith("r") and len(rid) == 21
    True
    """
    return "r" + secrets.token_hex(10)


def _normalise(value: str) -> str:
    return _CODE.sub("_", value.strip().lower()).strip("_")


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


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The frame's people as ``(row number, {column: value})``, row 1 being the header.

    Read by :func:`survey.tables.read_table` (UTF-8 with or without BOM, ``,``/``;``/tab,
    control characters refused at row:column without echoing the cell). A header
    naming a column twice, a cell beyond the named columns, or no one under the
    header is refused; blank rows are skipped.
    """
    table = read_table(path, unreadable="F101", empty="F111")
    file = str(path)
    header = [h.strip().lower() for h in table.rows[0]]
    seen: dict[str, int] = {}
    for number, name in enumerate(header, start=1):
        if name and name in seen:
            raise LandscapeError.of(
                "F112", f"column '{name}' is named twice (columns {seen[name]} and {number})",
                Location(file=file, row=1, column=name))
        seen.setdefault(name, number)
    missing = [c for c in FRAME_COLUMNS if c not in header]
    if missing:
        raise LandscapeError.of("F101", f"missing column(s): {', '.join(missing)}",
                                Location(file=file, row=1))
    outside = cell_outside(table.rows)
    if outside is not None:
        raise LandscapeError.of(
            "F113", f"the row has a value in column {outside[1]}, which the header does "
            f"not name (the header names {sum(1 for h in header if h)} columns)",
            Location(file=file, row=outside[0], column=str(outside[1])))
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(table.rows[1:], start=2):
        if any(cell.strip() for cell in cells):
            rows.append((number, {name: cell.strip() for name, cell in zip(header, cells,
                                                                               strict=False)
                                  if name}))
    if not rows:
        raise LandscapeError.of("F111", "the file has a header row but no one under it",
                                Location(file=file, row=2))
    return rows


def _places(row: Mapping[str, str], bad: Callable[[str, str, str], None]
            ) -> tuple[Place | None, Place | None]:
    """A row's nation and region (names or codes), reporting F103/F104 through ``bad``."""
    nation = _NATIONS.get(_normalise(row.get("nation", ""))) if row.get("nation") else None
    if row.get("nation") and nation is None:
        bad("F103", "nation", f"'{clip(row['nation'])}' is not a UK nation")
    region: Place | None = None
    if row.get("region"):
        region = _REGIONS.get(_normalise(row["region"])) or _REGIONS.get(
            row["region"].strip().lower())
        if region is None:
            bad("F103", "region", f"'{clip(row['region'])}' is not an ITL1 region")
        elif nation is not None and region.nation != nation.code:
            bad("F104", "region",
                f"'{clip(row['region'])}' is in {region.nation}, not {nation.code}")
    return nation, region


def organisation_types(versions: Iterable[InstrumentVersion]) -> dict[str, str]:
    """Every way the instruments write an organisation type, as ``{key: code}``.

    The ``organisation_type`` question's option codes and labels (every language),
    each keyed by :func:`type_key`. Empty when no version asks the question.

    Examples
    --------
    >>> from survey.instrument.registry import Catalogue
    >>> types = organisation_types([Catalogue.default().load("local_government")])
    >>> types[type_key("Unitary council")], types[type_key("UNITARY-authority")]
    ('unitary_authority', 'unitary_authority')
    """
    out: dict[str, str] = {}
    for version in versions:
        question = version.question("organisation_type")
        for option in question.options if question is not None else ():
            out[type_key(option.code)] = option.code
            for language in option.label.languages():
                out.setdefault(type_key(option.label.get(language) or ""), option.code)
    out.pop("", None)
    return out


def type_key(value: str) -> str:
    """How an organisation type is matched: case, spacing and punctuation ignored.

    Examples
    --------
    >>> type_key(" Local Enterprise Partnership (LEP) ")
    'local_enterprise_partnership_lep'
    """
    return "_".join(_WORD.findall(match_key(value)))


def _unknown_type(value: str, types: Mapping[str, str]) -> str:
    """The F115/F116 message for ``value``: the closest valid type and the list."""
    codes = sorted(set(types.values()))
    best = process.extractOne(type_key(value), list(types), scorer=fuzz.ratio)
    closest = f"; the closest is '{types[best[0]]}'" if best is not None else ""
    return (f"'{clip(value)}' is not an organisation type the instrument offers{closest} "
            f"(valid: {', '.join(codes)})")


def read_type_map(path: Path, types: Mapping[str, str] | None) -> dict[str, str]:
    """A frame's own organisation-type terms mapped to the instrument's: ``{key: code}``.

    ``path`` is a table (CSV or XLSX) with the columns ``frame_type`` and
    ``organisation_type``; each target is matched like a frame's value (code or
    label, case and punctuation ignored) against ``types`` (any code when None).

    Raises
    ------
    LandscapeError
        ``F116`` at row:column: a missing column, a blank cell, a term mapped
        twice, or a target that is not a type.
    """
    table = read_table(path, unreadable="F116", empty="F116")
    file = str(path)
    header = [h.strip().lower() for h in table.rows[0]]
    if "frame_type" not in header or "organisation_type" not in header:
        raise LandscapeError.of("F116", "the header must name frame_type and "
                                "organisation_type", Location(file=file, row=1))
    source, target = header.index("frame_type"), header.index("organisation_type")
    out: dict[str, str] = {}
    problems: list[Issue] = []
    for number, cells in enumerate(table.rows[1:], start=2):
        cells = [*cells, "", ""]
        term, wanted = cells[source].strip(), cells[target].strip()
        if not term and not wanted:
            continue
        where = Location(file=file, row=number, column="organisation_type")
        code = (types.get(type_key(wanted)) if types is not None
                else type_key(wanted) or None)
        if not term or code is None:
            problems.append(issue("F116", "a blank term or type" if not (term and wanted)
                                  else _unknown_type(wanted, types or {}), where))
        elif out.get(type_key(term), code) != code:
            problems.append(issue("F116", f"'{clip(term)}' is mapped twice", where))
        else:
            out[type_key(term)] = code
    if problems:
        raise LandscapeError(problems)
    return out


def _too_long(row: Mapping[str, str], bad: Callable[[str, str, str], None]) -> bool:
    """Report (F114) each value longer than its column holds; True if any was."""
    found = False
    for column, limit in _LENGTHS.items():
        length = len(row.get(column, ""))
        if length > limit:
            bad("F114", column, f"the value has {length:,} characters; at most {limit:,} "
                "fit (the value is not shown)")
            found = True
    return found


def _check_row(row: Mapping[str, str], bad: Callable[[str, str, str], None],
               types: Mapping[str, str] | None, type_map: Mapping[str, str]) -> str | None:
    """Report a row's empty, too long or unknown values; its organisation type code."""
    for column in _REQUIRED:
        if not row.get(column):
            bad("F106", column, f"'{column}' is empty")
    if _too_long(row, bad):
        return None
    raw = row.get("organisation_type", "")
    key = type_key(raw)
    if key in type_map:
        return type_map[key]
    if types is None:
        return key or None
    code = types.get(key)
    if raw and code is None:
        bad("F115", "organisation_type", _unknown_type(raw, types))
    return code


def import_frame(store: Store, path: Path, *, instrument: str | None = None,
                 types: Mapping[str, str] | None = None,
                 type_map: Mapping[str, str] | None = None) -> FrameImport:
    """Check every row of a frame CSV, then add all of them (or none) to the store.

    Errors name ``file:row:column`` (row 1 is the header) and never print a name
    or an email: a missing required value, a value longer than its column, a bad
    email, a nation or region that is neither a code nor an English name from
    :mod:`survey.instrument.places`, a region outside the nation, an email
    repeated in the file or already in the store, and (when ``types`` is given,
    see :func:`organisation_types`) an organisation
    type the instrument does not offer; ``type_map`` (:func:`read_type_map`)
    translates a frame's own terms first. ``instrument`` (an id) records which
    survey these people are in the frame for.

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
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    good: list[tuple[dict[str, str], str, str | None, str]] = []
    for number, row in _read(path):
        def bad(code: str, column: str, message: str, number: int = number) -> None:
            issues.append(issue(code, message, Location(file=str(path), row=number,
                                                        column=column)))

        type_code = _check_row(row, bad, types, type_map or {})
        email = row.get("email", "").lower()
        if email and len(email) <= _LENGTHS["email"] and not _EMAIL.match(email):
            bad("F102", "email", "the email is not an address (it is not shown here)")
        elif email in seen:
            bad("F105", "email", f"the email is also on row {seen[email]}")
        elif email:
            seen[email] = number
        nation, region = _places(row, bad)
        if nation is not None and type_code is not None:
            code = region.code if region else own_region(nation.code)
            good.append((row, nation.code, code, type_code))
    if issues:
        raise LandscapeError(issues)
    with store.write() as session:
        emails = list(seen)
        for start in range(0, len(emails), 500):
            clash = session.execute(
                select(Contact.email).where(Contact.email.in_(emails[start:start + 500]))
            ).scalars().all()
            issues.extend(
                issue("F105", "the email is already in the frame",
                      Location(file=str(path), row=seen[e], column="email"))
                for e in clash
            )
        if issues:
            raise LandscapeError(sorted(issues, key=lambda i: i.location.row or 0))
        now = datetime.now(UTC)
        respondents: list[dict[str, object]] = []
        contacts: list[dict[str, object]] = []
        by_nation: dict[str, int] = {}
        for row, nation_code, region_code, type_code in good:
            rid = new_respondent_id()
            respondents.append({"id": rid, "organisation_type": type_code,
                                "nation": nation_code, "region": region_code,
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
    the write-ahead log) until the space is reused, so no page may keep them. On
    PostgreSQL the table is emptied by ``TRUNCATE``, which gives the table and its
    indexes new, empty files at once: unlike ``DELETE`` + ``VACUUM FULL``, which
    copies rows another open transaction may still see into the new file, it keeps
    nothing whatever else is running. On SQLite the delete zeroes the freed cells
    (``secure_delete``, set on every connection), then the log is checkpointed and
    truncated and the file rebuilt (``VACUUM``); if another connection is reading
    meanwhile (a running ``landscape serve``), the log cannot be emptied and ``F117``
    says so (the contacts are deleted; running the purge again finishes the scrub).
    Returns how many contacts were deleted.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> purge_contacts(store)
    0
    """
    with store.write() as session:
        count = session.execute(select(func.count()).select_from(Contact)).scalar_one()
        if store.dialect == "postgresql":
            # No table refers to contacts, so nothing else is emptied (no CASCADE).
            session.execute(text("TRUNCATE contacts"))
        else:
            session.execute(delete(Contact))
    if store.dialect == "sqlite" and not _scrub_sqlite(store):
        raise LandscapeError.of(
            "F117", f"{count} contact(s) deleted, but another connection was reading the "
            "store, so its write-ahead log still holds their old pages")
    return int(count)


def _scrub_sqlite(store: Store) -> bool:
    """Rebuild the file and empty the log; False when a reader kept the log from emptying."""
    # VACUUM cannot run inside a transaction.
    with store.engine.connect() as conn:
        # The driver connection runs in autocommit (the engine issues BEGIN itself),
        # so these statements run outside any transaction.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            # Checkpoint before (so VACUUM starts from a short log) and after (the
            # rebuilt pages reach the main file and the log is truncated to zero).
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("VACUUM")
            busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError:
            return False  # "database is locked": another connection holds it
        finally:
            cursor.close()
    # busy: a reader still uses the log, which was neither copied back nor truncated.
    return int(busy) == 0
