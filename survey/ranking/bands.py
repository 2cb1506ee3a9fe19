"""Band tables: the share of respondents placing each option in each band of ranks.

This module is the one place where the treatment of ranking answers is defined.
Everything else in :mod:`survey.ranking` follows it.

The rankings frame
------------------
A *rankings frame* is a :class:`pandas.DataFrame` with one row per respondent
(index = respondent id), one column per option code in the question's option
order, holding integer rank positions ``1..k`` as nullable ``Int64``; ``<NA>``
means "not ranked". Group and filter fields are kept outside the frame, as a
:class:`pandas.Series` or boolean mask aligned on the same index.
:class:`RankingData` bundles a frame with its option codes, labels, the
question's :class:`~survey.instrument.model.RankingRule` and optional groups.

Policy for partial rankings and ties
------------------------------------
* **Who counts in n.** A respondent *answered* the question when they ranked at
  least one option. ``n`` (per group) is the number of such respondents; a row
  with nothing ranked is "did not answer" and appears in no count and no ``n``.
* **Full rankings, ties forbidden** (``mode: full, ties: forbid``). An option's
  rank is its position; it counts in the band whose range contains that
  position.
* **Top-k rankings** (``mode: top_k``). Only the ``k`` best options carry a
  position. **An unranked option counts in no band**; it is reported separately
  as ``unranked`` so that a row's band shares plus its unranked share make 100%.
  ``n`` is still the respondents who ranked at least one option. The same holds
  for any option left unranked in a full ranking (the file readers reject such
  answers unless the question is top_k, but frames built in code may have them).
* **Ties allowed** (``ties: allow``). Positions are recomputed from the order
  the respondent gave, not taken from the stored numbers: an option tied with
  ``t - 1`` others, behind ``b`` better-ranked options, occupies positions
  ``b+1 .. b+t`` and is placed at their **mid-rank** ``b + (t+1)/2``. It counts in
  the band containing its mid-rank. A mid-rank halfway between two positions
  (e.g. 3.5) is rounded **up** to the later position, so a tie straddling a band
  boundary counts in the lower-priority band: no option is credited with a
  place it did not clearly win. (Stored ties ``1, 1, 3`` and ``1, 1, 2`` thus
  mean the same.) With ties forbidden the stored positions are used as they are.

Display
-------
Exact shares are ``count / n`` (:class:`fractions.Fraction`). Displayed
percentages round **half-up** to whole percent like the 2022 report, using exact
integer arithmetic: 0.5% shows as 1%, 2.5% as 3% (not banker's 2%).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import LandscapeError
from survey.instrument.model import RankingRule
from survey.percent import percent, round_percent

__all__ = [
    "DEFAULT_BANDS",
    "MISSING_GROUP",
    "BandTable",
    "RankingData",
    "band_label",
    "band_table",
    "parse_bands",
    "percent",
    "round_percent",
]

#: The report's bands: ranks 1-3, 4-6 and 7-9.
DEFAULT_BANDS: tuple[tuple[int, int], ...] = ((1, 3), (4, 6), (7, 9))

#: The group name given to respondents whose group value is missing.
MISSING_GROUP = "(missing)"

_ALL = "all"


def band_label(band: tuple[int, int]) -> str:
    """``(1, 3) -> '1-3'``; a one-position band is just its number.

    Examples
    --------
    >>> band_label((4, 6)), band_label((1, 1))
    ('4-6', '1')
    """
    lo, hi = band
    return str(lo) if lo == hi else f"{lo}-{hi}"


def parse_bands(text: str) -> tuple[tuple[int, int], ...]:
    """Parse ``"1-3,4-6,7-9"`` (or ``"1,2-4"``) into rank ranges.

    Raises
    ------
    LandscapeError
        ``A111`` when a range is malformed, reversed, below 1 or overlaps another.

    Examples
    --------
    >>> parse_bands("1-3, 4-6,7-9")
    ((1, 3), (4, 6), (7, 9))
    >>> parse_bands("1,2-9")
    ((1, 1), (2, 9))
    """
    bands: list[tuple[int, int]] = []
    for part in str(text).split(","):
        piece = part.strip()
        lo_text, sep, hi_text = piece.partition("-")
        try:
            lo = int(lo_text)
            hi = int(hi_text) if sep else lo
        except ValueError:
            raise LandscapeError.of("A111", f"'{piece}' is not a range like 1-3") from None
        bands.append((lo, hi))
    _check_bands(bands)
    return tuple(bands)


def _check_bands(bands: Sequence[tuple[int, int]]) -> None:
    if not bands:
        raise LandscapeError.of("A111", "no bands given")
    taken: set[int] = set()
    for lo, hi in bands:
        if lo < 1 or hi < lo:
            raise LandscapeError.of("A111", f"band {lo}-{hi} must satisfy 1 <= first <= last")
        span = set(range(lo, hi + 1))
        if span & taken:
            raise LandscapeError.of("A111", f"band {lo}-{hi} overlaps another band")
        taken |= span


@dataclass(frozen=True)
class RankingData:
    """Rankings of one question, ready for analysis.

    Attributes
    ----------
    ranks
        The rankings frame (see the module docstring): index = respondent id,
        columns = ``options`` in order, nullable ``Int64`` positions.
    options
        Option codes in the question's order.
    labels
        Option code -> display label (English); codes without one show as codes.
    groups
        Optional group of each respondent (e.g. instrument), aligned on
        ``ranks.index``; used by :func:`band_table` when ``by`` is not given.
    rule
        The question's declared ranking rule (mode full/top_k, ties forbid/allow).
    question
        The question code, when known.
    concepts
        Option code -> concept code (from the instrument), so mirrored options of
        different instruments can be compared; options without one are their own
        concept.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 2], "b": [2, 1]}, index=["r1", "r2"], dtype="Int64")
    >>> RankingData(frame, ("a", "b")).label("a")
    'a'
    """

    ranks: pd.DataFrame
    options: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    groups: pd.Series | None = None
    rule: RankingRule = field(default_factory=RankingRule)
    question: str | None = None
    concepts: Mapping[str, str] = field(default_factory=dict)

    def label(self, option: str) -> str:
        """The display label of an option (its code when it has none)."""
        return self.labels.get(option, option)

    def concept(self, option: str) -> str:
        """The concept an option stands for (its code when it has none)."""
        return self.concepts.get(option, option)

    def subset(self, mask: pd.Series | np.ndarray) -> RankingData:
        """The respondents where ``mask`` is true (a filter), keeping everything else."""
        keep = np.asarray(mask, dtype=bool)
        groups = None if self.groups is None else self.groups[keep]
        return RankingData(self.ranks[keep], self.options, self.labels, groups, self.rule,
                           self.question, self.concepts)


@dataclass(frozen=True)
class BandTable:
    """Counts of respondents per (group, option, band), with exact shares.

    Attributes
    ----------
    groups, options, bands
        The axes of ``counts``.
    counts
        ``int64`` array of shape (groups, options, bands).
    n
        Respondents who answered, per group.
    unranked
        Per (group, option): answering respondents who did not rank the option
        (top-k answers; such options count in no band).
    labels
        Option code -> display label.
    """

    groups: tuple[str, ...]
    options: tuple[str, ...]
    bands: tuple[tuple[int, int], ...]
    counts: np.ndarray
    n: np.ndarray
    unranked: np.ndarray
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def band_labels(self) -> tuple[str, ...]:
        return tuple(band_label(b) for b in self.bands)

    def count(self, option: str, band: tuple[int, int] | str, group: str | None = None) -> int:
        """The count in one cell; ``group`` may be omitted when there is one group."""
        g, o, b = self._index(option, band, group)
        return int(self.counts[g, o, b])

    def share(self, option: str, band: tuple[int, int] | str, group: str | None = None
              ) -> Fraction:
        """The exact share ``count / n`` of one cell (0 when the group has n = 0)."""
        g, o, b = self._index(option, band, group)
        total = int(self.n[g])
        return Fraction(int(self.counts[g, o, b]), total) if total else Fraction(0)

    def percent(self, option: str, band: tuple[int, int] | str, group: str | None = None
                ) -> int:
        """The displayed whole percent of one cell, rounded half-up."""
        g, o, b = self._index(option, band, group)
        total = int(self.n[g])
        return percent(int(self.counts[g, o, b]), total) if total else 0

    def _index(self, option: str, band: tuple[int, int] | str, group: str | None
               ) -> tuple[int, int, int]:
        if group is None:
            if len(self.groups) != 1:
                raise ValueError(f"name a group: one of {', '.join(self.groups)}")
            g = 0
        else:
            g = self.groups.index(group)
        b = self.band_labels.index(band) if isinstance(band, str) else self.bands.index(band)
        return g, self.options.index(option), b

    def to_frame(self) -> pd.DataFrame:
        """Long records: group, option, label, band, count, n, share, percent.

        ``share`` is ``count / n`` as a float (NaN when n = 0); ``percent`` is the
        half-up whole percent shown in displays.

        Examples
        --------
        >>> data = pd.DataFrame({"a": [1, 2], "b": [2, 1]}, dtype="Int64")
        >>> band_table(data, bands=((1, 1), (2, 2))).to_frame()[["option", "band", "count"]]
          option band  count
        0      a    1      1
        1      a    2      1
        2      b    1      1
        3      b    2      1
        """
        g_n, o_n, b_n = self.counts.shape
        g_idx, o_idx, b_idx = np.meshgrid(np.arange(g_n), np.arange(o_n), np.arange(b_n),
                                          indexing="ij")
        counts = self.counts.reshape(-1)
        n = self.n[g_idx.reshape(-1)]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(n > 0, counts / np.maximum(n, 1), np.nan)
        # One rounding rule everywhere (round_percent, half-up); the cells are few.
        pct = np.array([percent(int(c), int(t)) if t > 0 else 0 for c, t in zip(counts, n,
                                                                                strict=True)],
                       dtype="int64")
        options = np.array(self.options, dtype=object)[o_idx.reshape(-1)]
        return pd.DataFrame({
            "group": np.array(self.groups, dtype=object)[g_idx.reshape(-1)],
            "option": options,
            "label": [self.labels.get(o, o) for o in options],
            "band": np.array(self.band_labels, dtype=object)[b_idx.reshape(-1)],
            "count": counts.astype("int64"),
            "n": n.astype("int64"),
            "share": share,
            "percent": pct.astype("int64"),
        })

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready records of group, option, label, band, count, n, share, percent."""
        frame = self.to_frame()
        records: list[dict[str, Any]] = []
        for row in frame.itertuples(index=False):
            records.append({
                "group": row.group, "option": row.option, "label": row.label,
                "band": row.band, "count": int(row.count), "n": int(row.n),
                "share": None if int(row.n) == 0 else float(row.share),
                "percent": int(row.percent),
            })
        return records

    def display(self, group: str | None = None, labels: bool = True,
                band_titles: Sequence[str] | None = None) -> pd.DataFrame:
        """The published layout: rows = options, columns = bands, whole percents.

        Parameters
        ----------
        group
            Which group (may be omitted when there is one).
        labels
            Index rows by option label (True) or code (False).
        band_titles
            Column titles; default the band ranges, e.g. ``'1-3'``.

        Examples
        --------
        >>> data = pd.DataFrame({"a": [1, 1, 2], "b": [2, 2, 1]}, dtype="Int64")
        >>> band_table(data, bands=((1, 1), (2, 2))).display()
            1   2
        a  67  33
        b  33  67
        """
        g = 0 if group is None and len(self.groups) == 1 else self.groups.index(str(group))
        total = int(self.n[g])
        pct = np.array([[percent(int(c), total) if total else 0 for c in row]
                        for row in self.counts[g]], dtype="int64").reshape(self.counts[g].shape)
        index = [self.labels.get(o, o) if labels else o for o in self.options]
        columns = list(band_titles) if band_titles is not None else list(self.band_labels)
        return pd.DataFrame(pct.astype("int64"), index=index, columns=columns)


