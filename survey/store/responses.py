"""Saving responses (checked against their instrument) and reading rankings back fast.

Answer values, by question type (the JSON kept in ``answers.value``):

==================  ==========================================================
``single_choice``   an option code (``"other"`` when the question has ``other``)
``multiple_choice`` a list of distinct option codes (may include ``"other"``)
``ranking``         ``{option_code: rank}``, rank 1 = most important
``free_text``       text; ``organisation``: text (a name)
``rating``          a whole number on the scale; ``number``: a number
``place``           a nation or ITL1 region code (``survey.instrument.places``)
``consent``         ``true`` / ``false``
==================  ==========================================================

The "please specify" text of an ``other`` choice goes under the key
``"<question_code>.other"``.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as _encode_str
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.loader import parse_instrument_text
from survey.instrument.model import InstrumentVersion, Question, QuestionType
from survey.instrument.places import REGIONS, places_for
from survey.store.engine import Store
from survey.store.frame import new_respondent_id
from survey.store.models import (
    Answer,
    InstrumentVersionRow,
    Invitation,
    RankingAnswer,
    Respondent,
    Response,
)

__all__ = [
    "PROFILE_FIELDS",
    "ResponseRow",
    "analysis_frame",
    "hash_token",
    "load_recorded_instrument",
    "record_instrument",
    "resolve_profiles",
    "save_response",
    "save_responses",
    "validate_answers",
]


def _table(model: type[Any]) -> Table:
    # Core inserts (executemany) are much faster than ORM unit-of-work for bulk rows.
    return cast(Table, model.__table__)

#: Decides whether a question was shown, given the answers so far (skip logic).
ShownFn = Callable[[Question, Mapping[str, Any]], bool]

_STATES = ("in_progress", "complete")
_SOURCES = ("web", "import")
_MAX_REPORTED = 200


def _now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of an invitation token.

    Examples
    --------
    >>> len(hash_token("abc"))
    64
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _encode(value: Any) -> str:
    """``_canonical(value)``, with fast paths for the shapes answers take (bulk imports)."""
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
    return _canonical(value)


def _payload_hash(answers: Mapping[str, Any], path: str | None, state: str,
                  encoded: Mapping[str, str] | None = None) -> str:
    """SHA-256 of ``_canonical({"answers": answers, "path": path, "state": state})``.

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


_QUESTION_MAPS: dict[int, tuple[InstrumentVersion, dict[str, Question]]] = {}


_OPTION_SETS: dict[int, tuple[Question, frozenset[str]]] = {}


def _options_of(q: Question) -> frozenset[str]:
    """The option codes of ``q`` as a set (cached: ``q.option`` scans the tuple)."""
    hit = _OPTION_SETS.get(id(q))
    if hit is None or hit[0] is not q:
        if len(_OPTION_SETS) > 4096:
            _OPTION_SETS.clear()
        hit = (q, frozenset(q.option_codes))
        _OPTION_SETS[id(q)] = hit
    return hit[1]


def _questions_of(iv: InstrumentVersion) -> dict[str, Question]:
    """``{code: question}`` of ``iv`` (cached: ``iv.question`` scans the tuple)."""
    hit = _QUESTION_MAPS.get(id(iv))
    if hit is None or hit[0] is not iv:
        if len(_QUESTION_MAPS) > 64:
            _QUESTION_MAPS.clear()
        hit = (iv, {q.code: q for q in iv.questions})
        _QUESTION_MAPS[id(iv)] = hit  # keeps iv alive, so its id is not reused
    return hit[1]


# -- instruments ---------------------------------------------------------------


def _instrument_id(session: Session, iv: InstrumentVersion) -> int:
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
        content=_canonical(iv.data), recorded_at=_now(),
    )
    session.add(row)
    session.flush()
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
        return _instrument_id(session, iv)


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
    # JSON is YAML, so the loader reads the snapshot directly.
    return parse_instrument_text(row.content, f"<store {instrument}@{version}>")


