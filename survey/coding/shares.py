"""Theme shares: of the respondents who answered, how many mention each theme.

The denominator is the respondents who *answered* the free-text question
(non-empty after stripping whitespace), as in report 3.58. Shares carry a 95%
Wilson interval. :func:`feasible_denominators` says which (count, answered)
pairs give a published percentage at its printed precision, and
:func:`barrier_reproduction` compares the demo data with the published 3.58
figures for ``landscape reproduce``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from survey.coding.codebook import load_codebook
from survey.coding.demo_text import DATA_STATUS, load_demo_challenges
from survey.coding.rules import code_answers
from survey.errors import LandscapeError
from survey.percent import round_half_up
from survey.stats.smalln import share_interval

__all__ = [
    "PUBLISHED_BARRIER_SHARES",
    "barrier_reproduction",
    "feasible_denominators",
    "round_half_up",
    "theme_shares",
]

#: Report 3.58, as printed: % of those answering who mention resources, capacity or funding.
PUBLISHED_BARRIER_SHARES: dict[str, float] = {"local_government_pct": 76.9,
                                              "researcher_pct": 43.8}
_PUBLISHED_THEMES = {"resources_capacity_or_funding": "resources_capacity_funding"}


def feasible_denominators(pct: float | str | Decimal, max_n: int, decimals: int = 1,
                          min_n: int = 1) -> list[tuple[int, int]]:
    """Every (count, answered) with ``min_n <= answered <= max_n`` whose percentage,
    rounded half-up to ``decimals`` places, is ``pct``.

    Examples
    --------
    >>> feasible_denominators(76.9, 35)
    [(10, 13), (20, 26)]
    >>> feasible_denominators(43.8, 17)
    [(7, 16)]
    """
    target = Fraction(str(pct))
    half = Fraction(1, 2 * 10 ** decimals)
    low, high = (target - half) / 100, (target + half) / 100  # share in [low, high)
    found: list[tuple[int, int]] = []
    for answered in range(max(min_n, 1), max_n + 1):
        first = max(0, math.ceil(low * answered))
        for count in range(first, answered + 1):
            if Fraction(count, answered) >= high:
                break
            found.append((count, answered))
    return found


def theme_shares(
    coded: pd.DataFrame,
    groups: Mapping[str, str] | pd.Series | None = None,
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Share of answering respondents whose coding applies each theme, per group.

    Parameters
    ----------
    coded
        A coded frame from :func:`survey.coding.rules.code_answers` (after
        :func:`~survey.coding.rules.apply_overrides`, if any).
    groups
        Response id -> group (e.g. ``local_government``); ``None`` puts everyone
        in group ``all``. Every coded response needs a group.
    alpha
        1 - confidence level of the Wilson interval.

    Returns
    -------
    DataFrame
        Columns ``group, theme, count, answered, respondents, share, ci_low,
        ci_high, small_n``; ``share`` is ``count / answered`` (NaN when nobody
        answered); ``small_n`` is the one small-n rule
        (:func:`survey.stats.smalln.is_small`).

    Examples
    --------
    >>> from survey.coding import code_answers, load_codebook
    >>> coded = code_answers(pd.Series({"a": "No funding.", "b": "Jargon.", "c": ""}),
    ...                      load_codebook())
    >>> row = theme_shares(coded).set_index("theme").loc["resources_capacity_funding"]
    >>> int(row["count"]), int(row["answered"]), int(row["respondents"]), float(row["share"])
    (1, 2, 3, 0.5)
    """
    ids = list(dict.fromkeys(coded["response_id"]))
    if groups is None:
        group_of = dict.fromkeys(ids, "all")
    else:
        lookup = {str(k): str(v) for k, v in dict(groups).items()}
        missing = [i for i in ids if i not in lookup]
        if missing:
            raise LandscapeError.of(
                "C113", "no group given for response(s) " + ", ".join(missing[:10])
                + (" ..." if len(missing) > 10 else ""))
        group_of = {i: lookup[i] for i in ids}
    frame = coded.assign(group=coded["response_id"].map(group_of))
    per_response = frame.drop_duplicates("response_id")
    respondents = per_response.groupby("group", sort=False).size()
    answered = per_response[per_response["answered"]].groupby("group", sort=False).size()
    counts = (frame[frame["answered"] & frame["applied"]]
              .groupby(["group", "theme"], sort=False).size())
    themes = list(dict.fromkeys(coded["theme"]))
    rows: list[dict[str, Any]] = []
    for group in dict.fromkeys(group_of.values()):
        n = int(answered.get(group, 0))
        for theme in themes:
            count = int(counts.get((group, theme), 0))
            found = share_interval(count, n, alpha)
            rows.append({"group": group, "theme": theme, "count": count, "answered": n,
                         "respondents": int(respondents.get(group, 0)),
                         "share": count / n if n else math.nan, "ci_low": found.low,
                         "ci_high": found.high, "small_n": found.small})
    return pd.DataFrame(rows, columns=["group", "theme", "count", "answered", "respondents",
                                       "share", "ci_low", "ci_high", "small_n"])


