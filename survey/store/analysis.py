"""The store as a source for analysis: rankings as :class:`RankingData`, by group and filter.

Used by ``landscape priorities`` / ``reproduce`` and by the explorer, so they read
the store the same way.

Grouping and filter fields (:data:`GROUP_FIELDS`) are ``instrument``,
``version``, ``nation``, ``region``, ``organisation_type`` and ``path``. Nation,
region and organisation type come from the respondent's frame entry when there
is one (invited respondents), otherwise from the response's own answers to the
``nation``, ``region`` and ``organisation_type`` questions (open-link responses,
such as the researcher survey). A nation without ITL1 subdivisions is its own
region, as in the frame import.

Different instruments ask the ranking question with different option sets (the
mirrored local-government and researcher options differ in two codes), so
groups are always formed *within* an instrument: with no ``by`` (or
``by="instrument"``) there is one group per instrument; ``by="version"`` gives
``instrument@version``; any other field gives its values, prefixed with the
instrument (``"researcher: wales"``) when more than one instrument is selected.
Each group's :class:`RankingData` carries the options, labels and ranking rule of
the versions its respondents answered.

Rows whose ``source_file`` starts with :data:`DEMO_PREFIX` are demo data; use
:func:`data_labels` to show their label on screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import select

from survey.errors import LandscapeError
from survey.instrument.model import InstrumentVersion, QuestionType, RankingRule, Version
from survey.ranking.bands import MISSING_GROUP, RankingData
from survey.store.engine import Store
from survey.store.instruments import load_recorded_instrument
from survey.store.models import InstrumentVersionRow, Response
from survey.store.reading import GROUP_FIELDS, analysis_frame, response_attributes
from survey.store.revision import remembered

__all__ = [
    "DEMO_PREFIX",
    "GROUP_FIELDS",
    "data_labels",
    "instrument_names",
    "parse_where",
    "response_attributes",
    "store_ranking_data",
    "store_ranking_groups",
]

#: ``responses.source_file`` of demo rows starts with this; the rest is the data label.
DEMO_PREFIX = "demo: "
_CODE = re.compile(r"[^a-z0-9@.]+")


def _normalise(value: Any) -> str:
    return _CODE.sub("_", str(value).strip().lower()).strip("_")


def data_labels(store: Store) -> list[str]:
    """The labels of demo (reconstructed or synthetic) data held in the store.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> data_labels(store)
    []
    """
    # Kept per data revision: every page and callback shows them.
    return list(remembered(store, ("data_labels",), lambda: _read_data_labels(store)))


def _read_data_labels(store: Store) -> tuple[str, ...]:
    with store.session() as session:
        files = session.execute(select(Response.source_file).where(
            Response.source_file.like(DEMO_PREFIX + "%")).distinct()).scalars().all()
    return tuple(sorted(str(f)[len(DEMO_PREFIX):] for f in files))


def instrument_names(store: Store) -> list[str]:
    """The ids of every instrument recorded in the store, sorted.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> instrument_names(store)
    []
    """
    with store.session() as session:
        names = session.execute(select(InstrumentVersionRow.instrument).distinct()).scalars()
        return sorted({str(name) for name in names})


def parse_where(items: Iterable[str] | Mapping[str, Any] | None) -> dict[str, list[str]]:
    """``["nation=wales", "nation=scotland", "path=partnership"]`` -> field -> values.

    Repeating a field means "any of these values". Raises ``A171`` for an unknown
    field or an item without ``=``.

    Examples
    --------
    >>> parse_where(["nation=Wales", "nation=scotland", "path=partnership"])
    {'nation': ['wales', 'scotland'], 'path': ['partnership']}
    """
    if items is None:
        return {}
    pairs: list[tuple[str, Any]] = []
    if isinstance(items, Mapping):
        for key, value in items.items():
            values = [value] if isinstance(value, str) else list(value)
            pairs.extend((str(key), v) for v in values)
    else:
        for item in items:
            name, sep, value = str(item).partition("=")
            if not sep or not name.strip() or not value.strip():
                raise LandscapeError.of("A171", f"'{item}' is not FIELD=VALUE, e.g. "
                                        "nation=wales")
            pairs.append((name.strip(), value))
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        if name not in GROUP_FIELDS:
            raise LandscapeError.of("A171", f"cannot filter on '{name}'; fields are "
                                    f"{', '.join(GROUP_FIELDS)}")
        out.setdefault(name, []).append(str(value).strip() if name == "version"
                                        else _normalise(value))
    return out


class _Instruments:
    """Recorded instrument versions, parsed once per call."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache: dict[tuple[str, str], InstrumentVersion] = {}

    def get(self, instrument: str, version: str) -> InstrumentVersion:
        key = (instrument, version)
        if key not in self.cache:
            self.cache[key] = load_recorded_instrument(self.store, instrument, version)
        return self.cache[key]


