"""The one small-n rule, and the share interval it is judged on.

A share (``count`` of ``n``) is *small n*, to be read as indicative only, when

* ``n`` is below ``LANDSCAPE_SMALL_N`` (default 10), or
* its 95% Wilson interval is wider than ``LANDSCAPE_SMALL_N_WIDTH`` (default
  0.4, i.e. 40 percentage points).

The width test catches what a count rule misses: at n = 17 a share near 50%
has an interval of about 45 points, however many are counted. Every flag the
platform shows (band tables in every format, coded barriers, comparisons, the
explorer) comes from :func:`is_small`; the settings are declared once in
:mod:`survey.settings`.

Wilson's interval is from statsmodels' ``proportion_confint`` (Wilson 1927,
"Probable inference, the law of succession, and statistical inference",
JASA 22:209-212).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from survey.errors import LandscapeError
from survey.settings import resolve

__all__ = ["Interval", "add_intervals", "is_small", "share_interval", "small_n_note",
           "small_n_rule"]

#: Appended to a share that is small n, in text outputs.
MARK = "*"


@dataclass(frozen=True, slots=True)
class Interval:
    """A share with its Wilson interval and the small-n flag."""

    count: int
    n: int
    share: float
    low: float
    high: float
    small: bool


def small_n_rule(min_n: int | None = None, max_width: float | None = None
                 ) -> tuple[int, float]:
    """The rule's two settings, ``(min_n, max_width)``: given values, else the settings.

    Examples
    --------
    >>> small_n_rule()
    (10, 0.4)
    """
    return int(resolve("small_n", min_n)), float(resolve("small_n_width", max_width))


def is_small(n: int, low: float, high: float, *, min_n: int | None = None,
             max_width: float | None = None) -> bool:
    """Whether a share on ``n`` respondents with interval ``(low, high)`` is small n.

    Examples
    --------
    >>> is_small(9, 0.2, 0.4)            # fewer than 10 respondents
    True
    >>> is_small(17, 0.28, 0.72)         # interval 44 points wide
    True
    >>> is_small(35, 0.30, 0.62)         # 35 respondents, 32 points
    False
    """
    least, widest = small_n_rule(min_n, max_width)
    if n < least or math.isnan(low) or math.isnan(high):
        return True
    # Rounded so that a width of exactly the limit (0.4 from 0.3 to 0.7) is not flagged.
    return round(high - low, 12) > widest


def share_interval(count: int, n: int, alpha: float = 0.05, *, min_n: int | None = None,
                   max_width: float | None = None) -> Interval:
    """``count`` of ``n`` with its Wilson interval and the small-n flag.

    Raises ``A153`` unless ``0 <= count <= n``. For ``n = 0`` the share and its
    bounds are NaN and the share is small n.

    Examples
    --------
    >>> s = share_interval(10, 35)
    >>> round(s.share, 3), round(s.low, 3), round(s.high, 3), s.small
    (0.286, 0.163, 0.451, False)
    >>> share_interval(9, 17).small
    True
    """
    if n < 0 or count < 0 or count > n:
        raise LandscapeError.of("A153", f"a share needs 0 <= count <= n; got {count} of {n}")
    if n == 0:
        return Interval(0, 0, math.nan, math.nan, math.nan, True)
    low, high = proportion_confint(count, n, alpha=alpha, method="wilson")
    return Interval(int(count), int(n), count / n, float(low), float(high),
                    is_small(n, float(low), float(high), min_n=min_n, max_width=max_width))


def add_intervals(frame: pd.DataFrame, count: str = "count", n: str = "n",
                  alpha: float = 0.05) -> pd.DataFrame:
    """``frame`` with ``ci_low``, ``ci_high`` (Wilson) and ``small_n`` columns added.

    Existing ``ci_low``/``ci_high`` columns are recomputed, so every output's
    interval and flag come from :func:`share_interval`.

    Examples
    --------
    >>> add_intervals(pd.DataFrame({"count": [10, 1], "n": [35, 4]}))["small_n"].tolist()
    [False, True]
    """
    rule = small_n_rule()
    found = [share_interval(int(c), int(t), alpha, min_n=rule[0], max_width=rule[1])
             for c, t in zip(frame[count], frame[n], strict=True)]
    out = frame.copy()
    out["ci_low"] = [s.low for s in found]
    out["ci_high"] = [s.high for s in found]
    out["small_n"] = [s.small for s in found]
    return out


def small_n_note(mark: str = MARK) -> str:
    """The sentence explaining the flag, with the settings in force.

    Examples
    --------
    >>> small_n_note()[:60]
    '* small n: fewer than 10 respondents, or a 95% interval wide'
    """
    least, widest = small_n_rule()
    points = f"{100 * widest:g}"
    return (f"{mark} small n: fewer than {least} respondents, or a 95% interval wider than "
            f"{points} points; read the share and its interval as indicative only.")
