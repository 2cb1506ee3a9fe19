"""Theme shares of those who answered, feasible denominators, the demo and reproduction."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
import yaml
from scipy.stats import norm

from survey.coding.codebook import load_codebook
from survey.coding.demo_text import (
    DATA_STATUS,
    DEMO_CHALLENGES_PATH,
    generate_demo_challenges,
    load_demo_challenges,
    write_demo_challenges,
)
from survey.coding.rules import CodingOverride, apply_overrides, code_answers
from survey.coding.shares import (
    barrier_reproduction,
    feasible_denominators,
    round_half_up,
    theme_shares,
)
from survey.errors import LandscapeError

RES = "resources_capacity_funding"
PUBLISHED = Path(__file__).resolve().parents[2] / "survey" / "data" / "published_2022.yaml"


def _brute_force(pct: str, max_n: int, decimals: int) -> list[tuple[int, int]]:
    quantum = Decimal(1).scaleb(-decimals)
    return [(k, m) for m in range(1, max_n + 1) for k in range(m + 1)
            if (Decimal(100 * k) / Decimal(m)).quantize(quantum, ROUND_HALF_UP)
            == Decimal(pct)]


def test_published_shares_have_these_denominators() -> None:
    assert feasible_denominators(76.9, 35) == [(10, 13), (20, 26)]
    assert feasible_denominators(43.8, 17) == [(7, 16)]


@pytest.mark.parametrize(("pct", "max_n", "decimals"), [
    ("76.9", 35, 1), ("43.8", 17, 1), ("43.8", 60, 1), ("51", 35, 0), ("0", 10, 0),
    ("100", 12, 0), ("12.5", 40, 1), ("33.3", 30, 1),
])
def test_feasible_denominators_match_brute_force(pct: str, max_n: int, decimals: int) -> None:
    assert feasible_denominators(pct, max_n, decimals) == _brute_force(pct, max_n, decimals)


def test_rounding_is_half_up_not_to_even() -> None:
    # 1/8 = 12.5%: half-up prints 13 (Python's round() would give 12).
    assert (1, 8) in feasible_denominators(13, 8, decimals=0)
    assert (1, 8) not in feasible_denominators(12, 8, decimals=0)
    assert round_half_up(Fraction(7, 16) * 100) == Decimal("43.8")
    assert round_half_up("-2.25") == Decimal("-2.3")
    assert round_half_up(Fraction(1, 3) * 100, 0) == Decimal("33")


def _wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    z = norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_theme_shares_use_those_who_answered_with_wilson_intervals() -> None:
    answers = pd.Series({"a": "No funding.", "b": "Budget cuts and jargon.", "c": "Jargon.",
                         "d": "", "e": "  ", "f": "Deadlines."})
    groups = {"a": "lg", "b": "lg", "c": "lg", "d": "lg", "e": "r", "f": "r"}
    shares = theme_shares(code_answers(answers, load_codebook()), groups)
    lg = shares[(shares.group == "lg") & (shares.theme == RES)].iloc[0]
    assert (lg["count"], lg["answered"], lg["respondents"]) == (2, 3, 4)
    assert lg["share"] == pytest.approx(2 / 3)
    assert (lg["ci_low"], lg["ci_high"]) == pytest.approx(_wilson_by_hand(2, 3))
    r = shares[(shares.group == "r") & (shares.theme == "different_timescales")].iloc[0]
    assert (r["count"], r["answered"], r["share"]) == (1, 1, 1.0)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(_wilson_by_hand(1, 1))
    assert shares.groupby("group").size().to_dict() == {"lg": 10, "r": 10}


def test_group_where_nobody_answered_has_no_share() -> None:
    shares = theme_shares(code_answers(pd.Series({"a": "", "b": "Funding."}),
                                       load_codebook()), {"a": "x", "b": "y"})
    x = shares[(shares.group == "x") & (shares.theme == RES)].iloc[0]
    assert x["answered"] == 0 and math.isnan(x["share"]) and math.isnan(x["ci_low"])


def test_overrides_change_the_shares() -> None:
    coded = code_answers(pd.Series({"a": "No funding.", "b": "Jargon."}), load_codebook())
    fixed = apply_overrides(coded, [CodingOverride(
        "b", RES, True, "kim", pd.Timestamp("2022-05-01", tz="UTC").to_pydatetime())])
    assert theme_shares(coded).set_index("theme").loc[RES, "count"] == 1
    assert theme_shares(fixed).set_index("theme").loc[RES, "count"] == 2


def test_every_response_needs_a_group() -> None:
    coded = code_answers(pd.Series({"a": "x", "b": "y"}), load_codebook())
    with pytest.raises(LandscapeError) as info:
        theme_shares(coded, {"a": "lg"})
    assert info.value.issues[0].code == "C113" and "b" in info.value.issues[0].message


# -- the demo -----------------------------------------------------------------


def test_shipped_demo_file_is_what_the_code_generates(tmp_path: Path) -> None:
    fresh = write_demo_challenges(tmp_path / "demo.csv")
    assert fresh.read_bytes() == DEMO_CHALLENGES_PATH.read_bytes()
    assert generate_demo_challenges(seed=7)["challenges"].tolist() != \
        generate_demo_challenges()["challenges"].tolist()


def test_demo_is_labelled_and_shaped_like_the_survey() -> None:
    demo = load_demo_challenges()
    assert demo["response_id"].tolist() == (
        [f"LG{i:02d}" for i in range(1, 36)] + [f"R{i:02d}" for i in range(1, 18)])
    assert set(demo["data_status"]) == {DATA_STATUS}
    assert DATA_STATUS.startswith("synthetic")
    answered = demo[demo["challenges"].str.strip() != ""]
    assert answered.groupby("respondent_type").size().to_dict() == {
        "local_government": 26, "researcher": 16}
    assert (demo["challenges"] == "  ").sum() == 1  # only spaces: did not answer


def test_rules_reproduce_the_published_shares_on_the_demo() -> None:
    demo = load_demo_challenges()
    coded = code_answers(demo, load_codebook())
    shares = theme_shares(coded, dict(zip(demo.response_id, demo.respondent_type,
                                          strict=True)))
    res = shares[shares.theme == RES].set_index("group")
    assert res.loc["local_government", ["count", "answered", "respondents"]].tolist() == [
        20, 26, 35]
    assert res.loc["researcher", ["count", "answered", "respondents"]].tolist() == [7, 16, 17]
    assert round_half_up(Fraction(20, 26) * 100) == Decimal("76.9")
    # Realistic text: several answers mention more than one theme, every theme appears.
    per_answer = coded[coded.applied].groupby("response_id").size()
    assert (per_answer >= 2).sum() >= 10
    assert set(coded[coded.applied].theme) == set(load_codebook().codes)


def test_barrier_reproduction_rows() -> None:
    rows = barrier_reproduction()
    assert [r["figure"] for r in rows] == [
        "barrier_mentions.resources_capacity_or_funding.local_government_pct",
        "barrier_mentions.resources_capacity_or_funding.researcher_pct"]
    for row in rows:
        assert set(row) == {"figure", "published", "reproduced", "difference", "exact",
                            "note"}
        assert row["exact"] and row["difference"] == 0.0
        assert row["reproduced"] == row["published"]
        assert "synthetic" in row["note"]
    assert "10/13, 20/26" in rows[0]["note"] and "20 of 26" in rows[0]["note"]
    assert "7/16" in rows[1]["note"]


@pytest.mark.skipif(not PUBLISHED.is_file(), reason="shipped published figures not present")
def test_barrier_reproduction_reads_the_published_yaml() -> None:
    published = yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))
    assert [r["exact"] for r in barrier_reproduction(published)] == [True, True]


def test_barrier_reproduction_reports_a_mismatch() -> None:
    rows = barrier_reproduction({"resources_capacity_or_funding": {
        "local_government_pct": 75.0, "researcher_pct": 43.8}})
    assert rows[0]["exact"] is False
    assert rows[0]["difference"] == pytest.approx(1.9)
    assert "3/4, 6/8" in rows[0]["note"]
