"""UK nations and ITL1 regions, the lists behind ``place`` questions.

Codes are stable lower_snake_case; ``itl1`` is the ONS International Territorial
Level 1 code. Welsh names follow the Welsh Government's usage.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NATIONS", "REGIONS", "Place", "nation_of", "own_region", "places_for"]


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    en: str
    cy: str
    nation: str
    itl1: str | None = None


NATIONS: tuple[Place, ...] = (
    Place("england", "England", "Lloegr", "england"),
    Place("scotland", "Scotland", "Yr Alban", "scotland"),
    Place("wales", "Wales", "Cymru", "wales"),
    Place("northern_ireland", "Northern Ireland", "Gogledd Iwerddon", "northern_ireland"),
)

REGIONS: tuple[Place, ...] = (
    Place("north_east", "North East", "Gogledd Ddwyrain Lloegr", "england", "TLC"),
    Place("north_west", "North West", "Gogledd Orllewin Lloegr", "england", "TLD"),
    Place("yorkshire_humber", "Yorkshire and The Humber", "Swydd Efrog a'r Humber", "england",
          "TLE"),
    Place("east_midlands", "East Midlands", "Dwyrain Canolbarth Lloegr", "england", "TLF"),
    Place("west_midlands", "West Midlands", "Gorllewin Canolbarth Lloegr", "england", "TLG"),
    Place("east_of_england", "East of England", "Dwyrain Lloegr", "england", "TLH"),
    Place("london", "London", "Llundain", "england", "TLI"),
    Place("south_east", "South East", "De Ddwyrain Lloegr", "england", "TLJ"),
    Place("south_west", "South West", "De Orllewin Lloegr", "england", "TLK"),
    Place("wales", "Wales", "Cymru", "wales", "TLL"),
    Place("scotland", "Scotland", "Yr Alban", "scotland", "TLM"),
    Place("northern_ireland", "Northern Ireland", "Gogledd Iwerddon", "northern_ireland", "TLN"),
)


def places_for(level: str) -> tuple[Place, ...]:
    """The answer list of a ``place`` question at ``level`` ('nation' or 'region')."""
    if level == "nation":
        return NATIONS
    if level == "region":
        return REGIONS
    raise ValueError(f"place level '{level}' is not 'nation' or 'region'")


def nation_of(region_code: str) -> str:
    """The nation code an ITL1 region (or nation) code belongs to."""
    for place in (*REGIONS, *NATIONS):
        if place.code == region_code:
            return place.nation
    raise KeyError(region_code)


def own_region(nation_code: str) -> str | None:
    """The region of a nation that is one ITL1 region (Wales, Scotland, Northern Ireland).

    A nation without ITL1 subdivisions is its own region; England has nine, so it
    has none.

    Examples
    --------
    >>> own_region("wales"), own_region("england"), own_region("atlantis")
    ('wales', None, None)
    """
    regions = [place.code for place in REGIONS if place.nation == nation_code]
    return regions[0] if len(regions) == 1 else None
