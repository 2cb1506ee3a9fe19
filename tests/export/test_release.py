"""Disclosure control across a release (issue 12, section 1).

The differencing attacks of the issue, run on the demo store, must recover no
protected cell; the integer-programming attack itself is checked against an
independent brute force over every data set a tiny table could come from.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dashboard.page_views import priorities_export
from survey.cli import main
from survey.errors import LandscapeError
from survey.export import release as release_module
from survey.export.disclosure import DisclosurePolicy, protect
from survey.export.layout import build_layouts
from survey.export.release import (
    Group,
    Population,
    _atoms,
    _count_range,
    _field_groups,
    attack,
    check_public_release,
    public_release,
    store_populations,
)
from survey.ranking.bands import RankingData, band_table, percent
from survey.reproduce.demo import load_demo
from survey.store import Store

PUBLIC = DisclosurePolicy(public=True, min_n=5)
DEFAULT = ((1, 3), (4, 6), (7, 9))


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = "sqlite:///" + str(tmp_path_factory.mktemp("release") / "demo.db")
    load_demo(url)
    return url


@pytest.fixture(scope="module")
def populations(demo_url: str) -> dict[str, Population]:
    with Store.open(demo_url) as store:
        return {p.name: p for p in store_populations(store)}


def _everyone(population: Population, bands: tuple[tuple[int, int], ...] | None = None
              ) -> Group:
    return Group(population.name, "table", np.ones(len(population.data.ranks), dtype=bool),
                 bands)


def _invoke(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


# -- the attack against an independent brute force ------------------------------------


def _percents(frame: pd.DataFrame, bands: tuple[tuple[int, int], ...]) -> np.ndarray:
    table = band_table(frame, bands=bands)
    n = int(table.n[0])
    return np.vectorize(lambda c: percent(int(c), n))(table.counts[0])


def _shown(frame: pd.DataFrame, bands: tuple[tuple[int, int], ...], policy: DisclosurePolicy
           ) -> np.ndarray:
    """Which cells the public table shows (the rest are the protected ones)."""
    return ~protect(band_table(frame, bands=bands), policy).suppressed[0]


@pytest.mark.parametrize("means", [False, True])
@pytest.mark.parametrize("second", [None, ((1, 2), (3, 3))])
def test_attack_equals_brute_force_on_a_tiny_table(means: bool,
                                                   second: tuple[tuple[int, int], ...] | None
                                                   ) -> None:
    """Every multiset of 7 rankings of 3 options is tried: the feasible range of each
    protected count is exactly the least and greatest count among the data sets that
    publish the same figures."""
    options = ("a", "b", "c")
    policy = DisclosurePolicy(public=True, min_n=3)
    first = ((1, 1), (2, 2), (3, 3))
    rows = [[2, 1, 3]] * 3 + [[1, 2, 3]] * 2 + [[3, 2, 1], [1, 3, 2]]
    truth = pd.DataFrame(rows, columns=list(options), dtype="Int64")
    people = Population("all", RankingData(truth, options))
    groups = [_everyone(people, first)] + ([_everyone(people, second)] if second else [])
    result = attack(people, groups, policy, first, means=means, width=1)
    assert result.cells, "the table must have protected cells for the test to mean anything"

    bandings = [first] + ([second] if second else [])
    shown = [_shown(truth, b, policy) for b in bandings]
    published = [_percents(truth, b)[m] for b, m in zip(bandings, shown, strict=True)]
    sums = truth.astype(int).sum().tolist()
    perms = list(itertools.permutations(range(1, 4)))
    ranges: dict[tuple[str, str], list[int]] = {}
    for combo in itertools.combinations_with_replacement(range(len(perms)), len(rows)):
        frame = pd.DataFrame([perms[i] for i in combo], columns=list(options), dtype="Int64")
        # The attacker sees the shown percentages (and, with means, each option's sum of
        # positions); any data set publishing the same is possible.
        if any((_percents(frame, b)[m] != p).any()
               for b, m, p in zip(bandings, shown, published, strict=True)):
            continue
        if means and frame.astype(int).sum().tolist() != sums:
            continue
        for cell in result.cells:
            lo, hi = (int(x) for x in cell.column.split("-")) if "-" in cell.column \
                else (int(cell.column),) * 2
            count = int(frame[cell.option].between(lo, hi).sum())
            ranges.setdefault((cell.option, cell.column), []).append(count)
    for cell in result.cells:
        found = ranges[(cell.option, cell.column)]
        assert (cell.low, cell.high) == (min(found), max(found)), cell


# -- (a) two bandings of the same respondents -------------------------------------------


def test_a_second_banding_is_refused_in_public(demo_url: str, tmp_path: Path) -> None:
    output = tmp_path / "second.md"
    result = _invoke("export", "priorities", "--database", demo_url, "--public",
                     "--bands", "1-3,4-9", "-o", str(output))
    assert result.exit_code == 2, result.output
    assert "X108" in result.output and "--bands 1-3,4-9" in result.output
    assert not output.exists()
    internal = _invoke("export", "priorities", "--database", demo_url, "--bands", "1-3,4-9",
                       "-o", str(output))
    assert internal.exit_code == 0, internal.output


def test_the_second_banding_would_pin_cells_and_the_release_recovers_none(
        populations: dict[str, Population]) -> None:
    """Why it is refused: with both bandings the attack pins cells (e.g. local government,
    data tools in the top three); the release as published leaves every one a range."""
    local = populations["local_government"]
    both = attack(local, [_everyone(local), _everyone(local, ((1, 3), (4, 9)))], PUBLIC,
                  DEFAULT)
    pinned = {(c.option, c.column) for c in both.cells if c.width == 0}
    assert ("analysis_tools", "1-3") in pinned
    release = public_release(list(populations.values()), PUBLIC)
    assert release.bands == DEFAULT
    assert release.failures == []
    cells = [c for a in release.attacks for c in a.cells]
    assert cells and min(c.width for c in cells) >= 3
    assert ("analysis_tools", "1-3") in {(c.option, c.column) for c in cells
                                         if c.group == "local_government"}


# -- (b) a group and its complement -----------------------------------------------------


def test_england_minus_all_recovers_the_eight_other_councils_so_by_nation_is_refused(
        populations: dict[str, Population], demo_url: str, tmp_path: Path) -> None:
    local = populations["local_government"]
    england = (local.fields["nation"] == "england").to_numpy()
    both = attack(local, [_everyone(local), Group("england", "--where", england)], PUBLIC,
                  DEFAULT)
    complement = [c for c in both.cells if c.kind == "complement"]
    assert complement and any(c.width == 0 for c in complement)

    release = public_release(list(populations.values()), PUBLIC)
    assert "nation" in release.refused
    assert all(len(a.groups) == 1 for a in release.attacks)  # no by-nation group released
    for args in (["--by", "nation"], ["--where", "nation=england"]):
        output = tmp_path / "nations.md"
        result = _invoke("export", "priorities", "--database", demo_url, "--public",
                         "-o", str(output), *args)
        assert result.exit_code == 2, result.output
        assert "X108" in result.output and "outside local_government: england" in result.output
        assert not output.exists()


def test_the_explorer_public_download_by_nation_is_refused(demo_url: str) -> None:
    with Store.open(demo_url) as store:
        with pytest.raises(LandscapeError) as refused:
            priorities_export(store, "md", by="nation", public=True)
        with pytest.raises(LandscapeError):
            priorities_export(store, "csv", where={"nation": ["england"]}, public=True)
        name, content = priorities_export(store, "md", by="nation", public=False)
    assert refused.value.issues[0].code == "X108"
    assert name == "priorities-internal.md" and b"England" in content


def test_a_small_group_prints_n_below_the_threshold_not_its_n() -> None:
    ranks = pd.DataFrame({"a": [1], "b": [2]}, dtype="Int64")
    table = band_table(ranks, bands=((1, 1), (2, 2)))
    public = build_layouts(table, PUBLIC, title="Table {number}. {group} (n={n})")[0]
    assert public.title == "Table 1. All (n<5)" and public.shown_n == "<5"
    assert any(note.startswith("n <5 respondents") for note in public.notes)
    assert all(cell is None for row in public.rows for cell in row.cells)
    internal = build_layouts(table, DisclosurePolicy(), title="{group} (n={n})")[0]
    assert internal.title == "All (n=1)"


# -- (c) compare and consensus in public ------------------------------------------------


def test_compare_public_does_not_print_a_suppressed_share(demo_url: str) -> None:
    internal = _invoke("compare", "--database", demo_url)
    tools = next(line for line in internal.output.splitlines()
             if line.startswith("Improved access to data analysis"))
    assert " 3%" in tools  # 1 of 35: the value the public table suppresses
    public = _invoke("compare", "--database", demo_url, "--public")
    assert public.exit_code == 0, public.output
    tools = next(line for line in public.output.splitlines()
             if line.startswith("Improved access to data analysis"))
    assert " 3%" not in tools and "[c]" in tools and "[1, 15]" not in tools
    records = json.loads(_invoke("compare", "--database", demo_url, "--public",
                                 "--format", "json").output.split("\n", 1)[1])
    row = next(r for r in records["options"] if r["concept"] == "analysis_tools")
    assert row["top3_a"] is None and row["top3_a_low"] is None and row["p"] is None
    # Researchers' top-3 share of research projects is shown, but the 4-6 / 7-9 split is
    # suppressed: the Mann-Whitney test, which reads the whole distribution, is withheld.
    row = next(r for r in records["options"] if r["concept"] == "research_project_resources")
    assert row["top3_b"] is not None and row["p"] is None and row["rank_biserial"] is None
    refused = _invoke("compare", "--database", demo_url, "--public", "--top", "1")
    assert refused.exit_code == 2 and "X108" in refused.output


def test_consensus_public_audits_its_scores_and_refuses_pairwise_methods(demo_url: str) -> None:
    borda = _invoke("consensus", "--database", demo_url, "--public", "--method", "borda")
    assert borda.exit_code == 0, borda.output
    for method in ("kemeny", "schulze", "plackett-luce"):
        refused = _invoke("consensus", "--database", demo_url, "--public", "--method", method)
        assert refused.exit_code == 2 and "X108" in refused.output, method


def test_check_passes_through_internal_outputs(populations: dict[str, Population]) -> None:
    assert check_public_release(list(populations.values()), DisclosurePolicy(),
                                bands=((1, 3), (4, 9)), by="nation") is None


def test_a_wider_protection_width_refuses_the_release_naming_the_cell(
        populations: dict[str, Population], monkeypatch: pytest.MonkeyPatch) -> None:
    """The narrowest protected range on the demo is 3 respondents wide: asking for 4
    refuses every public output, naming a cell (not its value)."""
    monkeypatch.setenv("LANDSCAPE_PROTECTION_WIDTH", "4")
    with pytest.raises(LandscapeError) as refused:
        check_public_release(list(populations.values()), PUBLIC)
    message = refused.value.issues[0].message
    assert refused.value.issues[0].code == "X108"
    assert "narrowed to a range 3 respondent(s) wide" in message and "researcher" in message
    monkeypatch.setenv("LANDSCAPE_PROTECTION_WIDTH", "3")
    assert check_public_release(list(populations.values()), PUBLIC) is not None


def test_a_breakdown_whose_complement_is_protected_joins_the_release() -> None:
    """Two teams of 10 whose every cell is 0 or at least k: --by team is released and
    attacked together with the whole table (two atoms)."""
    rows = [[1, 2, 3]] * 5 + [[2, 3, 1]] * 5 + [[3, 1, 2]] * 5 + [[1, 2, 3]] * 5
    frame = pd.DataFrame(rows, columns=list("abc"), dtype="Int64")
    fields = pd.DataFrame({"team": ["north"] * 10 + ["south"] * 10}, index=frame.index)
    people = [Population("all", RankingData(frame, tuple("abc")), fields)]
    policy = DisclosurePolicy(public=True, min_n=3)
    bands = ((1, 1), (2, 2), (3, 3))
    release = public_release(people, policy, bands=bands)
    assert release.fields == {"team": "--by team"} and release.refused == {}
    assert [g.key for g in release.attacks[0].groups] == ["all", "all: north", "all: south"]


# -- the count range of a shown percentage ----------------------------------------------


def _brute_ranges(n: int) -> dict[int, tuple[int, int]]:
    """The definition: shown percent -> the least and greatest count out of n printing so."""
    ranges: dict[int, tuple[int, int]] = {}
    for c in range(n + 1):
        shown = percent(c, n)
        ranges[shown] = (ranges.get(shown, (c, c))[0], c)
    return ranges


def test_count_range_equals_the_definition_for_every_small_n_and_percent() -> None:
    for n in range(1, 301):
        expected = _brute_ranges(n)
        for shown in range(101):
            if shown not in expected:
                with pytest.raises(ValueError, match="prints as"):
                    _count_range(shown, n)
            else:
                assert _count_range(shown, n) == expected[shown], (shown, n)


@pytest.mark.parametrize("n", [997, 1000, 4321, 20_000])
def test_count_range_equals_the_definition_for_large_n(n: int) -> None:
    expected = _brute_ranges(n)
    for shown in (0, 1, 2, 33, 49, 50, 51, 67, 98, 99, 100):
        assert _count_range(shown, n) == expected[shown], (shown, n)


def test_count_range_rounds_a_logarithmic_number_of_times(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    # Every count of 0..n took minutes for a population of 100,000 on the explorer.
    calls: list[int] = []

    def counted(count: int, n: int) -> int:
        calls.append(count)
        return percent(count, n)

    monkeypatch.setattr("survey.export.release.percent", counted)
    _count_range.cache_clear()
    assert _count_range(50, 100_000) == (49_500, 50_499)
    assert len(calls) < 100
    _count_range.cache_clear()  # kept ranges were found with the counting percent


def test_a_population_counts_each_subset_once_and_shares_it_read_only(
        populations: dict[str, Population], monkeypatch: pytest.MonkeyPatch) -> None:
    people = populations["local_government"]
    fresh = Population(people.name, people.data, people.fields)
    mask = (fresh.fields["nation"] == "england").to_numpy()
    counted: list[int] = []
    real = release_module.band_table
    monkeypatch.setattr(release_module, "band_table",
                        lambda *a, **k: counted.append(1) or real(*a, **k))
    first = release_module._table(fresh, mask, DEFAULT)
    again = release_module._table(fresh, mask.copy(), DEFAULT)
    other = release_module._table(fresh, ~mask, DEFAULT)
    assert again is first and other is not first and len(counted) == 2
    # The same counts as a table of those respondents counted directly.
    direct = band_table(RankingData(people.data.ranks[mask], people.data.options), bands=DEFAULT)
    assert (first.counts == direct.counts).all() and (first.n == direct.n).all()
    with pytest.raises(ValueError, match="read-only"):
        first.counts[0, 0, 0] = 99


def test_two_callers_asking_for_one_release_at_once_attack_it_once(
        populations: dict[str, Population], monkeypatch: pytest.MonkeyPatch) -> None:
    attacked: list[int] = []
    real = release_module._public_release

    def slow(*args: object) -> object:
        attacked.append(1)
        time.sleep(0.2)  # long enough for the second caller to arrive meanwhile
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(release_module, "_public_release", slow)
    monkeypatch.setattr(release_module, "_RELEASES", {})
    people = list(populations.values())
    found: list[object] = []
    threads = [threading.Thread(target=lambda: found.append(public_release(people, PUBLIC)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(found) == 2 and found[0] is found[1] and attacked == [1]


@pytest.mark.parametrize("columns", [1, 2, 9, 62, 63, 80])
def test_atoms_are_the_unique_membership_rows_in_the_same_order(columns: int) -> None:
    rng = np.random.default_rng(columns)
    for rows in (1, 5, 2_000):
        membership = rng.random((rows, columns)) < 0.4
        membership[:, 0] = True  # the population's own group holds everyone
        atoms, atom_of = np.unique(membership, axis=0, return_inverse=True)
        found, found_of = _atoms(membership)
        assert found.dtype == bool and found.shape == atoms.shape
        assert (found == atoms).all() and (found_of == np.asarray(atom_of).ravel()).all()


def test_field_groups_name_and_mask_every_value_and_the_missing() -> None:
    ranks = pd.DataFrame([[1, 2]] * 5, columns=["a", "b"], dtype="Int64")
    fields = pd.DataFrame({"nation": ["wales", None, "england", float("nan"), "wales"]},
                          dtype=object)
    groups = _field_groups(Population("all", RankingData(ranks, ("a", "b")), fields),
                           "nation")
    assert [(g.key, g.mask.tolist()) for g in groups] == [
        ("all: (missing)", [False, True, False, True, False]),
        ("all: england", [False, False, True, False, False]),
        ("all: wales", [True, False, False, False, True])]


def test_the_digest_changes_with_any_rank_label_or_respondent_and_only_then() -> None:
    ranks = pd.DataFrame([[1, 2], [2, 1], [1, pd.NA]], columns=["a", "b"], index=["r1", "r2", "r3"],
                         dtype="Int64")
    fields = pd.DataFrame({"nation": ["wales", None, "wales"], "path": ["p", "p", "q"]},
                          index=ranks.index, dtype=object)

    def digest(r: pd.DataFrame = ranks, f: pd.DataFrame = fields) -> str:
        return Population("all", RankingData(r, ("a", "b")), f).digest

    same = digest(ranks.copy(), fields.copy())
    assert digest() == same
    changed_rank = ranks.copy()
    changed_rank.loc["r3", "b"] = 2
    changed_label = fields.copy()
    changed_label.loc["r2", "nation"] = "scotland"
    moved = fields.copy()
    moved.loc[["r1", "r2"], "nation"] = ["wales", "wales"]
    moved.loc["r3", "nation"] = None  # the same labels, on other respondents
    renamed = ranks.rename(index={"r3": "r4"})
    joined = fields.copy()
    joined.loc["r1", "path"] = "p\nq"  # one label with a line break, not two
    digests = [same, digest(changed_rank), digest(f=changed_label), digest(f=moved),
               digest(renamed, fields.rename(index={"r3": "r4"})), digest(f=joined)]
    assert len(set(digests)) == len(digests)


def test_a_complement_table_by_subtraction_equals_counting_it(
        populations: dict[str, Population]) -> None:
    people = populations["local_government"]
    fresh = Population(people.name, people.data, people.fields)
    everyone = np.ones(len(fresh.data.ranks), dtype=bool)
    england = (fresh.fields["nation"] == "england").to_numpy()
    unitary = (fresh.fields["organisation_type"] == "unitary").to_numpy()
    for within, group in ((everyone, england), (england, england & unitary),
                          (england, unitary)):  # the last: not inside, counted directly
        got = release_module._table_outside(fresh, within, group, DEFAULT)
        direct = band_table(RankingData(fresh.data.ranks[within & ~group],
                                        fresh.data.options), bands=DEFAULT)
        assert (got.counts == direct.counts).all() and (got.n == direct.n).all()
        assert (got.unranked == direct.unranked).all()
