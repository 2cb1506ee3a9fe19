"""The landscape in the store: round trip on both databases, reviewer decisions kept."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from survey.errors import LandscapeError
from survey.landscape.records import (
    Alias,
    Barrier,
    LandscapeData,
    Organisation,
    Partnership,
    Provenance,
    Theme,
)
from survey.store import Store
from survey.store.landscape import (
    add_alias,
    add_partnership,
    decide_review,
    load_landscape,
    pending_reviews,
    queue_review,
    reviewed_text,
    save_landscape,
)

REPORT = Provenance("report", "report 3.36", "joint funded by the Welsh Government and ESRC")
REGISTRY = Provenance("registry", "mySociety local authorities")


def _landscape() -> LandscapeData:
    wcpp = Organisation(
        key="wales-centre-for-public-policy", name="Wales Centre for Public Policy",
        type="research_centre", nation="wales", region="wales",
        aliases=(Alias("Welsh Centre for Public Policy", Provenance(
            "report", "report 3.36", "the report names it both ways")),
            Alias("WCPP", REPORT)),
        themes=("public_services",), provenance=(REPORT, Provenance("report", "report 3.4")),
        note="One body: the report says 'Welsh' in 3.36 and 'Wales' elsewhere.")
    welsh_gov = Organisation(key="welsh-government", name="Welsh Government",
                             type="devolved_government", nation="wales", region="wales",
                             identifiers={"other": "WG"}, barriers=("staff_turnover",),
                             provenance=(REPORT,))
    wrexham = Organisation(key="wrexham", name="Wrexham County Borough Council",
                           type="unitary_authority", nation="wales", region="wales",
                           place_type="smaller_city_large_town",
                           identifiers={"gss": "W06000006"},
                           aliases=(Alias("Wrecsam", REGISTRY),), provenance=(REGISTRY,))
    partnership = Partnership(
        key="wcpp", name="Wales Centre for Public Policy", kind="formal_institution",
        members=("wales-centre-for-public-policy", "welsh-government"),
        themes=("public_services",), barriers=("staff_turnover",), start_year=2017,
        funding="Welsh Government and ESRC", outcomes="evidence for ministers",
        provenance=(REPORT,))
    return LandscapeData(
        organisations=(wcpp, welsh_gov, wrexham), partnerships=(partnership,),
        themes=(Theme("public_services", "Public services", (REPORT,)),),
        barriers=(Barrier("staff_turnover", "Staff turnover",
                          (Provenance("report", "report 3.63"),)),))


def test_round_trip(store: Store) -> None:
    data = _landscape()
    counts = save_landscape(store, data)
    assert (counts.organisations, counts.aliases, counts.partnerships) == (3, 3, 1)
    back = load_landscape(store)
    assert back == data  # ordered by key; every field, alias and provenance kept


def test_save_replaces_and_is_all_or_nothing(store: Store) -> None:
    save_landscape(store, _landscape())
    broken = _landscape()
    bad = Partnership(key="bad", name="Bad", kind="episodic", members=("wrexham", "nobody"))
    with pytest.raises(LandscapeError) as caught:
        save_landscape(store, LandscapeData(broken.organisations, (bad,), broken.themes,
                                            broken.barriers))
    assert caught.value.issues[0].code == "L110"
    assert load_landscape(store) == _landscape()  # nothing lost
    save_landscape(store, LandscapeData(broken.organisations[2:], ()))
    assert [o.key for o in load_landscape(store).organisations] == ["wrexham"]


def test_add_alias_and_partnership(store: Store) -> None:
    save_landscape(store, _landscape())
    assert add_alias(store, "wrexham", Alias("Cyngor Wrecsam", REGISTRY)) is True
    assert add_alias(store, "wrexham", Alias("Cyngor Wrecsam", REGISTRY)) is False
    with pytest.raises(LandscapeError, match="L111"):
        add_alias(store, "nowhere", Alias("x", REGISTRY))
    add_partnership(store, Partnership("tie", "Tie", "episodic",
                                       ("wrexham", "welsh-government")))
    loaded = load_landscape(store)
    assert [p.key for p in loaded.partnerships] == ["tie", "wcpp"]
    with store.session() as s:
        normalised = s.execute(text("SELECT normalised FROM landscape_aliases WHERE "
                                    "text = 'Cyngor Wrecsam'")).scalar_one()
    assert normalised == "wrexham council"


def test_review_decisions_are_aliases_and_survive_a_reload(store: Store) -> None:
    save_landscape(store, _landscape())
    seen = Provenance("survey_response", "response abc", "partner_organisation_1")
    item = queue_review(store, "Wales Centre Public Policy", "wales-centre-for-public-policy",
                        88.0, seen)
    assert queue_review(store, "wales centre, public policy", None, 1.0, seen).id == item.id
    other = queue_review(store, "Llandudno Research Co-op", "welsh-government", 81.0, seen)
    assert [i.id for i in pending_reviews(store)] == [item.id, other.id]
    accepted = decide_review(store, item.id, "accept", "Siân")
    assert (accepted.status, accepted.organisation_key, accepted.decided_by) == (
        "accepted", "wales-centre-for-public-policy", "Siân")
    rejected = decide_review(store, other.id, "reject", "Siân")
    assert rejected.status == "rejected"
    with pytest.raises(LandscapeError, match="L112"):
        decide_review(store, item.id, "reject", "Siân")
    assert pending_reviews(store) == []
    assert reviewed_text(store, "WALES CENTRE PUBLIC POLICY") == accepted
    # A new import of the landscape keeps what reviewers decided.
    save_landscape(store, _landscape())
    loaded = {o.key: o for o in load_landscape(store).organisations}
    alias = loaded["wales-centre-for-public-policy"].aliases[-1]
    assert alias.text == "Wales Centre Public Policy"
    assert (alias.provenance.kind, alias.provenance.recorded_by) == ("reviewer", "Siân")
    assert alias.provenance.recorded_at is not None
    new = loaded[rejected.organisation_key or ""]
    assert (new.name, new.resolved, new.type) == ("Llandudno Research Co-op", False, "unknown")


def test_accepting_a_name_that_is_already_an_alias_records_the_reviewer(store: Store) -> None:
    # 'UEA' is a registry synonym marked possibly ambiguous: it goes to review, and once a
    # reviewer accepts it, it links without asking again.
    from survey.landscape.resolver import Resolver

    unsafe = Provenance("registry", "DfE list", "suggestion synonym")
    save_landscape(store, LandscapeData((Organisation(
        "uea", "University of East Anglia", "university", aliases=(Alias("UEA", unsafe),),
        provenance=(REGISTRY,)),), ()))
    assert Resolver(load_landscape(store).organisations).resolve("UEA").outcome == "review"
    item = queue_review(store, "UEA", "uea", 100.0, Provenance("survey_response", "response x"))
    decide_review(store, item.id, "accept", "Siân")
    (org,) = load_landscape(store).organisations
    (alias,) = org.aliases
    assert (alias.text, alias.provenance.kind, alias.provenance.recorded_by) == (
        "UEA", "reviewer", "Siân")
    result = Resolver([org]).resolve("UEA")
    assert (result.outcome, result.key) == ("alias", "uea")