# -- validation ------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite(value: int | float) -> bool:
    # inf/NaN are not JSON and break comparisons; an int too big for a float overflows
    # every later float conversion (analysis, exports), so it is refused as well.
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _check_ranking(q: Question, value: Any) -> str | None:
    if not isinstance(value, Mapping) or not value:
        return "give a mapping of option code to rank, e.g. {'a': 1, 'b': 2}"
    options = _options_of(q)
    unknown = [str(code) for code in value if str(code) not in options]
    if unknown:
        return (f"unknown option(s) {', '.join(sorted(unknown))}; options are "
                f"{', '.join(q.option_codes)}")
    ranks = list(value.values())
    if not all(isinstance(r, int) and not isinstance(r, bool) for r in ranks):
        return "every rank must be a whole number"
    rule = q.ranking
    assert rule is not None
    n = len(q.options)
    positions = rule.positions(n)
    if any(not 1 <= r <= positions for r in ranks):
        return f"ranks must be between 1 and {positions}"
    if rule.mode == "full" and len(value) != n:
        missing = [c for c in q.option_codes if c not in value]
        return f"rank every option: {', '.join(missing)} not ranked"
    if rule.ties == "forbid":
        if len(set(ranks)) != len(ranks):
            return "each rank may be used once (no ties)"
        if sorted(ranks) != list(range(1, len(ranks) + 1)):
            return f"ranks must be 1 to {len(ranks)} without gaps"
        if rule.mode == "top_k" and len(value) != positions:
            return f"rank exactly your top {positions}"
    return None


def _check_value(q: Question, value: Any) -> str | None:
    t = q.type
    if t is QuestionType.RANKING:
        return _check_ranking(q, value)
    if t is QuestionType.SINGLE_CHOICE:
        if not isinstance(value, str) or (value not in _options_of(q)
                                          and not (q.other and value == "other")):
            return f"'{value}' is not one of {', '.join(q.option_codes)}"
        return None
    if t is QuestionType.MULTIPLE_CHOICE:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "give a list of option codes"
        options = _options_of(q)
        bad = [v for v in value if v not in options and not (q.other and v == "other")]
        if bad:
            return f"unknown option(s) {', '.join(bad)}"
        if len(set(value)) != len(value):
            return "an option is chosen more than once"
        return None
    if t in (QuestionType.FREE_TEXT, QuestionType.ORGANISATION):
        if not isinstance(value, str):
            return "give text"
        if q.max_length is not None and len(value) > q.max_length:
            return f"at most {q.max_length} characters (got {len(value)})"
        return None
    if t is QuestionType.RATING:
        assert q.scale is not None
        if not isinstance(value, int) or isinstance(value, bool) \
                or not q.scale.min <= value <= q.scale.max:
            return f"give a whole number from {q.scale.min} to {q.scale.max}"
        return None
    if t is QuestionType.NUMBER:
        if not _is_number(value):
            return "give a number"
        if not _is_finite(value):
            return "give a finite number (not infinity, NaN or one too large to store)"
        if q.integer and float(value) != int(value):
            return "give a whole number"
        if q.minimum is not None and value < q.minimum:
            return f"must be at least {q.minimum:g}"
        if q.maximum is not None and value > q.maximum:
            return f"must be at most {q.maximum:g}"
        return None
    if t is QuestionType.PLACE:
        codes = [p.code for p in places_for(q.place_level or "region")]
        if value not in codes:
            return f"'{value}' is not a {q.place_level or 'region'} code ({', '.join(codes)})"
        return None
    if t is QuestionType.CONSENT:
        return None if isinstance(value, bool) else "give true or false"
    return None  # pragma: no cover - every type is handled above


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _logic_is_shown(iv: InstrumentVersion, q: Question, answers: Mapping[str, Any]) -> bool:
    from survey.instrument.logic import is_shown

    return is_shown(iv, q, answers)


