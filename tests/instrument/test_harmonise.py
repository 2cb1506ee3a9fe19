"""The harmonisation map: lining up answers across versions and mirrored instruments."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.errors import LandscapeError
from survey.instrument.harmonise import (
    HarmonisationMap,
    common_concepts,
    harmonise,
    load_harmonisation,
)
from survey.instrument.registry import Catalogue


def _instrument(root: Path, name: str, version: str, questions: str) -> None:
    path = root / name / f"{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"instrument: {name}\nversion: {version}\ntitle: T\nquestions:\n{questions}",
                    encoding="utf-8")


def _choice(code: str, options: str, concept: str | None = None) -> str:
    extra = f"    concept: {concept}\n" if concept else ""
    return (f"  - code: {code}\n    type: single_choice\n    label: L\n{extra}"
            f"    options:\n{options}")


def _opts(*items: str) -> str:
    out = ""
    for item in items:
        code, _, concept = item.partition(":")
        extra = f", concept: {concept}" if concept else ""
        out += f"      - {{code: {code}, label: {code.title()}{extra}}}\n"
    return out


@pytest.fixture
def versions(tmp_path: Path) -> Catalogue:
    """demo 1.0.0 -> 1.1.0 (renames 'sector' to 'org_sector', merges two options)
    -> 1.2.0 (renames it again to 'organisation_sector'); mirror: a twin instrument."""
    _instrument(tmp_path, "demo", "1.0.0",
                _choice("sector", _opts("council", "university", "charity", "trust"))
                + _choice("rank", _opts("money:funding", "data:data")))
    _instrument(tmp_path, "demo", "1.1.0",
                _choice("org_sector", _opts("council", "university", "third_sector"))
                + _choice("rank", _opts("money:funding", "data:data", "people")))
    _instrument(tmp_path, "demo", "1.2.0",
                _choice("organisation_sector", _opts("council", "university", "third_sector"))
                + _choice("rank", _opts("money:funding", "data:data", "people")))
    _instrument(tmp_path, "twin", "1.0.0",
                _choice("priorities", _opts("cash:funding", "stats:data", "other"), "ranking")
                + _choice("yesno", _opts("yes", "no")))
    return Catalogue(tmp_path)


_MAP = """\
mirrors:
  - [demo, twin]
links:
  - from: demo@1.0.0
    to: demo@1.1.0
    questions:
      sector: org_sector
    options:
      sector:
        charity: third_sector
        trust: third_sector
  - from: demo@1.1.0
    to: demo@1.2.0
    questions: {org_sector: organisation_sector}
