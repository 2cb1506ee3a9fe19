"""Reproduce the published 2022 figures from data: the demo files or a store.

``landscape reproduce`` runs every function in :data:`REPRODUCERS`. Each takes
the loaded published-figures YAML (:func:`survey.ranking.published.load_published`)
and returns :class:`FigureCheck` rows (published vs reproduced). Another module
adds its own figures (e.g. the coded barrier shares) with
:func:`register_reproducer`, or by adding its function to the list.

This use case sits above the store, the statistics and the coding: it reads the
shipped demo files (:mod:`survey.ranking.reconstruct`,
:mod:`survey.reproduce.demo`) or an open store and checks each figure with the
same functions the reports use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from survey.coding.shares import barrier_reproduction, feasible_denominators, round_half_up
from survey.ranking.audit import audit_table
from survey.ranking.bands import band_table
from survey.ranking.published import load_published, load_tables
from survey.ranking.reconstruct import TABLE_INSTRUMENTS, demo_ranking_data, load_demo_rankings
from survey.reproduce.demo import demo_frame
from survey.store.analysis import store_ranking_groups
from survey.store.codings import barrier_shares
from survey.store.models import InstrumentVersionRow, Invitation, Respondent, Response

__all__ = [
    "REPRODUCERS",
    "FigureCheck",
    "register_reproducer",
    "reproduce",
]


@dataclass(frozen=True)
class FigureCheck:
    """One published figure beside its reproduction from the demo data.

    ``exact`` says whether the figure must be reproduced exactly (a mismatch
    then fails ``landscape reproduce``); ``note`` explains expected differences.
    """

    figure: str
    published: str
    reproduced: str
    difference: str = ""
    exact: bool = True
    note: str = ""

    @property
    def matches(self) -> bool:
        return self.published == self.reproduced

    @property
    def failed(self) -> bool:
        return self.exact and not self.matches


Reproducer = Callable[[dict[str, Any]], list[FigureCheck]]


def _count_checks(published: dict[str, Any], counts: dict[str, int]) -> list[FigureCheck]:
    checks = []
    for instrument, spec in published["survey"]["versions"].items():
        got = int(counts.get(instrument, 0))
        want = int(spec["responses"])
        checks.append(FigureCheck(
            figure=f"responses: {instrument}", published=str(want), reproduced=str(got),
            difference=_signed(got - want)))
    total = int(published["survey"]["total_responses"])
    got_total = int(sum(counts.values()))
    checks.append(FigureCheck(figure="responses: total", published=str(total),
                              reproduced=str(got_total), difference=_signed(got_total - total)))
    return checks


def _reproduce_response_counts(published: dict[str, Any]) -> list[FigureCheck]:
    counts = load_demo_rankings().groupby("instrument").size()
    return _count_checks(published, {str(k): int(v) for k, v in counts.items()})


def _nation_code(name: str) -> str:
    return "_".join(str(name).lower().split())


def _frame_checks(published: dict[str, Any], sent: dict[str, dict[str, int]],
                  source: str) -> list[FigureCheck]:
    """The frame sizes (``sent_to``, ``sent_by_nation``) against a frame's invitations."""
    checks = []
    for instrument, spec in published["survey"]["versions"].items():
        if "sent_to" not in spec:
            continue
        by_nation = sent.get(instrument, {})
        got = sum(by_nation.values())
        note = f"from {source}"
        checks.append(FigureCheck(figure=f"frame: {instrument} sent to",
                                  published=str(spec["sent_to"]), reproduced=str(got),
                                  difference=_signed(got - int(spec["sent_to"])), note=note))
        for nation, want in (spec.get("sent_by_nation") or {}).items():
            value = int(by_nation.get(_nation_code(nation), 0))
            checks.append(FigureCheck(figure=f"frame: {instrument} sent to, {nation}",
                                      published=str(want), reproduced=str(value),
                                      difference=_signed(value - int(want)), note=note))
    return checks


def _reproduce_frame(published: dict[str, Any]) -> list[FigureCheck]:
    counts = demo_frame()["nation"].value_counts()
    return _frame_checks(published, {"local_government": {str(k): int(v) for k, v
                                                          in counts.items()}},
                         "the demo's synthetic frame (survey.reproduce.demo.demo_frame)")


def _band_checks(published: dict[str, Any], data_of: Callable[[str], Any]
                 ) -> list[FigureCheck]:
    checks: list[FigureCheck] = []
    for name, table in load_tables().items():
        instrument = TABLE_INSTRUMENTS[name]
        data = data_of(instrument)
        result = band_table(data, bands=table.bands)
        audit = audit_table(table)
        exact = audit.consistent
        note = "" if exact else (
            "no complete strict ranking data can give the printed table (see "
            f"'landscape audit-table --table {name}'); the demo data is the nearest table")
        checks.append(FigureCheck(figure=f"{name}: n", published=str(table.n),
                                  reproduced=str(int(result.n[0])),
                                  difference=_signed(int(result.n[0]) - table.n)))
        for row in table.rows:
            code = row.code or row.option
            for band, pct in zip(table.bands, row.pct, strict=True):
                got = result.percent(code, band)
                diff = got - pct
                checks.append(FigureCheck(
                    figure=f"{name}: {code} {band[0]}-{band[1]}",
                    published=f"{pct}%", reproduced=f"{got}%",
                    difference="" if diff == 0 else _signed(diff) + " pp",
                    exact=exact, note=note if diff else ""))
    return checks


