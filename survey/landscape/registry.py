"""The canonical organisation registry: UK local authorities and higher-education institutions.

Read from the copies in ``survey/data/registries/`` (sources and licences in the README
there): mySociety's list of UK local authorities and its name lookup (CC BY 4.0), and the
Department for Education's list of degree-awarding institutions with synonyms (MIT).

* **Local authorities**: current ones only, typed by tier, with nation, ITL1 region (our
  region codes), GSS code, county and combined-authority membership (``member_of``), and
  every name variant of the lookup as an alias. A former authority replaced by exactly
  one current one is kept as an alias of its successor (so old names still resolve).
* **Higher-education institutions**: every open institution, with its match synonyms
  and suggestion synonyms as aliases. The list gives no location: a region is inferred
  when the name contains a local authority's name (``University of Birmingham`` ->
  West Midlands), and the provenance says so.
* **Place type** of a local authority (3.49): ``major_city_region`` for London boroughs,
  metropolitan districts, members of the city-region combined authorities in
  :data:`CITY_REGIONS` and the four capital/major cities of the devolved nations;
  otherwise from its population density (2020 population / area):
  ``smaller_city_large_town`` at :data:`TOWN_DENSITY` people per km^2 or more, else
  ``predominantly_rural``. This is an inference (recorded in the provenance detail), not
  the ONS rural-urban classification.

Examples
--------
>>> registry = load_registry()
>>> wrexham = registry.by_key["wrexham-county-borough-council"]
>>> wrexham.type, wrexham.region, wrexham.identifiers["gss"]
('unitary_authority', 'wales', 'W06000006')
>>> "Wrecsam" in [a.text for a in wrexham.aliases]
True
>>> registry.by_key["university-of-sheffield"].region
'yorkshire_humber'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from survey.instrument.places import NATIONS, REGIONS
from survey.landscape.names import normalise, slug
from survey.landscape.records import Alias, Organisation, Provenance

__all__ = [
    "CITY_REGIONS",
    "HEI_SOURCE",
    "LA_SOURCE",
    "TOWN_DENSITY",
    "Registry",
    "load_registry",
    "registry_dir",
]

LA_SOURCE = "registry: mySociety UK local authorities (CC BY 4.0)"
HEI_SOURCE = "registry: DfE degree-awarding institutions (MIT)"
#: Combined authorities whose members count as a major city region.
CITY_REGIONS = frozenset({"GMCA", "WMCA", "LCR", "WYCA", "SCR", "NECA", "NTCA", "TVCA",
                          "WECA", "GLA"})
_MAJOR_CITIES = frozenset({"GLG", "EDH", "CRF", "BFS"})  # Glasgow, Edinburgh, Cardiff, Belfast
#: People per km^2 from which a local authority counts as a smaller city or large town.
TOWN_DENSITY = 250.0
_REGION_BY_NAME = {p.en: p.code for p in REGIONS}
_NATION_BY_NAME = {p.en: p.code for p in NATIONS}


@dataclass(frozen=True, slots=True)
class Registry:
    """The registry's organisations, by key, and the local authority codes behind them."""

    organisations: tuple[Organisation, ...]
    by_key: dict[str, Organisation] = field(repr=False)
    la_codes: dict[str, str] = field(repr=False)  # mySociety code -> key


def registry_dir() -> Path:
    """The folder of the shipped registry files."""
    return Path(str(resources.files("survey") / "data" / "registries"))


