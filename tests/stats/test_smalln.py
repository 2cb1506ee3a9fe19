"""The one small-n rule (n and interval width) and the Wilson interval it judges."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import norm

from survey.errors import LandscapeError
from survey.stats.smalln import add_intervals, is_small, share_interval, small_n_note


def _wilson_by_hand(count: int, n: int) -> tuple[float, float]:
    """Wilson (1927), written out: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    z = norm.ppf(0.975)
    p = count / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


@pytest.mark.parametrize(("count", "n"), [(0, 5), (3, 17), (16, 35), (35, 35), (7, 16)])
def test_interval_is_wilson(count: int, n: int) -> None:
    found = share_interval(count, n)
    assert (found.low, found.high) == pytest.approx(_wilson_by_hand(count, n), abs=1e-12)
    assert found.share == pytest.approx(count / n)


def test_flag_by_n_and_by_width() -> None:
    # n below the setting: flagged even with a narrow-looking interval.
    assert share_interval(0, 9).small
    # n = 17, share near one half: the interval is ~44 points wide.
    assert share_interval(8, 17).small
    # n = 17 but a share near 0: the interval is under 40 points, not flagged.
    assert not share_interval(1, 17).small
    # n = 35: 32 points at most.
    assert not share_interval(17, 35).small
    # Empty group.
    empty = share_interval(0, 0)
    assert empty.small and math.isnan(empty.share)


def test_width_of_exactly_the_limit_is_not_flagged() -> None:
    assert not is_small(20, 0.3, 0.7)
    assert is_small(20, 0.3, 0.7000001)


def test_settings_change_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not share_interval(10, 35).small
    monkeypatch.setenv("LANDSCAPE_SMALL_N", "40")
    assert share_interval(10, 35).small
    monkeypatch.setenv("LANDSCAPE_SMALL_N", "10")
    monkeypatch.setenv("LANDSCAPE_SMALL_N_WIDTH", "0.25")
    assert share_interval(10, 35).small
    assert "25 points" in small_n_note()


def test_bad_setting_is_s108(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDSCAPE_SMALL_N_WIDTH", "40")
    with pytest.raises(LandscapeError, match=r"S108.*LANDSCAPE_SMALL_N_WIDTH"):
        share_interval(1, 20)


def test_bad_counts_are_a153() -> None:
    with pytest.raises(LandscapeError, match="A153"):
        share_interval(5, 4)


def test_add_intervals_matches_share_interval() -> None:
    frame = add_intervals(pd.DataFrame({"count": [16, 8, 0], "n": [35, 17, 0]}))
    assert frame["small_n"].tolist() == [False, True, True]
    assert frame.loc[0, "ci_low"] == pytest.approx(share_interval(16, 35).low)
    assert math.isnan(frame.loc[2, "ci_high"])