def _answered_versions(store: Store, instrument: str | None) -> list[tuple[str, str, int]]:
    return list(remembered(store, ("answered_versions", instrument),
                           lambda: _count_answered(store, instrument)))


def _count_answered(store: Store, instrument: str | None) -> list[tuple[str, str, int]]:
    # Counted from the complete responses' attributes, kept per data revision: a
    # GROUP BY over every response cost as much again.
    attrs = response_attributes(store, instrument, copy=False)
    counts = attrs.groupby(["instrument", "version"], sort=True).size()
    return [(str(a), str(b), int(c)) for (a, b), c in counts.items()]


def _holdings(store: Store) -> str:
    held = _answered_versions(store, None)
    if not held:
        return "the store holds no complete responses"
    return "the store holds " + ", ".join(f"{n} complete response(s) to {i}@{v}"
                                          for i, v, n in sorted(held))


def _choose_question(store: Store, instruments: _Instruments, instrument: str | None,
                     question: str | None) -> str:
    answered = _answered_versions(store, instrument)
    if not answered:
        what = f" to {instrument}" if instrument else ""
        raise LandscapeError.of("A172", f"no complete responses{what}; {_holdings(store)}")
    codes: dict[str, None] = {}
    for name, version, _ in answered:
        for q in instruments.get(name, version).ranking_questions():
            codes.setdefault(q.code)
    if question is not None:
        if question not in codes:
            raise LandscapeError.of(
                "A172", f"no ranking question '{question}' in the instruments answered; "
                f"ranking questions: {', '.join(codes) or 'none'}")
        return question
    if len(codes) != 1:
        raise LandscapeError.of(
            "A172", "the instruments answered have "
            + (f"several ranking questions ({', '.join(codes)}); name one with --question"
               if codes else "no ranking question"))
    return next(iter(codes))


def _group_keys(attrs: pd.DataFrame, by: str | None) -> pd.Series:
    instruments = attrs["instrument"].astype(str)
    if by in (None, "instrument"):
        return instruments
    if by == "version":
        return instruments + "@" + attrs["version"].astype(str)
    values = attrs[by].map(lambda v: MISSING_GROUP if v is None or pd.isna(v) else str(v))
    if instruments.nunique() > 1:
        return instruments + ": " + values
    return values.astype(str)


