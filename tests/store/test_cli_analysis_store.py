"""`landscape consensus` and `landscape compare` reading a store loaded by `landscape demo`."""

from __future__ import annotations

import json

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.ranking.compare import compare_groups
from survey.ranking.consensus import kemeny
from survey.ranking.reconstruct import demo_ranking_data
from survey.reproduce.demo import load_demo


@pytest.fixture
def demo_url(store_url: str) -> str:
    load_demo(store_url)
    return store_url


def test_consensus_from_the_store_matches_the_demo_files(demo_url: str) -> None:
    result = CliRunner().invoke(main, ["consensus", "--method", "kemeny", "--database",
                                       demo_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    groups = {g["group"]: g for g in json.loads(result.stdout)["groups"]}
    assert set(groups) == {"local_government", "researcher"}
    for instrument in groups:
        expected = kemeny(demo_ranking_data(instrument).ranks)
        assert [o["option"] for o in groups[instrument]["options"]] == expected.order
        assert groups[instrument]["n"] == {"local_government": 35, "researcher": 17}[instrument]
    assert "not the real responses" in result.stderr


def test_compare_from_the_store_joins_mirrored_options_on_their_concept(demo_url: str) -> None:
    result = CliRunner().invoke(main, ["compare", "--database", demo_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["groups"] == ["local_government", "researcher"]
    rows = {r["concept"]: r for r in payload["options"]}
    # All nine options line up, including the two mirrored pairs whose codes differ.
    assert len(rows) == 9 and {"partner_support", "partner_networks"} <= set(rows)
    # Independent computation: the same comparison from the shipped demo files, joined on
    # a concept map written out here by hand.
    lg, rs = demo_ranking_data("local_government"), demo_ranking_data("researcher")
    by_hand_a = {c: c for c in lg.options} | {
        "support_from_research_institutions": "partner_support",
        "networks_with_research_institutions": "partner_networks"}
    by_hand_b = {c: c for c in rs.options} | {
        "support_from_policy_organisations": "partner_support",
        "networks_with_policy_makers": "partner_networks"}
    expected = compare_groups(lg.ranks, rs.ranks, (by_hand_a, by_hand_b))
    assert {row.concept for row in expected.rows} == set(rows)
    for row in expected.rows:
        assert rows[row.concept]["p_holm"] == pytest.approx(row.p_holm)
        assert rows[row.concept]["rank_biserial"] == pytest.approx(row.rank_biserial)


def test_compare_reads_in_plain_english(demo_url: str) -> None:
    result = CliRunner().invoke(main, ["compare", "--database", demo_url])
    assert result.exit_code == 0, result.output
    out = result.stdout
    # no Holm p is below 0.05 on the demo, so no reading opens with a direction
    # (the old reading: "Local government rank [data tools] higher" at r = +0.003)
    readings = [line for line in out.splitlines() if line.startswith("- ")]
    assert len(readings) == 9
    assert not any(line.startswith(("- Local government rank", "- Researchers rank"))
                   for line in readings)
    assert all(line.startswith("- No evidence of a difference for ") for line in readings)
    tools = next(line for line in readings if "data analysis or visualisation tools" in line)
    assert "(rank-biserial +0.00, 95% bootstrap interval " in tools
    assert tools.endswith("At n=35 and n=17 a difference would need |r| of about 0.48 (0.62 "
                          "at Holm's first step) to have an 80% chance of being detected.")
    # mirrored options: both wordings, never the local-government half alone
    support = next(line for line in readings if "Support from research institutions" in line)
    assert ("the mirrored options (Local government: Support from research institutions in "
            "terms of time / capacity / expertise; Researchers: Support from local policy "
            "organisations (e.g., local government) in terms of time / capacity / expertise)"
            in support)
    assert support.endswith("These are mirrored, not identical, options: each group rated "
                            "the other side.")
    # the test across all options comes first: p = 0.24 with the default seed
    assert out.splitlines()[2].startswith(
        "  Across all 9 options: no evidence that Local government and Researchers order the "
        "options differently (permutation test on the mean-rank vectors, p=0.24")
    assert "p = 0.018 by the chi-square approximation" in out
    # the permutation reference says the asymptotic p overstates the evidence at these n
    permutation_p = float(out.split("by the chi-square approximation, p = ")[1].split()[0])
    assert 0.05 < permutation_p < 0.12


def test_compare_needs_two_groups(demo_url: str) -> None:
    result = CliRunner().invoke(main, ["compare", "--database", demo_url, "--by", "nation"])
    assert result.exit_code == 2
    assert "A155" in result.stderr and "--groups A,B" in result.stderr
    assert no_traceback(result)
