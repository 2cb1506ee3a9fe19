"""Turning what a person typed into a region, nation, organisation type or organisation.

Each function accepts a code, an English (or Welsh) name, or an alias, compared in the
form :func:`survey.landscape.names.normalise` gives (case, accents, punctuation, "The",
"&", Welsh words); anything else is a :class:`LandscapeError` (``N161``–``N163``)
listing the closest valid names, never a guess.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import networkx as nx

from survey.errors import LandscapeError
from survey.instrument.places import NATIONS, REGIONS, Place
from survey.landscape.names import normalise
from survey.landscape.records import ORGANISATION_TYPES, LandscapeData

__all__ = ["nation_code", "organisation_key", "region_code", "type_codes"]


def _closest(text: str, names: Iterable[str], n: int = 3) -> str:
    names = sorted(set(names))
    by_norm = {normalise(name): name for name in names}
    found = difflib.get_close_matches(normalise(text), list(by_norm), n=n, cutoff=0.0)
    return ", ".join(repr(by_norm[f]) for f in found)


def _place(text: str, places: Iterable[Place], what: str) -> str:
    lookup: dict[str, str] = {}
    names: list[str] = []
    for place in places:
        for form in (place.code, place.en, place.cy):
            lookup[normalise(form)] = place.code
        names.append(place.en)
    code = lookup.get(normalise(text))
    if code is None:
        raise LandscapeError.of("N161", f"{what} {text!r} is not known; closest: "
                                f"{_closest(text, names)}")
    return code


def region_code(text: str) -> str:
    """The ITL1 region code of ``text`` (a code, English or Welsh name).

    Examples
    --------
    >>> region_code("West Midlands"), region_code("cymru")
    ('west_midlands', 'wales')
    """
    return _place(text, REGIONS, "region")


def nation_code(text: str) -> str:
    """The nation code of ``text`` (a code, English or Welsh name).

    Examples
    --------
    >>> nation_code("Northern Ireland")
    'northern_ireland'
    """
    return _place(text, NATIONS, "nation")


def type_codes(texts: Iterable[str]) -> tuple[str, ...]:
    """Organisation type codes of ``texts`` (codes or labels).

    Examples
    --------
    >>> type_codes(["University", "county council"])
    ('university', 'county_council')
    """
    lookup = {normalise(code): code for code in ORGANISATION_TYPES}
    lookup.update({normalise(label): code for code, label in ORGANISATION_TYPES.items()})
    found = []
    for text in texts:
        code = lookup.get(normalise(text))
        if code is None:
            raise LandscapeError.of("N163", f"organisation type {text!r} is not known; "
                                    f"closest: {_closest(text, ORGANISATION_TYPES.values())}")
        found.append(code)
    return tuple(found)


def organisation_key(data: LandscapeData | nx.Graph, text: str) -> str:
    """The key of the organisation named ``text`` (its key, name or an alias).

    Examples
    --------
    >>> from survey.landscape.records import Organisation
    >>> data = LandscapeData((Organisation("wcpp", "Wales Centre for Public Policy",
    ...                                    "research_centre"),), ())
    >>> organisation_key(data, "wales centre for public policy")
    'wcpp'
    """
    if isinstance(data, nx.Graph):
        orgs = data.graph.get("organisations", {}).values()
    else:
        orgs = data.organisations
    lookup: dict[str, set[str]] = {}
    names: list[str] = []
    for org in orgs:
        for form in (org.key, org.name, *(a.text for a in org.aliases)):
            lookup.setdefault(normalise(form), set()).add(org.key)
        names.append(org.name)
    keys = lookup.get(normalise(text), set())
    if len(keys) == 1:
        return next(iter(keys))
    if keys:
        raise LandscapeError.of("N162", f"{text!r} names more than one organisation: "
                                f"{', '.join(sorted(keys))}; give the key")
    raise LandscapeError.of("N162", f"organisation {text!r} is not in the landscape; "
                            f"closest: {_closest(text, names) or '(none loaded)'}")