def _decimals(value: Any) -> int:
    """Printed precision of a published figure: 76.9 -> 1, 51 -> 0."""
    exponent = Decimal(str(value)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _published_block(published: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if published is None:
        return {"resources_capacity_or_funding": PUBLISHED_BARRIER_SHARES}
    if "barrier_mentions" in published:
        block = published["barrier_mentions"]
        if not isinstance(block, Mapping):
            raise LandscapeError.of("C113", "'barrier_mentions' must be a mapping")
        return block
    return published


def barrier_reproduction(published: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Published vs reproduced barrier-mention shares (report 3.58), for ``reproduce``.

    Codes the shipped demo answers (``survey/data/demo_challenges.csv``, synthetic)
    with the shipped codebook's rules and compares each group's share with the
    published percentage at its printed precision (one decimal, half-up).

    Parameters
    ----------
    published
        The published figures: the whole ``published_2022.yaml`` mapping or its
        ``barrier_mentions`` block; default :data:`PUBLISHED_BARRIER_SHARES`.

    Returns
    -------
    list of dict
        One row per figure: ``figure`` (its path in ``published_2022.yaml``),
        ``published``, ``reproduced``, ``difference``, ``exact`` and ``note`` (the
        counts behind the share and every answering denominator that gives the
        published figure).

    Examples
    --------
    >>> rows = barrier_reproduction()
    >>> [(r["published"], r["reproduced"], r["exact"]) for r in rows]
    [(76.9, 76.9, True), (43.8, 43.8, True)]
    """
    demo = load_demo_challenges()
    coded = code_answers(demo, load_codebook(), text_column="challenges")
    shares = theme_shares(coded, dict(zip(demo["response_id"], demo["respondent_type"],
                                          strict=True)))
    rows: list[dict[str, Any]] = []
    for published_theme, figures in _published_block(published).items():
        theme = _PUBLISHED_THEMES.get(published_theme, published_theme)
        for key, value in figures.items():
            group = key.removesuffix("_pct")
            figure = f"barrier_mentions.{published_theme}.{key}"
            hit = shares[(shares["group"] == group) & (shares["theme"] == theme)]
            decimals = _decimals(value)
            if hit.empty:
                rows.append({"figure": figure, "published": float(value), "reproduced": None,
                             "difference": None, "exact": False,
                             "note": f"no demo data for group '{group}' / theme '{theme}'"})
                continue
            row = hit.iloc[0]
            count, answered, total = int(row["count"]), int(row["answered"]), \
                int(row["respondents"])
            reproduced = round_half_up(Fraction(100 * count, answered), decimals) \
                if answered else None
            options = feasible_denominators(value, total, decimals)
            possible = ", ".join(f"{k}/{m}" for k, m in options) or "none"
            note = (f"{count} of {answered} {group} respondents who answered mention it "
                    f"({total - answered} of {total} left the question blank); answering "
                    f"denominators up to {total} that give {value}%: {possible}. "
                    f"Demo data {DATA_STATUS}.")
            repro = float(reproduced) if reproduced is not None else None
            rows.append({
                "figure": figure, "published": float(value), "reproduced": repro,
                "difference": (float(reproduced - Decimal(str(value)))
                               if reproduced is not None else None),
                "exact": reproduced is not None and reproduced == Decimal(str(value)),
                "note": note,
            })
    return rows
