"""The published 2022 figures, shipped with the package, and checks that reproduce them.

``survey/data/published_2022.yaml`` is the package's own copy of the figures
printed in the 2022 report (the product cannot rely on a shared folder): the
frame and response counts, the two priority band tables (each row with the
option ``code`` used by the instruments) and the barrier-mention shares.

``landscape reproduce`` runs every function in :data:`REPRODUCERS`. Each takes
the loaded YAML and returns :class:`FigureCheck` rows (published vs reproduced).
Another module adds its own figures (e.g. the coded barrier shares) with
:func:`register_reproducer`, or by adding its function to the list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from survey.errors import LandscapeError, Location
from survey.instrument.yamlsource import LineDict, load_yaml, parse_yaml

__all__ = [
    "REPRODUCERS",
    "FigureCheck",
    "PublishedRow",
    "PublishedTable",
    "load_published",
    "load_tables",
    "published_table",
    "register_reproducer",
    "reproduce",
    "shipped_path",
]


def shipped_path() -> Path:
    """Where the shipped ``published_2022.yaml`` lives (inside the installed package)."""
    return Path(str(resources.files("survey") / "data" / "published_2022.yaml"))


def load_published(path: Path | None = None) -> dict[str, Any]:
    """The whole published-figures YAML as a mapping (default: the shipped copy).

    Examples
    --------
    >>> load_published()["survey"]["versions"]["researcher"]["responses"]
    17
    """
    source = path or shipped_path()
    data = load_yaml(source)
    if not isinstance(data, dict):
        raise LandscapeError.of("A112", "the file is not a YAML mapping",
                                Location(file=str(source)))
    return data


@dataclass(frozen=True)
class PublishedRow:
    """One printed row: the option wording, its code (if mapped) and percentages."""

    option: str
    pct: tuple[Fraction, ...]
    code: str | None = None
    line: int = 0


@dataclass(frozen=True)
class PublishedTable:
    """A printed band table: ``n`` respondents, bands, and rows of percentages.

    ``precision`` is the number of decimals printed (inferred from the values when
    the file does not say); ``rounding`` the rule the publisher used (the report
    rounds half-up).
    """

    name: str
    n: int
    bands: tuple[tuple[int, int], ...]
    rows: tuple[PublishedRow, ...]
    band_titles: tuple[str, ...] = ()
    precision: int = 0
    rounding: str = "half-up"
    file: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """Option codes, falling back to the wording when a row has none."""
        return tuple(r.code or r.option for r in self.rows)

    @property
    def labels(self) -> dict[str, str]:
        return {r.code or r.option: r.option for r in self.rows}

    @property
    def pcts(self) -> list[list[Fraction]]:
        return [list(r.pct) for r in self.rows]


def load_tables(path: Path | None = None, text: str | None = None) -> dict[str, PublishedTable]:
    """Every band table under ``priority_tables`` in a published-figures YAML.

    Parameters
    ----------
    path
        The YAML file; default the shipped ``published_2022.yaml``.
    text
        YAML text to parse instead of a file (for tests).

    Raises
    ------
    LandscapeError
        ``A112`` (with file:line) when the file is not shaped like the shipped one.

    Examples
    --------
    >>> tables = load_tables()
    >>> sorted(tables)
    ['table_1_local_government', 'table_2_researcher']
    >>> tables["table_2_researcher"].n, tables["table_2_researcher"].rows[0].code
    (17, 'research_project_resources')
    """
    from survey.ranking.bands import parse_bands

    file = str(path) if path is not None else ("<text>" if text is not None else
                                                 str(shipped_path()))
    if text is not None:
        data = parse_yaml(text, file)
    else:
        data = load_published(path)

    def fail(message: str, line: int | None = None) -> LandscapeError:
        return LandscapeError.of("A112", message, Location(file=file, line=line))

    if not isinstance(data, dict) or not isinstance(data.get("priority_tables"), dict):
        raise fail("no 'priority_tables' mapping")
    section = data["priority_tables"]
    bands_raw = section.get("bands")
    if not isinstance(bands_raw, list) or not bands_raw:
        raise fail("'priority_tables' needs 'bands', e.g. [\"1-3\", \"4-6\", \"7-9\"]",
                   section.line_of("bands") if isinstance(section, LineDict) else None)
    bands = parse_bands(",".join(str(b) for b in bands_raw))
    titles = tuple(str(t) for t in section.get("band_labels") or ())
    tables: dict[str, PublishedTable] = {}
    for name, body in section.items():
        if name in ("bands", "band_labels"):
            continue
        line = section.line_of(name) if isinstance(section, LineDict) else None
        if not isinstance(body, dict) or "n" not in body or "rows" not in body:
            raise fail(f"table '{name}' needs 'n' and 'rows'", line)
        n = body["n"]
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise fail(f"table '{name}': n must be a positive whole number", line)
        if not isinstance(body["rows"], list) or not body["rows"]:
            raise fail(f"table '{name}': 'rows' must be a list of rows", line)
        rows: list[PublishedRow] = []
        decimals = 0
        for raw in body["rows"]:
            row_line = raw.line if isinstance(raw, LineDict) else line
            if not isinstance(raw, dict) or "option" not in raw or "pct" not in raw:
                raise fail(f"table '{name}': each row needs 'option' and 'pct'", row_line)
            values = raw["pct"]
            if (not isinstance(values, list) or len(values) != len(bands)
                    or not all(isinstance(v, int | float) and not isinstance(v, bool)
                               and v >= 0 for v in values)):
                raise fail(f"table '{name}': 'pct' must list {len(bands)} non-negative "
                           f"numbers, one per band", row_line)
            for v in values:
                exponent = Decimal(str(v)).normalize().as_tuple().exponent
                decimals = max(decimals, -int(exponent) if isinstance(exponent, int) else 0)
            rows.append(PublishedRow(
                option=str(raw["option"]),
                pct=tuple(Fraction(str(v)) for v in values),
                code=str(raw["code"]) if raw.get("code") is not None else None,
                line=row_line or 0,
            ))
        precision = body.get("precision", decimals)
        rounding = str(body.get("rounding", "half-up"))
        tables[str(name)] = PublishedTable(
            name=str(name), n=n, bands=bands, rows=tuple(rows), band_titles=titles,
            precision=int(precision), rounding=rounding, file=file,
        )
    if not tables:
        raise fail("'priority_tables' holds no tables")
    return tables


def published_table(name: str, path: Path | None = None) -> PublishedTable:
    """One table by name; ``A113`` lists the names when it is not there.

    Examples
    --------
    >>> published_table("table_1_local_government").n
    35
    """
    tables = load_tables(path)
    if name not in tables:
        raise LandscapeError.of(
            "A113", f"no table '{name}'; the file has: {', '.join(sorted(tables))}",
            Location(file=str(path or shipped_path())),
        )
    return tables[name]


# -- reproducing the published figures ----------------------------------------


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
    from survey.ranking.reconstruct import load_demo_rankings

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
    from survey.demo import demo_frame

    counts = demo_frame()["nation"].value_counts()
    return _frame_checks(published, {"local_government": {str(k): int(v) for k, v
                                                          in counts.items()}},
                         "the demo's synthetic frame (survey.demo.demo_frame)")


def _band_checks(published: dict[str, Any], data_of: Callable[[str], Any]
                 ) -> list[FigureCheck]:
    from survey.ranking.audit import audit_table
    from survey.ranking.bands import band_table
    from survey.ranking.reconstruct import TABLE_INSTRUMENTS

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
    from survey.ranking.reconstruct import demo_ranking_data

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
    from survey.coding.shares import barrier_reproduction

    return [_barrier_check(row) for row in barrier_reproduction(published)]


def _store_barrier_checks(published: dict[str, Any], store: Any) -> list[FigureCheck]:
    """Barrier shares (report 3.58) from the challenge answers coded in the store."""
    from survey.coding.shares import feasible_denominators, round_half_up
    from survey.store.codings import barrier_shares

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
    from sqlalchemy import func, select

    from survey.store.analysis import store_ranking_groups
    from survey.store.models import InstrumentVersionRow, Invitation, Respondent, Response

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
