"""Saving responses: one from the web form, or many from an import, all or nothing.

Every response is validated (:func:`survey.store.validation.validate_answers`)
before anything is written. Answers go to ``answers`` (one JSON value per
question) and, for ranking questions, also to the long ``ranking_answers`` table
the analysis frame reads.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as _encode_str
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from survey.answers import ShownFn, is_empty, question_map
from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.model import InstrumentVersion, QuestionType
from survey.store.engine import Store, serialise
from survey.store.frame import new_respondent_id
from survey.store.instruments import canonical_json, instrument_row_id, utc_now
from survey.store.invitations import invitation_for_token
from survey.store.models import Answer, Invitation, RankingAnswer, Respondent, Response
from survey.store.validation import validate_answers

__all__ = ["ResponseRow", "save_response", "save_responses"]

_SOURCES = ("web", "import")
_MAX_REPORTED = 200


def _table(model: type[Any]) -> Table:
    # Core inserts (executemany) are much faster than ORM unit-of-work for bulk rows.
    return cast(Table, model.__table__)


def _encode(value: Any) -> str:
    """``canonical_json(value)``, with fast paths for the shapes answers take (bulk imports)."""
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is int:
        return int.__repr__(value)
    if kind is list and all(type(v) is str for v in value):
        return "[" + ",".join(map(_encode_str, value)) + "]"
    if kind is dict and all(type(k) is str and type(v) is int for k, v in value.items()):
        return "{" + ",".join(f"{_encode_str(k)}:{int.__repr__(value[k])}"
                              for k in sorted(value)) + "}"
    return canonical_json(value)


def _payload_hash(answers: Mapping[str, Any], path: str | None, state: str,
                  encoded: Mapping[str, str] | None = None) -> str:
    """SHA-256 of ``canonical_json({"answers": answers, "path": path, "state": state})``.

    Assembled from each answer's own encoding (``encoded``, when the caller has it),
    which gives exactly the same text as encoding the whole mapping at once.
    """
    parts = []
    for key in sorted(answers):
        text = encoded.get(key) if encoded is not None else None
        parts.append(f"{_encode_str(key)}:{text if text is not None else _encode(answers[key])}")
    blob = (f'{{"answers":{{{",".join(parts)}}},"path":{_encode(path)},'
            f'"state":{_encode(state)}}}')
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ResponseRow:
    """One response for :func:`save_responses` (an imported row, usually)."""

    answers: Mapping[str, Any]
    source_row: int | None = None
    path: str | None = None
    state: str = "complete"
    respondent_id: str | None = None
    idempotency_key: str | None = None
    #: Attributes (nation, region, organisation_type) of a new pseudonymous respondent
    #: created with the response (imports), when ``respondent_id`` is not given.
    respondent: Mapping[str, str | None] | None = None


_Row = tuple[Any, ...]


def _answer_rows(response_id: str, iv: InstrumentVersion, answers: Mapping[str, Any],
                 encoded: dict[str, str] | None = None) -> tuple[list[_Row], list[_Row]]:
    """Rows of ``answers`` (response_id, question_code, value) and ``ranking_answers``.

    ``encoded`` (if given) receives each answer's JSON text, for :func:`_payload_hash`.
    """
    plain: list[_Row] = []
    ranks: list[_Row] = []
    questions = question_map(iv)
    for key, value in answers.items():
        if type(value) is str:  # the commonest case first: one C call, no checks
            if not value:
                continue
            text = _encode_str(value)
        elif is_empty(value):
            continue
        else:
            text = _encode(value)
            if isinstance(value, Mapping):
                q = questions.get(key)
                if q is not None and q.type is QuestionType.RANKING:
                    ranks.extend((response_id, key, option, int(rank))
                                 for option, rank in value.items())
        if encoded is not None:
            encoded[key] = text
        plain.append((response_id, key, text))
    return plain, ranks


def _bulk_insert(session: Session, table: Table, columns: Sequence[str],
                 rows: Sequence[_Row]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, the driver's executemany on SQLite.

    Per-row SQLAlchemy parameter processing costs more than the insert itself at
    millions of rows. Only for tables whose column values need no conversion.
    """
    if not rows:
        return
    conn = session.connection()
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        dbapi: Any = conn.connection.dbapi_connection  # psycopg 3: has COPY
        # Table and column names are the models' own, never input.
        with dbapi.cursor() as cursor, \
                cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608
                             list(rows))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def _insert_answers(session: Session, plain: Sequence[_Row], ranks: Sequence[_Row]) -> None:
    _bulk_insert(session, _table(Answer), ("response_id", "question_code", "value"), plain)
    _bulk_insert(session, _table(RankingAnswer),
                 ("response_id", "question_code", "option_code", "rank"), ranks)