def validate_answers(
    iv: InstrumentVersion,
    answers: Mapping[str, Any],
    *,
    path: str | None = None,
    state: str = "complete",
    is_shown: ShownFn | None = None,
    location: Location | None = None,
) -> list[Issue]:
    """Every problem with ``answers`` to ``iv``, one ``S106`` issue per question.

    Checks option codes, ranking rules (full = strict permutation 1..n, top_k,
    ties), number and rating ranges, places, and - for a ``complete`` response -
    that every required question shown was answered. Whether a question was
    shown is decided by the instrument's skip logic
    (:func:`survey.instrument.logic.is_shown`) unless ``is_shown(question,
    answers)`` is given.
    Empty values (``None``, ``""``, ``[]``) count as unanswered.

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - code: top
    ...     type: ranking
    ...     label: Rank these
    ...     options: [{code: a, label: A}, {code: b, label: B}]
    ... ''')
    >>> [i.message for i in validate_answers(iv, {"top": {"a": 1, "b": 1}})]
    ['each rank may be used once (no ties)']
    """
    base = location or Location()
    issues: list[Issue] = []

    def add(code: str | None, message: str) -> None:
        where = Location(file=base.file, row=base.row, column=code, question=code)
        issues.append(issue("S106", message, where))

    if state not in _STATES:
        add(None, f"state '{state}' is not one of {', '.join(_STATES)}")
    if path is not None and iv.paths and iv.path(path) is None:
        add(None, f"path '{path}' is not one of {', '.join(p.code for p in iv.paths)}")
    questions = _questions_of(iv)
    for key, value in answers.items():
        code, _, suffix = key.partition(".")
        q = questions.get(code)
        if q is None or (suffix and suffix != "other"):
            add(key, f"{iv.ref} has no question '{key}'")
            continue
        if _is_empty(value):
            continue
        if suffix == "other":
            if not q.other or not isinstance(value, str):
                add(key, "'other' text is only for a question with an 'other' option")
            continue
        if path is not None and q.path is not None and q.path != path:
            add(code, f"the question is on path '{q.path}', not on the path taken ('{path}')")
            continue
        problem = _check_value(q, value)
        if problem:
            add(code, problem)
    if state == "complete":
        for q in iv.questions:
            if not q.required or not _is_empty(answers.get(q.code)):
                continue
            if is_shown is not None:
                shown = is_shown(q, answers)
            else:
                shown = _logic_is_shown(iv, q, answers)
            if shown:
                add(q.code, "this question must be answered")
    return issues