def band_table(
    data: RankingData | pd.DataFrame,
    bands: Sequence[tuple[int, int]] = DEFAULT_BANDS,
    by: pd.Series | np.ndarray | Sequence[Any] | None = None,
    *,
    rule: RankingRule | None = None,
    where: pd.Series | np.ndarray | None = None,
    labels: Mapping[str, str] | None = None,
) -> BandTable:
    """Count respondents per (group, option, band), following the module's policy.

    Parameters
    ----------
    data
        A :class:`RankingData`, or a bare rankings frame (all its columns are options).
    bands
        Rank ranges ``(first, last)``; default 1-3, 4-6, 7-9.
    by
        Group of each respondent, aligned with the rows; default ``data.groups``
        (one group ``'all'`` when there are none). Missing values form the group
        ``'(missing)'``.
    rule
        The ranking rule; default ``data.rule`` (full, ties forbidden). Only
        ``ties`` changes the computation (see the module docstring).
    where
        Boolean filter mask aligned with the rows (nation, region, path, ...).
    labels
        Option labels; default ``data.labels``.

    Returns
    -------
    BandTable

    Notes
    -----
    Vectorised: one ``np.bincount`` of positions per option (keyed by group),
    then band sums over position ranges; ties add an O(k^2) pass of comparisons.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 2, 3], "b": [2, 1, 1], "c": [3, 3, 2]},
    ...                      dtype="Int64")
    >>> table = band_table(frame, bands=((1, 1), (2, 3)))
    >>> table.count("b", "1"), int(table.n[0]), str(table.share("b", "1"))
    (2, 3, '2/3')
    >>> table.percent("b", "1")
    67
    """
    _check_bands(bands)
    if isinstance(data, RankingData):
        frame = data.ranks
        options = tuple(data.options)
        groups = data.groups if by is None else by
        rule = rule or data.rule
        labels = dict(data.labels) if labels is None else dict(labels)
    else:
        frame = data
        options = tuple(str(c) for c in data.columns)
        groups = by
        rule = rule or RankingRule()
        labels = dict(labels or {})

    positions = _positions(frame, options)
    if where is not None:
        keep = np.asarray(where, dtype=bool)
        if keep.shape[0] != positions.shape[0]:
            raise ValueError("the filter mask must have one entry per respondent")
        positions = positions[keep]
    else:
        keep = None
    if rule.ties == "allow":
        positions = _midrank_positions(positions)

    group_names, group_codes = _group_codes(groups, frame, keep, positions.shape[0])
    n_groups, n_options = len(group_names), len(options)

    # One histogram of positions per (group, option) -- a bincount per option column
    # over a million rows is much cheaper than one over a (rows x options) key matrix --
    # then a band's count is the sum of its positions. Position 0 means unranked.
    max_pos = max(int(positions.max(initial=0)), max(hi for _, hi in bands))
    slots = max_pos + 1
    offsets = group_codes * slots if n_groups > 1 else None
    hist = np.empty((n_groups, n_options, slots), dtype=np.int64)
    for j in range(n_options):
        keys = positions[:, j] if offsets is None else offsets + positions[:, j]
        hist[:, j, :] = np.bincount(keys, minlength=n_groups * slots).reshape(n_groups, slots)
    counts = np.stack([hist[:, :, lo:hi + 1].sum(axis=2) for lo, hi in bands], axis=2)

    answered = (positions > 0).any(axis=1)
    n = np.bincount(group_codes[answered], minlength=n_groups).astype(np.int64)
    # Unranked counts only respondents who answered: subtract the non-answering rows,
    # which are unranked on every option.
    non_answering = np.bincount(group_codes[~answered], minlength=n_groups)
    unranked = hist[:, :, 0] - non_answering[:, None]
    return BandTable(
        groups=group_names,
        options=options,
        bands=tuple((int(lo), int(hi)) for lo, hi in bands),
        counts=counts.astype(np.int64),
        n=n,
        unranked=unranked.astype(np.int64),
        labels=labels,
    )


