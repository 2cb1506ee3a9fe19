"""The Overview's table of who answered: complete responses by respondent group and nation.

One builder, :func:`overview_tables`, feeds the Overview page, its downloads and
``landscape export report overview`` (the :data:`OVERVIEW` report). Under a
public policy a count from 1 to ``min_n - 1`` is hidden, and further counts by
:func:`survey.export.disclosure.secondary_suppression` so that none can be
worked out from the row and column totals; totals below the threshold are
hidden too (:func:`_margin`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from survey.export.disclosure import DisclosurePolicy, secondary_suppression
from survey.export.layout import RECONSTRUCTED_NOTE, humanise
from survey.export.report import Report, ReportTable
from survey.store.analysis import response_attributes
from survey.store.engine import Store

__all__ = ["OVERVIEW", "OVERVIEW_TITLE", "overview_tables", "respondent_counts"]

OVERVIEW_TITLE = "Complete responses by respondent group and nation"


def respondent_counts(store: Store, policy: DisclosurePolicy) -> pd.DataFrame:
    """Complete responses by respondent group (rows) and nation (columns), with totals.

    Under an active ``policy`` a count from 1 to ``min_n - 1`` is hidden, and
    further counts by :func:`survey.export.disclosure.secondary_suppression`
    so that none can be worked out from the row and column totals; hidden
    cells are ``None``. Responses without a nation are counted under
    "Not known".

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> respondent_counts(store, DisclosurePolicy()).shape
    (1, 1)
    """
    attrs = response_attributes(store)
    nation = attrs["nation"].map(lambda v: humanise(str(v)) if v is not None and v == v
                                 else "Not known")
    group = attrs["instrument"].map(lambda v: humanise(str(v)))
    table = pd.crosstab(group, nation).astype(int)
    counts = table.to_numpy()
    hidden = np.zeros(counts.shape, dtype=bool)
    if policy.active and counts.size:
        primary = (counts > 0) & (counts < policy.min_n)
        hidden = secondary_suppression(counts, primary)
    rows = [[None if h else int(v) for v, h in zip(values, hides, strict=True)]
            for values, hides in zip(counts.tolist(), hidden.tolist(), strict=True)]
    row_totals = _margin([int(t) for t in counts.sum(axis=1)], policy)
    rows = [[*row, total] for row, total in zip(rows, row_totals, strict=True)]
    rows.append([*_margin([int(t) for t in counts.sum(axis=0)], policy), int(counts.sum())])
    return pd.DataFrame(rows, index=[*table.index, "Total"],
                        columns=[*table.columns, "Total"], dtype=object)


def _margin(totals: list[int], policy: DisclosurePolicy) -> list[int | None]:
    """Totals with those from 1 to ``min_n - 1`` hidden under an active policy, and
    the next smallest too when only one would be (else the grand total gives it away).

    Examples
    --------
    >>> _margin([27, 2, 6, 9], DisclosurePolicy(public=True, min_n=5))
    [27, None, None, 9]
    """
    if not policy.active:
        return list(totals)
    hide = {i for i, t in enumerate(totals) if 0 < t < policy.min_n}
    if len(hide) == 1 and len(totals) > 1:
        rest = sorted((t, i) for i, t in enumerate(totals) if i not in hide)
        hide.add(rest[0][1])
    return [None if i in hide else t for i, t in enumerate(totals)]


def overview_tables(store: Store, *, by: str | None = None,
                    policy: DisclosurePolicy | None = None,
                    reconstructed: bool = False, **_: Any) -> list[ReportTable]:
    """The Overview's table of who answered, as every format prints it.

    ``by`` is not used (the table is always by group and nation); the default
    ``policy`` is the internal view. The notes say first that the data is
    reconstructed (when it is), then the policy's statement.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> [table] = overview_tables(store)
    >>> table.title
    'Complete responses by respondent group and nation (n=0)'
    >>> table.columns, table.rows
    (('Respondent group', 'Total'), (('Total', 0),))
    """
    policy = policy or DisclosurePolicy(public=False)
    counts = respondent_counts(store, policy)
    total = counts.iloc[-1, -1]
    rows = tuple((str(index), *values)
                 for index, values in zip(counts.index, counts.itertuples(index=False),
                                          strict=True))
    unknown = ("Responses without a nation are counted under 'Not known'.",) \
        if "Not known" in counts.columns else ()
    notes = ((RECONSTRUCTED_NOTE,) if reconstructed else ()) + unknown + (policy.statement(),)
    return [ReportTable(f"{OVERVIEW_TITLE} (n={total})",
                        ("Respondent group", *(str(c) for c in counts.columns)), rows, notes)]


#: The Overview's download (``landscape export report overview``).
OVERVIEW = Report(name="overview", label="Respondents by group and nation (Overview)",
                  page="/", tables=overview_tables)
