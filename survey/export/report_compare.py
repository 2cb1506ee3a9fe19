"""The Compare report: local government and researchers, option by option.

One call of :func:`survey.ranking.compare.compare_instruments` (what ``landscape
compare`` prints) becomes the :class:`~survey.export.report.ReportTable` of
:func:`comparison_table` and the chart of :func:`difference_chart`; the explorer's
Compare page, its downloads and ``landscape export report compare`` all build
their cells here, so they show the same thing under the same disclosure policy.

Under a public policy each top-3 share passes
:func:`~survey.export.report.protect_share`; a withheld share is printed ``[c]``,
and so is everything read off the same option's comparison (the difference, its
intervals, the p-value and the rank-biserial): a difference of two shares with one
of them shown gives the other away. A mean rank rests on its whole group and is
withheld only with the group (fewer than ``k`` respondents).

Examples
--------
>>> REPORT.name, REPORT.page
('compare', '/compare')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from survey.errors import LandscapeError
from survey.export.charts import plot_text
from survey.export.disclosure import SUPPRESSED, DisclosurePolicy, Suppression
from survey.export.layout import RECONSTRUCTED_NOTE, humanise, priority_tables
from survey.export.palette import CATEGORICAL, NEUTRALS
from survey.export.release import (
    check_public_release,
    public_comparison,
    release_bands,
    store_populations,
)
from survey.export.report import (
    Cell,
    Report,
    ReportTable,
    difference_text,
    protect_share,
    share_text,
)
from survey.ranking.compare import (
    Agreement,
    GroupComparison,
    OptionComparison,
    compare_instruments,
)
from survey.stats.smalln import small_n_note
from survey.store.analysis import store_ranking_groups
from survey.store.engine import Store

__all__ = [
    "COMPARED_GROUPS",
    "REPORT",
    "agreement_table",
    "band_withheld",
    "compare_result",
    "comparison_table",
    "difference_chart",
    "figure",
    "group_withheld",
    "p_clause",
    "p_text",
    "row_withheld",
    "short_label",
    "tables",
]

#: The two instruments compared (A first: a positive difference means A's share is larger).
COMPARED_GROUPS = ("local_government", "researcher")
#: The public policy a caller gets when it names none: withholding is the safe mistake.
_PUBLIC = DisclosurePolicy(public=True)


def p_text(p: float) -> str:
    """A p-value as the Compare table prints it (``–`` when not defined).

    Examples
    --------
    >>> p_text(0.0004), p_text(0.01234), p_text(float("nan"))
    ('<0.001', '0.012', '–')
    """
    if p != p:  # NaN
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def p_clause(p: float) -> str:
    """``p = 0.012`` or ``p < 0.001``, for a sentence.

    Examples
    --------
    >>> p_clause(0.0004), p_clause(0.5)
    ('p < 0.001', 'p = 0.500')
    """
    shown = p_text(p)
    return f"p {shown[0]} {shown[1:]}" if shown.startswith("<") else f"p = {shown}"


def short_label(row: OptionComparison) -> str:
    """An option's short name: its concept's name (the full wording, two joined by
    " / " for a mirrored pair, goes on hover and in the table's notes).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> short_label(SimpleNamespace(concept="partner_support",
    ...                             label="Support from A / Support from B"))
    'Partner support'
    """
    return humanise(row.concept) if row.concept else row.label


def group_withheld(n: int, policy: DisclosurePolicy) -> bool:
    """Whether everything resting on a whole group of ``n`` is withheld (a group below k).

    Examples
    --------
    >>> public = DisclosurePolicy(public=True, min_n=5)
    >>> group_withheld(4, public), group_withheld(5, public), group_withheld(4, DisclosurePolicy())
    (True, False, False)
    """
    # a share of none of them is withheld exactly when the group is below the threshold
    return protect_share(0, n, policy) is not Suppression.NONE


def row_withheld(row: OptionComparison, policy: DisclosurePolicy,
                 hidden: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Whether ``policy`` withholds either group's top share of ``row``, and so its comparison.

    ``hidden`` holds ``("a" | "b", option)`` shares withheld because the public
    priority table withholds the same cell (:func:`band_withheld`).

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.ranking.compare import compare_groups
    >>> a = pd.DataFrame({"x": [1] * 8 + [2] * 2, "y": [2] * 8 + [1] * 2}, dtype="Int64")
    >>> row = compare_groups(a, a, top=1, resamples=50, permutations=49).rows[0]
    >>> row.top_a.count, row_withheld(row, DisclosurePolicy(public=True, min_n=3))
    (8, True)
    >>> row_withheld(row, DisclosurePolicy())
    False
    """
    return _share_withheld(row, "a", policy, hidden) or _share_withheld(row, "b", policy, hidden)


