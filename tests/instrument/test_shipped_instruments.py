"""The shipped instruments model the 2022 survey faithfully and version cleanly.

Checks the YAML data in ``instruments/`` (not the loader): the ranking options
match the published report's wording, mirrored options line up across the two
instruments, paths and skip logic are coherent, Welsh texts are complete and
correctly stamped, and ``local_government`` 1.1.0 is an additive revision of 1.0.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from survey.instrument.model import InstrumentVersion, Question, QuestionType, Text, text_stamp
from survey.instrument.registry import Catalogue

_REPO_ROOT = Path(__file__).resolve().parents[2]
_PUBLISHED = _REPO_ROOT / "tests" / "reference" / "published_2022.yaml"
_REFS = ("local_government@1.0.0", "local_government@1.1.0", "researcher@1.0.0")
_TABLE_OF = {"local_government": "table_1_local_government", "researcher": "table_2_researcher"}
_MIRRORED = {
    "partner_support": ("support_from_research_institutions", "support_from_policy_organisations"),
    "partner_networks": ("networks_with_research_institutions", "networks_with_policy_makers"),
}


@pytest.fixture(scope="module")
def shipped() -> dict[str, InstrumentVersion]:
    catalogue = Catalogue.default()
    return {ref: catalogue.load(ref) for ref in _REFS}


@pytest.fixture(scope="module")
def published_tables() -> dict[str, Any]:
    data = yaml.safe_load(_PUBLISHED.read_text(encoding="utf-8"))
    tables: dict[str, Any] = data["priority_tables"]
    return tables


def _ranking(iv: InstrumentVersion) -> Question:
    question = iv.question("evidence_priorities")
    assert question is not None, f"{iv.ref} has no evidence_priorities question"
    return question


def _texts(iv: InstrumentVersion) -> Iterator[tuple[str, Text]]:
    """Every translatable text in a version, with a name saying where it is."""
    yield "title", iv.title
    if iv.description is not None:
        yield "description", iv.description
    for rule in iv.paths:
        yield f"path {rule.code}", rule.label
    for q in iv.questions:
        yield q.code, q.label
        if q.hint is not None:
            yield f"{q.code} hint", q.hint
        for option in q.options:
            yield f"{q.code}.{option.code}", option.label
        if q.scale is not None:
            for point, label in q.scale.labels.items():
                yield f"{q.code} scale {point}", label


# -- the catalogue ------------------------------------------------------------------------------

def test_all_three_versions_ship_published(shipped: dict[str, InstrumentVersion]) -> None:
    assert Catalogue.default().refs().keys() >= {"local_government", "researcher"}
    for ref, iv in shipped.items():
        assert iv.ref == ref
        assert iv.is_published, f"{ref} should be published"
        assert iv.description is not None
        # Reconstructed wording is labelled as such in the data.
        assert "reconstructed" in iv.description.en


def test_languages(shipped: dict[str, InstrumentVersion]) -> None:
    assert shipped["local_government@1.0.0"].languages == ("en", "cy")
    assert shipped["local_government@1.1.0"].languages == ("en", "cy")
    assert shipped["researcher@1.0.0"].languages == ("en",)


# -- the ranking question -----------------------------------------------------------------------

@pytest.mark.parametrize("ref", ["local_government@1.0.0", "researcher@1.0.0"])
def test_ranking_options_are_worded_as_published(
    ref: str, shipped: dict[str, InstrumentVersion], published_tables: dict[str, Any]
) -> None:
    iv = shipped[ref]
    question = _ranking(iv)
    rows = published_tables[_TABLE_OF[iv.instrument]]["rows"]
    assert [o.label.en for o in question.options] == [row["option"] for row in rows]
    assert question.type is QuestionType.RANKING
    assert question.ranking is not None
    assert (question.ranking.mode, question.ranking.ties) == ("full", "forbid")
    assert question.concept == "evidence_priorities"
    assert question.required
    assert question.path is None, "the ranking question is asked on both paths"
    assert question.relevant is None
    assert "translation of evidence into policy in your area" in question.label.en


def test_revised_ranking_keeps_the_published_nine(
    shipped: dict[str, InstrumentVersion], published_tables: dict[str, Any]
) -> None:
    rows = published_tables[_TABLE_OF["local_government"]]["rows"]
    labels = [o.label.en for o in _ranking(shipped["local_government@1.1.0"]).options]
    assert labels[:9] == [row["option"] for row in rows]
    assert len(labels) == 10


def test_every_ranking_option_has_a_concept(shipped: dict[str, InstrumentVersion]) -> None:
    for iv in shipped.values():
        options = _ranking(iv).options
        assert all(o.concept for o in options), iv.ref
        assert len({o.concept for o in options}) == len(options), f"{iv.ref}: concepts repeat"


def test_mirrored_options_line_up_across_instruments(
    shipped: dict[str, InstrumentVersion],
) -> None:
    lg = {o.concept: o for o in _ranking(shipped["local_government@1.0.0"]).options}
    rs = {o.concept: o for o in _ranking(shipped["researcher@1.0.0"]).options}
    assert len(lg) == len(rs) == 9
    assert lg.keys() == rs.keys()
    for concept in lg:
        if concept in _MIRRORED:
            # Mirrored: each group is asked about its counterpart, so wording and code differ.
            assert (lg[concept].code, rs[concept].code) == _MIRRORED[concept]
            assert lg[concept].label.en != rs[concept].label.en
        else:
            assert lg[concept].code == rs[concept].code, concept
            assert lg[concept].label.en == rs[concept].label.en, concept
    assert "research institutions" in lg["partner_support"].label.en
    assert "local policy organisations" in rs["partner_support"].label.en
    assert lg["partner_networks"].label.en.endswith("with local research institutions")
    assert rs["partner_networks"].label.en.endswith("with local policy makers")


# -- structure, paths and logic -----------------------------------------------------------------

def test_screening_question_and_paths(shipped: dict[str, InstrumentVersion]) -> None:
    for iv in shipped.values():
        screen = iv.question("in_partnership")
        assert screen is not None and screen.type is QuestionType.SINGLE_CHOICE
        assert screen.option_codes == ("yes", "no")
        assert screen.path is None and screen.required
        assert {p.code: p.when for p in iv.paths} == {
            "partnership": "in_partnership == 'yes'",
            "no_partnership": "in_partnership == 'no'",
        }
        declared = {p.code for p in iv.paths}
        on_path = {q.code: q.path for q in iv.questions if q.path is not None}
        assert set(on_path.values()) <= declared, f"{iv.ref} uses an undeclared path"
        # Both routes really ask something, and the screening comes before either.
        assert set(on_path.values()) == declared
        screen_at = iv.index_of("in_partnership")
        assert all(iv.index_of(code) > screen_at for code in on_path), iv.ref


def test_profile_and_consent(shipped: dict[str, InstrumentVersion]) -> None:
    for iv in shipped.values():
        assert iv.questions[0].type is QuestionType.CONSENT and iv.questions[0].required
        kinds = {q.code: q for q in iv.questions}
        assert kinds["organisation"].type is QuestionType.ORGANISATION
        assert kinds["organisation_type"].type is QuestionType.SINGLE_CHOICE
        assert kinds["nation"].place_level == "nation"
        assert kinds["region"].place_level == "region"
        assert kinds["region"].relevant == "nation == 'england'"
        assert kinds["formality"].option_codes == (
            "transactional", "episodic", "strategic_link", "formal_institution", "joint_post")
    lg_types = shipped["local_government@1.0.0"].question("organisation_type")
    rs_types = shipped["researcher@1.0.0"].question("organisation_type")
    assert lg_types is not None and rs_types is not None
    assert "combined_authority" in lg_types.option_codes
    assert "university" in rs_types.option_codes


def test_question_codes_are_unique_and_challenges_share_a_concept(
    shipped: dict[str, InstrumentVersion],
) -> None:
    for iv in shipped.values():
        codes = [q.code for q in iv.questions]
        assert len(codes) == len(set(codes)), iv.ref
        challenge = [(q.code, q.type, q.path) for q in iv.questions
                     if q.concept == "collaboration_challenges"]
        assert challenge == [
            ("challenges", QuestionType.FREE_TEXT, "partnership"),
            ("challenges_no_partnership", QuestionType.FREE_TEXT, "no_partnership"),
        ], iv.ref


def test_evidence_source_prompts_follow_the_report(shipped: dict[str, InstrumentVersion]) -> None:
    for iv in shipped.values():
        sources = iv.question("evidence_sources")
        assert sources is not None and sources.other
        assert [o.label.en for o in sources.options] == [
            "Published research (academic)", "Published research (policy)", "Evidence centres",
            "Research ready datasets", "Specialist institutes or observatories",
            "University departments",
        ]


def test_conditions_name_only_earlier_questions(shipped: dict[str, InstrumentVersion]) -> None:
    """A cheap, independent cross-check of the validator's 'earlier questions only' rule."""
    conditional = 0
    for iv in shipped.values():
        codes = {q.code for q in iv.questions}
        for position, q in enumerate(iv.questions):
            if q.relevant is None:
                continue
            conditional += 1
            # Strip quoted literals so an option code equal to a question code is not counted.
            bare = re.sub(r"'[^']*'|\"[^\"]*\"", "''", q.relevant)
            named = set(re.findall(r"[a-z][a-z0-9_]*", bare)) & codes
            assert named, f"{iv.ref} {q.code}: condition names no question"
            for name in named:
                assert iv.index_of(name) < position, f"{iv.ref} {q.code} refers to later {name}"
    assert conditional >= 3 * 3


