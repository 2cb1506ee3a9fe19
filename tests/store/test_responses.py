"""Saving responses: validation per question, idempotency, bulk all-or-nothing, rankings."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import func, select, text
from store_helpers import complete_answers, demo_instrument

from survey.errors import LandscapeError
from survey.instrument import InstrumentVersion
from survey.store import (
    ResponseRow,
    Store,
    analysis_frame,
    load_recorded_instrument,
    record_instrument,
    save_response,
    save_responses,
    validate_answers,
)
from survey.store.models import Answer, RankingAnswer, Respondent, Response


def _problems(iv: InstrumentVersion, answers: dict[str, object], **kw: object) -> dict[str, str]:
    """{question: answer problem code} (see survey.answers.problems)."""
    return {str(i.location.question): str(i.reason)
            for i in validate_answers(iv, answers, **kw)}  # type: ignore[arg-type]


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.mark.parametrize(
    ("overrides", "question", "reason"),
    [
        ({"priorities": {"funding": 1, "skills": 1, "data": 3}}, "priorities", "ranking_positions"),
        ({"priorities": {"funding": 1, "skills": 2}}, "priorities", "ranking_positions"),
        ({"priorities": {"funding": 1, "skills": 2, "data": 4}}, "priorities", "ranking_range"),
        ({"priorities": {"funding": 1, "skills": 2, "cake": 3}}, "priorities", "ranking_options"),
        ({"top_two": {"a": 1}}, "top_two", "ranking_positions"),
        ({"top_two": {"a": 1, "b": 3}}, "top_two", "ranking_range"),
        ({"staff": -1}, "staff", "below_minimum"),
        ({"staff": 2.5}, "staff", "not_whole"),
        ({"satisfaction": 6}, "satisfaction", "not_on_scale"),
        ({"region": "atlantis"}, "region", "not_a_place"),
        ({"sectors": ["health", "health"]}, "sectors", "repeated_option"),
        ({"comments": "x" * 51}, "comments", "too_long"),
        ({"agree": "yes"}, "agree", "not_true_false"),
        ({"in_partnership": "maybe"}, "in_partnership", "not_an_option"),
        ({"nonsense": 1}, "nonsense", "unknown_question"),
    ],
)
def test_invalid_answers_are_reported_per_question(
    iv: InstrumentVersion, overrides: dict[str, object], question: str, reason: str
) -> None:
    problems = _problems(iv, complete_answers(**overrides), path="partnership")
    assert problems == {question: reason}


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 10 ** 400,
                                   -(10 ** 400)],
                         ids=["inf", "-inf", "nan", "10**400", "-10**400"])
def test_non_finite_numbers_are_invalid_answers(store: Store, value: float) -> None:
    # 'budget' has no bounds or integer rule, so only the finiteness check can catch these.
    iv = demo_instrument(extra_yaml="  - {code: budget, type: number, label: Budget}\n")
    assert _problems(iv, complete_answers(budget=value, staff=value), path="partnership") == {
        "staff": "not_finite", "budget": "not_finite"}
    with pytest.raises(LandscapeError) as exc:
        save_response(store, iv, complete_answers(budget=value))
    assert [i.code for i in exc.value.issues] == ["S106"]
    assert _count(store, Response) == 0 and _count(store, Answer) == 0
    # A large but finite number is still an answer.
    save_response(store, iv, complete_answers(budget=1e300))
    assert _count(store, Response) == 1


def test_valid_answers_pass(iv: InstrumentVersion) -> None:
    answers = complete_answers(top_two={"c": 1, "a": 2}, staff=12, satisfaction=5,
                               region="wales", sectors=["housing", "other"],
                               **{"sectors.other": "Transport"}, comments="ok")
    assert _problems(iv, answers, path="partnership") == {}


def test_required_only_when_shown(iv: InstrumentVersion) -> None:
    # priorities is required but on the partnership path.
    assert _problems(iv, {"in_partnership": "no", "agree": True}, path="no_partnership") == {}
    problems = _problems(iv, {"in_partnership": "yes", "agree": True}, path="partnership")
    assert problems == {"priorities": "required"}
    # an in-progress response may leave required questions for later
    assert _problems(iv, {"in_partnership": "yes"}, state="in_progress") == {}
    shown = _problems(iv, {"in_partnership": "yes"}, is_shown=lambda q, a: True)
    assert set(shown) == {"priorities", "agree"}
    wrong_path = _problems(iv, complete_answers(), path="no_partnership")
    assert wrong_path["priorities"] == "wrong_path"


def test_invalid_response_writes_nothing(store: Store, iv: InstrumentVersion) -> None:
    with pytest.raises(LandscapeError) as exc:
        save_response(store, iv, complete_answers(staff=-5, agree="no"))
    assert {i.location.question for i in exc.value.issues} == {"staff", "agree"}
    assert _count(store, Response) == 0 and _count(store, Answer) == 0


def test_response_records_version_hash_path_and_answers(store: Store,
                                                        iv: InstrumentVersion) -> None:
    rid = save_response(store, iv, complete_answers(comments="Glyndŵr, Ynys Môn"),
                        path="partnership")
    with store.session() as s:
        row = s.get(Response, rid)
        assert row is not None
        assert (row.instrument, row.version, row.content_hash, row.path, row.state,
                row.source) == ("demo", "1.0.0", iv.content_hash, "partnership", "complete",
                                "web")
        assert row.completed_at is not None and row.respondent_id is None
        ranks = dict(s.execute(select(RankingAnswer.option_code, RankingAnswer.rank)
                               .where(RankingAnswer.response_id == rid)).all())
        comment = s.execute(select(Answer.value).where(Answer.question_code == "comments"))
    assert ranks == {"funding": 1, "skills": 2, "data": 3}
    assert comment.scalar_one() == '"Glyndŵr, Ynys Môn"'
    assert load_recorded_instrument(store, "demo", "1.0.0").content_hash == iv.content_hash


def test_idempotent_submission(store: Store, iv: InstrumentVersion) -> None:
    first = save_response(store, iv, complete_answers(), idempotency_key="submit-1")
    assert save_response(store, iv, complete_answers(), idempotency_key="submit-1") == first
    assert _count(store, Response) == 1
    with pytest.raises(LandscapeError) as exc:
        save_response(store, iv, complete_answers(staff=3), idempotency_key="submit-1")
    assert exc.value.issues[0].code == "S107"
    assert _count(store, Response) == 1


def _add_respondents(store: Store, *ids: str) -> None:
    with store.write() as s:
        for rid in ids:
            s.add(Respondent(id=rid, organisation_type="unitary", nation="wales",
                             created_at=datetime.now(UTC)))


def test_idempotency_key_cannot_reach_another_respondents_or_versions_response(
    store: Store, iv: InstrumentVersion
) -> None:
    _add_respondents(store, "resp_a", "resp_b")
    mine = save_response(store, iv, {"in_partnership": "yes"}, state="in_progress",
                         respondent_id="resp_a", idempotency_key="shared-key")
    later = demo_instrument("1.1.0")
    attempts: list[dict[str, object]] = [
        {"respondent_id": "resp_b"},  # another invited respondent
        {},  # an open-link respondent (no frame record)
    ]
    for who in attempts:
        for payload in ({"in_partnership": "yes"}, complete_answers()):  # same and changed
            with pytest.raises(LandscapeError) as exc:
                save_response(store, iv, payload, state="in_progress",
                              idempotency_key="shared-key", **who)  # type: ignore[arg-type]
            (problem,) = exc.value.issues
            assert problem.code == "S109" and "another respondent" in problem.message
    with pytest.raises(LandscapeError) as exc:
        save_response(store, later, {"in_partnership": "yes"}, state="in_progress",
                      respondent_id="resp_a", idempotency_key="shared-key")
    assert exc.value.issues[0].code == "S109"
    assert "another survey version" in exc.value.issues[0].message
    # The owner's response is untouched, and still reachable by its owner.
    with store.session() as s:
        row = s.get(Response, mine)
        assert row is not None and (row.respondent_id, row.state) == ("resp_a", "in_progress")
    assert _count(store, Response) == 1 and _count(store, Answer) == 1
    assert save_response(store, iv, complete_answers(), respondent_id="resp_a",
                         idempotency_key="shared-key") == mine


def test_in_progress_can_be_updated_then_completed(store: Store, iv: InstrumentVersion) -> None:
    rid = save_response(store, iv, {"in_partnership": "yes"}, state="in_progress",
                        idempotency_key="k")
    assert save_response(store, iv, complete_answers(), idempotency_key="k") == rid
    with store.session() as s:
        row = s.get(Response, rid)
        assert row is not None and row.state == "complete"
    assert _count(store, Answer) == 3


def test_changed_instrument_content_is_refused(store: Store, iv: InstrumentVersion) -> None:
    record_instrument(store, iv)
    changed = demo_instrument(extra_yaml="  - {code: extra, type: free_text, label: Extra}\n")
    with pytest.raises(LandscapeError) as exc:
        record_instrument(store, changed)
    assert exc.value.issues[0].code == "S105"


def test_bulk_is_all_or_nothing_with_row_locations(store: Store, iv: InstrumentVersion) -> None:
    rows = [complete_answers() for _ in range(5)]
    rows[3] = complete_answers(satisfaction=9)
    with pytest.raises(LandscapeError) as exc:
        save_responses(store, iv, rows, "upload.csv")
    (problem,) = exc.value.issues
    assert str(problem.location) == "upload.csv:4:satisfaction question 'satisfaction'"
    assert _count(store, Response) == 0
    ids = save_responses(store, iv, [ResponseRow(a, source_row=i + 2, idempotency_key=f"k{i}")
                                     for i, a in enumerate(rows[:3])], "upload.csv")
    assert len(set(ids)) == 3
    again = save_responses(store, iv, [ResponseRow(complete_answers(), source_row=2,
                                                   idempotency_key="k0")], "upload.csv")
    assert again == ids[:1] and _count(store, Response) == 3
    with store.session() as s:
        rows_seen = s.execute(text("SELECT source, source_file, source_row FROM responses "
                                   "ORDER BY source_row")).all()
    assert [tuple(r) for r in rows_seen] == [("import", "upload.csv", n) for n in (2, 3, 4)]


def test_analysis_frame_matches_independent_pivot(store: Store, iv: InstrumentVersion) -> None:
    rng = random.Random(7)
    options = ["funding", "skills", "data"]
    rows = []
    for _ in range(40):
        order = rng.sample(options, 3)
        rows.append(complete_answers(priorities={o: i + 1 for i, o in enumerate(order)}))
    rows.append({"in_partnership": "no", "agree": True})  # no ranking: not in the frame
    ids = save_responses(store, iv, rows, "x.csv")
    save_response(store, iv, {"in_partnership": "yes",
                              "priorities": {"funding": 3, "skills": 2, "data": 1}},
                  state="in_progress")  # incomplete: not in the frame
    frame = analysis_frame(store, "priorities", "demo@1.0.0")
    assert list(frame.columns[:3]) == options and frame.attrs["options"] == options
    assert all(str(frame[o].dtype) == "Int64" for o in options)
    expected = pd.DataFrame([r["priorities"] for r in rows[:40]],  # type: ignore[misc]
                            index=ids[:40])[options]
    got = frame.loc[sorted(ids[:40]), options].astype("int64")
    assert got.to_dict() == expected.loc[sorted(ids[:40])].to_dict()
    assert set(frame["version"]) == {"1.0.0"} and frame["nation"].isna().all()
    top = analysis_frame(store, "top_two")
    assert top.empty


def test_analysis_frame_top_k_leaves_unranked_as_na(store: Store, iv: InstrumentVersion) -> None:
    save_responses(store, iv, [complete_answers(top_two={"b": 1, "c": 2})], "x.csv")
    frame = analysis_frame(store, "top_two")
    assert frame[["a", "b", "c"]].iloc[0].tolist() == [pd.NA, 1, 2]


def test_skip_logic_decides_required_by_default() -> None:
    from survey.instrument import parse_instrument_text

    iv = parse_instrument_text("""
