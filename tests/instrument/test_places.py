"""One home for "a nation with one ITL1 region is its own region"."""

from __future__ import annotations

from survey.instrument.places import NATIONS, REGIONS, own_region


def test_own_region_is_the_only_region_of_its_nation() -> None:
    for nation in NATIONS:
        regions = [r.code for r in REGIONS if r.nation == nation.code]
        assert own_region(nation.code) == (regions[0] if len(regions) == 1 else None)
    assert [n.code for n in NATIONS if own_region(n.code)] == ["scotland", "wales",
                                                               "northern_ireland"]
    assert own_region("atlantis") is None