"""


def _map(catalogue: Catalogue, text: str = _MAP) -> HarmonisationMap:
    (catalogue.root / "harmonisation.yaml").write_text(text, encoding="utf-8")
    return load_harmonisation(catalogue.root)


def test_same_codes_line_up_by_default_and_new_items_are_unmatched(
    versions: Catalogue,
) -> None:
    old, new = versions.load("demo@1.1.0"), versions.load("demo@1.2.0")
    alignment = harmonise(old, new)  # no map: org_sector was renamed, so it is lost
    assert alignment[("rank", None)] == ("rank", None)
    assert alignment[("rank", "data")] == ("rank", "data")
    assert alignment[("org_sector", None)] is None
    assert alignment[("org_sector", "council")] is None
    assert ("organisation_sector", None) in alignment.unmatched


def test_a_renamed_question_and_merged_options_follow_the_map(versions: Catalogue) -> None:
    hmap = _map(versions)
    old, new = versions.load("demo@1.0.0"), versions.load("demo@1.1.0")
    forward = harmonise(old, new, hmap)
    assert forward.question("sector") == "org_sector"
    assert forward[("sector", "council")] == ("org_sector", "council")  # same code, default
    assert forward[("sector", "charity")] == ("org_sector", "third_sector")
    assert forward[("sector", "trust")] == ("org_sector", "third_sector")
    assert forward.unmatched == (("rank", "people"),)
    # The same link read backwards: a merged option cannot be split again.
    backward = harmonise(new, old, hmap)
    assert backward.question("org_sector") == "sector"
    assert backward[("org_sector", "third_sector")] is None
    assert backward[("org_sector", "university")] == ("sector", "university")
    assert backward[("rank", "people")] is None


def test_versions_without_a_direct_link_follow_the_chain(versions: Catalogue) -> None:
    hmap = _map(versions)
    first, last = versions.load("demo@1.0.0"), versions.load("demo@1.2.0")
    forward = harmonise(first, last, hmap)
    assert forward.question("sector") == "organisation_sector"
    assert forward[("sector", "trust")] == ("organisation_sector", "third_sector")
    assert forward[("rank", "money")] == ("rank", "money")
    backward = harmonise(last, first, hmap)
    assert backward.question("organisation_sector") == "sector"
    assert backward[("organisation_sector", "council")] == ("sector", "council")


def test_null_in_the_map_breaks_a_default_match(versions: Catalogue) -> None:
    hmap = _map(versions, _MAP + "  - from: demo@1.0.0\n    to: demo@1.2.0\n"
                "    options: {rank: {data: null}}\n")
    alignment = harmonise(versions.load("demo@1.0.0"), versions.load("demo@1.2.0"), hmap)
    assert alignment[("rank", "data")] is None
    assert alignment[("rank", "money")] == ("rank", "money")
    # The direct link wins over the chain: it does not rename 'sector'.
    assert alignment.question("sector") is None


def test_mirrored_instruments_line_up_by_concept(versions: Catalogue) -> None:
    hmap = _map(versions)
    demo, twin = versions.load("demo@1.1.0"), versions.load("twin@1.0.0")
    alignment = harmonise(twin, demo, hmap)
    assert alignment[("priorities", None)] is None  # no concept on demo's 'rank'
    demo_with_concept = versions.root / "demo" / "1.1.0.yaml"
    demo_with_concept.write_text(demo_with_concept.read_text().replace(
        "  - code: rank\n", "  - code: rank\n    concept: ranking\n"))
    alignment = harmonise(twin, versions.load("demo@1.1.0"), hmap)
    assert alignment[("priorities", None)] == ("rank", None)
    assert alignment[("priorities", "cash")] == ("rank", "money")
    assert alignment[("priorities", "stats")] == ("rank", "data")
    assert alignment[("priorities", "other")] is None
    # Across instruments, questions do not line up by code alone.
    assert alignment[("yesno", None)] is None


def test_instruments_not_declared_mirrors_are_refused(versions: Catalogue) -> None:
    with pytest.raises(LandscapeError) as caught:
        harmonise(versions.load("demo@1.0.0"), versions.load("twin@1.0.0"))
    assert caught.value.issues[0].code == "I304"
    assert "mirrors" in caught.value.issues[0].message


def test_codes_do_not_line_up_when_their_concepts_disagree(tmp_path: Path) -> None:
    _instrument(tmp_path, "demo", "1.0.0", _choice("q", _opts("a:alpha", "b")))
    _instrument(tmp_path, "demo", "2.0.0", _choice("q", _opts("a:beta", "b")))
    cat = Catalogue(tmp_path)
    alignment = harmonise(cat.load("demo@1.0.0"), cat.load("demo@2.0.0"))
    assert alignment[("q", "a")] is None
    assert alignment[("q", "b")] == ("q", "b")


def test_common_concepts_of_questions_and_options(versions: Catalogue) -> None:
    demo, twin = versions.load("demo@1.0.0"), versions.load("twin@1.0.0")
    # demo: options money:funding, data:data; twin: question concept 'ranking',
    # options cash:funding, stats:data.
    assert common_concepts([demo, twin]) == ["funding", "data"]
    assert common_concepts([twin, demo]) == ["funding", "data"]
    assert common_concepts([twin]) == ["ranking", "funding", "data"]


def test_common_concepts_of_the_shipped_instruments() -> None:
    catalogue = Catalogue.default()
    lg, researcher = catalogue.load("local_government@1.0.0"), catalogue.load("researcher@1.0.0")
    shared = common_concepts([lg, researcher])
    (ranking,) = lg.ranking_questions()
    option_concepts = [o.concept for o in ranking.options]
    assert len(option_concepts) == 9 and all(option_concepts)
    assert set(option_concepts) <= set(shared)
    assert common_concepts([]) == []
    # In the first version's order, each once.
    assert shared == [c for c in common_concepts([lg]) if c in set(shared)]
    assert len(set(shared)) == len(shared)


# -- loading the map ------------------------------------------------------------------


def test_no_map_file_means_defaults_only(tmp_path: Path) -> None:
    hmap = load_harmonisation(tmp_path)
    assert hmap.links == () and hmap.mirrors == frozenset()
    assert hmap.are_mirrors("demo", "demo") and not hmap.are_mirrors("demo", "twin")


def test_every_bad_reference_is_reported_with_its_line(versions: Catalogue) -> None:
    bad = """\
mirrors:
  - [demo, nobody]
links:
  - from: demo@1.0.0
    to: demo@1.1.0
    questions:
      sectr: org_sector
      sector: sectors
    options:
      rank:
        money: cash
        dollars: data
    colour: blue
  - from: demo@9.0.0
    to: demo@1.1.0
  - from: demo@1.0.0
    to: twin@1.0.0
