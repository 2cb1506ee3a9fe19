"""Match-making on hand-built graphs, and its evaluation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from network.match import MatchContext, baseline, evaluate, match
from network.synthetic import synthetic_landscape
from survey.landscape.records import LandscapeData, Organisation, Partnership, Provenance


def _bipartite_landscape() -> LandscapeData:
    """c1–u1, c2–u1, c2–u2: no council shares a partner with u2's side, but c1 reaches u2
    in three steps (c1–u1–c2–u2)."""
    prov = (Provenance("report", "report 3.33"),)
    orgs = (Organisation("c1", "Council One", "county_council", region="wales"),
            Organisation("c2", "Council Two", "county_council", region="wales"),
            Organisation("u1", "Uni One", "university", region="wales"),
            Organisation("u2", "Uni Two", "university", region="london"),
            Organisation("u3", "Uni Three", "university", region="london"))
    ties = (Partnership("a", "A", "episodic", ("c1", "u1"), provenance=prov),
            Partnership("b", "B", "episodic", ("c2", "u1"), provenance=prov),
            Partnership("c", "C", "joint_post", ("c2", "u2"), provenance=prov))
    return LandscapeData(orgs, ties)


def test_paths_of_length_three_where_common_neighbours_are_zero() -> None:
    context = MatchContext.build(_bipartite_landscape())
    suggestions = match(context, "c1")
    assert [s.key for s in suggestions] == ["u2", "u3"]  # u1 is a partner; u3 unreachable
    best, last = suggestions
    assert last.score == 0.0 and last.reasons == ()
    assert best.common_partners == ()  # common-neighbour score: zero by construction
    assert best.path == ("c1", "u1", "c2", "u2")
    assert best.path_score == 1.0 and best.theme_score == 0.0 and not best.same_region
    assert any("three steps" in r and "Council Two" in r for r in best.reasons)
    assert best.provenance == ("A (report: report 3.33)", "B (report: report 3.33)",
                               "C (report: report 3.33)")


def test_themes_and_region_raise_the_score(landscape: LandscapeData) -> None:
    context = MatchContext.build(landscape)
    # wc (Wales; housing, transport) is tied to wu only: rc shares housing, is in Wales and
    # two steps away through wu.
    (first, *rest) = match(context, "wc")
    assert first.key == "rc"
    assert first.shared_themes == ("housing",) and first.same_region
    assert first.common_partners == ("wu",)
    assert first.theme_score == pytest.approx(0.5)
    assert "works on Housing" in first.reasons and "same region" in first.reasons
    assert [s.key for s in rest] == ["uni"]
    assert all(s.key not in {"wu"} for s in rest)  # never an existing partner


def test_the_survey_only_tie_is_not_used_by_default(landscape: LandscapeData) -> None:
    # cc's tie to rc is known only from a survey answer: hidden, so rc is a candidate.
    assert "rc" in [s.key for s in match(MatchContext.build(landscape), "cc")]
    shown = MatchContext.build(landscape, survey_ties=True)
    assert "rc" not in [s.key for s in match(shown, "cc")]


def test_candidate_filters(landscape: LandscapeData) -> None:
    context = MatchContext.build(landscape)
    assert [s.key for s in match(context, "wc", region="west_midlands")] == ["uni"]
    assert match(context, "wc", types=["lep"])[0].key == "lep"


def test_baseline_same_region_then_most_connected() -> None:
    context = MatchContext.build(_bipartite_landscape())
    assert baseline(context, "c1") == ["u2", "u3"]  # u1 is a partner; u2 has a tie, u3 none
    moved = replace(_bipartite_landscape().organisations[4], region="wales")
    data = _bipartite_landscape()
    data = replace(data, organisations=(*data.organisations[:4], moved))
    assert baseline(MatchContext.build(data), "c1") == ["u3", "u2"]


def test_evaluation_is_seeded_and_counts_hidden_ties() -> None:
    data = synthetic_landscape(150, 700, seed=8)
    first = evaluate(data, share=0.2, k=5, seed=1, survey_ties=True)
    assert first == evaluate(data, share=0.2, k=5, seed=1, survey_ties=True)
    assert first.hidden > 20 and 0 <= first.hits <= first.hidden
    assert 0 <= first.baseline_hits <= first.hidden
    wider = evaluate(data, share=0.2, k=50, seed=1, survey_ties=True)
    assert wider.hidden == first.hidden and wider.hits >= first.hits
    assert evaluate(data, share=0.2, k=5, seed=1).hidden == 0  # synthetic ties: survey-like


def test_evaluation_hides_ties_from_themes_too() -> None:
    """A hidden partnership's themes must not leak into the ranking: the only link
    between c and u is the hidden tie's theme."""
    orgs = (Organisation("c", "C", "county_council"), Organisation("u", "U", "university"),
            Organisation("a", "A", "university"))
    tie = Partnership("t", "T", "episodic", ("c", "u"), themes=("housing",))
    # Had the theme leaked, u (housing) would outrank a (nothing); without it they tie at
    # zero and "A" comes first by name.
    result = evaluate(LandscapeData(orgs, (tie,)), share=1.0, k=1, seed=0)
    assert result.hidden == 1 and result.hits == 0