instrument: logic_demo
version: 1.0.0
title: Skip logic demo (synthetic)
questions:
  - {code: staff, type: number, label: Staff, min: 0}
  - {code: why, type: free_text, required: true, label: Why so many, relevant: "staff > 10"}
""")
    assert validate_answers(iv, {"staff": 3}) == []
    (problem,) = validate_answers(iv, {"staff": 30})
    assert problem.location.question == "why" and problem.reason == "required"


def test_nation_filter_means_the_same_in_analysis_frame_and_response_attributes(
    store: Store
) -> None:
    from survey.store.analysis import response_attributes, store_ranking_groups

    iv = demo_instrument(extra_yaml=(
        "  - {code: nation, type: place, level: nation, label: Your nation}\n"
        "  - {code: organisation_type, type: single_choice, label: Organisation type,\n"
        "     options: [{code: university, label: University}]}\n"))
    _add_respondents(store, "framed_wales")  # a frame record: nation wales, unitary
    framed = save_response(store, iv, complete_answers(), respondent_id="framed_wales")
    # Open link: no frame record, so nation and type are the respondent's own answers.
    open_wales = save_response(store, iv, complete_answers(
        nation="wales", organisation_type="university"))
    open_scotland = save_response(store, iv, complete_answers(nation="scotland"))
    # A frame record wins over an answer (the frame is what the sample was drawn from).
    _add_respondents(store, "framed_answer")
    framed_answer = save_response(store, iv, complete_answers(nation="scotland"),
                                  respondent_id="framed_answer")
    wales = {framed, open_wales, framed_answer}

    frame = analysis_frame(store, "priorities", nation="wales")
    assert set(frame.index) == wales
    assert frame.loc[open_wales, ["nation", "region", "organisation_type"]].tolist() == [
        "wales", "wales", "university"]
    assert set(analysis_frame(store, "priorities", nation=["scotland"]).index) == {
        open_scotland}
    assert set(analysis_frame(store, "priorities", region="wales").index) == wales
    assert set(analysis_frame(store, "priorities", organisation_type="university").index) == {
        open_wales}

    attrs = response_attributes(store)
    assert set(attrs.index[attrs["nation"] == "wales"]) == wales
    unfiltered = analysis_frame(store, "priorities")
    columns = ["nation", "region", "organisation_type"]
    assert unfiltered[columns].to_dict("index") == attrs.loc[unfiltered.index, columns
                                                             ].to_dict("index")
    groups = store_ranking_groups(store, "priorities", where=["nation=wales"])
    (data,) = groups.values()
    assert set(data.ranks.index) == wales