def _share_withheld(row: OptionComparison, side: str, policy: DisclosurePolicy,
                    hidden: frozenset[tuple[str, str]]) -> bool:
    share, option = (row.top_a, row.option_a) if side == "a" else (row.top_b, row.option_b)
    return (side, option) in hidden or \
        protect_share(share.count, share.n, policy) is not Suppression.NONE


def band_withheld(store: Store, policy: DisclosurePolicy, top: int = 3
                  ) -> frozenset[tuple[str, str]]:
    """Top-``top`` shares a public Compare must withhold because the public priority tables do.

    A group's top-3 share is the 1st-3rd band cell of its priority table. The public
    priority table withholds some cells only to protect others (secondary
    suppression, :func:`survey.export.disclosure.protect`); printing such a cell here
    would let a reader subtract it from the row's total and recover the small cell it
    protects. So a share is withheld wherever the public band table withholds its
    cell, and every share is withheld when the release's first band is not
    ``1-top`` (the table would be a new output the release check never attacked).

    Returns ``("a", option)`` for the first compared group and ``("b", option)`` for
    the second; empty under an internal policy.
    """
    if not policy.active:
        return frozenset()
    groups = store_ranking_groups(store)  # one group per instrument, as compare_result
    chosen = release_bands()
    hidden: set[tuple[str, str]] = set()
    for side, key in zip(("a", "b"), COMPARED_GROUPS, strict=True):
        if key not in groups:
            continue
        if not chosen or chosen[0] != (1, top):
            hidden.update((side, option) for option in groups[key].options)
            continue
        for layout, _ in priority_tables({key: groups[key]}, policy, bands=chosen):
            hidden.update((side, row.code) for row in layout.rows if row.cells[0] is None)
    return frozenset(hidden)


def _option_cells(row: OptionComparison, policy: DisclosurePolicy,
                  hidden: frozenset[tuple[str, str]]) -> tuple[Cell, ...]:
    """One option's cells, in the order of :func:`comparison_table`'s columns."""
    compared = not row_withheld(row, policy, hidden)

    def mean_rank(value: float, n: int) -> Cell:
        return None if group_withheld(n, policy) else f"{value:.1f}"

    difference = difference_text(row.top_difference, row.top_difference_low,
                                 row.top_difference_high)
    adjusted = difference_text(row.top_difference, row.top_difference_low_adjusted,
                               row.top_difference_high_adjusted)
    effect = f"{row.rank_biserial + 0.0:+.2f}"
    effect_interval = (f"{row.rank_biserial_low + 0.0:+.2f} to "
                       f"{row.rank_biserial_high + 0.0:+.2f}")
    # the test and effect read the option's whole distribution: withheld with any of its
    # cells (public_comparison sets them NaN), even where the top shares are shown
    tested = compared and not _withheld_number(row.rank_biserial, policy)
    return (short_label(row), mean_rank(row.mean_rank_a, row.n_a),
            mean_rank(row.mean_rank_b, row.n_b),
            None if _share_withheld(row, "a", policy, hidden) else share_text(row.top_a),
            None if _share_withheld(row, "b", policy, hidden) else share_text(row.top_b),
            difference if compared else None,
            *(value if tested else None for value in (p_text(row.p_holm), effect,
                                                       effect_interval)),
            adjusted if compared else None)


def _wording_note(rows: Sequence[OptionComparison]) -> str:
    """The full wording of each option shown by a shorter name."""
    full = [f"{short_label(r)}: {r.label}" for r in rows if r.label != short_label(r)]
    return ("Options in full (a mirrored pair as each group's wording, joined by \" / \"): "
            + "; ".join(full) + ".") if full else ""


