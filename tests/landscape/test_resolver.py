"""Normalising and resolving typed organisation names: cases worked by hand."""

from __future__ import annotations

import pytest

from survey.errors import LandscapeError
from survey.landscape.dataset import load_dataset
from survey.landscape.names import normalise, slug
from survey.landscape.records import Alias, Organisation, Provenance
from survey.landscape.resolver import Resolver

REG = Provenance("registry", "test registry")


@pytest.mark.parametrize(("a", "b"), [
    ("The University of Sheffield", "Sheffield University"),
    ("Uni of Sheffield", "university of sheffield"),
    ("Wrexham Glyndŵr University", "WREXHAM GLYNDWR UNIVERSITY"),
    ("King's Lynn & West Norfolk", "Kings Lynn and West Norfolk"),
    ("Prifysgol Wrecsam", "Wrexham University"),
    ("Cyngor Wrecsam", "Wrexham Council"),
    ("City-REDI", "city redi"),
    ("Queen's University Belfast", "Queens University Belfast"),
])
def test_normalise_treats_these_as_one_name(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Sheffield Hallam University", "University of Sheffield"),
    ("Birmingham City University", "University of Birmingham"),
    ("Norfolk County Council", "Norwich City Council"),
])
def test_normalise_keeps_different_bodies_apart(a: str, b: str) -> None:
    assert normalise(a) != normalise(b)


def test_slug() -> None:
    assert slug("The Queen's University of Belfast") == "queens-university-of-belfast"


def _org(key: str, name: str, *aliases: str, unsafe: tuple[str, ...] = ()) -> Organisation:
    return Organisation(key=key, name=name, type="university", aliases=tuple(
        [Alias(a, REG) for a in aliases]
        + [Alias(a, Provenance("registry", "test", "suggestion synonym")) for a in unsafe]))


@pytest.fixture
def resolver() -> Resolver:
    return Resolver([
        _org("sheffield", "The University of Sheffield"),
        _org("hallam", "Sheffield Hallam University"),
        _org("uea", "University of East Anglia", unsafe=("UEA",)),
        _org("wrexham", "Wrexham University", "Wrexham Glyndŵr University"),
        _org("scc", "Sheffield City Council", "Sheffield"),
        _org("c12", "Synthetic council 012 (demo)"),
        _org("lincoln-city", "City of Lincoln Council"),
        _org("lincoln-uni", "University of Lincoln"),
    ], auto_link=90, review_floor=75)


def test_exact_and_alias_matches(resolver: Resolver) -> None:
    r = resolver.resolve("Uni of Sheffield")
    assert (r.outcome, r.key, r.score) == ("exact", "sheffield", 100.0)
    assert "sheffield university" in r.reason  # the explanation shows the normalised form
    r = resolver.resolve("wrexham glyndwr university")
    assert (r.outcome, r.key) == ("alias", "wrexham")
    assert resolver.resolve("Sheffield").key == "scc"


def test_typos_link_automatically(resolver: Resolver) -> None:
    r = resolver.resolve("Univeristy of Sheffeild")
    assert (r.outcome, r.key) == ("auto", "sheffield")
    assert r.score >= 90


def test_a_possibly_ambiguous_synonym_goes_to_review(resolver: Resolver) -> None:
    r = resolver.resolve("uea")
    assert (r.outcome, r.key) == ("review", "uea")
    assert "possibly ambiguous" in r.reason


def test_substrings_are_not_rewarded(resolver: Resolver) -> None:
    # partial_ratio/WRatio would score "Sheffield Hallam" 100 against both Sheffield bodies.
    r = resolver.resolve("Hallam")
    assert r.outcome == "new" and r.key is None
    r = resolver.resolve("Sheffield Hallam")  # all of its distinctive words: that body
    assert (r.outcome, r.key) == ("auto", "hallam")
    assert "university" in r.reason


def test_near_ties_between_organisations_go_to_review(resolver: Resolver) -> None:
    r = resolver.resolve("Lincoln")  # the council and the university both reduce to it
    assert r.outcome == "review" and "2 organisations" in r.reason
    r = resolver.resolve("Lincoln Council")  # the kind of body settles it
    assert (r.outcome, r.key) == ("auto", "lincoln-city")
    r = resolver.resolve("Lincoln Uni")
    assert (r.outcome, r.key) == ("exact", "lincoln-uni")


def test_names_with_different_numbers_never_match(resolver: Resolver) -> None:
    r = resolver.resolve("Synthetic council 013 (demo)")
    assert r.outcome == "new"
    assert resolver.resolve("Synthetic Council 012 demo").key == "c12"


def test_below_the_floor_is_new_never_a_guess(resolver: Resolver) -> None:
    r = resolver.resolve("Llandudno Community Research Co-operative")
    assert (r.outcome, r.key, r.linked) == ("new", None, False)
    assert "below the review floor" in r.reason


def test_thresholds_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDSCAPE_RESOLVER_AUTO_LINK", "99")
    strict = Resolver([_org("sheffield", "The University of Sheffield")])
    assert strict.auto_link == 99
    assert strict.resolve("Univeristy of Sheffeild").outcome == "review"
    monkeypatch.setenv("LANDSCAPE_RESOLVER_AUTO_LINK", "120")
    with pytest.raises(LandscapeError, match="S108"):
        Resolver([])
    with pytest.raises(LandscapeError, match="S108"):
        Resolver([], auto_link=70, review_floor=80)


def test_an_empty_name_is_bad_input(resolver: Resolver) -> None:
    with pytest.raises(LandscapeError, match="L114"):
        resolver.resolve(" -- ")


def test_shipped_registry_and_dataset_resolve_the_report_names() -> None:
    resolver = Resolver(load_dataset().organisations)
    expected = {
        "Uni of Sheffield": "university-of-sheffield",
        "Wrexham Glyndwr University": "wrexham-university",
        "Prifysgol Glyndŵr Wrecsam": "wrexham-university",
        "Norwich County Council": "norwich-city-council",
        "Welsh Centre for Public Policy": "wales-centre-for-public-policy",
        "Wrecsam": "wrexham-county-borough-council",
        "Queens University Belfast": "queens-university-of-belfast",
        "Birmingham University": "university-of-birmingham",
        "CURDs, Newcastle University": "curds",
    }
    for text, key in expected.items():
        result = resolver.resolve(text)
        assert (result.key, result.linked) == (key, True), (text, result)