def _resolve_token(session: Session, token: str, iv_id: int) -> Invitation:
    invitation = invitation_for_token(session, token)
    if invitation is None or invitation.instrument_version_id != iv_id:
        raise LandscapeError.of("S109", "this link is not valid for this survey")
    return invitation


def save_response(
    store: Store,
    instrument_version: InstrumentVersion,
    answers: Mapping[str, Any],
    *,
    source: str = "web",
    respondent_id: str | None = None,
    token: str | None = None,
    state: str = "complete",
    path: str | None = None,
    idempotency_key: str | None = None,
    source_file: str | None = None,
    source_row: int | None = None,
    is_shown: ShownFn | None = None,
) -> str:
    """Validate and save one response; return its id.

    A response is found again by ``idempotency_key`` or, for an invited
    respondent (``token`` or ``respondent_id``), by respondent and version.
    Saving the same payload again returns the same id; a different payload
    updates an ``in_progress`` response (save and come back) but is refused for a
    ``complete`` one (``S107``). A completed invitation's token is marked used.
    Invalid answers raise ``LandscapeError`` with one ``S106`` issue per question
    and nothing is written.

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: Demo\\n"
    ...     "questions: [{code: n, type: number, label: Count, min: 0}]")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> rid = save_response(store, iv, {"n": 3}, idempotency_key="k1")
    >>> save_response(store, iv, {"n": 3}, idempotency_key="k1") == rid
    True
    """
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {_SOURCES}")
    issues = validate_answers(instrument_version, answers, path=path, state=state,
                              is_shown=is_shown,
                              location=Location(file=source_file, row=source_row))
    if issues:
        raise LandscapeError(issues)
    payload = _payload_hash(answers, path, state)
    now = utc_now()
    with store.write() as session:
        iv_id = instrument_row_id(session, instrument_version)
        invitation = None
        if token is not None:
            invitation = _resolve_token(session, token, iv_id)
            if respondent_id is not None and respondent_id != invitation.respondent_id:
                raise LandscapeError.of("S109", "the link belongs to another respondent")
            respondent_id = invitation.respondent_id
        elif respondent_id is not None and session.get(Respondent, respondent_id) is None:
            raise LandscapeError.of("S109", f"no respondent '{respondent_id}' in the frame")
        # Saves of the same response queue here, so each finds what the one before stored.
        serialise(session, *([f"response-key:{idempotency_key}"] if idempotency_key else []),
                  *([f"respondent:{respondent_id}:{iv_id}"] if respondent_id else []))
        existing: Response | None = None
        if idempotency_key is not None:
            existing = session.execute(
                select(Response).where(Response.idempotency_key == idempotency_key)
            ).scalar_one_or_none()
        if existing is None and respondent_id is not None:
            existing = session.execute(
                select(Response).where(Response.respondent_id == respondent_id,
                                       Response.instrument_version_id == iv_id)
            ).scalars().first()
        if existing is not None and idempotency_key is not None and (
                existing.respondent_id != respondent_id
                or existing.instrument_version_id != iv_id):
            # A key names one respondent's response to one version: never let it reach
            # (or reveal) another respondent's answers or another version's response.
            raise LandscapeError.of(
                "S109", f"the idempotency key '{idempotency_key}' belongs to another "
                f"{'respondent' if existing.instrument_version_id == iv_id else 'survey version'}"
                f" (response {existing.id}); use a new key for this response")
        if existing is not None:
            if existing.payload_hash == payload:
                return existing.id
            if existing.state == "complete":
                raise LandscapeError.of(
                    "S107", f"response {existing.id} was completed "
                    f"{existing.completed_at:%Y-%m-%d %H:%M} with different answers",
                )
            response_id = existing.id
            session.execute(delete(Answer).where(Answer.response_id == response_id))
            session.execute(delete(RankingAnswer).where(RankingAnswer.response_id
                                                        == response_id))
            session.execute(update(Response).where(Response.id == response_id).values(
                path=path, state=state, updated_at=now, payload_hash=payload,
                completed_at=now if state == "complete" else None,
                idempotency_key=existing.idempotency_key or idempotency_key,
            ))
        else:
            response_id = uuid.uuid4().hex
            session.add(Response(
                id=response_id, respondent_id=respondent_id, instrument_version_id=iv_id,
                instrument=instrument_version.instrument,
                version=str(instrument_version.version),
                content_hash=instrument_version.content_hash, path=path, state=state,
                started_at=now, completed_at=now if state == "complete" else None,
                updated_at=now, source=source, source_file=source_file, source_row=source_row,
                idempotency_key=idempotency_key, payload_hash=payload,
            ))
            session.flush()
        _insert_answers(session, *_answer_rows(response_id, instrument_version, answers))
        if invitation is not None and state == "complete":
            invitation.used_at = now
        return response_id


