"""Reading rankings back fast: the analysis frame and the respondent profiles.

The analysis frame is built from one SELECT of the long ``ranking_answers``
table, pivoted with numpy; profiles come from the frame record, else the
response's own answers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, or_, select

from survey.instrument.places import own_region
from survey.store.engine import Store
from survey.store.instruments import load_recorded_instrument
from survey.store.models import Answer, InstrumentVersionRow, RankingAnswer, Respondent, Response
from survey.store.revision import remembered

__all__ = ["PROFILE_FIELDS", "SavedResponse", "analysis_frame", "load_saved_response",
           "resolve_profiles"]


@dataclass(frozen=True, slots=True)
class SavedResponse:
    """A response as saved so far (for the web form to carry on from)."""

    response_id: str
    state: str
    #: The idempotency key it was saved under (the open link's resume key).
    key: str | None
    answers: dict[str, Any]


def load_saved_response(store: Store, instrument: str, version: str, *,
                        respondent_id: str | None = None,
                        key: str | None = None) -> SavedResponse | None:
    """The latest response to ``instrument@version`` by a respondent, or under a key.

    ``respondent_id`` finds an invited respondent's response; ``key`` (its
    idempotency key) an open-link one. None when there is none (or neither is given).

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> from survey.store.writing import save_response
    >>> iv = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: Demo\\n"
    ...     "questions: [{code: n, type: number, label: Count}]")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> _ = save_response(store, iv, {"n": 3}, state="in_progress", idempotency_key="k" * 32)
    >>> saved = load_saved_response(store, "demo", "1.0.0", key="k" * 32)
    >>> saved.state, saved.answers
    ('in_progress', {'n': 3})
    """
    query = select(Response.id, Response.state, Response.idempotency_key).where(
        Response.instrument == instrument, Response.version == version)
    if respondent_id is not None:
        query = query.where(Response.respondent_id == respondent_id)
    elif key is not None:
        query = query.where(Response.idempotency_key == key)
    else:
        return None
    with store.session() as session:
        row = session.execute(query.order_by(Response.updated_at.desc())).first()
        if row is None:
            return None
        answers = {code: json.loads(value) for code, value in session.execute(
            select(Answer.question_code, Answer.value).where(Answer.response_id == row[0]))}
    return SavedResponse(row[0], row[1], row[2], answers)


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
    # A nation with one ITL1 region (Wales, Scotland, Northern Ireland) is its own region.
    # Per distinct nation, not per respondent (100,000 calls took half a second).
    own = {n: own_region(n) for n in out["nation"].unique() if _is_code(n)}
    regions = out["nation"].map(own)  # not a code: NaN, made None below
    out["region"] = out["region"].where(_codes(out["region"]), regions)
    for field in PROFILE_FIELDS:
        out[field] = out[field].map(lambda v: v if _is_code(v) else None).astype(object)
    return out


def _codes(values: pd.Series) -> np.ndarray:
    """Which values are codes (strings), as a boolean array."""
    return np.fromiter((isinstance(v, str) for v in values.to_numpy(dtype=object)),
                       dtype=bool, count=len(values))


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
    >>> from survey.store.writing import save_responses
    >>> _ = save_responses(store, iv, [{"top": {"a": 2, "b": 1}}], "x.csv")
    >>> analysis_frame(store, "top")[["a", "b"]].to_numpy().tolist()
    [[2, 1]]
    """
    if instrument is not None and "@" in instrument:
        instrument, _, version = instrument.partition("@")
    # Nation, region and organisation type are filtered after resolve_profiles (the
    # frame record, else the response's own answers), as response_attributes does, so
    # an open-link respondent who answered 'wales' is kept by nation='wales'.
    profile_filters = {field: wanted for field, wanted in (
        ("nation", _values(nation)), ("region", _values(region)),
        ("organisation_type", _values(organisation_type))) if wanted is not None}
    # Read once per data revision (survey.store.revision): a filter change re-reads nothing.
    every, known = remembered(
        store, ("analysis_frame", question_code, instrument, version, path),
        lambda: _read_frame(store, question_code, instrument, version, path))
    if not profile_filters:
        return every.copy()
    keep = np.ones(len(every), dtype=bool)
    for field, wanted in profile_filters.items():
        keep &= every[field].isin(wanted).to_numpy(dtype=bool)
    frame = every[keep].copy()
    # An option no recorded version lists is a column only where a kept row ranks it.
    options = list(every.attrs["options"])
    unlisted = [code for code in options[known:] if not frame[code].notna().any()]
    frame = frame.drop(columns=unlisted)
    frame.attrs["options"] = [code for code in options if code not in unlisted]
    frame.attrs["question"] = question_code
    return frame


def _values(value: str | Sequence[str] | None) -> list[str] | None:
    return None if value is None else [value] if isinstance(value, str) else list(value)


def _read_frame(store: Store, question_code: str, instrument: str | None,
                version: str | None, path: str | None) -> tuple[pd.DataFrame, int]:
    """:func:`analysis_frame` of every respondent; and how many options the versions list."""
    conditions: list[Any] = [Response.state == "complete"]
    if instrument is not None:
        conditions.append(Response.instrument == instrument)
    if version is not None:
        conditions.append(Response.version == version)
    if path is not None:
        conditions.append(Response.path == path)
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
    eligible = pd.Index(attrs["response_id"].astype(object))
    row_of = eligible.get_indexer(long["response_id"].astype(object))
    keep = row_of >= 0
    row_of = row_of[keep]
    option_values = long["option_code"].to_numpy(dtype=object)[keep]
    order = _option_order(store, question_code, instrument)
    known = len(order)
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
    return frame, known