def comparison_table(result: GroupComparison, policy: DisclosurePolicy = _PUBLIC, *,
                     reconstructed: bool = False,
                     hidden: frozenset[tuple[str, str]] = frozenset()) -> ReportTable:
    """The option-by-option comparison as printed on the page and in every download.

    Per option (by its concept's short name; full wording in the notes): each
    group's mean rank and top-``k`` share with its 95% Wilson interval, their
    difference in percentage points with its 95% Newcombe interval, the
    Holm-adjusted Mann–Whitney p, the rank-biserial with its bootstrap interval, and
    the difference's interval adjusted for the number of options (Bonferroni).
    Cells withheld under ``policy`` are ``None`` (``[c]``): see the module.

    Parameters
    ----------
    result
        From :func:`compare_result` (or :func:`~survey.ranking.compare.compare_instruments`).
    policy
        The disclosure policy of the reader (default: public).
    reconstructed
        Whether the data is the reconstructed demo (the notes then say so).

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.ranking.compare import compare_groups
    >>> a = pd.DataFrame({"x": [1] * 8 + [2] * 2, "y": [2] * 8 + [1] * 2}, dtype="Int64")
    >>> result = compare_groups(a, a, top=1, labels=("A", "B"), resamples=50, permutations=49)
    >>> table = comparison_table(result, DisclosurePolicy(public=True, min_n=3))
    >>> table.rows[0][:6]
    ('X', '1.2', '1.2', None, None, None)
    >>> comparison_table(result, DisclosurePolicy()).rows[0][3:6]
    ('80% (49–94) *', '80% (49–94) *', '0 (-34 to +34)')
    """
    name_a, name_b = result.labels
    top = result.top
    n_a, n_b = (result.rows[0].n_a, result.rows[0].n_b) if result.rows else (0, 0)
    columns = ("Option", f"Mean rank: {name_a}", f"Mean rank: {name_b}",
               f"Top-{top} share: {name_a} (95% Wilson interval)",
               f"Top-{top} share: {name_b} (95% Wilson interval)",
               f"Difference, {name_a} minus {name_b} (percentage points, 95% Newcombe "
               "interval)",
               "p (Mann–Whitney, Holm-adjusted)", f"Rank-biserial (> 0: {name_a} rank higher)",
               "Rank-biserial, 95% bootstrap interval",
               f"Difference, interval adjusted for {len(result.rows)} comparisons (Bonferroni)")
    # a group below the threshold is "n<5" here, as in its withheld agreement row
    title = (f"{name_a} (n={policy.shown_n(n_a)}) and {name_b} (n={policy.shown_n(n_b)}): "
             "each option's mean rank "
             f"(1 = most important) and top-{top} share, with 95% intervals"
             + ("; reconstructed data" if reconstructed else "") + ".")
    withheld = ("" if not any(row_withheld(r, policy, hidden) for r in result.rows) else
                f"Where a group's top-{top} share is withheld ({SUPPRESSED}), so is the "
                "option's comparison: its difference, p-value and rank-biserial.")
    untested = ("" if not any(_withheld_number(r.rank_biserial, policy) and
                              not row_withheld(r, policy, hidden) for r in result.rows) else
                "Where any cell of an option's row is withheld in either group's public "
                f"priority table, its p-value and rank-biserial are withheld too ({SUPPRESSED}).")
    notes = [result.note, small_n_note(), _wording_note(result.rows), policy.statement(),
             withheld, untested, RECONSTRUCTED_NOTE if reconstructed else ""]
    return ReportTable(title, columns, tuple(_option_cells(r, policy, hidden) for r in result.rows),
                       tuple(n for n in notes if n))


def _agreement_cells(name: str, found: Agreement | None,
                     policy: DisclosurePolicy) -> tuple[Cell, ...]:
    if found is None:
        return (name, "fewer than 3", *["not computed"] * 4)
    if group_withheld(found.n, policy):
        return (name, None, None, None, None, None)
    cochran: Cell = ("not defined (everyone put all or none of the options there)"
                     if found.cochran_q != found.cochran_q else
                     f"Q({found.cochran_df}) = {found.cochran_q:.1f}, "
                     f"{p_clause(found.cochran_p)}")
    if _withheld_number(found.cochran_q, policy):
        cochran = None  # withheld by public_comparison (a top share of the group is)
    return (name, str(found.n), f"{found.kendall_w:.2f}",
            f"F({found.friedman_f_df1:.2f}, {found.friedman_f_df2:.1f}) = "
            f"{found.friedman_f:.2f}, {p_clause(found.friedman_f_p)}",
            f"chi-square({found.friedman_chi2_df}) = {found.friedman_chi2:.1f}, "
            f"{p_clause(found.friedman_chi2_p)}",
            cochran)


