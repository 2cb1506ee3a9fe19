"""The rules engine, checked on the report's own quotes, and overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from survey.coding.codebook import Codebook, load_codebook
from survey.coding.rules import (
    CODED_COLUMNS,
    CodingOverride,
    apply_overrides,
    code_answers,
    code_text,
    coding_matrix,
)
from survey.errors import LandscapeError

RES = "resources_capacity_funding"
SHORT = "short_term_funding"
COMPLEX = "complexity_no_entry_point"
TURNOVER = "staff_turnover"
LOCAL = "local_vs_global_focus"
TIME = "different_timescales"
DECISIVE = "decisiveness_fear_of_failure"
LANGUAGE = "language_communication"
PM = "project_management"
BUREAU = "commissioning_bureaucracy"


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return load_codebook()


# The survey answers the report quotes (3.58-3.74), with the themes the report files
# them under: the independent check that the codebook fits the report's themes.
REPORT_QUOTES = [
    ("National competitive approach and 'distance' from our area means that real "
     "priorities do not have capacity behind them. Lack of continuity means that we often "
     "see multiple short studies 'discovering' similar things", {RES, SHORT}),
    ("[There is] no defined entry point to research institutions \u2013 it depends on "
     "networks rather than a formal entry point", {COMPLEX}),
    ("[The] complex administrative nature of local development agencies, with frequent "
     "reorganisation of administration systems makes it hard to know where to start.",
     {COMPLEX}),
    ("There is often a mix of opinion between researchers/university and the local partners "
     "priorities for the research. The local partner intends on gaining operational "
     "outcomes, but the researcher has to stick to academic structures to ensure the passing "
     "of the course. Managing these expectations between different stakeholders is "
     "essential.", {LANGUAGE, PM}),
    ("Time, resource, 'language' differences and perhaps misconceptions or lack of "
     "understanding of each other which makes the idea of collaboration appear more "
     "difficult than it might be. Embedding the idea of co-producing research agendas and "
     "building meaningful relationships over time to facilitate this will take time.",
     {RES, LANGUAGE}),
    ("The university accounting system both makes us expensive and lacks any return to the "
     "researchers thereby disincentivising this kind of work.", {BUREAU}),
]

# Sentences of the report's own text that define each theme must be found by it.
REPORT_PARAGRAPHS = [
    ("As well as low levels of funding and capacity generally, long-term surety of funding "
     "is also a barrier to partnership working.", {RES, SHORT}),
    ("Since formal routes to partnership can feel unclear, many partnerships originate in "
     "unpredictable ways based on chance meetings or informal conversations.", {COMPLEX}),
    ("Building and sustaining relationships and partnerships is impacted by employee "
     "turnover - particularly in local government, but also in academia \u2013 often due to "
     "short-term funding and budgetary cycles.", {TURNOVER, SHORT, RES}),
    ("Many universities typically have a focus on internationally significant research, "
     "and / or research topics that are global by nature. This emphasis can be reinforced "
     "by the incentive structures that academics face.", {LOCAL}),
    ("Further to this, some universities may simply not have relevant expertise to support "
     "with local economic and policy issues.", {LOCAL}),
    ("Local government often works to challenging timescales, with much policy work being "
     "driven by deadlines set by Central Government.", {TIME}),
    ("By contrast, academics are more comfortable with the ambiguity of unclear findings "
     "and can be cautious about making stronger conclusions.", {DECISIVE}),
    ("Local government colleagues were perceived to have a fear of policy failure, as they "
     "are publicly accountable for the use of public money.", {DECISIVE}),
    ("Consultees referenced the fact that local government colleagues and academic "
     "colleagues can speak different languages.", {LANGUAGE}),
    ("Examples of poor definition of roles, and lack of ongoing communication and "
     "expectation-setting were raised by consultees.", {PM, LANGUAGE}),
    ("Other challenges related to the bureaucracy of commissioning academics, particularly "
     "for small pieces of work.", {BUREAU}),
]


@pytest.mark.parametrize(("text", "themes"), REPORT_QUOTES + REPORT_PARAGRAPHS)
def test_report_text_codes_as_the_report_files_it(codebook: Codebook, text: str,
                                                  themes: set[str]) -> None:
    assert code_text(text, codebook) == themes


def test_every_theme_is_exercised_by_the_report(codebook: Codebook) -> None:
    found = set().union(*(themes for _, themes in REPORT_QUOTES + REPORT_PARAGRAPHS))
    assert found == set(codebook.codes)


@pytest.mark.parametrize(("text", "themes"), [
    ("FUNDING!", {RES}),
    ("fundamental differences in outlook", set()),       # word boundary
    ("Short term money, stop start projects", {RES, SHORT}),
    ("Funding is not a problem for us, but staff turnover is.", {TURNOVER}),
    ("Funding isn\u2019t an issue; nobody knows who to contact.", {COMPLEX}),
    ("There are no problems with funding.", set()),
    ("Lack of funding is not the only problem.", {RES}),  # 'not the only' is no negation
    ("Business turnover data is hard to get.", set()),    # exclusion
    ("Staff turnover, not business turnover.", {TURNOVER}),
    ("Reports must follow Welsh language standards.", set()),
    ("Our human resources team is short of staff.", set()),
    ("", set()),
    ("   \n", set()),
])
def test_word_boundaries_negation_and_exclusions(codebook: Codebook, text: str,
                                                 themes: set[str]) -> None:
    assert code_text(text, codebook) == themes


def test_code_text_accepts_none(codebook: Codebook) -> None:
    assert code_text(None, codebook) == set()


def test_code_answers_frame_and_audit(codebook: Codebook) -> None:
    answers = pd.DataFrame({
        "response_id": ["LG01", "LG02", "LG03", "LG04"],
        "challenges": ["Lack of funding and no budget. Funding is not a problem elsewhere.",
                       "  ", None, "Business turnover is high."],
    })
    coded = code_answers(answers, codebook)
    assert list(coded.columns) == CODED_COLUMNS
    assert len(coded) == 4 * len(codebook.codes)
    assert coded.groupby("response_id", sort=False)["answered"].first().tolist() == [
        True, False, False, True]
    row = coded.set_index(["response_id", "theme"]).loc[("LG01", RES)]
    assert row["applied"] and row["rule_applied"] and row["source"] == "rule"
    assert row["matched_rules"] == "keyword:funding; keyword:budget"
    assert row["evidence"] == "funding; budget"
    assert row["suppressed"] == "keyword:funding (negated: 'Funding')"
    assert row["codebook"] == "barriers@1.0.0"
    turnover = coded.set_index(["response_id", "theme"]).loc[("LG04", TURNOVER)]
    assert not turnover["applied"]
    assert "excluded" in turnover["suppressed"]
    assert not coded[coded.response_id.isin(["LG02", "LG03"])]["applied"].any()


def test_series_input_and_matrix(codebook: Codebook) -> None:
    coded = code_answers(pd.Series({"R01": "Deadlines and jargon.", "R02": ""}), codebook)
    matrix = coding_matrix(coded)
    assert matrix.shape == (2, len(codebook.codes))
    assert matrix.loc["R01"][matrix.loc["R01"]].index.tolist() == [TIME, LANGUAGE]
    assert coding_matrix(coded, answered_only=True).index.tolist() == ["R01"]


@pytest.mark.parametrize(("frame", "message"), [
    (pd.DataFrame({"response_id": ["a", "a"], "challenges": ["x", "y"]}), "appears twice"),
    (pd.DataFrame({"response_id": ["a", None], "challenges": ["x", "y"]}), "has no id"),
    (pd.DataFrame({"id": ["a"], "challenges": ["x"]}), "no column 'response_id'"),
])
def test_bad_answer_input_is_c113(codebook: Codebook, frame: pd.DataFrame,
                                  message: str) -> None:
    with pytest.raises(LandscapeError) as info:
        code_answers(frame, codebook)
    assert info.value.issues[0].code == "C113"
    assert message in info.value.issues[0].message


T0 = datetime(2022, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def coded(codebook: Codebook) -> pd.DataFrame:
    return code_answers(pd.Series({"LG01": "No budget.", "LG02": "People move on.",
                                   "LG03": ""}), codebook)


def _cell(frame: pd.DataFrame, rid: str, theme: str) -> pd.Series:
    return frame.set_index(["response_id", "theme"]).loc[(rid, theme)]


def test_override_adds_and_removes_with_who_and_when(coded: pd.DataFrame) -> None:
    before = coded.copy()
    out = apply_overrides(coded, [
        CodingOverride("LG01", RES, False, "alex", T0, "budget for what? unclear"),
        CodingOverride("LG01", PM, True, "alex", T0),
    ])
    pd.testing.assert_frame_equal(coded, before)  # input untouched
    removed = _cell(out, "LG01", RES)
    assert (removed["applied"], removed["rule_applied"], removed["source"]) == (
        False, True, "override")
    assert removed["coder"] == "alex" and removed["note"] == "budget for what? unclear"
    assert removed["at"] == pd.Timestamp(T0)
    assert removed["matched_rules"] == "keyword:budget"  # the rule's audit stays
    added = _cell(out, "LG01", PM)
    assert (added["applied"], added["rule_applied"], added["source"]) == (True, False,
                                                                          "override")
    untouched = _cell(out, "LG02", TURNOVER)
    assert untouched["applied"] and untouched["source"] == "rule"
    assert pd.isna(untouched["coder"]) and pd.isna(untouched["at"])


def test_latest_override_wins_whatever_the_list_order(coded: pd.DataFrame) -> None:
    later = CodingOverride("LG02", TURNOVER, True, "sam", T0 + timedelta(days=1))
    earlier = CodingOverride("LG02", TURNOVER, False, "alex", T0)
    for order in ([later, earlier], [earlier, later]):
        cell = _cell(apply_overrides(coded, order), "LG02", TURNOVER)
        assert cell["applied"] and cell["coder"] == "sam"


def test_override_times_are_stored_in_utc(coded: pd.DataFrame) -> None:
    bst = timezone(timedelta(hours=1))
    out = apply_overrides(coded, [CodingOverride("LG01", RES, True, "kim",
                                                 datetime(2022, 4, 1, 10, tzinfo=bst))])
    assert _cell(out, "LG01", RES)["at"] == pd.Timestamp("2022-04-01 09:00", tz="UTC")


@pytest.mark.parametrize(("override", "code"), [
    (CodingOverride("LG01", "money", True, "kim", T0), "C111"),
    (CodingOverride("LG99", RES, True, "kim", T0), "C112"),
    (CodingOverride("LG03", RES, True, "kim", T0), "C112"),  # LG03 did not answer
])
def test_bad_overrides_are_refused(coded: pd.DataFrame, override: CodingOverride,
                                   code: str) -> None:
    with pytest.raises(LandscapeError) as info:
        apply_overrides(coded, [override])
    assert info.value.issues[0].code == code


def test_removing_a_theme_from_a_blank_answer_is_harmless(coded: pd.DataFrame) -> None:
    out = apply_overrides(coded, [CodingOverride("LG03", RES, False, "kim", T0)])
    assert not _cell(out, "LG03", RES)["applied"]


@pytest.mark.parametrize("kwargs", [
    {"coder": " "},
    {"at": datetime(2022, 4, 1)},  # naive: when exactly?
    {"applied": "yes"},
    {"response_id": ""},
])
def test_override_fields_are_checked(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"response_id": "LG01", "theme": RES, "applied": True,
                                 "coder": "kim", "at": T0}
    fields.update(kwargs)
    with pytest.raises(LandscapeError) as info:
        CodingOverride(**fields)  # type: ignore[arg-type]
    assert info.value.issues[0].code == "C115"


def test_an_override_keeps_its_exact_time() -> None:
    """Overrides carry microseconds (datetime.now); the coded frame must hold them."""
    from datetime import UTC, datetime

    import pandas as pd

    from survey.coding import CodingOverride, apply_overrides, code_answers, load_codebook

    coded = code_answers(pd.Series({"r1": "Funding is short", "r2": ""}), load_codebook())
    at = datetime(2026, 11, 24, 13, 54, 34, 46518, tzinfo=UTC)
    out = apply_overrides(coded, [CodingOverride("r1", "staff_turnover", True, "ann", at, "")])
    row = out[(out["response_id"] == "r1") & (out["theme"] == "staff_turnover")].iloc[0]
    assert row["applied"] and row["coder"] == "ann" and row["at"] == pd.Timestamp(at)
