"""The Barriers reports: coded barrier themes by group, and their co-occurrence by group.

Two :class:`~survey.export.report.Report` s, each built by one function that the
Barriers page (``/barriers``), the Downloads page and ``landscape export report``
all call, so every one of them shows the same cells:

- ``barriers`` (:func:`theme_tables`): per group, each theme's share of the
  respondents who answered the challenges question, with its 95% Wilson
  interval and the number mentioning it; ``n`` once, in the table's title.
- ``cooccurrence`` (:func:`cooccurrence_tables`, chart :func:`cooccurrence_figure`):
  per group, how many of those who answered mention both of two themes (the
  diagonal: each theme alone).

Disclosure control (a public :class:`~survey.export.disclosure.DisclosurePolicy`)
----------------------------------------------------------------------------------
- A theme's share (and its count) passes :func:`~survey.export.report.protect_share`:
  withheld (``[c]``) when the group has fewer than ``k`` who answered, or the
  count or its complement is between 1 and ``k - 1``.
- A co-occurrence diagonal cell is that same count under the same rule (so the
  two tables never disagree on what is withheld). A pair ``(a, b)`` is shown only
  when every cell of its two-by-two table (both, ``a`` only, ``b`` only, neither)
  passes :func:`~survey.export.report.protect_share`: the diagonal and ``n`` are
  published, so any one of these four follows from the pair's count. Rows of a
  co-occurrence table have no published total (one answer carries several
  themes), so nothing else can be worked out from them.
- **Groupings.** Tables of the same respondents under two groupings can be
  subtracted from each other (a nation's table from the table of all
  respondents of its instrument, say) to recover a withheld cell. The public
  view therefore offers exactly one grouping, by instrument
  (:data:`PUBLIC_GROUPINGS`: the instruments partition the respondents, and no
  total over them is published), and refuses any other with ``X108``; the
  internal view offers every field of :data:`~survey.store.analysis.GROUP_FIELDS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from survey.coding.codebook import Codebook, load_codebook
from survey.coding.pairs import cooccurrence
from survey.errors import LandscapeError
from survey.export.disclosure import SUPPRESSED, DisclosurePolicy, Suppression
from survey.export.layout import RECONSTRUCTED_NOTE, humanise
from survey.export.palette import colorscale
from survey.export.report import Cell, Report, ReportTable, protect_share, share_text
from survey.ranking.compare import wilson_interval
from survey.stats.smalln import small_n_note
from survey.store.analysis import GROUP_FIELDS
from survey.store.codings import barrier_shares, codings_frame, groups_of, list_overrides
from survey.store.engine import Store

__all__ = [
    "BARRIERS",
    "COOCCURRENCE",
    "PUBLIC_GROUPINGS",
    "CooccurrenceTable",
    "cooccurrence_figure",
    "cooccurrence_tables",
    "grouping_note",
    "offered_groupings",
    "pair_hidden",
    "theme_tables",
]

#: The one grouping a public Barriers table may use (see the module's docstring).
PUBLIC_GROUPINGS: tuple[str, ...] = ("instrument",)
#: What the share column is called.
SHARE_COLUMN = "Share of those who answered (95% interval)"


def offered_groupings(policy: DisclosurePolicy) -> tuple[str, ...]:
    """The groupings a Barriers table may use under ``policy``.

    Examples
    --------
    >>> offered_groupings(DisclosurePolicy(public=True))
    ('instrument',)
    >>> len(offered_groupings(DisclosurePolicy())) > 1
    True
    """
    return PUBLIC_GROUPINGS if policy.public else tuple(GROUP_FIELDS)


def grouping_note(policy: DisclosurePolicy) -> str:
    """The sentence saying which groupings are offered, and why (empty for internal ones).

    Examples
    --------
    >>> grouping_note(DisclosurePolicy())
    ''
    >>> grouping_note(DisclosurePolicy(public=True))[:44]
    'The public view groups by instrument only: t'
    """
    if not policy.public:
        return ""
    return ("The public view groups by instrument only: tables of the same respondents under "
            "a second grouping could be subtracted from these to work out a withheld cell.")


def _grouping(store: Store, by: str | None, policy: DisclosurePolicy) -> str:
    """``by`` checked against the policy's groupings (None: by instrument)."""
    chosen = by or "instrument"
    groups_of(store, chosen, check_only=True)  # A171 for an unknown field
    if chosen not in offered_groupings(policy):
        raise LandscapeError.of("X108", f"public Barriers tables group by instrument only, "
                                f"not by '{chosen}'")
    return chosen


def _notes(policy: DisclosurePolicy, reconstructed: bool, *extra: str) -> tuple[str, ...]:
    notes = [RECONSTRUCTED_NOTE] if reconstructed else []
    notes += [*extra, policy.statement(), grouping_note(policy)]
    return tuple(note for note in notes if note)


def _shown(count: int, n: int, policy: DisclosurePolicy) -> bool:
    return protect_share(count, n, policy) is Suppression.NONE


