"""A small hand-built landscape whose graph answers are known by hand.

    West Midlands: council ``cc`` (major city region), university ``uni``, LEP ``lep``
    Wales: council ``wc`` (rural), university ``wu``, research centre ``rc``

    p1  cc–uni            joint post (report 3.36)
    p2  cc–uni–lep        forum (report 3.34)
    p3  wc–wu             episodic (report 3.32)
    p4  wu–rc             strategic link (case study)
    p5  lep–wu            strategic link (report 3.45): the one cross-region tie
    p6  cc–rc             known only from a survey answer: hidden by default
"""

from __future__ import annotations

import pytest

from survey.landscape.records import (
    LandscapeData,
    Organisation,
    Partnership,
    Provenance,
    Theme,
)


def _prov(kind: str, ref: str) -> tuple[Provenance, ...]:
    return (Provenance(kind, ref),)


@pytest.fixture
def landscape() -> LandscapeData:
    orgs = (
        Organisation("cc", "City Council", "metropolitan_borough", "england", "west_midlands",
                     "major_city_region", themes=("skills", "housing"),
                     provenance=_prov("report", "report 2.17")),
        Organisation("uni", "Midlands University", "university", "england", "west_midlands",
                     "major_city_region", themes=("skills",),
                     provenance=_prov("report", "report 3.36")),
        Organisation("lep", "Midlands LEP", "lep", "england", "west_midlands",
                     "smaller_city_large_town", provenance=_prov("report", "report 3.34")),
        Organisation("wc", "Rural County Council", "unitary_authority", "wales", "wales",
                     "predominantly_rural", themes=("housing", "transport"),
                     provenance=_prov("interview_area", "area 7")),
        Organisation("wu", "Welsh University", "university", "wales", "wales",
                     "smaller_city_large_town", themes=("transport",),
                     provenance=_prov("report", "report 3.32")),
        Organisation("rc", "Policy Centre", "research_centre", "wales", "wales",
                     "smaller_city_large_town", themes=("housing",),
                     provenance=_prov("case_study", "case study 1")),
    )
    ties = (
        Partnership("p1", "Joint post", "joint_post", ("cc", "uni"), themes=("skills",),
                    provenance=_prov("report", "report 3.36")),
        Partnership("p2", "Growth forum", "formal_institution", ("cc", "uni", "lep"),
                    themes=("skills",), provenance=_prov("report", "report 3.34")),
        Partnership("p3", "Rural evidence work", "episodic", ("wc", "wu"),
                    themes=("transport",), provenance=_prov("report", "report 3.32")),
        Partnership("p4", "Policy lab", "strategic_link", ("wu", "rc"),
                    themes=("housing",), provenance=_prov("case_study", "case study 1")),
        Partnership("p5", "Trade link", "strategic_link", ("lep", "wu"),
                    provenance=_prov("report", "report 3.45")),
        Partnership("p6", "Named in a survey answer", "episodic", ("cc", "rc"),
                    provenance=_prov("survey_response", "response 12")),
    )
    themes = (Theme("skills", "Skills"), Theme("housing", "Housing"),
              Theme("transport", "Transport"))
    return LandscapeData(orgs, ties, themes)
