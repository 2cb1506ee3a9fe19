"""The analysis frame read back against an independent pivot of the long table.

The database pivots each response's ranks (packed into integer words, or one column
per option for ranks the packing cannot hold); pandas pivots the raw rows here.
Both dialects.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest
from sqlalchemy import text

from survey.instrument import InstrumentVersion, parse_instrument_text
from survey.store import Store, analysis_frame
from survey.store.writing import save_response, save_responses

OPTIONS = [f"o{i:02d}" for i in range(30)]  # three packed words: 12 + 12 + 6


def _instrument() -> InstrumentVersion:
    listed = ", ".join(f"{{code: {o}, label: Option {o}}}" for o in OPTIONS)
    return parse_instrument_text(f"""
instrument: wide
version: 1.0.0
title: Thirty options (synthetic test instrument)
questions:
  - code: many
    type: ranking
    required: true
    label: Rank up to twelve
    ranking: {{mode: top_k, k: 12, ties: forbid}}
    options: [{listed}]
""")


def _seed(store: Store, count: int = 60) -> list[str]:
    rng = random.Random(11)
    rows = []
    for _ in range(count):
        chosen = rng.sample(OPTIONS, 12)
        rows.append({"many": {o: r for r, o in enumerate(chosen, start=1)}})
    return save_responses(store, _instrument(), rows, "wide.csv")


def _independent_pivot(store: Store) -> pd.DataFrame:
    with store.engine.connect() as conn:
        long = pd.DataFrame(conn.execute(text(
            "SELECT a.response_id, a.option_code, a.rank FROM ranking_answers a "
            "JOIN responses r ON r.id = a.response_id WHERE r.state = 'complete' "
            "AND a.question_code = 'many'")).all(), columns=["id", "option", "rank"])
    return long.pivot(index="id", columns="option", values="rank").astype(float)


def _assert_frame_is_the_pivot(store: Store, columns: list[str]) -> None:
    frame = analysis_frame(store, "many")
    expected = _independent_pivot(store).reindex(columns=columns)
    assert frame.attrs["options"] == columns
    got = frame[columns].astype("Float64").astype(float)
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index(),
                                  check_names=False, check_index_type=False)


def test_every_rank_of_thirty_options_comes_back_in_its_column(store: Store) -> None:
    _seed(store)
    _assert_frame_is_the_pivot(store, OPTIONS)


@pytest.mark.parametrize("rank", [0, 31, 32, 40, 32767])
def test_a_rank_the_packing_cannot_hold_is_read_exactly(store: Store, rank: int) -> None:
    # Never written by the form or the importers; a raw SQL edit could.
    ids = _seed(store)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE ranking_answers SET rank = :rank WHERE response_id = :id "
                          "AND option_code = (SELECT min(option_code) FROM ranking_answers "
                          "WHERE response_id = :id)"), {"rank": rank, "id": ids[3]})
    frame = analysis_frame(store, "many")
    assert rank in frame.loc[ids[3], OPTIONS].tolist()
    _assert_frame_is_the_pivot(store, OPTIONS)


def test_an_option_no_version_lists_becomes_a_column_only_if_an_eligible_response_ranks_it(
        store: Store) -> None:
    ids = _seed(store)
    unfinished = save_response(store, _instrument(),
                               {"many": {o: r for r, o in enumerate(OPTIONS[:12], start=1)}},
                               state="in_progress")
    with store.engine.begin() as conn:
        for response, code in ((ids[0], "zz_extra"), (unfinished, "zz_hidden")):
            conn.execute(text("INSERT INTO ranking_answers (response_id, question_code, "
                              "option_code, rank) VALUES (:id, 'many', :code, 13)"),
                         {"id": response, "code": code})
    frame = analysis_frame(store, "many")
    assert frame.loc[ids[0], "zz_extra"] == 13 and "zz_hidden" not in frame.columns
    _assert_frame_is_the_pivot(store, [*OPTIONS, "zz_extra"])