# -- saving ------------------------------------------------------------------------


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
    questions = _questions_of(iv)
    for key, value in answers.items():
        if type(value) is str:  # the commonest case first: one C call, no checks
            if not value:
                continue
            text = _encode_str(value)
        elif _is_empty(value):
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
    invitation = session.execute(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).scalar_one_or_none()
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
    now = _now()
    with store.write() as session:
        iv_id = _instrument_id(session, instrument_version)
        invitation = None
        if token is not None:
            invitation = _resolve_token(session, token, iv_id)
            if respondent_id is not None and respondent_id != invitation.respondent_id:
                raise LandscapeError.of("S109", "the link belongs to another respondent")
            respondent_id = invitation.respondent_id
        elif respondent_id is not None and session.get(Respondent, respondent_id) is None:
            raise LandscapeError.of("S109", f"no respondent '{respondent_id}' in the frame")
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
    validate: bool = True,
) -> list[str]:
    """Validate every row, then insert them all in one transaction; return their ids.

    All or nothing: if any row is invalid, ``LandscapeError`` lists the problems
    (``file:row:question``, at most 200) and nothing is written. A plain mapping
    is taken as the answers of row ``position + 1``. Rows whose
    ``idempotency_key`` is already stored with the same payload are not inserted
    again (their existing id is returned); with a different payload they fail
    (``S107``). A new row with ``respondent`` attributes gets a new pseudonymous
    respondent. ``validate=False`` skips the answer checks, for callers (the
    importer) that have just run :func:`validate_answers` on every row themselves.

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
        if validate and len(issues) < _MAX_REPORTED:
            issues.extend(validate_answers(
                iv, item.answers, path=item.path, state=item.state, is_shown=is_shown,
                location=Location(file=source_file, row=item.source_row or position),
            ))
    if issues:
        raise LandscapeError(issues[:_MAX_REPORTED])
    now = _now()
    ids: list[str] = []
    response_rows: list[dict[str, Any]] = []
    plain: list[_Row] = []
    ranks: list[_Row] = []
    respondents: list[dict[str, Any]] = []
    with store.write() as session:
        iv_id = _instrument_id(session, iv)
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


# -- the analysis frame ----------------------------------------------------------------


def _fetch_all(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    """All rows of ``query`` as plain tuples, straight from the DBAPI cursor.

    Building a SQLAlchemy ``Row`` per result row (and pandas probing each one)
    costs more than the query itself at millions of rows.
    """
    compiled = query.compile(dialect=conn.dialect,
                             compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _option_order(store: Store, question_code: str, instrument: str | None) -> list[str]:
    with store.session() as session:
        query = select(InstrumentVersionRow.instrument, InstrumentVersionRow.version)
        if instrument is not None:
            query = query.where(InstrumentVersionRow.instrument == instrument)
        recorded = session.execute(query).all()
    order: list[str] = []
    # Newest version first, so its order wins; older versions add options it dropped.
    for name, version in sorted(recorded, key=lambda r: tuple(int(p) for p in
                                                              r[1].split(".")), reverse=True):
        q = load_recorded_instrument(store, name, version).question(question_code)
        if q is not None:
            order.extend(c for c in q.option_codes if c not in order)
    return order


#: The respondent profile fields: from the frame record, else the response's own answers.
PROFILE_FIELDS: tuple[str, ...] = ("nation", "region", "organisation_type")
# A nation with exactly one ITL1 region (Wales, Scotland, Northern Ireland) is its own region.
_ONLY_REGION: dict[str, str] = {
    nation: codes[0] for nation, codes in (
        (n, [r.code for r in REGIONS if r.nation == n]) for n in {r.nation for r in REGIONS})
    if len(codes) == 1}


def resolve_profiles(conn: Connection, profiles: pd.DataFrame,
                     conditions: Sequence[Any] = ()) -> pd.DataFrame:
    """Fill each response's :data:`PROFILE_FIELDS` the one way every reader does.

    ``profiles`` is indexed by response id and holds the frame record's values
    (``None`` where there is no record, as for open-link responses). A missing
    value is taken from the response's own answer to the question with that code
    (``nation``, ``region``, ``organisation_type``); then a nation with a single
    ITL1 region is its own region, as in the frame import. ``conditions`` narrow
    the responses whose answers are read (they should select the same responses).
    Returns a copy with the three columns resolved.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> given = pd.DataFrame({"nation": ["wales"], "region": [None],
    ...                       "organisation_type": [None]}, index=["r1"], dtype=object)
    >>> with store.engine.connect() as conn:
    ...     resolve_profiles(conn, given).loc["r1", "region"]
    'wales'
    """
    out = profiles.copy()
    for field in PROFILE_FIELDS:
        out[field] = out[field].astype(object)
    # Only responses missing a frame value need their answers read: usually the
    # open-link ones, so the lookup stays small for a large invited frame.
    missing = or_(*(getattr(Respondent, f).is_(None) for f in PROFILE_FIELDS))
    answer_query = (
        select(Answer.response_id, Answer.question_code, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(Respondent, Respondent.id == Response.respondent_id)
        .where(Answer.question_code.in_(PROFILE_FIELDS), missing, *conditions)
    )
    given = pd.DataFrame.from_records(_fetch_all(conn, answer_query),
                                      columns=["response_id", "field", "value"])
    if not given.empty:
        given["value"] = given["value"].map(_answer_code)
        wide = given.pivot(index="response_id", columns="field", values="value")
        for field in wide.columns:
            fallback = wide[field].reindex(out.index).astype(object)
            out[field] = out[field].where(out[field].map(_is_code), fallback)
    own_region = out["nation"].map(lambda n: _ONLY_REGION.get(n) if _is_code(n) else None)
    out["region"] = out["region"].where(out["region"].map(_is_code), own_region)
    for field in PROFILE_FIELDS:
        out[field] = out[field].map(lambda v: v if _is_code(v) else None).astype(object)
    return out


def _is_code(value: Any) -> bool:
    return isinstance(value, str)


def _answer_code(value: str) -> str | None:
    # Profile answers are codes (JSON strings); anything else is no usable value.
    decoded = json.loads(value)
    return decoded if isinstance(decoded, str) else None


def analysis_frame(
    store: Store,
    question_code: str,
    instrument: str | None = None,
    *,
    version: str | None = None,
    nation: str | Sequence[str] | None = None,
    region: str | Sequence[str] | None = None,
    organisation_type: str | Sequence[str] | None = None,
    path: str | None = None,
) -> pd.DataFrame:
    """The rankings of one question: one row per complete response that answered it.

    Columns are the option codes (``Int64`` ranks, ``<NA>`` = not ranked, in the
    instrument's option order; also listed in ``frame.attrs["options"]``), then
    ``instrument``, ``version``, ``nation``, ``region``, ``organisation_type`` and
    ``path``. The index is the response id. ``instrument`` may be ``ID`` or
    ``ID@VERSION``; the other filters take one value or a list. Built from one
    SELECT of the long ``ranking_answers`` table, pivoted with numpy, so a million
    respondents read in seconds.

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - {code: top, type: ranking, label: Rank,
    ...      options: [{code: a, label: A}, {code: b, label: B}]}
    ... ''')
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> _ = save_responses(store, iv, [{"top": {"a": 2, "b": 1}}], "x.csv")
    >>> analysis_frame(store, "top")[["a", "b"]].to_numpy().tolist()
    [[2, 1]]
    """
    if instrument is not None and "@" in instrument:
        instrument, _, version = instrument.partition("@")

    def _values(value: str | Sequence[str] | None) -> list[str] | None:
        return None if value is None else [value] if isinstance(value, str) else list(value)

    conditions: list[Any] = [Response.state == "complete"]
    if instrument is not None:
        conditions.append(Response.instrument == instrument)
    if version is not None:
        conditions.append(Response.version == version)
    if path is not None:
        conditions.append(Response.path == path)
    # Nation, region and organisation type are filtered after resolve_profiles (the
    # frame record, else the response's own answers), as response_attributes does, so
    # an open-link respondent who answered 'wales' is kept by nation='wales'.
    profile_filters = {field: wanted for field, wanted in (
        ("nation", _values(nation)), ("region", _values(region)),
        ("organisation_type", _values(organisation_type))) if wanted is not None}
    # Two plain SELECTs, no join: the eligible responses (few columns, one row each)
    # and the question's long ranking rows (an index range scan). Matching them is a
    # hash lookup in pandas, far cheaper than a per-row join in the database.
    attribute_query = (
        select(Response.id, Response.instrument, Response.version, Respondent.nation,
               Respondent.region, Respondent.organisation_type, Response.path)
        .outerjoin(Respondent, Respondent.id == Response.respondent_id)
        .where(*conditions)
    )
    long_query = select(RankingAnswer.response_id, RankingAnswer.option_code,
                        RankingAnswer.rank).where(RankingAnswer.question_code == question_code)
    attributes = ["instrument", "version", "nation", "region", "organisation_type", "path"]
    # One transaction, so both reads see the same snapshot.
    with store.engine.connect() as conn, conn.begin():
        attrs = pd.DataFrame.from_records(_fetch_all(conn, attribute_query),
                                          columns=["response_id", *attributes])
        long = pd.DataFrame.from_records(_fetch_all(conn, long_query),
                                         columns=["response_id", "option_code", "rank"])
        attrs = resolve_profiles(conn, attrs.set_index("response_id", drop=False),
                                 conditions).reset_index(drop=True)
    if profile_filters:
        keep_rows = np.ones(len(attrs), dtype=bool)
        for field, wanted in profile_filters.items():
            keep_rows &= attrs[field].isin(wanted).to_numpy(dtype=bool)
        attrs = attrs[keep_rows].reset_index(drop=True)
    eligible = pd.Index(attrs["response_id"].astype(object))
    row_of = eligible.get_indexer(long["response_id"].astype(object))
    keep = row_of >= 0
    row_of = row_of[keep]
    option_values = long["option_code"].to_numpy(dtype=object)[keep]
    order = _option_order(store, question_code, instrument)
    order.extend(sorted(set(option_values) - set(order)))
    option_index = {code: i for i, code in enumerate(order)}
    column_of = pd.Series(option_values, dtype=object).map(option_index).to_numpy(np.int64)
    grid = np.zeros((len(eligible), len(order)), dtype=np.int64)
    present = np.zeros_like(grid, dtype=bool)
    grid[row_of, column_of] = long["rank"].to_numpy(dtype=np.int64)[keep]
    present[row_of, column_of] = True
    answered = present.any(axis=1)
    frame = pd.DataFrame(
        {code: pd.arrays.IntegerArray(grid[answered, i], ~present[answered, i])
         for i, code in enumerate(order)},
        index=pd.Index(eligible[answered], name="response_id", dtype=object),
    )
    for name in attributes:
        frame[name] = attrs[name].to_numpy(dtype=object)[answered]
    frame.attrs["options"] = list(order)
    frame.attrs["question"] = question_code
    return frame