def _positions(frame: pd.DataFrame, options: tuple[str, ...]) -> np.ndarray:
    """Positions as an int64 matrix, 0 for unranked (avoids float NaN arithmetic)."""
    missing = [o for o in options if o not in frame.columns]
    if missing:
        raise KeyError(f"the rankings frame has no column for option(s) {', '.join(missing)}")
    out = np.empty((len(frame), len(options)), dtype=np.int64)
    for j, option in enumerate(options):
        column = frame[option]
        if isinstance(column.dtype, pd.api.extensions.ExtensionDtype):
            out[:, j] = column.to_numpy(dtype="int64", na_value=0)
        else:
            values = column.to_numpy()
            out[:, j] = np.where(pd.isna(values), 0, values).astype(np.int64)
    if (out < 0).any():
        raise ValueError("rank positions must be positive")
    return out


def _midrank_positions(positions: np.ndarray) -> np.ndarray:
    """Recompute positions from the order, placing ties at their mid-rank (half up)."""
    ranked = positions > 0
    better = np.zeros_like(positions)
    tied = np.zeros_like(positions)
    for j in range(positions.shape[1]):
        pj = positions[:, j:j + 1]
        better[:, j] = ((positions < pj) & ranked).sum(axis=1)
        tied[:, j] = ((positions == pj) & ranked).sum(axis=1)
    # mid-rank = better + (tied + 1) / 2, halves rounded up: floor(better + tied/2 + 1).
    return np.where(ranked, better + tied // 2 + 1, 0)


def _group_codes(
    groups: pd.Series | np.ndarray | Sequence[Any] | None,
    frame: pd.DataFrame,
    keep: np.ndarray | None,
    size: int,
) -> tuple[tuple[str, ...], np.ndarray]:
    if groups is None:
        return (_ALL,), np.zeros(size, dtype=np.int64)
    if isinstance(groups, pd.Series) and not groups.index.equals(frame.index):
        values = groups.reindex(frame.index)
    else:
        values = pd.Series(np.asarray(groups, dtype=object), index=frame.index)
    if len(values) != len(frame):
        raise ValueError("groups must have one entry per respondent")
    if keep is not None:
        values = values[keep]
    labels = values.astype(object).where(values.notna(), MISSING_GROUP).astype(str)
    codes, uniques = pd.factorize(labels, sort=True)
    return tuple(str(u) for u in uniques), codes.astype(np.int64)