def save_responses(
    store: Store,
    iv: InstrumentVersion,
    rows: Iterable[ResponseRow | Mapping[str, Any]],
    source_file: str,
    *,
    source: str = "import",
    is_shown: ShownFn | None = None,
) -> list[str]:
    """Validate every row, then insert them all in one transaction; return their ids.

    All or nothing: if any row is invalid, ``LandscapeError`` lists the problems
    (``file:row:question``, at most 200) and nothing is written. A plain mapping
    is taken as the answers of row ``position + 1``. Rows whose
    ``idempotency_key`` is already stored with the same payload are not inserted
    again (their existing id is returned); with a different payload they fail
    (``S107``). A new row with ``respondent`` attributes gets a new pseudonymous
    respondent. Every row is checked: no save path skips the answer rules.

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: Demo\\n"
    ...     "questions: [{code: n, type: number, label: Count, min: 0}]")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> len(save_responses(store, iv, [{"n": 1}, {"n": 2}], "demo.csv"))
    2
    """
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {_SOURCES}")
    prepared: list[ResponseRow] = []
    issues: list[Issue] = []
    for position, row in enumerate(rows, start=1):
        item = row if isinstance(row, ResponseRow) else ResponseRow(answers=row,
                                                                    source_row=position)
        prepared.append(item)
        if len(issues) < _MAX_REPORTED:
            issues.extend(validate_answers(
                iv, item.answers, path=item.path, state=item.state, is_shown=is_shown,
                location=Location(file=source_file, row=item.source_row or position),
            ))
    if issues:
        raise LandscapeError(issues[:_MAX_REPORTED])
    now = utc_now()
    ids: list[str] = []
    response_rows: list[dict[str, Any]] = []
    plain: list[_Row] = []
    ranks: list[_Row] = []
    respondents: list[dict[str, Any]] = []
    with store.write() as session:
        iv_id = instrument_row_id(session, iv)
        keys = [r.idempotency_key for r in prepared if r.idempotency_key is not None]
        known: dict[str, tuple[str, str]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for rid, key, payload in session.execute(
                select(Response.id, Response.idempotency_key, Response.payload_hash)
                .where(Response.idempotency_key.in_(chunk))
            ):
                known[str(key)] = (rid, payload)
        for position, item in enumerate(prepared, start=1):
            rid = uuid.uuid4().hex
            encoded: dict[str, str] = {}
            row_plain, row_ranks = _answer_rows(rid, iv, item.answers, encoded)
            payload = _payload_hash(item.answers, item.path, item.state, encoded)
            if item.idempotency_key is not None and item.idempotency_key in known:
                rid, stored = known[item.idempotency_key]
                if stored != payload:
                    issues.append(issue(
                        "S107", f"key '{item.idempotency_key}' was saved with other answers",
                        Location(file=source_file, row=item.source_row or position)))
                ids.append(rid)
                continue
            ids.append(rid)
            if item.idempotency_key is not None:
                known[item.idempotency_key] = (rid, payload)
            respondent_id = item.respondent_id
            if respondent_id is None and item.respondent is not None:
                respondent_id = new_respondent_id()
                respondents.append({
                    "id": respondent_id, "nation": item.respondent.get("nation"),
                    "region": item.respondent.get("region"),
                    "organisation_type": item.respondent.get("organisation_type"),
                    "instrument": iv.instrument, "created_at": now})
            response_rows.append({
                "id": rid, "respondent_id": respondent_id, "instrument_version_id": iv_id,
                "instrument": iv.instrument, "version": str(iv.version),
                "content_hash": iv.content_hash, "path": item.path, "state": item.state,
                "started_at": now, "completed_at": now if item.state == "complete" else None,
                "updated_at": now, "source": source, "source_file": source_file,
                "source_row": item.source_row or position,
                "idempotency_key": item.idempotency_key, "payload_hash": payload,
            })
            plain.extend(row_plain)
            ranks.extend(row_ranks)
        if issues:
            raise LandscapeError(issues[:_MAX_REPORTED])
        if respondents:
            session.execute(insert(_table(Respondent)), respondents)
        if response_rows:
            session.execute(insert(_table(Response)), response_rows)
        _insert_answers(session, plain, ranks)
    return ids