def agreement_table(result: GroupComparison, policy: DisclosurePolicy = _PUBLIC, *,
                    reconstructed: bool = False) -> ReportTable:
    """Agreement within each group (Kendall's W, Friedman, Cochran's Q), one row per group.

    A group below the policy's threshold is withheld whole (its tests rest on it alone).

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.ranking.compare import compare_instruments
    >>> from survey.ranking.bands import RankingData
    >>> ranks = pd.DataFrame({"x": [1, 1, 1, 2], "y": [2, 2, 2, 1]}, dtype="Int64")
    >>> data = RankingData(ranks, ("x", "y"))
    >>> result = compare_instruments({"a": data, "b": data}, "a", "b", top=1, resamples=50,
    ...                              permutations=49, likelihood_permutations=0)
    >>> [row[:3] for row in agreement_table(result, DisclosurePolicy(public=True, min_n=5)).rows]
    [('a', None, None), ('b', None, None)]
    >>> agreement_table(result, DisclosurePolicy()).rows[0][:3]
    ('a', '4', '0.25')
    """
    names = dict(zip(COMPARED_GROUPS, result.labels, strict=True))
    top = result.top
    rows = tuple(_agreement_cells(names.get(key, key), found, policy)
                 for key, found in result.within.items())
    return ReportTable(
        f"Agreement within each group on the order of the options (Cochran's Q on who "
        f"put each option in their top {top})",
        ("Group", "n", "Kendall's W (0 = none, 1 = identical rankings)", "Friedman F test",
         "Friedman chi-square test", f"Cochran's Q (top {top})"),
        rows, tuple(n for n in (policy.statement(),
                                RECONSTRUCTED_NOTE if reconstructed else "") if n))


def compare_result(store: Store, top: int = 3,
                   policy: DisclosurePolicy | None = None) -> GroupComparison:
    """Local government against researchers on the store's rankings (one group per instrument).

    Under an active (public) ``policy`` the result is what ``landscape compare
    --public`` prints: it passes :func:`survey.export.release.check_public_release`
    (the mean ranks are part of the audited release) and
    :func:`survey.export.release.public_comparison` withholds (NaN) the test and
    rank-biserial of every option with a suppressed cell in either group's public
    table, and Cochran's Q of a group with a withheld top share: with the band
    table's column total, Q's sum of squared top counts gives the hidden counts back.

    Raises
    ------
    LandscapeError
        When there are no complete rankings, or a group is missing (``A155``);
        ``X108`` when the public release check refuses the comparison.
    """
    groups = store_ranking_groups(store)  # one group per instrument
    result = compare_instruments(groups, *COMPARED_GROUPS, top=top)
    if policy is None or not policy.active:
        return result
    check_public_release(store_populations(store), policy, top=top)
    return public_comparison(result, groups, *COMPARED_GROUPS, policy)


def _withheld_number(value: float, policy: DisclosurePolicy) -> bool:
    """Whether a statistic of a public result was withheld (NaN) by public_comparison."""
    return policy.active and value != value


def _no_grouping(by: str | None) -> None:
    if by is not None:
        raise LandscapeError.of("A153", f"the compare report has no groupings; got by={by!r} "
                                "(it always sets local government beside researchers)")


def tables(store: Store, *, by: str | None = None, policy: DisclosurePolicy = _PUBLIC,
           reconstructed: bool = False) -> list[ReportTable]:
    """The Compare report's tables: the comparison, then agreement within each group."""
    _no_grouping(by)
    result = compare_result(store, policy=policy)
    return [comparison_table(result, policy, reconstructed=reconstructed,
                             hidden=band_withheld(store, policy, result.top)),
            agreement_table(result, policy, reconstructed=reconstructed)]