# -- themes by group ---------------------------------------------------------------------


def theme_tables(store: Store, *, by: str | None = None,
                 policy: DisclosurePolicy | None = None, reconstructed: bool = False,
                 codebook: Codebook | None = None) -> list[ReportTable]:
    """Per group, each theme's share of those who answered the challenges question.

    Rows ``(theme, share with interval, mentions)``, most mentioned first among the
    shares shown; withheld rows (``None`` cells) follow in codebook order, so the
    order tells nothing about them either. Raises ``A171`` for an unknown ``by``,
    ``X108`` for a grouping the policy does not offer (:func:`offered_groupings`).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> theme_tables(store)
    []
    """
    policy = policy or DisclosurePolicy()
    chosen = _grouping(store, by, policy)
    book = codebook or load_codebook()
    shares = barrier_shares(store, chosen, book)
    if shares.empty:
        return []
    method = ("Themes are rule-coded with overrides: the codebook's keyword rules code every "
              f"answer, then people's overrides ({len(list_overrides(store))} recorded) are "
              "applied. Shares are of respondents who answered the question, rounded half-up "
              "to one decimal place, as in the report (e.g. 76.9%).")
    notes = _notes(policy, reconstructed, method, small_n_note())
    order = {t.code: i for i, t in enumerate(book.themes)}
    tables = []
    for group, rows in shares.groupby("group", sort=False):
        first = rows.iloc[0]
        n, respondents = int(first["answered"]), int(first["respondents"])
        shown: list[tuple[int, str, str]] = []
        hidden: list[tuple[int, str]] = []
        for row in rows.itertuples():
            count = int(row.count)
            if _shown(count, n, policy):
                shown.append((count, str(row.label), str(row.theme)))
            else:
                hidden.append((order.get(str(row.theme), len(order)), str(row.label)))
        body: list[tuple[Cell, ...]] = [
            (label, share_text(wilson_interval(count, n), decimals=1), count)
            for count, label, _ in sorted(shown, key=lambda s: (-s[0], s[1]))]
        body += [(label, None, None) for _, label in sorted(hidden)]
        tables.append(ReportTable(
            f"{humanise(str(group))}: barrier themes mentioned (n={policy.shown_n(n)} who "
            f"answered, of {policy.shown_n(respondents)} respondents)",
            ("Theme", SHARE_COLUMN, "Mentions"), tuple(body), notes))
    return tables


# -- co-occurrence by group ----------------------------------------------------------------


@dataclass(frozen=True)
class CooccurrenceTable(ReportTable):
    """A co-occurrence :class:`~survey.export.report.ReportTable`, with what its chart needs.

    Attributes
    ----------
    group
        The group's name as shown (``Local government``).
    answered
        Respondents of the group who answered (every cell is out of them).
    labels
        The theme labels, in row (and column) order.
    """

    group: str = ""
    answered: int = 0
    labels: tuple[str, ...] = field(default=())
    #: ``answered`` as the policy prints it (``<5`` for a small public group).
    shown_n: str = ""


def pair_hidden(both: int, first: int, second: int, n: int, policy: DisclosurePolicy) -> bool:
    """Whether the count of answers carrying two themes is withheld under ``policy``.

    ``first`` and ``second`` are the themes' own counts, ``n`` those who answered:
    every cell of the pair's two-by-two table must pass
    :func:`~survey.export.report.protect_share`.

    Examples
    --------
    >>> public = DisclosurePolicy(public=True, min_n=3)
    >>> pair_hidden(5, 8, 9, 20, public), pair_hidden(2, 8, 9, 20, public)
    (False, True)
    >>> pair_hidden(5, 6, 9, 20, public)  # one answer carries the first theme alone
    True
    """
    cells = (both, first - both, second - both, n - first - second + both)
    return not all(_shown(cell, n, policy) for cell in cells)


