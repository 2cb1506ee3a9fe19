"""Reading rankings back fast: the analysis frame and the respondent profiles.

The analysis frame is built from one SELECT of the long ``ranking_answers``
table, pivoted by the database (one row per response); profiles come from the
frame record, else the response's own answers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, case, cast, func, literal_column, or_, select

from survey.instrument.places import own_region
from survey.store.bulk import bulk_read
from survey.store.engine import Store
from survey.store.instruments import load_recorded_instrument
from survey.store.models import Answer, InstrumentVersionRow, RankingAnswer, Respondent, Response
from survey.store.revision import remembered

__all__ = ["GROUP_FIELDS", "PROFILE_FIELDS", "SavedResponse", "analysis_frame",
           "load_saved_response", "resolve_profiles", "response_attributes"]

#: Fields that ``--by`` groups on and ``--where`` filters on.
GROUP_FIELDS: tuple[str, ...] = ("instrument", "version", "nation", "region",
                                 "organisation_type", "path")


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
    # One object array per field, changed in place, made columns once at the end.
    columns = {f: profiles[f].to_numpy(dtype=object, copy=True) for f in PROFILE_FIELDS}
    # Only responses missing a frame value need their answers read: usually the
    # open-link ones, so the lookup stays small for a large invited frame.
    missing = or_(*(getattr(Respondent, f).is_(None) for f in PROFILE_FIELDS))
    answer_query = (
        select(Answer.response_id, Answer.question_code, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(Respondent, Respondent.id == Response.respondent_id)
        .where(Answer.question_code.in_(PROFILE_FIELDS), missing, *conditions)
    )
    given = _fetch_all(conn, answer_query)
    if given:
        rows = profiles.index.get_indexer(pd.Index([r for r, _, _ in given], dtype=object))
        for row, (_, field, value) in zip(rows, given, strict=True):
            # The answer fills a field only where the frame record has no code.
            if row >= 0 and not _is_code(columns[field][row]):
                columns[field][row] = _answer_code(value)
    # A nation with one ITL1 region (Wales, Scotland, Northern Ireland) is its own region.
    # Per distinct nation, and only where the region is missing (100,000 calls took
    # half a second).
    nations, regions = columns["nation"], columns["region"]
    no_region = ~_codes(regions)
    if no_region.any():
        own = {n: own_region(n) for n in pd.unique(nations[no_region]) if _is_code(n)}
        regions[no_region] = [own.get(n) if _is_code(n) else None
                              for n in nations[no_region]]
    out = profiles.copy()
    for field, values in columns.items():
        # Not a code: NaN (what readers test for), whatever the frame or answer held.
        values[~_codes(values)] = np.nan
        out[field] = pd.Series(values, index=out.index, dtype=object)
    return out


def _codes(array: np.ndarray) -> np.ndarray:
    """Which entries of an object array are codes (strings)."""
    present = pd.notna(array)
    # Usually every value present is text (checked in C): then presence is the answer.
    if pd.api.types.infer_dtype(array[present], skipna=False) in ("string", "empty"):
        return present
    return np.fromiter((isinstance(v, str) for v in array), dtype=bool, count=len(array))


def _is_code(value: Any) -> bool:
    return isinstance(value, str)


def _answer_code(value: str) -> str | None:
    # Profile answers are codes (JSON strings); anything else is no usable value.
    decoded = json.loads(value)
    return decoded if isinstance(decoded, str) else None


def response_attributes(store: Store, instrument: str | None = None, *,
                        complete_only: bool = True, copy: bool = True) -> pd.DataFrame:
    """Every (complete) response's grouping fields, indexed by response id.

    Columns: :data:`GROUP_FIELDS`, then ``key`` (the idempotency key, e.g.
    ``demo:LG01``) and ``source_file``. Nation, region and organisation type come
    from the frame, falling back to the response's own answers. ``copy=False`` gives
    the frame kept for every caller (no copy of 100,000 rows): read it, never change it.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> list(response_attributes(store).columns)[:3]
    ['instrument', 'version', 'nation']
    """
    name, _, version = (instrument or "").partition("@")
    # Read once per data revision (survey.store.revision); callers get their own copy.
    kept = remembered(store, ("response_attributes", name, version, complete_only),
                      lambda: _read_attributes(store, name, version, complete_only))
    return kept.copy() if copy else kept


def _read_attributes(store: Store, name: str, version: str, complete_only: bool
                     ) -> pd.DataFrame:
    conditions: list[Any] = []
    if complete_only:
        conditions.append(Response.state == "complete")
    if name:
        conditions.append(Response.instrument == name)
    if version:
        conditions.append(Response.version == version)
    query = (select(Response.id, Response.instrument, Response.version, Respondent.nation,
                    Respondent.region, Respondent.organisation_type, Response.path,
                    Response.idempotency_key, Response.source_file)
             .outerjoin(Respondent, Respondent.id == Response.respondent_id)
             .where(*conditions))
    names = [*GROUP_FIELDS, "key", "source_file"]
    with store.engine.connect() as conn, conn.begin():
        with bulk_read():
            rows = _fetch_all(conn, query)
            # Column by column as object arrays: from_records inferred each column's type.
            columns = list(zip(*rows, strict=True)) if rows else [()] * (1 + len(names))
            del rows
            frame = pd.DataFrame({name: np.array(values, dtype=object)
                                  for name, values in zip(names, columns[1:], strict=True)},
                                 index=pd.Index(np.array(columns[0], dtype=object)))
            del columns
        # The one resolution of nation/region/type, shared with analysis_frame.
        frame = resolve_profiles(conn, frame, conditions)
    frame.index.name = "response_id"
    return frame


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
    copy: bool = True,
) -> pd.DataFrame:
    """The rankings of one question: one row per complete response that answered it.

    Columns are the option codes (``Int64`` ranks, ``<NA>`` = not ranked, in the
    instrument's option order; also listed in ``frame.attrs["options"]``), then
    ``instrument``, ``version``, ``nation``, ``region``, ``organisation_type`` and
    ``path``. The index is the response id. ``instrument`` may be ``ID`` or
    ``ID@VERSION``; the other filters take one value or a list. Built from one
    SELECT of the long ``ranking_answers`` table, pivoted by the database into one row
    per response, so a million respondents read in seconds. Unfiltered, ``copy=False``
    gives the frame kept for every caller (no copy): read it, never change it.

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
        return every.copy() if copy else every
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
    order = _option_order(store, question_code, instrument)
    known = len(order)
    # The eligible responses' fields are the attributes every page reads (kept per data
    # revision, so the filters and the overview reuse them); the rankings come pivoted.
    # (Reading both at once on two threads was slower: the GIL passes 100,000 times.)
    attrs = response_attributes(store, f"{instrument or ''}@{version or ''}", copy=False)
    ids, grid, unlisted = _read_wide(store, question_code, order)
    if path is not None:
        attrs = attrs[(attrs["path"] == path).to_numpy(dtype=bool)]
    eligible = pd.Index(attrs.index, dtype=object)
    if unlisted:
        # Rare: a response ranks an option no recorded version lists (data loaded from
        # elsewhere). It becomes a column if an eligible response ranks it.
        with store.engine.connect() as conn:
            found = _fetch_all(conn, _unlisted_query(question_code, order))
        kept = eligible.get_indexer(pd.Index([r for r, _ in found], dtype=object)) >= 0
        order.extend(sorted({c for (_, c), keep in zip(found, kept, strict=True) if keep}))
        if len(order) > known:
            ids, grid, _ = _read_wide(store, question_code, order)
    row_of = eligible.get_indexer(pd.Index(ids, dtype=object))
    keep = row_of >= 0
    row_of, grid = row_of[keep], grid[keep]
    present = ~np.isnan(grid)
    answered = present.any(axis=1)
    row_of, grid, present = row_of[answered], grid[answered], present[answered]
    # Rows in the order of the eligible responses, as before the pivot moved to SQL.
    by_row = np.argsort(row_of, kind="stable")
    row_of, grid, present = row_of[by_row], grid[by_row], present[by_row]
    values = np.where(present, grid, 0).astype(np.int64)
    frame = pd.DataFrame(
        {code: pd.arrays.IntegerArray(values[:, i], ~present[:, i])
         for i, code in enumerate(order)},
        index=pd.Index(eligible[row_of], name="response_id", dtype=object),
    )
    for name in GROUP_FIELDS:
        frame[name] = attrs[name].to_numpy(dtype=object)[row_of]
    frame.attrs["options"] = list(order)
    frame.attrs["question"] = question_code
    return frame, known


def _read_wide(store: Store, question_code: str, order: Sequence[str]
               ) -> tuple[np.ndarray, np.ndarray, bool]:
    """:func:`_wide_ranks` in one transaction of its own (one snapshot)."""
    with store.engine.connect() as conn, conn.begin():
        return _wide_ranks(conn, question_code, order)


#: Ranks 1 .. 31 pack into 5 bits, twelve options to a signed 64-bit word (60 bits).
_RANK_BITS = 5
_PER_WORD = 12


def _wide_ranks(conn: Connection, question_code: str, order: Sequence[str]
                ) -> tuple[np.ndarray, np.ndarray, bool]:
    """Each response's ranks of ``order`` (NaN: not ranked), pivoted by the database.

    One row per response, not one per ranked option: fetching 900,000 long rows and
    pivoting them in pandas took three times as long at 100,000 respondents. The
    database sums each response's ranks into words, rank times ``32 ** slot`` (one
    CASE per row, not one per option); ranks outside 1 .. 31 (never written by the
    form or the importers) are read one column per option instead. Returns the
    response ids, the ranks, and whether some response ranks an option outside
    ``order`` (it has more ranking rows than ranks in the columns).
    """
    rank = cast(RankingAnswer.rank, BigInteger)
    words = [order[start:start + _PER_WORD] for start in range(0, len(order), _PER_WORD)]
    sums = [func.coalesce(cast(func.sum(rank * case(
        # The weights are our own integers, written into the SQL; the codes are bound.
        {code: literal_column(str(1 << (_RANK_BITS * slot))) for slot, code in enumerate(word)},
        value=RankingAnswer.option_code)), BigInteger), 0) for word in words]
    query = (select(RankingAnswer.response_id, func.count(), func.min(RankingAnswer.rank),
                    func.max(RankingAnswer.rank), *sums)
             .where(RankingAnswer.question_code == question_code)
             .group_by(RankingAnswer.response_id))
    with bulk_read():
        rows = _fetch_all(conn, query)
        # Column by column (one pass over the rows): a list per row took a fifth of a
        # second.
        columns = list(zip(*rows, strict=True)) if rows else [()] * (4 + len(words))
        del rows
    ids = np.array(columns[0], dtype=object)
    counts = np.array(columns[1], dtype=np.int64)
    low, high = min(columns[2], default=1), max(columns[3], default=1)
    if low < 1 or high >= 1 << _RANK_BITS:
        grid = _ranks_by_column(conn, question_code, order, ids)
    else:
        grid = np.full((len(ids), len(order)), np.nan)
        mask = (1 << _RANK_BITS) - 1
        for w, word in enumerate(words):
            packed = np.array(columns[4 + w], dtype=np.int64)
            shifts = _RANK_BITS * np.arange(len(word), dtype=np.int64)
            ranks = (packed[:, None] >> shifts[None, :]) & mask
            start = w * _PER_WORD
            grid[:, start:start + len(word)] = np.where(ranks > 0, ranks, np.nan)
    unlisted = bool((counts > (~np.isnan(grid)).sum(axis=1)).any())
    return ids, grid, unlisted


def _ranks_by_column(conn: Connection, question_code: str, order: Sequence[str],
                     ids: np.ndarray) -> np.ndarray:
    """The ranks of ``order`` for the responses ``ids`` (the order the pivot gave), one
    MAX(CASE) column per option: any integer rank, a little slower."""
    columns = [func.max(case((RankingAnswer.option_code == code, RankingAnswer.rank)))
               for code in order]
    query = (select(RankingAnswer.response_id, *columns)
             .where(RankingAnswer.question_code == question_code)
             .group_by(RankingAnswer.response_id))
    rows = _fetch_all(conn, query)
    found = np.array([row[1:] for row in rows], dtype=float).reshape(len(rows), len(order))
    at = pd.Index([row[0] for row in rows], dtype=object).get_indexer(
        pd.Index(ids, dtype=object))
    return found[at]


def _unlisted_query(question_code: str, order: Sequence[str]) -> Any:
    """The (response, option) pairs of ranked options outside ``order``."""
    return (select(RankingAnswer.response_id, RankingAnswer.option_code)
            .where(RankingAnswer.question_code == question_code,
                   RankingAnswer.option_code.not_in(list(order))))
