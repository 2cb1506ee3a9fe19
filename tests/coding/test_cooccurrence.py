"""Barrier co-occurrence against a hand-worked example and a brute-force count."""

from __future__ import annotations

import doctest
import itertools
import random

import pandas as pd

import survey.coding.pairs
from survey.coding import (
    CodingOverride,
    apply_overrides,
    code_answers,
    cooccurrence,
    load_codebook,
)
from survey.coding.demo_text import load_demo_challenges

FUNDING, TURNOVER, TIMESCALES = ("resources_capacity_funding", "staff_turnover",
                                 "different_timescales")


def test_examples() -> None:
    result = doctest.testmod(survey.coding.pairs)
    assert result.attempted > 0 and result.failed == 0


def test_hand_worked_example() -> None:
    # a: funding + turnover; b: funding + turnover + timescales; c: turnover;
    # d: blank (not answering, carries nothing); e: no theme.
    answers = pd.Series({
        "a": "No funding, and staff turnover.",
        "b": "No budget; staff turnover; academic timescales are too slow.",
        "c": "Staff turnover.",
        "d": "   ",
        "e": "The weather.",
    })
    table = cooccurrence(code_answers(answers, load_codebook()))
    assert table.attrs["answered"] == 4
    assert table.loc[FUNDING, FUNDING] == 2
    assert table.loc[TURNOVER, TURNOVER] == 3
    assert table.loc[TIMESCALES, TIMESCALES] == 1
    assert table.loc[FUNDING, TURNOVER] == table.loc[TURNOVER, FUNDING] == 2
    assert table.loc[FUNDING, TIMESCALES] == table.loc[TURNOVER, TIMESCALES] == 1
    others = [c for c in table.columns if c not in (FUNDING, TURNOVER, TIMESCALES)]
    assert int(table.loc[others].to_numpy().sum()) == 0
    assert list(table.index) == [t.code for t in load_codebook().themes] == list(table.columns)


def _brute_force(coded: pd.DataFrame) -> dict[tuple[str, str], int]:
    themes_of: dict[str, set[str]] = {}
    for row in coded.itertuples():
        if row.answered:
            themes_of.setdefault(row.response_id, set())
            if row.applied:
                themes_of[row.response_id].add(row.theme)
    codes = list(dict.fromkeys(coded["theme"]))
    return {(a, b): sum(1 for found in themes_of.values() if a in found and b in found)
            for a, b in itertools.product(codes, codes)}


def test_matches_a_brute_force_count_on_the_demo_answers_with_overrides() -> None:
    demo = load_demo_challenges()
    coded = code_answers(demo, load_codebook(), text_column="challenges")
    rng = random.Random(11)
    answered = sorted(set(coded.loc[coded["answered"], "response_id"]))
    at = pd.Timestamp("2024-01-01", tz="UTC").to_pydatetime()
    overrides = [CodingOverride(rng.choice(answered), rng.choice(list(coded["theme"])),
                                rng.random() < 0.5, "tester", at, "test") for _ in range(15)]
    coded = apply_overrides(coded, overrides)
    table = cooccurrence(coded)
    expected = _brute_force(coded)
    assert {(a, b): int(table.loc[a, b]) for a, b in expected} == expected
    assert table.attrs["answered"] == len(answered)
    assert (table.to_numpy() == table.to_numpy().T).all()


def test_nothing_coded_gives_an_empty_table() -> None:
    table = cooccurrence(code_answers(pd.Series(dtype=object), load_codebook()))
    assert table.empty and table.attrs["answered"] == 0