def cooccurrence_tables(store: Store, *, by: str | None = None,
                        policy: DisclosurePolicy | None = None, reconstructed: bool = False,
                        codebook: Codebook | None = None) -> list[CooccurrenceTable]:
    """Per group, how many of those who answered mention both of two themes.

    Rows ``((k) theme, count with theme 1, ..., count with theme T)``; the
    diagonal counts each theme alone. Withheld cells are ``None`` (see the
    module's docstring for the rule). Raises as :func:`theme_tables`.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> cooccurrence_tables(store)
    []
    """
    policy = policy or DisclosurePolicy()
    chosen = _grouping(store, by, policy)
    book = codebook or load_codebook()
    coded = codings_frame(store, book)
    if coded.empty or not coded["answered"].any():
        return []
    groups = groups_of(store, chosen) or {}
    group_of = coded["response_id"].astype(str).map(groups).fillna("(missing)")
    names = {t.code: t.label for t in book.themes}
    notes = _notes(policy, reconstructed,
                   "Counts, not shares: every cell of a table is out of the respondents of "
                   "its group who answered; column (k) is the theme in row (k), and the "
                   "diagonal counts each theme alone.")
    tables = []
    for group in sorted(dict.fromkeys(group_of)):
        table = cooccurrence(coded[group_of == group])
        n = int(table.attrs.get("answered", 0))
        if not n:
            continue
        codes = [str(c) for c in table.index]
        values = table.to_numpy(dtype=int)
        rows: list[tuple[Cell, ...]] = []
        for i, code in enumerate(codes):
            cells: list[Cell] = []
            for j in range(len(codes)):
                count = int(values[i, j])
                hidden = (not _shown(count, n, policy) if i == j else
                          pair_hidden(count, int(values[i, i]), int(values[j, j]), n, policy))
                cells.append(None if hidden else count)
            rows.append((f"({i + 1}) {names.get(code, code)}", *cells))
        label = humanise(group)
        tables.append(CooccurrenceTable(
            f"{label}: respondents mentioning both themes (n={policy.shown_n(n)} who answered)",
            ("Theme", *[f"({k})" for k in range(1, len(codes) + 1)]), tuple(rows), notes,
            group=label, answered=n, labels=tuple(names.get(c, c) for c in codes),
            shown_n=policy.shown_n(n)))
    return tables


def cooccurrence_figure(tables: Sequence[CooccurrenceTable]) -> tuple[Any, str]:
    """One heatmap per co-occurrence table, and the figure's short text alternative.

    The heatmaps show the tables' own cells: a withheld cell is blank and marked
    ``[c]``. Axes are numbered as the rows; the full theme labels are on hover. The
    text names, per group, the pair of different themes shown together most often.

    Examples
    --------
    >>> t = CooccurrenceTable("T", ("Theme", "(1)", "(2)"),
    ...                       (("(1) Funding", 3, 2), ("(2) Time", 2, None)),
    ...                       group="All", answered=5, labels=("Funding", "Time"))
    >>> figure, summary = cooccurrence_figure([t])
    >>> figure.data[0].text.tolist(), summary
    ([['3', '2'], ['2', '[c]']], 'Heatmap of barrier co-occurrence, one per group. \
All (5 answered): most often together: Funding and Time (2).')
    """
    # plotly is heavy; it loads when a chart is drawn.
    import numpy as np
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if not tables:
        return go.Figure(), "No coded answers yet: no chart."
    figure = make_subplots(rows=len(tables), cols=1, vertical_spacing=0.12 / len(tables),
                           subplot_titles=[f"{t.group} (n={t.shown_n or t.answered})"
                                           for t in tables])
    parts = []
    for row, table in enumerate(tables, start=1):
        cells = [list(r[1:]) for r in table.rows]
        z = np.array([[np.nan if c is None else float(c) for c in r] for r in cells])
        text = np.array([[SUPPRESSED if c is None else str(c) for c in r] for r in cells])
        ticks = list(table.columns[1:])
        full = [[f"{a} and {b}" for b in table.labels] for a in table.labels]
        figure.add_trace(go.Heatmap(
            z=z, x=ticks, y=ticks, text=text, customdata=full, coloraxis="coloraxis",
            texttemplate="%{text}", hovertemplate="%{customdata}: %{text}<extra></extra>"),
            row=row, col=1)
        figure.update_yaxes(autorange="reversed", row=row, col=1)
        pairs = [(c, i, j) for i, r in enumerate(cells) for j, c in enumerate(r)
                 if j > i and isinstance(c, int)]
        best = max(pairs, key=lambda p: (p[0], -p[1], -p[2]), default=None)
        lead = (f"most often together: {full[best[1]][best[2]]} ({best[0]})"
                if best is not None and best[0] > 0 else "no pair shown with a count above zero")
        parts.append(f"{table.group} ({table.shown_n or table.answered} answered): {lead}.")
    size = len(tables[0].labels)
    figure.update_layout(height=len(tables) * (120 + 30 * size),
                         margin={"l": 50, "r": 20, "t": 40, "b": 30},
                         coloraxis={"colorscale": colorscale(),
                                    "colorbar": {"title": {"text": "Respondents"}}})
    return figure, " ".join(["Heatmap of barrier co-occurrence, one per group.", *parts])


def _cooccurrence_report(store: Store, **options: Any) -> list[ReportTable]:
    return list(cooccurrence_tables(store, **options))


def _cooccurrence_chart(store: Store, *, by: str | None = None,
                        policy: DisclosurePolicy | None = None) -> Any:
    return cooccurrence_figure(cooccurrence_tables(store, by=by, policy=policy))[0]


BARRIERS = Report("barriers", "Barrier themes by group", "/barriers", theme_tables,
                  groupings=tuple(GROUP_FIELDS), public_groupings=PUBLIC_GROUPINGS)
COOCCURRENCE = Report("cooccurrence", "Barrier co-occurrence by group", "/barriers",
                      _cooccurrence_report, figure=_cooccurrence_chart,
                      groupings=tuple(GROUP_FIELDS), public_groupings=PUBLIC_GROUPINGS)