def difference_chart(result: GroupComparison, policy: DisclosurePolicy = _PUBLIC,
                     hidden: frozenset[tuple[str, str]] = frozenset()) -> tuple[Any, str]:
    """The difference in top-``k`` share (A minus B, percentage points) per option with
    its 95% Newcombe interval, and a one-sentence text alternative.

    Short option names on the axis, the full wording on hover; labels reach plotly
    through :func:`survey.export.charts.plot_text`. An option whose comparison
    ``policy`` withholds (:func:`row_withheld`) keeps its place on the axis, marked
    ``[c]``, with no point drawn; the chart and its text alternative say so.

    Examples
    --------
    >>> from survey.ranking.reconstruct import demo_ranking_data
    >>> from survey.ranking.compare import compare_groups
    >>> a, b = demo_ranking_data("local_government"), demo_ranking_data("researcher")
    >>> shared = sorted(set(a.options) & set(b.options))
    >>> result = compare_groups(a.ranks[shared], b.ranks[shared], labels=("LG", "R"))
    >>> figure, summary = difference_chart(result, DisclosurePolicy())
    >>> len(figure.data[0].x) == len(shared), summary.split(";")[0][:45]
    (True, 'Dot-and-interval chart of the difference in t')
    >>> figure, summary = difference_chart(result, DisclosurePolicy(public=True, min_n=5))
    >>> sum(x is None for x in figure.data[0].x), summary.split("; ")[-1]
    (2, '2 withheld under disclosure control ([c], not drawn).')
    """
    # plotly is heavy; it loads when a chart is drawn.
    import plotly.graph_objects as go

    name_a, name_b = result.labels
    rows = result.rows
    withheld_rows = [row_withheld(r, policy, hidden) for r in rows]
    marked = list(zip(rows, withheld_rows, strict=True))
    points = [None if h else 100 * r.top_difference for r, h in marked]
    above = [None if p is None else 100 * r.top_difference_high - p
             for r, p in zip(rows, points, strict=True)]
    below = [None if p is None else p - 100 * r.top_difference_low
             for r, p in zip(rows, points, strict=True)]
    names = [plot_text(short_label(r) + (f" {SUPPRESSED}" if h else ""), 40)
             for r, h in marked]
    hover = [[plot_text(r.label, 60), "", ""] if h else
             [plot_text(r.label, 60), f"{100 * r.top_difference_low:+.0f}",
              f"{100 * r.top_difference_high:+.0f}"] for r, h in marked]
    figure = go.Figure(go.Scatter(
        x=points, y=names, mode="markers",
        marker={"color": CATEGORICAL[4], "size": 10, "symbol": "diamond"},
        error_x={"type": "data", "symmetric": False, "color": NEUTRALS["rule"], "thickness": 2,
                 "array": above, "arrayminus": below},
        customdata=hover,
        hovertemplate=("%{customdata[0]}<br>%{x:+.0f} points (95% interval "
                       "%{customdata[1]} to %{customdata[2]})<extra></extra>")))
    figure.add_vline(x=0, line={"color": NEUTRALS["ink"], "width": 1})
    title = plot_text(f"Top-{result.top} share: {name_a} minus {name_b} (percentage points)")
    if any(withheld_rows):
        title += plot_text(f"; {SUPPRESSED}: withheld under disclosure control, not drawn")
    figure.update_layout(
        template="plotly_white", height=120 + 40 * len(rows),
        margin={"l": 10, "r": 30, "t": 30, "b": 50},
        font={"family": "Arial, Helvetica, Liberation Sans, sans-serif", "size": 13},
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": {"text": title}, "range": [-100, 100], "zeroline": False})
    shown = [r for r, h in marked if not h]
    summary = (f"Dot-and-interval chart of the difference in top-{result.top} share, "
               f"{name_a} minus {name_b}, for {len(rows)} options")
    if shown:
        clear = [r for r in shown if r.top_difference_low > 0 or r.top_difference_high < 0]
        widest = max(shown, key=lambda r: abs(r.top_difference))
        largest = difference_text(widest.top_difference, widest.top_difference_low,
                                  widest.top_difference_high)
        summary += (f"; the largest{' shown' if len(shown) < len(rows) else ''} is "
                    f"{short_label(widest)} ({largest} points); "
                    f"{len(clear)} interval(s) exclude zero")
    withheld = len(rows) - len(shown)
    summary += (f"; {withheld} withheld under disclosure control ({SUPPRESSED}, not drawn)."
                if withheld else ".")
    return figure, summary


def figure(store: Store, *, by: str | None = None, policy: DisclosurePolicy = _PUBLIC) -> Any:
    """The Compare report's chart: :func:`difference_chart` of the store's comparison."""
    _no_grouping(by)
    result = compare_result(store, policy=policy)
    return difference_chart(result, policy, band_withheld(store, policy, result.top))[0]


#: The Compare page's report (see :data:`survey.export.report_catalogue.REPORTS`).
REPORT = Report("compare", "Compare local government and researchers", "/compare",
                tables, figure)
