"""The shipped 2022 landscape dataset, and malformed data files refused with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.errors import LandscapeError
from survey.landscape.dataset import dataset_dir, load_dataset
from survey.landscape.records import PARTNERSHIP_KINDS, PLACE_TYPES
from survey.landscape.registry import load_registry


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return load_dataset()


def test_registry_holds_current_authorities_and_institutions() -> None:
    registry = load_registry()
    types = [o.type for o in registry.organisations]
    assert types.count("university") > 300
    authorities = [o for o in registry.organisations if o.type != "university"]
    assert len(authorities) == 397  # the current ones of mySociety's 470
    cumberland = registry.by_key["cumberland-council"]
    # A former authority with one successor resolves to it.
    assert "Allerdale Borough Council" in [a.text for a in cumberland.aliases]
    birmingham = registry.by_key["birmingham-city-council"]
    assert birmingham.identifiers["member_of"] == "west-midlands-combined-authority"
    assert birmingham.place_type == "major_city_region"
    assert "inferred" in registry.by_key["norwich-city-council"].provenance[0].detail


def test_the_report_bodies_named_two_ways_are_one_organisation(data) -> None:  # type: ignore[no-untyped-def]
    orgs = {o.key: o for o in data.organisations}
    assert "glyndwr-university" not in orgs
    wrexham = orgs["wrexham-university"]
    texts = {a.text for a in wrexham.aliases}
    assert {"Wrexham Glyndwr University", "Wrexham Glyndŵr University",
            "Glyndŵr University"} <= texts
    assert "renamed Wrexham University" in wrexham.note
    norwich = orgs["norwich-city-council"]
    alias = next(a for a in norwich.aliases if a.text == "Norwich County Council")
    assert "Norwich City Council" in alias.provenance.detail
    wcpp = orgs["wales-centre-for-public-policy"]
    assert "Welsh Centre for Public Policy" in {a.text for a in wcpp.aliases}
    assert wcpp.identifiers["part_of"] == "cardiff-university"


def test_every_partnership_is_sourced_and_typed(data) -> None:  # type: ignore[no-untyped-def]
    keys = {o.key for o in data.organisations}
    themes = {t.code for t in data.themes}
    assert len(data.partnerships) >= 20
    for p in data.partnerships:
        assert p.kind in PARTNERSHIP_KINDS
        assert len(set(p.members)) >= 2 and set(p.members) <= keys
        assert set(p.themes) <= themes
        assert p.provenance and all(v.reference.startswith("report ") for v in p.provenance)
    named = {p.key for p in data.partnerships}
    assert {"norwich-good-economy-commission", "glasgow-economic-growth-commission",
            "midlands-engine-observatory", "wales-centre-for-public-policy",
            "north-east-lep-durham-trade", "greater-lincolnshire-lep-lincoln-joint-post",
            "city-redi-wmca-joint-post", "gloucestershire-natural-flood-management",
            "belfast-market-community-project", "north-wales-public-service-lab",
            "wmredi"} <= named
    joint = {p.key for p in data.partnerships if p.kind == "joint_post"}
    assert joint == {"greater-lincolnshire-lep-lincoln-joint-post", "city-redi-wmca-joint-post"}


def test_barriers_are_the_codebook_codes_with_their_paragraphs(data) -> None:  # type: ignore[no-untyped-def]
    barriers = {b.code: b for b in data.barriers}
    assert len(barriers) == 10
    assert barriers["staff_turnover"].label == "Staff turnover"
    assert barriers["staff_turnover"].provenance[0].reference == "report 3.63"


def test_the_interview_areas_have_place_types(data) -> None:  # type: ignore[no-untyped-def]
    orgs = {o.key: o for o in data.organisations}
    for key in ("north-east-lep", "greater-lincolnshire-lep", "wrexham-university",
                "university-of-east-anglia", "gfirst-lep", "university-of-glasgow"):
        assert orgs[key].place_type in PLACE_TYPES, key


def _copy(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for path in dataset_dir().glob("*.yaml"):
        out[path.stem] = tmp_path / path.name
        out[path.stem].write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return out


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if needle in line)


def test_yaml_syntax_error_gives_file_and_line(tmp_path: Path) -> None:
    files = _copy(tmp_path)
    text = files["partnerships"].read_text(encoding="utf-8")
    files["partnerships"].write_text(text.replace("kind: joint_post", "kind: [joint_post",
                                                  1), encoding="utf-8")
    with pytest.raises(LandscapeError) as caught:
        load_dataset(list(files.values()))
    (problem,) = caught.value.issues
    assert problem.code == "L101"
    assert problem.location.file == str(files["partnerships"])
    assert problem.location.line is not None


def test_every_problem_is_reported_with_its_line_and_nothing_loaded(tmp_path: Path) -> None:
    files = _copy(tmp_path)
    p = files["partnerships"]
    text = p.read_text(encoding="utf-8")
    text = text.replace("members: [north-east-lep, durham-university]",
                        "members: [north-east-lep, durham-univrsity]")
    text = text.replace("kind: joint_post", "kind: joint_posting", 1)
    text = text.replace("    themes: [exporting_trade]\n",
                        "    themes: [exporting_trade]\n    colour: red\n", 1)
    p.write_text(text, encoding="utf-8")
    o = files["organisations"]
    o.write_text(o.read_text(encoding="utf-8").replace("    region: north_east\n",
                                                      "    region: north_eastt\n", 1),
                 encoding="utf-8")
    with pytest.raises(LandscapeError) as caught:
        load_dataset(list(files.values()))
    found = {(i.code, i.location.file, i.location.line) for i in caught.value.issues}
    assert ("L105", str(p), _line(p, "durham-univrsity")) in found
    assert ("L104", str(p), _line(p, "joint_posting")) in found
    assert ("L107", str(p), _line(p, "colour: red")) in found
    assert ("L104", str(o), _line(o, "north_eastt")) in found
    messages = " ".join(i.message for i in caught.value.issues)
    assert "closest: durham-university" in messages  # the fix is suggested
    assert "north_east" in messages


def test_duplicates_and_missing_sources_are_refused(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "dataset: landscape_2022\n"
        "organisations:\n"
        "  - key: north-east-lep\n"
        "    name: Another\n"
        "    type: lep\n"
        "    sources: ['3.21']\n"
        "  - key: no-sources\n"
        "    name: Nowhere\n"
        "    type: lep\n", encoding="utf-8")
    files = [*dataset_dir().glob("*.yaml"), extra]
    with pytest.raises(LandscapeError) as caught:
        load_dataset(files)
    found = {(i.code, i.location.line) for i in caught.value.issues
             if i.location.file == str(extra)}
    assert ("L103", 7) in found
    (duplicate,) = [i for i in caught.value.issues if i.code == "L106"]
    # Reported where it is given the second time, naming where it was first.
    assert "north-east-lep" in duplicate.message
    assert f"{extra}:3" in f"{duplicate.location} {duplicate.message}"


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("codebook: barriers\n", encoding="utf-8")
    with pytest.raises(LandscapeError) as caught:
        load_dataset([other])
    assert [i.code for i in caught.value.issues] == ["L102"]


def test_the_files_barrier_labels_are_the_codebooks() -> None:
    from survey.coding.codebook import load_codebook  # tests may read across layers

    labels = {t.code: t.label for t in load_codebook().themes}
    assert {b.code: b.label for b in load_dataset().barriers} == labels
    assert load_dataset(barrier_labels=labels).barriers == load_dataset().barriers