surprise: true
"""
    with pytest.raises(LandscapeError) as caught:
        _map(versions, bad)
    found = {(p.location.line, p.code) for p in caught.value.issues}
    assert {p.code for p in caught.value.issues} == {"I304"}
    assert found == {(2, "I304"), (7, "I304"), (8, "I304"), (11, "I304"), (12, "I304"),
                     (13, "I304"), (14, "I304"), (16, "I304"), (18, "I304")}
    messages = "\n".join(p.message for p in caught.value.issues)
    assert "question 'sectr' is not in demo@1.0.0" in messages
    assert "question 'sectors' is not in demo@1.1.0" in messages
    assert "option 'cash' is not an option of 'rank' in demo@1.1.0" in messages
    assert "option 'dollars' is not an option of 'rank' in demo@1.0.0" in messages
    assert "unknown instrument(s) nobody" in messages
    assert "has no version 9.0.0" in messages
    assert "not declared mirrors" in messages
    assert all(p.location.file and p.location.file.endswith("harmonisation.yaml")
               for p in caught.value.issues)


def test_a_duplicate_link_is_reported(versions: Catalogue) -> None:
    with pytest.raises(LandscapeError) as caught:
        _map(versions, _MAP + "  - {from: demo@1.0.0, to: demo@1.1.0}\n")
    (problem,) = caught.value.issues
    assert problem.location.line == 15 and "first is at line 4" in problem.message


def test_options_of_a_question_without_counterpart_cannot_be_mapped(
    versions: Catalogue,
) -> None:
    with pytest.raises(LandscapeError) as caught:
        _map(versions, "links:\n  - from: demo@1.0.0\n    to: demo@1.1.0\n"
             "    options: {sector: {trust: third_sector}}\n")
    (problem,) = caught.value.issues
    assert "no counterpart" in problem.message and problem.location.line == 4


# -- the shipped map ---------------------------------------------------------------------


def test_the_shipped_map_loads_and_lines_up_the_shipped_versions() -> None:
    catalogue = Catalogue.default()
    hmap = load_harmonisation(catalogue)
    assert hmap.are_mirrors("local_government", "researcher")
    old, new = catalogue.load("local_government@1.0.0"), catalogue.load("local_government@1.1.0")
    alignment = harmonise(old, new, hmap)
    (ranking,) = old.ranking_questions()
    for option in ranking.options:
        assert alignment[(ranking.code, option.code)] == (ranking.code, option.code)
    (new_ranking,) = new.ranking_questions()
    unmatched_options = [key for key in alignment.unmatched if key[0] == new_ranking.code]
    assert len(unmatched_options) == 1  # the tenth option exists only in 1.1.0
    # Every 1.0.0 question has its counterpart in 1.1.0 (1.1.0 only adds).
    assert all(alignment[(q.code, None)] == (q.code, None) for q in old.questions)


def test_the_mirrored_ranking_options_line_up_option_by_option() -> None:
    catalogue = Catalogue.default()
    hmap = load_harmonisation(catalogue)
    lg, researcher = catalogue.load("local_government@1.0.0"), catalogue.load("researcher@1.0.0")
    alignment = harmonise(lg, researcher, hmap)
    (lg_ranking,) = lg.ranking_questions()
    (r_ranking,) = researcher.ranking_questions()
    for option in lg_ranking.options:
        target = alignment[(lg_ranking.code, option.code)]
        assert target is not None, option.code
        counterpart = r_ranking.option(target[1] or "")
        assert counterpart is not None and counterpart.concept == option.concept
    # The mirrored pair the issue names: same concept, different wording.
    support = next(o for o in lg_ranking.options
                   if o.label.en.startswith("Support from research institutions"))
    target = alignment[(lg_ranking.code, support.code)]
    assert target is not None
    counterpart = r_ranking.option(target[1] or "")
    assert counterpart is not None
    assert counterpart.label.en.startswith("Support from local policy organisations")


def test_full_validate_checks_the_harmonisation_map(tmp_path: Path) -> None:
    """`landscape instrument validate` with no targets also checks harmonisation.yaml."""
    import shutil

    from click.testing import CliRunner

    from survey.cli import main
    from survey.instrument.registry import instruments_dir

    root = tmp_path / "instruments"
    shutil.copytree(instruments_dir(), root)
    good = CliRunner().invoke(main, ["instrument", "validate", "--dir", str(root)])
    assert good.exit_code == 0, good.output
    assert "harmonisation.yaml: ok" in good.output
    hmap = root / "harmonisation.yaml"
    hmap.write_text(hmap.read_text().replace("questions: {}", "questions: {challenges: nope}"))
    bad = CliRunner().invoke(main, ["instrument", "validate", "--dir", str(root)])
    assert bad.exit_code == 2
    assert "I304" in bad.output and "'nope' is not in local_government@1.1.0" in bad.output