def _reproduce_band_tables(published: dict[str, Any]) -> list[FigureCheck]:
    return _band_checks(published, demo_ranking_data)


def _barrier_check(row: dict[str, Any]) -> FigureCheck:
    """A barrier-share row of :func:`survey.coding.barrier_reproduction` as a FigureCheck."""
    reproduced = row.get("reproduced")
    difference = row.get("difference")
    return FigureCheck(
        figure=str(row["figure"]), published=f"{row['published']}%",
        reproduced="-" if reproduced is None else f"{reproduced}%",
        difference="" if not difference else f"{difference:+.1f} pp",
        exact=True, note=str(row.get("note") or ""))


def _reproduce_barrier_shares(published: dict[str, Any]) -> list[FigureCheck]:
    return [_barrier_check(row) for row in barrier_reproduction(published)]


def _store_barrier_checks(published: dict[str, Any], store: Any) -> list[FigureCheck]:
    """Barrier shares (report 3.58) from the challenge answers coded in the store."""
    shares = barrier_shares(store, by="instrument")
    themes = {"resources_capacity_or_funding": "resources_capacity_funding"}
    checks = []
    for published_theme, figures in (published.get("barrier_mentions") or {}).items():
        theme = themes.get(published_theme, published_theme)
        for key, value in figures.items():
            group = key.removesuffix("_pct")
            hit = shares[(shares["group"] == group) & (shares["theme"] == theme)]
            figure = f"barrier_mentions.{published_theme}.{key}"
            if hit.empty or int(hit.iloc[0]["answered"]) == 0:
                checks.append(FigureCheck(figure, f"{value}%", "-", "", True,
                                          f"no answers from '{group}' in the store"))
                continue
            row = hit.iloc[0]
            count, answered, total = (int(row["count"]), int(row["answered"]),
                                      int(row["respondents"]))
            decimals = max(0, -int(Decimal(str(value)).as_tuple().exponent))
            got = round_half_up(Fraction(100 * count, answered), decimals)
            possible = ", ".join(f"{k}/{m}" for k, m in
                                 feasible_denominators(value, total, decimals)) or "none"
            diff = got - Decimal(str(value))
            checks.append(FigureCheck(
                figure, f"{value}%", f"{got}%", "" if diff == 0 else f"{diff:+} pp", True,
                f"{count} of {answered} {group} respondents who answered mention it "
                f"({total - answered} of {total} left it blank; coded in the store); "
                f"answering denominators up to {total} that give {value}%: {possible}"))
    return checks


def _store_checks(published: dict[str, Any], store: Any) -> list[FigureCheck]:
    """Every figure reproduced from a store (responses, frame, band tables, barriers)."""
    with store.session() as session:
        counts = dict(session.execute(select(Response.instrument, func.count())
                                      .where(Response.state == "complete")
                                      .group_by(Response.instrument)).all())
        sent_rows = session.execute(
            select(InstrumentVersionRow.instrument, Respondent.nation,
                   func.count(func.distinct(Invitation.respondent_id)))
            .join(InstrumentVersionRow,
                  InstrumentVersionRow.id == Invitation.instrument_version_id)
            .join(Respondent, Respondent.id == Invitation.respondent_id)
            .group_by(InstrumentVersionRow.instrument, Respondent.nation)).all()
    sent: dict[str, dict[str, int]] = {}
    for instrument, nation, count in sent_rows:
        sent.setdefault(str(instrument), {})[str(nation)] = int(count)

    def data_of(instrument: str) -> Any:
        return next(iter(store_ranking_groups(store, instrument=instrument).values()))

    return (_count_checks(published, {str(k): int(v) for k, v in counts.items()})
            + _frame_checks(published, sent, "the store's invitations")
            + _band_checks(published, data_of)
            + _store_barrier_checks(published, store))


def _signed(value: int | Fraction) -> str:
    return "" if value == 0 else (f"+{value}" if value > 0 else str(value))


#: The reproducers run by ``landscape reproduce`` on the shipped demo files, in order.
#: Others add theirs with :func:`register_reproducer`.
REPRODUCERS: list[Reproducer] = [_reproduce_response_counts, _reproduce_frame,
                                 _reproduce_band_tables]


def register_reproducer(function: Reproducer) -> Reproducer:
    """Add a reproducer (usable as a decorator); registering twice is harmless."""
    if function not in REPRODUCERS:
        REPRODUCERS.append(function)
    return function


def reproduce(path: Path | None = None, *, store: Any = None) -> list[FigureCheck]:
    """Reproduce every published figure (default: the shipped copy of the figures).

    Without ``store``, every function in :data:`REPRODUCERS` runs on the shipped
    demo files. With an open :class:`survey.store.Store` (e.g. one loaded by
    ``landscape demo``), the figures are computed from the store instead: response
    counts, the frame's invitations, band tables through
    :func:`survey.store.analysis.store_ranking_groups` and barrier shares from the
    stored challenge answers coded with the codebook.

    Examples
    --------
    >>> checks = reproduce()
    >>> [c for c in checks if c.failed]
    []
    """
    published = load_published(path)
    if store is not None:
        return _store_checks(published, store)
    checks: list[FigureCheck] = []
    for function in REPRODUCERS:
        checks.extend(function(published))
    return checks


# The coded barrier-mention shares (report 3.58) are always part of ``reproduce``.
register_reproducer(_reproduce_barrier_shares)