# -- Welsh ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", ["local_government@1.0.0", "local_government@1.1.0"])
def test_welsh_is_complete_and_stamped(ref: str, shipped: dict[str, InstrumentVersion]) -> None:
    texts = list(_texts(shipped[ref]))
    assert len(texts) > 100
    for where, text in texts:
        welsh = text.translations.get("cy")
        assert welsh is not None and welsh.text.strip(), f"{ref} {where}: no Welsh"
        assert welsh.text != text.en, f"{ref} {where}: Welsh is a copy of the English"
        # Stamps are quoted in YAML: an unquoted all-digit stamp would be read as a number.
        assert welsh.source is not None and re.fullmatch(r"[0-9a-f]{8}", welsh.source), where
        assert welsh.source == text_stamp(text.en), f"{ref} {where}: stale Welsh"
        assert not text.is_stale("cy")


def test_researcher_version_is_english_only(shipped: dict[str, InstrumentVersion]) -> None:
    for where, text in _texts(shipped["researcher@1.0.0"]):
        assert text.languages() == {"en"}, where


# -- versioning ---------------------------------------------------------------------------------

def test_revision_is_additive(shipped: dict[str, InstrumentVersion]) -> None:
    old, new = shipped["local_government@1.0.0"], shipped["local_government@1.1.0"]
    old_rank, new_rank = _ranking(old), _ranking(new)
    assert len(new_rank.options) == len(old_rank.options) + 1
    added = [o for o in new_rank.options if o.code not in old_rank.option_codes]
    assert [(o.code, o.concept) for o in added] == [
        ("secondments_joint_posts", "secondments_joint_posts")]
    for q in old.questions:
        revised = new.question(q.code)
        assert revised is not None, f"1.1.0 dropped {q.code}"
        assert (revised.type, revised.path, revised.relevant, revised.concept, revised.required) \
            == (q.type, q.path, q.relevant, q.concept, q.required), q.code
        for option in q.options:
            kept = revised.option(option.code)
            assert kept is not None, f"1.1.0 dropped option {q.code}.{option.code}"
            assert kept.concept == option.concept
            assert kept.label.en == option.label.en
    new_questions = [q for q in new.questions if old.question(q.code) is None]
    assert [(q.code, q.required) for q in new_questions] == [("partnership_duration", False)]
    old_challenges, new_challenges = old.question("challenges"), new.question("challenges")
    assert old_challenges is not None and new_challenges is not None
    assert old_challenges.label.en != new_challenges.label.en


def test_revision_diff_classifies_as_minor(shipped: dict[str, InstrumentVersion]) -> None:
    diff = pytest.importorskip("survey.instrument.diff")
    result = diff.diff_versions(shipped["local_government@1.0.0"],
                                shipped["local_government@1.1.0"])
    assert result.kind == "minor"
