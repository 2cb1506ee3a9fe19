"""Plain, typed records of the partnership landscape, shared by the store and ``network``.

These are the contract between the layer that loads and stores the landscape (registries,
the 2022 dataset, survey answers, reviewer decisions) and the layer that analyses it
(``network``). Region and nation values are the codes of :mod:`survey.instrument.places`
(``"west_midlands"``, ``"wales"``); organisation types are the codes in
:data:`ORGANISATION_TYPES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ORGANISATION_TYPES",
    "PARTNERSHIP_KINDS",
    "PLACE_TYPES",
    "PROVENANCE_KINDS",
    "Alias",
    "Barrier",
    "LandscapeData",
    "Organisation",
    "Partnership",
    "Provenance",
    "Theme",
]

#: Organisation types (code -> label). Local authorities are typed by tier.
ORGANISATION_TYPES: dict[str, str] = {
    "unitary_authority": "Unitary authority",
    "county_council": "County council",
    "district_council": "District council",
    "metropolitan_borough": "Metropolitan borough",
    "london_borough": "London borough",
    "combined_authority": "Combined authority",
    "lep": "Local enterprise partnership",
    "regional_body": "Pan-regional body (e.g. Midlands Engine)",
    "devolved_government": "Devolved government",
    "national_body": "National body",
    "university": "University",
    "research_centre": "Research centre or institute",
    "observatory": "Observatory",
    "voluntary_community": "Voluntary and community organisation",
    "business_body": "Business body",
    "public_service": "Public service (police, fire, health)",
    "unknown": "Not yet known (a typed name not resolved to a registry body)",
}

#: Partnership kinds of the 2022 report (3.31-3.37).
PARTNERSHIP_KINDS: dict[str, str] = {
    "transactional": "Transactional",
    "episodic": "Episodic",
    "strategic_link": "Strategic link",
    "formal_institution": "Formal institution or forum",
    "joint_post": "Joint post",
    "observatory": "Observatory",
}

#: Place types used to examine concentration (3.49).
PLACE_TYPES: dict[str, str] = {
    "major_city_region": "Major city region",
    "smaller_city_large_town": "Smaller city or large town",
    "predominantly_rural": "Predominantly rural",
}

#: Where a record came from.
PROVENANCE_KINDS: dict[str, str] = {
    "report": "2022 report paragraph",
    "case_study": "2022 report case study",
    "interview_area": "2022 interview area",
    "registry": "Canonical registry",
    "survey_response": "Survey response",
    "reviewer": "Reviewer decision",
    "synthetic": "Synthetic (demo)",
}


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record came from.

    ``reference`` locates it (``"report 3.31"``, ``"registry: mySociety LA list"``, a response
    id); ``recorded_by``/``recorded_at`` are set for reviewer decisions.
    """

    kind: str
    reference: str
    detail: str = ""
    recorded_by: str | None = None
    recorded_at: str | None = None  # ISO 8601, UTC

    @property
    def synthetic(self) -> bool:
        return self.kind == "synthetic"


@dataclass(frozen=True, slots=True)
class Alias:
    """Another name of an organisation and where that name was seen."""

    text: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Organisation:
    """A canonical organisation. ``key`` is a stable slug, unique in the landscape."""

    key: str
    name: str
    type: str
    nation: str | None = None
    region: str | None = None
    place_type: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)  # e.g. {"gss": ..., "ukprn": ...}
    aliases: tuple[Alias, ...] = ()
    themes: tuple[str, ...] = ()  # theme codes: stated research needs or expertise
    barriers: tuple[str, ...] = ()  # barrier codes from coded answers or the report
    provenance: tuple[Provenance, ...] = ()
    #: False for a typed name that matched no registry body closely enough (never a guess).
    resolved: bool = True
    #: Free text for people, e.g. why two names in the report are recorded as one body.
    note: str = ""

    @property
    def synthetic(self) -> bool:
        return bool(self.provenance) and all(p.synthetic for p in self.provenance)

    @property
    def survey_derived(self) -> bool:
        """Known only from survey answers (a respondent's own organisation, or a partner it
        named that matched no known body): it identifies a respondent's organisation.

        Examples
        --------
        >>> answer = Provenance("survey_response", "response r1", "answer to organisation")
        >>> Organisation("o", "O", "council", provenance=(answer,)).survey_derived
        True
        >>> Organisation("o", "O", "council", provenance=(answer, Provenance(
        ...     "registry", "ONS"))).survey_derived
        False
        """
        return bool(self.provenance) and all(
            p.kind == "survey_response"
            # the demo's synthetic answers, as survey.store.partners records them
            or (p.kind == "synthetic" and p.reference.startswith("response "))
            for p in self.provenance)


@dataclass(frozen=True, slots=True)
class Partnership:
    """A partnership of two or more organisations (by key)."""

    key: str
    name: str
    kind: str
    members: tuple[str, ...]
    themes: tuple[str, ...] = ()
    barriers: tuple[str, ...] = ()
    start_year: int | None = None
    funding: str | None = None
    outcomes: str | None = None
    provenance: tuple[Provenance, ...] = ()

    @property
    def synthetic(self) -> bool:
        return bool(self.provenance) and all(p.synthetic for p in self.provenance)

    @property
    def survey_derived(self) -> bool:
        """Known only from survey answers: it identifies respondents' organisations."""
        return bool(self.provenance) and all(
            p.kind in ("survey_response", "synthetic") for p in self.provenance)


@dataclass(frozen=True, slots=True)
class Theme:
    code: str
    label: str
    provenance: tuple[Provenance, ...] = ()


@dataclass(frozen=True, slots=True)
class Barrier:
    code: str
    label: str
    provenance: tuple[Provenance, ...] = ()


@dataclass(frozen=True, slots=True)
class LandscapeData:
    """Everything ``network`` needs to build its graphs."""

    organisations: tuple[Organisation, ...]
    partnerships: tuple[Partnership, ...]
    themes: tuple[Theme, ...] = ()
    barriers: tuple[Barrier, ...] = ()
    #: Coded survey answers: response id -> the barrier codes its challenge text was coded
    #: with (for the barrier co-occurrence network).
    answer_barriers: dict[str, tuple[str, ...]] = field(default_factory=dict)
