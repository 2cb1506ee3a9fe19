"""Percentages as the 2022 report prints them: exact, rounded half-up.

The one home of the report's rounding, below every layer that shows a share
(band tables, theme shares, exports, the explorer). Arithmetic is exact
(:class:`fractions.Fraction`), so 0.5% shows as 1% and 2.5% as 3% (not
banker's 2%).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

__all__ = ["ROUNDINGS", "percent", "round_half_up", "round_percent"]

#: The rounding rules :func:`round_percent` knows (the report uses ``half-up``).
ROUNDINGS = ("half-up", "half-even", "down", "up")


def round_percent(count: int, n: int, precision: int = 0, rounding: str = "half-up") -> Fraction:
    """The percentage ``100 * count / n`` rounded to ``precision`` decimals, exactly.

    Parameters
    ----------
    count, n
        Numerator and (positive) denominator.
    precision
        Decimal places kept (0 = whole percent).
    rounding
        ``half-up`` (the report's rule; halves round away from zero for these
        non-negative shares), ``half-even`` (banker's), ``down`` (truncate) or
        ``up`` (ceiling).

    Returns
    -------
    Fraction
        The rounded percentage, e.g. ``Fraction(51)`` or ``Fraction(765, 10)``.

    Examples
    --------
    >>> int(round_percent(1, 200))            # 0.5% -> 1%
    1
    >>> int(round_percent(5, 200))            # 2.5% -> 3%, not banker's 2%
    3
    >>> int(round_percent(5, 200, rounding="half-even"))
    2
    >>> float(round_percent(10, 13, precision=1))
    76.9
    """
    if n <= 0:
        raise ValueError("n must be positive")
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}")
    scale = 10**precision
    value = Fraction(100 * count * scale, n)
    if rounding == "half-up":
        whole = (value.numerator * 2 + value.denominator) // (2 * value.denominator)
    elif rounding == "half-even":
        whole = round(value)
    elif rounding == "down":
        whole = value.numerator // value.denominator
    else:
        whole = -((-value.numerator) // value.denominator)
    return Fraction(whole, scale)


def percent(count: int, n: int) -> int:
    """Whole-percent display of ``count / n``, rounded half-up like the report.

    Examples
    --------
    >>> percent(18, 35), percent(1, 8), percent(0, 17)
    (51, 13, 0)
    """
    return int(round_percent(count, n))


def round_half_up(value: Fraction | int | float | str | Decimal, decimals: int = 1) -> Decimal:
    """Round half away from zero (the report's convention), exactly, as a Decimal.

    A thin wrapper of :func:`round_percent` (the one
    implementation of the report's rounding) for a value that is already a
    percentage; negative values round symmetrically.

    Examples
    --------
    >>> round_half_up(Fraction(7, 16) * 100), round_half_up(Fraction(20, 26) * 100)
    (Decimal('43.8'), Decimal('76.9'))
    """
    exact = value if isinstance(value, Fraction) else Fraction(str(value))
    sign = -1 if exact < 0 else 1
    # round_percent(count, n) rounds 100 * count / n; here count / n = |value| / 100.
    rounded = round_percent(abs(exact.numerator), 100 * exact.denominator, decimals)
    units = rounded * 10 ** decimals  # a whole number
    return Decimal(sign * int(units)).scaleb(-decimals)