def store_ranking_groups(
    store: Store,
    question: str | None = None,
    *,
    instrument: str | None = None,
    where: Iterable[str] | Mapping[str, Any] | None = None,
    by: str | None = None,
) -> dict[str, RankingData]:
    """Rankings of one question from the store, one :class:`RankingData` per group.

    Parameters
    ----------
    store
        An open store.
    question
        The ranking question's code; default: the one ranking question of the
        instruments answered (``evidence_priorities`` in the shipped ones).
    instrument
        ``ID`` or ``ID@VERSION`` to keep.
    where
        Filters as ``["nation=wales", ...]`` or ``{"nation": ["wales"]}``
        (see :func:`parse_where`); values match codes, case-insensitively.
    by
        One of :data:`GROUP_FIELDS`, or None (one group per instrument).

    Returns
    -------
    dict
        Group name -> RankingData (options, labels and rule of the versions the
        group's respondents answered), in sorted order.

    Raises
    ------
    LandscapeError
        ``A171`` for an unknown field, ``A172`` when nothing matches (the message
        says what the store holds).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> store_ranking_groups(store)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error A172 no rankings to analyse: no complete responses; ...
      fix: ...
    """
    if by is not None and by not in GROUP_FIELDS:
        raise LandscapeError.of("A171", f"cannot group by '{by}'; fields are "
                                f"{', '.join(GROUP_FIELDS)}")
    filters = parse_where(where)
    instruments = _Instruments(store)
    code = _choose_question(store, instruments, instrument, question)
    frame = analysis_frame(store, code, instrument, copy=False)  # only read here
    # The frame carries each response's grouping fields: the attributes are read once.
    attrs = frame[list(GROUP_FIELDS)]
    keep = pd.Series(True, index=frame.index)
    for field, values in filters.items():
        clean = str if field == "version" else _normalise
        # Each distinct value is normalised once, not each of 100,000 rows.
        accepted = [v for v in attrs[field].unique()
                    if not (v is None or pd.isna(v)) and clean(v) in values]
        keep &= attrs[field].isin(accepted)
    if not keep.any():
        shown = "; ".join(f"{f} in {', '.join(v)}" for f, v in filters.items())
        raise LandscapeError.of("A172", f"no complete response answers '{code}'"
                                + (f" with {shown}" if shown else "") + f"; {_holdings(store)}")
    frame, attrs = frame[keep.to_numpy()], attrs[keep.to_numpy()]
    keys = _group_keys(attrs, by)
    # Each group's (instrument, version) pairs from one pass over the rows, not one per group.
    codes, names = pd.factorize(keys, sort=True)
    answered = pd.DataFrame({"group": codes, "instrument": attrs["instrument"].to_numpy(),
                             "version": attrs["version"].to_numpy()}).drop_duplicates()
    out: dict[str, RankingData] = {}
    for g, key in enumerate(names):
        rows = codes == g
        pairs = answered[answered["group"].to_numpy() == g]
        versions = sorted({(str(i), str(v)) for i, v in zip(pairs["instrument"],
                                                             pairs["version"], strict=True)},
                          key=lambda iv: (iv[0], Version.sort_key(iv[1])), reverse=True)
        options: list[str] = []
        labels: dict[str, str] = {}
        concepts: dict[str, str] = {}
        rule = None
        for name, version in versions:  # newest first: its order, labels and rule win
            q = instruments.get(name, version).question(code)
            if q is None or q.type is not QuestionType.RANKING:
                continue
            rule = rule or q.ranking
            for option in q.options:
                if option.code not in labels:
                    options.append(option.code)
                    labels[option.code] = option.label.en
                    if option.concept:
                        concepts[option.code] = option.concept
        ranks = frame.loc[rows, options]
        out[str(key)] = RankingData(ranks=ranks, options=tuple(options), labels=labels,
                                    groups=None, rule=rule or RankingRule(), question=code,
                                    concepts=concepts)
    return out


def store_ranking_data(
    store: Store,
    question: str | None = None,
    *,
    instrument: str | None = None,
    where: Iterable[str] | Mapping[str, Any] | None = None,
    by: str | None = None,
) -> RankingData:
    """All the groups of :func:`store_ranking_groups` in one :class:`RankingData`.

    ``groups`` holds each respondent's group; the options are the union of the
    groups' options (an option a group was not asked is unranked there).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> store_ranking_data(store, instrument="researcher")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error A172 no rankings to analyse: no complete responses ...
      fix: ...
    """
    groups = store_ranking_groups(store, question, instrument=instrument, where=where, by=by)
    options: list[str] = []
    labels: dict[str, str] = {}
    concepts: dict[str, str] = {}
    for data in groups.values():
        concepts.update(data.concepts)
        for option in data.options:
            if option not in labels:
                options.append(option)
                labels[option] = data.label(option)
    frames = [data.ranks.reindex(columns=options).astype("Int64") for data in groups.values()]
    ranks = pd.concat(frames) if frames else pd.DataFrame(columns=options)
    membership = pd.Series([key for key, data in groups.items() for _ in range(len(data.ranks))],
                           index=ranks.index, dtype=object)
    first = next(iter(groups.values()))
    return RankingData(ranks=ranks, options=tuple(options), labels=labels, groups=membership,
                       rule=first.rule, question=first.question, concepts=concepts)
