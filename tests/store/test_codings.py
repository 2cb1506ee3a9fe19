"""Coding stored challenge answers: rule codings, overrides with who/when, theme shares."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from survey.errors import LandscapeError
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.codings import (
    add_override,
    barrier_shares,
    code_responses,
    codings_frame,
    list_overrides,
    stored_answers,
)
from survey.store.models import Coding

_RESOURCES = "resources_capacity_funding"


@pytest.fixture
def demo_store(store_url: str) -> Iterator[Store]:
    load_demo(store_url)
    with Store.open(store_url) as store:
        yield store


def _wilson(count: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval, written out (independent of statsmodels)."""
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_shares_are_of_those_who_answered_and_reproduce_report_3_58(demo_store: Store) -> None:
    shares = barrier_shares(demo_store).set_index(["group", "theme"])
    lg = shares.loc[("local_government", _RESOURCES)]
    researcher = shares.loc[("researcher", _RESOURCES)]
    assert (lg["count"], lg["answered"], lg["respondents"]) == (20, 26, 35)
    assert (researcher["count"], researcher["answered"], researcher["respondents"]) == (7, 16,
                                                                                        17)
    assert round(100 * lg["share"], 1) == 76.9 and round(100 * researcher["share"], 1) == 43.8
    low, high = _wilson(20, 26)
    assert lg["ci_low"] == pytest.approx(low) and lg["ci_high"] == pytest.approx(high)
    assert lg["label"] == "Resources / capacity / funding"


def test_stored_answers_cover_both_paths(demo_store: Store) -> None:
    answers = stored_answers(demo_store)
    assert len(answers) == 52
    answered = answers[answers["text"].str.strip() != ""]
    assert set(answered["question_code"]) == {"challenges", "challenges_no_partnership"}
    # The question a response answered is the one on its path.
    on_path = answered["question_code"].map({"challenges": "partnership",
                                             "challenges_no_partnership": "no_partnership"})
    assert (on_path == answered["path"]).all()


def test_code_responses_records_rule_codings_and_replaces_them(demo_store: Store) -> None:
    coded = code_responses(demo_store)
    code_responses(demo_store)  # a second run replaces, not duplicates
    with demo_store.session() as s:
        rows = s.execute(select(Coding).where(Coding.source == "rule")).scalars().all()
    assert len(rows) == int(coded["applied"].sum())
    assert sum(r.theme == _RESOURCES for r in rows) == 27
    assert {r.coder for r in rows} == {"rules barriers@1.0.0"}


def test_override_changes_the_share_and_records_who_and_when(demo_store: Store) -> None:
    coded = codings_frame(demo_store)
    target = coded[(coded["theme"] == _RESOURCES) & coded["answered"] & ~coded["applied"]
                   & coded["key"].str.startswith("demo:R")].iloc[0]
    before = datetime.now(UTC).replace(microsecond=0)
    override = add_override(demo_store, str(target["key"]), _RESOURCES, True, "Siân Glyndŵr",
                            "'no money for it' means funding")
    assert override.response_id == target["response_id"]
    assert before <= override.at <= datetime.now(UTC) + timedelta(seconds=1)
    shares = barrier_shares(demo_store).set_index(["group", "theme"])
    assert shares.loc[("researcher", _RESOURCES), "count"] == 8
    cell = codings_frame(demo_store).set_index(["response_id", "theme"]).loc[
        (target["response_id"], _RESOURCES)]
    assert (cell["source"], cell["coder"], bool(cell["rule_applied"])) == (
        "override", "Siân Glyndŵr", False)
    # The latest decision wins.
    add_override(demo_store, str(target["response_id"]), _RESOURCES, False, "jo", "no")
    shares = barrier_shares(demo_store).set_index(["group", "theme"])
    assert shares.loc[("researcher", _RESOURCES), "count"] == 7
    assert [o.coder for o in list_overrides(demo_store)] == ["Siân Glyndŵr", "jo"]


@pytest.mark.parametrize(("reference", "theme", "applied", "code"), [
    ("demo:XX99", _RESOURCES, True, "C151"),
    ("demo:LG04", "no_such_theme", True, "C111"),
    ("demo:LG01", _RESOURCES, True, "C112"),  # LG01 left the question blank
])
def test_bad_overrides_are_refused_and_nothing_written(demo_store: Store, reference: str,
                                                       theme: str, applied: bool,
                                                       code: str) -> None:
    with pytest.raises(LandscapeError) as caught:
        add_override(demo_store, reference, theme, applied, "jo")
    assert caught.value.issues[0].code == code
    assert list_overrides(demo_store) == []


def test_blank_coder_is_refused(demo_store: Store) -> None:
    with pytest.raises(LandscapeError) as caught:
        add_override(demo_store, "demo:LG04", _RESOURCES, False, "  ")
    assert caught.value.issues[0].code == "C115"


def test_shares_by_path_and_ungrouped(demo_store: Store) -> None:
    overall = barrier_shares(demo_store, by=None).set_index("theme").loc[_RESOURCES]
    assert (overall["group"], overall["count"], overall["answered"]) == ("all", 27, 42)
    by_path = barrier_shares(demo_store, by="path")
    assert set(by_path["group"]) == {"partnership", "no_partnership"}
    assert by_path[by_path["theme"] == _RESOURCES]["answered"].sum() == 42


def test_empty_store_gives_empty_shares(store: Store) -> None:
    assert barrier_shares(store).empty
    assert codings_frame(store).empty


@pytest.mark.parametrize("name", ["survey.store.analysis", "survey.store.codings",
                                  "survey.reproduce.demo", "survey.reproduce.figures"])
def test_examples(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