def _read(name: str) -> list[dict[str, str]]:
    with (registry_dir() / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _place_type(row: dict[str, str]) -> tuple[str | None, str]:
    if (row["type"] in ("metropolitan_borough", "london_borough")
            or row["combined_authority"] in CITY_REGIONS or row["code"] in CITY_REGIONS
            or row["code"] in _MAJOR_CITIES):
        return "major_city_region", "place type inferred: city-region authority"
    try:
        density = float(row["population_2020"]) / float(row["area_km2"])
    except (ValueError, ZeroDivisionError):
        return None, ""
    kind = "smaller_city_large_town" if density >= TOWN_DENSITY else "predominantly_rural"
    return kind, f"place type inferred from population density {density:.0f} per km2"


def _local_authorities() -> tuple[list[Organisation], dict[str, str]]:
    rows = _read("local_authorities.csv")
    current = [r for r in rows if r["current"] == "true"]
    keys = {r["code"]: slug(r["official_name"]) for r in current}
    names: dict[str, list[str]] = {}
    for r in _read("local_authority_names.csv"):
        names.setdefault(r["local-authority-code"], []).append(r["la-name"])
    # A former authority replaced by one current authority: its names resolve to that one.
    former: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        successor = r["replaced_by"]
        if r["current"] != "true" and successor in keys and "," not in successor:
            for text in [r["official_name"], *names.get(r["code"], [])]:
                former.setdefault(successor, []).append((text, r["official_name"]))
    out: list[Organisation] = []
    for r in current:
        place_type, place_note = _place_type(r)
        source = Provenance("registry", LA_SOURCE, place_note)
        aliases = [Alias(text, Provenance("registry", LA_SOURCE, "name variant"))
                   for text in dict.fromkeys([r["nice_name"], *names.get(r["code"], [])])
                   if text != r["official_name"]]
        aliases += [Alias(text, Provenance("registry", LA_SOURCE,
                                           f"former authority: {was}"))
                    for text, was in former.get(r["code"], [])]
        identifiers = {"gss": r["gss"], "la_code": r["code"]}
        members = [r[column] for column in ("county", "combined_authority") if r[column]]
        if members:
            identifiers["member_of"] = ",".join(
                keys[m] for m in members if m in keys)
        region = _REGION_BY_NAME.get(r["region"])
        out.append(Organisation(
            key=keys[r["code"]], name=r["official_name"], type=r["type"],
            nation=_NATION_BY_NAME.get(r["nation"]), region=region,
            place_type=place_type, identifiers={k: v for k, v in identifiers.items() if v},
            aliases=tuple(_unique(aliases)), provenance=(source,)))
    return out, keys


def _unique(aliases: list[Alias]) -> list[Alias]:
    seen: set[str] = set()
    kept = []
    for a in aliases:
        if a.text not in seen:
            seen.add(a.text)
            kept.append(a)
    return kept


def _place_words(authorities: list[Organisation]) -> dict[str, Organisation]:
    """Normalised short place names of local authorities (one word or more)."""
    out: dict[str, Organisation] = {}
    for org in authorities:
        if org.type in ("combined_authority", "county_council"):
            continue
        for alias in org.aliases[:1]:  # the nice name, e.g. "Birmingham"
            out[normalise(alias.text)] = org
    return out


def _institutions(places: dict[str, Organisation]) -> list[Organisation]:
    out: list[Organisation] = []
    for r in _read("higher_education.csv"):
        if r["closed"] == "true":
            continue
        aliases = [Alias(t, Provenance("registry", HEI_SOURCE, "match synonym"))
                   for t in r["match_synonyms"].split("|") if t]
        aliases += [Alias(t, Provenance("registry", HEI_SOURCE, "suggestion synonym"))
                    for t in r["suggestion_synonyms"].split("|") if t]
        words = normalise(r["name"]).split()
        place = next((places[" ".join(words[i:j])] for i in range(len(words))
                      for j in range(len(words), i, -1)
                      if " ".join(words[i:j]) in places), None)
        detail = (f"region inferred from '{place.aliases[0].text}' in its name"
                  if place is not None else "")
        identifiers = {"hesa_itt": r["hesa_itt_code"], "ukprn": r["ukprn"]}
        out.append(Organisation(
            key=slug(r["name"]), name=r["name"], type="university",
            nation=place.nation if place else None, region=place.region if place else None,
            identifiers={k: v for k, v in identifiers.items() if v},
            aliases=tuple(_unique(aliases)),
            provenance=(Provenance("registry", HEI_SOURCE, detail),)))
    return out


@cache
def load_registry() -> Registry:
    """The registry (read once per process; the records are immutable)."""
    authorities, la_codes = _local_authorities()
    institutions = _institutions(_place_words(authorities))
    organisations = tuple(authorities) + tuple(institutions)
    by_key: dict[str, Organisation] = {}
    for org in organisations:
        if org.key in by_key:  # pragma: no cover - the shipped files have unique names
            raise ValueError(f"registry key {org.key} repeats")
        by_key[org.key] = org
    return Registry(organisations, by_key, {code: key for code, key in la_codes.items()})
