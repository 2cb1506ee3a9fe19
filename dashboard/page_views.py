"""The explorer pages' content, built from a store without a browser.

Each ``*_view`` function reads the store through the survey functions
(:func:`~survey.store.analysis.store_ranking_groups` and
:func:`~survey.ranking.bands.band_table`, :func:`~survey.ranking.compare.wilson_interval`,
:func:`~survey.ranking.compare.compare_instruments`,
:func:`~survey.ranking.uncertainty.position_intervals`,
:func:`~survey.store.monitor.monitor_report`,
:func:`~survey.store.codings.barrier_shares`) and only shapes the result into
Dash components, with the helpers of :mod:`dashboard.views`. The page modules
in ``dashboard/pages/`` call them from their layouts and callbacks; they live
here because a page module can only be imported once a Dash app exists.

All data (labels, group values, ids) is rendered as text children.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from dash import dcc, html

from dashboard.network_views import network_state, view_figure
from dashboard.views import (
    SMALL_N_NOTE,
    download_link,
    error_notice,
    humanise,
    labelled_dropdown,
    notes_block,
    report_table_view,
    share_text,
    table_from_rows,
)
from network.view import ViewSpec
from survey.coding.codebook import Codebook, load_codebook
from survey.coding.shares import round_half_up
from survey.errors import LandscapeError
from survey.export.charts import band_chart
from survey.export.disclosure import SUPPRESSED, DisclosurePolicy
from survey.export.fieldwork import rate_text  # its home; re-exported for the pages
from survey.export.layout import TABLE_FORMATS, PublishedLayout, priority_tables
from survey.export.release import LINEAR_METHODS, check_public_release, store_populations
from survey.export.report import ReportTable
from survey.export.report_barriers import (
    BARRIERS,
    COOCCURRENCE,
    cooccurrence_figure,
    cooccurrence_tables,
    theme_tables,
)
from survey.export.report_compare import (  # their home; re-exported for the pages
    COMPARED_GROUPS,
    agreement_table,
    band_withheld,
    compare_result,
    comparison_table,
    difference_chart,
    group_withheld,
    p_clause,
    row_withheld,
    short_label,
)
from survey.export.tables import write_layouts
from survey.ranking.bands import BandTable
from survey.ranking.compare import GROUP_NAMES as _GROUP_NAMES
from survey.ranking.compare import wilson_interval
from survey.ranking.consensus import consensus
from survey.ranking.uncertainty import (
    disagreement_warning,
    majority_check,
    position_intervals,
    top_by_method,
)
from survey.store.analysis import (
    GROUP_FIELDS,
    data_labels,
    instrument_names,
    parse_where,
    response_attributes,
    store_ranking_groups,
)
from survey.store.codings import barrier_quotes
from survey.store.engine import Store
from survey.store.instruments import load_recorded_instrument
from survey.store.monitor import NO_FRAME_NOTE, MonitorReport, frame_notes, monitor_report
from survey.store.revision import data_revision, remembered

__all__ = [
    "COMPARED_GROUPS",
    "EXPORT_MEDIA_TYPES",
    "FIELD_LABELS",
    "MAX_QUOTES",
    "REMINDER_ROWS_SHOWN",
    "barriers_cooccurrence_view",
    "barriers_quotes_panel",
    "barriers_quotes_view",
    "barriers_view",
    "chart_summary",
    "compare_view",
    "consensus_view",
    "difference_chart",
    "filter_choices",
    "group_chart",
    "instrument_choices",
    "keep_views_warm",
    "monitor_view",
    "priorities_export",
    "priorities_layouts",
    "priorities_view",
    "ranking_question_choices",
    "rate_text",
    "short_label",
    "warm_views",
    "where_from_filters",
]

_LOG = logging.getLogger(__name__)

#: Display names of the grouping and filter fields.
FIELD_LABELS: dict[str, str] = {
    "instrument": "Instrument (respondent type)", "version": "Instrument version",
    "nation": "Nation", "region": "Region", "organisation_type": "Organisation type",
    "path": "Partnership path",
}
#: Media types of the downloadable table formats.
EXPORT_MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown",
}
#: The monitor lists at most this many respondents due a reminder.
REMINDER_ROWS_SHOWN = 100
_INTERVAL_NOTE = ("Each cell: % of respondents ranking the option in that band (rounded "
                  "half-up to whole percent, as in the published tables), then its 95% Wilson "
                  "interval.")


# -- choices for the controls ---------------------------------------------------


def filter_choices(store: Store) -> dict[str, list[tuple[str, str]]]:
    """For each field of :data:`GROUP_FIELDS`, the values complete responses hold.

    Returns field -> sorted ``(value, shown text)`` pairs, for filter dropdowns.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> filter_choices(store)["nation"]
    []
    """
    # Kept per data revision: every page load offers the filters.
    kept = remembered(store, ("filter_choices",), lambda: _filter_choices(store))
    return {field: list(values) for field, values in kept.items()}


def _filter_choices(store: Store) -> dict[str, list[tuple[str, str]]]:
    attrs = response_attributes(store, copy=False)  # read only
    out: dict[str, list[tuple[str, str]]] = {}
    for field in GROUP_FIELDS:
        # Distinct values first: a set over 100,000 rows per field took a tenth of a second.
        values = sorted({str(v) for v in attrs[field].unique() if v is not None and v == v})
        out[field] = [(v, v if field == "version" else humanise(v)) for v in values]
    return out


def instrument_choices(store: Store) -> list[tuple[str, str]]:
    """``(id, shown name)`` of every instrument recorded in the store.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> instrument_choices(store)
    []
    """
    return [(name, humanise(name)) for name in instrument_names(store)]


def ranking_question_choices(store: Store) -> list[tuple[str, str]]:
    """``(code, label)`` of every ranking question in the instrument versions answered.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> ranking_question_choices(store)
    []
    """
    return list(remembered(store, ("ranking_question_choices",),
                           lambda: _ranking_question_choices(store)))


def _ranking_question_choices(store: Store) -> list[tuple[str, str]]:
    attrs = response_attributes(store, copy=False)  # read only
    found: dict[str, str] = {}
    pairs = attrs[["instrument", "version"]].drop_duplicates()
    for name, version in sorted({(str(i), str(v)) for i, v in zip(pairs["instrument"],
                                                                   pairs["version"],
                                                                   strict=True)}):
        for question in load_recorded_instrument(store, name, version).ranking_questions():
            found.setdefault(question.code, question.label.en)
    return list(found.items())


def where_from_filters(filters: Mapping[str, Sequence[str] | str | None]) -> dict[str, list[str]]:
    """Dropdown values -> the ``where`` of the survey functions, leaving out empty ones.

    Examples
    --------
    >>> where_from_filters({"nation": ["wales"], "region": [], "path": None, "version": "1.0.0"})
    {'nation': ['wales'], 'version': ['1.0.0']}
    """
    where: dict[str, list[str]] = {}
    for field, values in filters.items():
        if not values:
            continue
        chosen = [values] if isinstance(values, str) else [str(v) for v in values]
        if chosen:
            where[field] = chosen
    return where


# -- priorities -------------------------------------------------------------------


def priorities_layouts(store: Store, by: str | None = None, question: str | None = None,
                       where: Mapping[str, Sequence[str]] | None = None, *,
                       policy: DisclosurePolicy | None = None,
                       reconstructed: bool = False, notes: Sequence[str] = ()
                       ) -> list[tuple[PublishedLayout, BandTable]]:
    """Each group's band table in the published layout, with the table behind it.

    Groups come from :func:`store_ranking_groups` (one per instrument unless
    ``by`` says otherwise) and are laid out by
    :func:`survey.export.layout.priority_tables`, exactly as ``landscape export
    priorities`` lays them out: the same titles, notes and suppression. ``policy``
    defaults to the internal view (nothing suppressed). Under a public policy the
    tables pass :func:`survey.export.release.check_public_release` first, as ``landscape
    export priorities --public`` does: every public view, download and summary of them.

    Raises
    ------
    LandscapeError
        ``A171``/``A172`` from the store when a field is unknown or nothing matches;
        ``X108`` when a public grouping or filter would disclose a suppressed cell.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> priorities_layouts(store)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error A172 ...
    """
    groups = store_ranking_groups(store, question, by=by, where=dict(where or {}))
    policy = policy or DisclosurePolicy(public=False)
    if policy.public:  # the one release check of every public output (X108 when refused)
        check_public_release(store_populations(store, question), policy,
                             by=None if by in (None, "instrument") else by,
                             where=parse_where(dict(where or {})))
    return priority_tables(groups, policy, reconstructed=reconstructed, coded_groups=True,
                           notes=notes)


def warm_views(store: Store) -> None:
    """Compute the default views ahead of visitors: Priorities, public and internal, and
    the Network page's.

    What Priorities needs (the analysis frame, the release check) is kept per data
    revision (:mod:`survey.store.revision`), the network per store
    (:mod:`dashboard.network_views`), so the first visitor after ``landscape serve``
    starts finds them ready instead of waiting seconds (100,000 respondents, 2,000
    organisations). A view that cannot be computed is left for the page to report.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> warm_views(store)  # an empty store: nothing to compute, nothing raised
    """
    # The public view first: most visitors are anonymous, and it needs the most work
    # (the release check); the internal view then reuses its analysis frame.
    for policy in (DisclosurePolicy(public=True), DisclosurePolicy(public=False)):
        try:
            priorities_layouts(store, policy=policy)
        except LandscapeError:
            continue
    # The Network page's default view, public and with survey ties: reading a national
    # landscape and laying it out takes seconds. Kept, then read again in the background
    # (dashboard.network_views).
    labels = data_labels(store)
    for survey_ties in (False, True):
        try:
            view_figure(network_state(store, labels, survey_ties=survey_ties, wait=False),
                        ViewSpec())
        except LandscapeError:
            continue


def keep_views_warm(store: Store, every: float, stop: threading.Event | None = None) -> None:
    """:func:`warm_views` now, then again each time the data changes, until ``stop`` is set.

    Every ``every`` seconds one tiny SELECT reads the data revision
    (:mod:`survey.store.revision`); when a response was saved, imported or changed
    since the last warming, the default views are computed again, so the next visitor
    finds them ready instead of waiting seconds for the release check. A visitor
    arriving meanwhile waits for this computation rather than repeating it.
    ``every <= 0`` warms once. A failure (the database away for a moment) is logged and
    tried again at the next look.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> keep_views_warm(store, 0)  # warm once and return
    """
    stop = stop or threading.Event()
    warmed: tuple[int, str] | str | None = "never"
    while not stop.is_set():
        try:
            now = data_revision(store)  # before the work: a change meanwhile warms again
            if now != warmed:  # (a store without a revision is warmed once: nothing is kept)
                warm_views(store)
                warmed = now
        except Exception:  # the loop must outlive a bad moment (the database away)
            _LOG.exception("computing the default views failed; trying again later")
        if every <= 0 or stop.wait(every):
            return


def _interval_rows(layout: PublishedLayout, table: BandTable) -> list[list[str]]:
    n = int(table.n[0])
    bands = len(table.bands)
    rows = []
    for row in layout.rows:
        o = table.options.index(row.code)
        cells = [row.label]
        for c in range(len(layout.column_titles)):
            if row.cells[c] is None:  # suppressed: neither the share nor its interval
                cells.append(SUPPRESSED)
                continue
            count = int(table.counts[0, o, c]) if c < bands else int(table.unranked[0, o])
            cells.append(share_text(wilson_interval(count, n)))
        rows.append(cells)
    return rows


def _frame_notes(store: Store, by: str | None, question: str | None,
                 where: Mapping[str, Sequence[str]] | None, public: bool) -> list[str]:
    """Who the tables describe, as the CLI export says it (one note per instrument table)."""
    if by:
        return []
    try:
        names = list(store_ranking_groups(store, question, where=dict(where or {})))
    except LandscapeError:
        return []  # nothing to describe: priorities_layouts reports why
    return frame_notes(store, names, public=public)


def priorities_view(store: Store, by: str | None = None, question: str | None = None,
                    where: Mapping[str, Sequence[str]] | None = None, *,
                    labels: Sequence[str] = (),
                    policy: DisclosurePolicy | None = None) -> html.Div:
    """The priorities page's content: per group a band table with Wilson intervals, and a chart.

    Parameters
    ----------
    store
        The response store.
    by
        A field of :data:`GROUP_FIELDS` (default: one table per instrument).
    question
        Ranking question code (default: the one the instruments ask).
    where
        Filters, field -> accepted values.
    labels
        The store's demo-data labels (:func:`survey.store.analysis.data_labels`);
        when given, every table says the data is reconstructed.
    policy
        The disclosure policy of the viewer (default: internal, nothing suppressed);
        a suppressed cell shows as ``[c]``, without its interval.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> priorities_view(store).children[0].className
    'problem'
    """
    try:
        pairs = priorities_layouts(store, by, question, where, policy=policy,
                                   reconstructed=bool(labels),
                                   notes=_frame_notes(store, by, question, where,
                                                      policy is not None and policy.public))
    except LandscapeError as exc:
        return html.Div([error_notice(exc)], id="priorities-results")
    if not pairs:
        return html.Div([html.P("No respondent in the selection ranked any option.")],
                        id="priorities-results")
    sections: list[Any] = []
    for layout, table in pairs:
        header = ["Option", *layout.column_titles]
        # n is said once per table: in its caption (the published title), not the heading.
        caption = f"{layout.title}. {layout.header}, with 95% Wilson intervals."
        sections.append(html.Section([
            html.H3(layout.group_label),
            table_from_rows(caption, header, _interval_rows(layout, table),
                            class_name="data-table band-table"),
            notes_block([*[_without_n(note, layout.n) for note in layout.notes],
                         _INTERVAL_NOTE, SMALL_N_NOTE]),
        ], className="group-table"))
    groups = [(str(i), f"{layout.group_label} (n={layout.shown_n})")
              for i, (layout, _) in enumerate(pairs)]
    chart = html.Section([
        html.H3("Chart"),
        labelled_dropdown("priorities-chart-group", "Chart for", groups, "0",
                          clearable=False) if len(pairs) > 1 else html.Div(),
        html.Figure([
            dcc.Graph(id="priorities-chart", figure=group_chart(pairs[0][0]),
                      config={"displayModeBar": False, "displaylogo": False,
                              "responsive": False}),
            html.Figcaption(chart_summary(pairs[0][0]), id="priorities-chart-summary"),
        ], className="chart"),
    ], className="group-chart")
    return html.Div([*sections, chart], id="priorities-results")


def _without_n(note: str, n: int) -> str:
    """The export's n note without the number, which the caption already gives.

    Examples
    --------
    >>> _without_n("n = 35 respondents who ranked at least one option. Rest.", 35)
    'n is the number of respondents who ranked at least one option. Rest.'
    """
    return note.replace(f"n = {n} respondents", "n is the number of respondents", 1)


def group_chart(layout: PublishedLayout) -> Any:
    """One group's band chart (the CLI's :func:`band_chart` for that table alone), so a
    chart stays readable however many groups there are.

    Examples
    --------
    >>> from survey.export.layout import LayoutRow
    >>> layout = PublishedLayout(1, "g", "Group", "Table 1", 10, ("1-3", "4-6"),
    ...                          (LayoutRow("a", "A", (60, 40)),), ())
    >>> [trace.name for trace in group_chart(layout).data]
    ['1-3', '4-6']
    """
    return band_chart([layout])


def chart_summary(layout: PublishedLayout) -> str:
    """A short text alternative of a group's chart: its first band's top option.

    One sentence: the table is named by its number and group (its caption, beside
    the chart, gives the full title), so a screen reader hears what the chart shows
    rather than its title twice.

    Examples
    --------
    >>> from survey.export.layout import LayoutRow
    >>> layout = PublishedLayout(1, "g", "Group", "Table 1. Group responses", 10,
    ...                          ("1-3", "4-6"), (LayoutRow("a", "A", (60, 40)),
    ...                                           LayoutRow("b", "B", (70, 30))), ())
    >>> chart_summary(layout)
    'Bar chart of Table 1 (Group, n=10), the share of each option in each band; most often \
1-3: B (70%).'
    """
    ranked = [row for row in layout.rows if row.cells and row.cells[0] is not None]
    top = max(ranked, key=lambda row: row.cells[0] or 0, default=None)
    lead = (f"; most often {layout.column_titles[0]}: {top.label} ({top.cells[0]}%)"
            if top is not None and layout.column_titles else "")
    return (f"Bar chart of Table {layout.number} ({layout.group_label}, n={layout.shown_n}), "
            f"the share of each option in each band{lead}.")


def priorities_export(store: Store, fmt: str, by: str | None = None,
                      question: str | None = None,
                      where: Mapping[str, Sequence[str]] | None = None, *,
                      public: bool = True, reconstructed: bool = False) -> tuple[str, bytes]:
    """The band tables as a downloadable file: ``(file name, content)``.

    Written by :func:`survey.export.tables.write_layouts` in the published
    layout; ``public`` applies disclosure control (the default policy
    threshold), and the policy statement is under every table. A public
    download passes the release check of :func:`priorities_layouts`: a
    ``by``/``where`` whose complement is unprotected is refused (``X108``).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> priorities_export(store, "pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error X102 ...
    """
    if fmt not in TABLE_FORMATS:
        raise LandscapeError.of("X102", f"'{fmt}' is not a table format; use one of "
                                f"{', '.join(TABLE_FORMATS)}")
    policy = DisclosurePolicy(public=public)
    pairs = priorities_layouts(store, by, question, where, policy=policy,
                               reconstructed=reconstructed,
                               notes=_frame_notes(store, by, question, where, public))
    name = f"priorities-{'public' if public else 'internal'}.{fmt}"
    with tempfile.TemporaryDirectory(prefix="landscape-export-") as folder:
        path = write_layouts([layout for layout, _ in pairs], Path(folder) / name, fmt)
        return name, path.read_bytes()


# -- compare ----------------------------------------------------------------------


def compare_view(store: Store, top: int = 3, *, labels: Sequence[str] = (),
                 policy: DisclosurePolicy | None = None) -> html.Div:
    """The Compare page's content: local government vs researchers, option by option.

    Everything shown comes from one call of
    :func:`survey.export.report_compare.compare_result` (the
    :func:`~survey.ranking.compare.compare_instruments` behind ``landscape compare``
    on the store's instrument groups), and the tables are the Compare report's
    (:func:`~survey.export.report_compare.comparison_table`,
    :func:`~survey.export.report_compare.agreement_table`): the cells its downloads
    hold. First the tests across all options; then per concept the mean rank and
    top-``top`` share in each group, their difference and the test; the chart
    (:func:`~survey.export.report_compare.difference_chart`); each option's reading;
    agreement within each group. Options are named by their concept's short name,
    the full wording (both sides of a mirrored pair) in the row header's hover text.

    Parameters
    ----------
    store
        The response store.
    top
        Top places counted for the shares and Cochran's Q.
    labels
        The store's demo-data labels; when given, the tables say the data is
        reconstructed.
    policy
        The disclosure policy of the viewer (default: internal, nothing withheld).
        Under a public one a withheld share shows as ``[c]``, and so do its option's
        difference, test and reading, and the chart leaves it out.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> compare_view(store).children[0].className
    'problem'
    """
    policy = policy or DisclosurePolicy()
    try:
        result = compare_result(store, top, policy)
    except LandscapeError as exc:
        return html.Div([error_notice(exc)], id="compare-results")
    reconstructed = bool(labels)
    hidden = band_withheld(store, policy, result.top)
    table = comparison_table(result, policy, reconstructed=reconstructed, hidden=hidden)
    agreements = agreement_table(result, policy, reconstructed=reconstructed)
    names = dict(zip(COMPARED_GROUPS, result.labels, strict=True))
    # a group withheld in the agreement table is withheld in every sentence about it too
    shown_groups = [key for key, row in zip(result.within, agreements.rows, strict=True)
                    if row[1] is not None]
    agreement_readings = [f"{names[key]}: {found.reading}" for key, found in
                          result.within.items() if found is not None and key in shown_groups]
    across = [result.summary]
    lr = result.likelihood_ratio
    if lr is not None:
        across.append(
            f"Plackett–Luce likelihood-ratio test of one set of worths for both groups: "
            f"G = {lr.statistic:.1f} on {lr.df} df; {p_clause(lr.p_asymptotic)} by the "
            f"chi-square approximation, {p_clause(lr.p_permutation)} by {lr.permutations} "
            "permutations (read the permutation p at these group sizes).")
    if len(shown_groups) < len(result.within):
        across = [f"Withheld under disclosure control ({SUPPRESSED}): a group has too few "
                  "respondents to publish tests across its options."]
    readings = [f"{short_label(r)}: withheld under disclosure control ({SUPPRESSED})."
                if row_withheld(r, policy, hidden) else r.reading for r in result.rows]
    figure, summary = difference_chart(result, policy, hidden)
    return html.Div([
        html.H3("Across all options first"),
        notes_block(across, class_name="notes compare-across"),
        html.H3("Option by option"),
        report_table_view(table, table_id="compare-table",
                          row_titles=[r.label if r.label != short_label(r) else None
                                      for r in result.rows]),
        download_link("compare"),
        html.H3(f"Difference in top-{top} share"),
        html.Figure([dcc.Graph(id="compare-chart", figure=figure,
                               config={"displayModeBar": False, "displaylogo": False,
                                       "responsive": False}),
                     html.Figcaption(summary, id="compare-chart-summary")],
                    className="chart"),
        html.H3("What the differences say"),
        html.Ul([html.Li(text, className="reading") for text in readings],
                id="compare-readings"),
        html.H3("Agreement within each group"),
        report_table_view(agreements, table_id="compare-agreement"),
        notes_block(agreement_readings, class_name="notes agreement-readings"),
    ], id="compare-results")


#: Bootstrap resamples behind the explorer's position intervals (the CLI's default is
#: larger; 500 keeps the page quick and the 2.5% / 97.5% ends 12 resamples deep).
CONSENSUS_RESAMPLES = 500


def consensus_view(store: Store, method: str = "kemeny", *, labels: Sequence[str] = (),
                   resamples: int = CONSENSUS_RESAMPLES,
                   policy: DisclosurePolicy | None = None) -> html.Div:
    """Each group's consensus order with its uncertainty, as ``landscape consensus`` prints it.

    Per group (:data:`COMPARED_GROUPS`): the ``method`` order, each option's 95%
    bootstrap position interval and chance of coming first
    (:func:`survey.ranking.uncertainty.position_intervals`, default seed), the
    head-to-head check (Condorcet winner or majority cycle) and a warning when
    the consensus methods disagree on the top option. Under a public ``policy`` a
    group below its threshold is withheld (:func:`~survey.export.report_compare.group_withheld`),
    and the order is by mean rank whatever ``method`` says, after the release check,
    as ``landscape consensus --public`` (a pairwise method cannot be audited).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> consensus_view(store).children[0].className
    'problem'
    """
    policy = policy or DisclosurePolicy()
    if policy.active and method not in LINEAR_METHODS:
        # As `landscape consensus --public`: a pairwise method (Kemeny) rests on
        # preferences the release check cannot audit; the public view orders by mean rank.
        method = LINEAR_METHODS[0]
    try:
        if policy.active:  # the gate of every public output (X108 when refused)
            check_public_release(store_populations(store), policy, method=method)
        groups = store_ranking_groups(store)
        shown = [(key, groups[key]) for key in COMPARED_GROUPS if key in groups]
        if not shown:
            raise LandscapeError.of("A154", "no group has complete rankings yet")
        blocks: list[Any] = []
        for key, data in shown:
            if group_withheld(len(data.ranks), policy):
                blocks.append(html.P(f"{_GROUP_NAMES.get(key, key)}: withheld under "
                                     f"disclosure control ({SUPPRESSED}), too few respondents.",
                                     className="notes consensus-withheld"))
                continue
            blocks.extend(_consensus_block(key, data, method, resamples, bool(labels)))
    except LandscapeError as exc:
        return html.Div([error_notice(exc)], id="consensus-results")
    return html.Div(blocks, id="consensus-results")


def _consensus_block(key: str, data: Any, method: str, resamples: int,
                     reconstructed: bool) -> list[Any]:
    name = _GROUP_NAMES.get(key, key)
    result = consensus(data.ranks, method)
    intervals = position_intervals(data.ranks, method, resamples=resamples, result=result)
    option_labels = {c: data.label(c) for c in data.options}
    tops = top_by_method(data.ranks, results={method: result})
    warning = disagreement_warning(tops, option_labels)
    rows = [[str(o.position), option_labels[o.option], f"{o.low}–{o.high}",
             f"{round_half_up(Fraction(round(o.first * resamples) * 100, resamples), 0)}%"]
            for o in intervals.options]
    caption = (f"{name} (n={result.n}): {method} consensus order, each option's 95% position "
               f"interval and how often it came first in {resamples:,} bootstrap resamples"
               + ("; reconstructed data" if reconstructed else "") + ".")
    notes = [majority_check(data.ranks).reading(option_labels, top=result.order[0]),
             warning or f"Every consensus method puts {option_labels[result.order[0]]} first.",
             intervals.note]
    return [table_from_rows(caption, ["Position", "Option", "95% position interval",
                                      "First in"], rows, row_headers=False,
                            table_id=f"consensus-{key}", class_name="data-table"),
            notes_block(notes, class_name="notes consensus-notes")]


# -- monitor ----------------------------------------------------------------------


def _nonresponse_parts(report: MonitorReport) -> list[Any]:
    """The non-response tests (respondents vs non-respondents by group) as readings."""
    readings = [test.reading() for test in report.nonresponse.values()]
    if report.outside_completed:
        readings.append(NO_FRAME_NOTE)
    return [html.H3("Non-response against the frame"),
            html.P("Respondents (completed) against non-respondents in each table above, "
                   "tested for independence: chi-square, or an exact test where expected "
                   "counts are under 5."),
            notes_block(readings, class_name="notes nonresponse-readings")]


def monitor_view(store: Store, instrument: str | None = None, *,
                 now: datetime | None = None) -> html.Div:
    """The monitor page's content: the funnel, rates by nation, region and type, reminders due.

    Respondents due a reminder are listed by pseudonymous id only (at most
    :data:`REMINDER_ROWS_SHOWN`).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> monitor_view(store).children[0].children
    'Funnel'
    """
    report = monitor_report(store, instrument)
    t = report.total
    funnel = table_from_rows(
        "Fieldwork funnel against the sampling frame",
        ["Stage", "Respondents", "% of frame"],
        [[stage, count, rate_text(count, t.frame)] for stage, count in
         (("Sampling frame", t.frame), ("Invited", t.invited), ("Started", t.started),
          ("Completed", t.completed))],
        table_id="monitor-funnel")
    parts: list[Any] = [html.H3("Funnel"), funnel]
    if report.outside_started:
        parts.append(html.P(f"Outside the sampling frame (open link and imported responses, "
                            f"not in any response rate): {report.outside_started} started, "
                            f"{report.outside_completed} completed.",
                            id="monitor-outside-frame"))
    if report.unassigned:
        parts.append(html.P(f"{report.unassigned} people in the frame for no particular "
                            "instrument are not invited to this one yet.",
                            id="monitor-unassigned"))
    for dimension, groups in report.by.items():
        title = FIELD_LABELS.get(dimension, humanise(dimension))
        header = [title, "Frame", "Invited", "Started", "Completed", "No response",
                  "Response rate"]
        parts += [html.H3(f"By {title.lower()}"), table_from_rows(
            f"Responses and response rates by {title.lower()} (completed / frame)", header,
            [[humanise(g.group), g.frame, g.invited, g.started, g.completed,
              g.frame - g.completed, rate_text(g.completed, g.frame)] for g in groups],
            table_id=f"monitor-by-{dimension}")]
    parts += _nonresponse_parts(report)
    due = report.due
    parts.append(html.H3("Due a reminder"))
    parts.append(html.P(f"{len(due)} respondent(s) invited but not completed are due a "
                        "reminder (pseudonymous ids; contact details stay in the frame).",
                        id="monitor-due-count"))
    if due:
        shown = due[:REMINDER_ROWS_SHOWN]
        listing: list[Any] = [
            html.Summary(f"Show who is due a reminder ({len(shown)} of {len(due)})"),
            table_from_rows(
                "Respondents due a reminder", ["Respondent id", "Instrument", "Reminders sent"],
                [[d["respondent_id"], d["instrument"], d["reminders_sent"]] for d in shown],
                table_id="monitor-due")]
        if len(due) > len(shown):
            listing.append(html.P(f"… and {len(due) - len(shown)} more; landscape remind "
                                  "writes the full list."))
        parts.append(html.Details(listing))
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    parts.append(html.P(f"Last updated {stamp}.", className="updated", id="monitor-updated"))
    return html.Div(parts, id="monitor-results")


# -- barriers ---------------------------------------------------------------------


def _report_tables(tables: Sequence[ReportTable], name: str, by: str | None = None
                   ) -> list[Any]:
    """Report tables one after another, their notes said once under them all, then the
    link to their download (``name`` in the report catalogue, grouped ``by``)."""
    notes = list(dict.fromkeys(note for table in tables for note in table.notes))
    return [*[report_table_view(replace(table, notes=())) for table in tables],
            notes_block(notes),
            download_link(name, None if by in (None, "instrument") else by)]


def barriers_view(store: Store, by: str | None = "instrument", *,
                  policy: DisclosurePolicy | None = None,
                  labels: Sequence[str] = ()) -> html.Div:
    """The barriers page's content: each coded theme's share of those who answered, per group.

    The tables are :func:`survey.export.report_barriers.theme_tables` (the
    ``barriers`` download's own), under ``policy`` (default: internal); ``labels``
    (:func:`~survey.store.analysis.data_labels`) marks demo data in the notes. A
    grouping the policy does not offer shows the refusal, and no table.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> barriers_view(store).children[0].children
    'No coded answers yet: no complete response answered the challenges questions.'
    """
    try:
        tables = theme_tables(store, by=by, policy=policy or DisclosurePolicy(),
                              reconstructed=bool(labels))
    except LandscapeError as exc:
        return html.Div([error_notice(exc)], id="barriers-results")
    if not tables:
        return html.Div([html.P("No coded answers yet: no complete response answered the "
                                "challenges questions.")], id="barriers-results")
    return html.Div(_report_tables(tables, BARRIERS.name, by), id="barriers-results")


def barriers_cooccurrence_view(store: Store, by: str | None = "instrument", *,
                               policy: DisclosurePolicy | None = None,
                               labels: Sequence[str] = ()) -> html.Div:
    """Barrier co-occurrence per group: for each pair of themes, how many answers carry both.

    The tables are :func:`survey.export.report_barriers.cooccurrence_tables` (the
    ``cooccurrence`` download's own) under ``policy``, with their heatmap
    (:func:`~survey.export.report_barriers.cooccurrence_figure`) above them.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> barriers_cooccurrence_view(store).children[0].children
    'No coded answers yet: nothing to count.'
    """
    try:
        tables = cooccurrence_tables(store, by=by, policy=policy or DisclosurePolicy(),
                                     reconstructed=bool(labels))
    except LandscapeError as exc:
        return html.Div([error_notice(exc)], id="barriers-cooccurrence")
    if not tables:
        return html.Div([html.P("No coded answers yet: nothing to count.")],
                        id="barriers-cooccurrence")
    figure, summary = cooccurrence_figure(tables)
    return html.Div([
        html.Figure([dcc.Graph(id="barriers-cooccurrence-chart", figure=figure,
                               responsive=False,
                               config={"displayModeBar": False, "displaylogo": False,
                                       "responsive": False}),
                     html.Figcaption(summary, id="barriers-cooccurrence-chart-summary")],
                    className="chart"),
        *_report_tables(tables, COOCCURRENCE.name, by),
    ], id="barriers-cooccurrence")


#: At most this many quotes are listed at once (narrow the filters to see others).
MAX_QUOTES = 200


def barriers_quotes_view(quotes: Any, theme: str | None = None, group: str | None = None,
                         labels: Mapping[str, str] | None = None) -> list[Any]:
    """The quotes browser's list: quotes with ``theme`` from ``group`` (None: any), as text.

    ``quotes`` is :func:`survey.store.codings.barrier_quotes` (identifying details
    already withheld); each quote is a plain-text ``html.Blockquote`` (never HTML
    or Markdown) with its group and themes, and nothing else about its author.

    Examples
    --------
    >>> import pandas as pd
    >>> quotes = pd.DataFrame({"group": ["researcher"], "themes": [["staff_turnover"]],
    ...                        "text": ["<b>People leave.</b>"]})
    >>> items = barriers_quotes_view(quotes, "staff_turnover")
    >>> items[1].children[0].children[0].children
    '<b>People leave.</b>'
    >>> barriers_quotes_view(quotes, "short_term_funding")[0].children
    'No quotes match: 0 of 1 answers.'
    """
    names = labels or {}
    chosen = [row for row in quotes.itertuples()
              if (not theme or theme in row.themes) and (not group or row.group == group)]
    if not chosen:
        return [html.P(f"No quotes match: 0 of {len(quotes)} answers.", id="barriers-quotes-count")]
    shown = chosen[:MAX_QUOTES]
    more = (f" (the first {MAX_QUOTES} shown: narrow the filters to see others)"
            if len(chosen) > MAX_QUOTES else "")
    items = [html.Li([
        html.Blockquote(str(row.text)),
        html.P(f"{humanise(str(row.group))} · "
               + ", ".join(names.get(t, t) for t in row.themes) if row.themes
               else f"{humanise(str(row.group))} · no theme coded", className="quote-meta"),
    ]) for row in shown]
    return [html.P(f"{len(chosen)} of {len(quotes)} answers{more}. Organisation names, "
                   "emails, links and phone numbers are withheld.", id="barriers-quotes-count"),
            html.Ul(items, className="quotes")]


def barriers_quotes_panel(store: Store, theme: str | None = None, group: str | None = None,
                          codebook: Codebook | None = None) -> list[Any]:
    """The quotes browser's list for the store (see :func:`barriers_quotes_view`)."""
    book = codebook or load_codebook()
    return barriers_quotes_view(barrier_quotes(store, book), theme, group,
                                {t.code: t.label for t in book.themes})
