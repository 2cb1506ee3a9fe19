"""The Barriers reports (survey.export.report_barriers) on hand-worked data.

Eleven answers in two groups, three themes, written out below; every count is
counted again here by brute force over the answers, and what a public policy
withholds is worked by hand for k = 2, 3 and 5.
"""

from __future__ import annotations

import doctest
import itertools
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import survey.export.report_barriers as barriers
import survey.store.codings as codings
from survey.coding.rules import CODED_COLUMNS
from survey.errors import LandscapeError
from survey.export.disclosure import DisclosurePolicy
from survey.export.layout import RECONSTRUCTED_NOTE
from survey.export.report_barriers import (
    cooccurrence_figure,
    cooccurrence_tables,
    pair_hidden,
    theme_tables,
)
from survey.export.report_catalogue import REPORTS
from survey.store import Store

F, S, T = "resources_capacity_funding", "staff_turnover", "different_timescales"
LABEL = {F: "Resources / capacity / funding", S: "Staff turnover", T: "Different timescales"}
#: Response -> (group, themes its answer carries; None: did not answer).
ANSWERS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "a1": ("local_government", (F, S)), "a2": ("local_government", (F, S)),
    "a3": ("local_government", (F, T)), "a4": ("local_government", (F,)),
    "a5": ("local_government", (F, S, T)), "a6": ("local_government", (S,)),
    "a7": ("local_government", ()), "a8": ("local_government", None),
    "b1": ("researcher", (F,)), "b2": ("researcher", (F, T)), "b3": ("researcher", (T,)),
    "b4": ("researcher", (F,)),
}
INTERNAL = DisclosurePolicy()


def test_examples() -> None:
    result = doctest.testmod(barriers, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def _coded() -> pd.DataFrame:
    rows = []
    for rid, (_, themes) in ANSWERS.items():
        for theme in (F, S, T):
            row: dict[str, Any] = dict.fromkeys(CODED_COLUMNS)
            row.update(response_id=rid, theme=theme, answered=themes is not None,
                       applied=bool(themes) and theme in themes, source="rule",
                       rule_applied=bool(themes) and theme in themes)
            rows.append(row)
    return pd.DataFrame(rows, columns=CODED_COLUMNS)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """An empty store whose coding and groups are the hand-written answers above."""
    attrs = pd.DataFrame({"instrument": {r: g for r, (g, _) in ANSWERS.items()},
                          "nation": {r: ("wales" if r in ("a1", "b1") else "england")
                                     for r in ANSWERS}})
    monkeypatch.setattr(codings, "codings_frame", lambda *_a, **_k: _coded())
    monkeypatch.setattr(barriers, "codings_frame", lambda *_a, **_k: _coded())
    monkeypatch.setattr(codings, "response_attributes", lambda *_a, **_k: attrs)
    monkeypatch.setattr(barriers, "list_overrides", lambda *_a, **_k: [])
    opened = Store.open("sqlite://", check=False)
    opened.upgrade()
    try:
        yield opened
    finally:
        opened.close()


def _answered(group: str) -> list[tuple[str, ...]]:
    return [themes for g, themes in ANSWERS.values() if g == group and themes is not None]


def _rows(table: Any) -> dict[str, tuple[Any, ...]]:
    return {str(row[0]): row[1:] for row in table.rows}


# -- themes by group -----------------------------------------------------------------------


def test_internal_theme_tables_count_those_who_answered(store: Store) -> None:
    lg, researcher = theme_tables(store, policy=INTERNAL, reconstructed=True)
    assert lg.title == ("Local government: barrier themes mentioned (n=7 who answered, of 8 "
                        "respondents)")
    assert researcher.title.startswith("Researcher:") and "(n=4 who answered, of 4" in \
        researcher.title
    for table, group in ((lg, "local_government"), (researcher, "researcher")):
        answers = _answered(group)
        for theme in (F, S, T):
            count = sum(theme in a for a in answers)
            share, mentions = _rows(table)[LABEL[theme]]
            assert mentions == count
            assert share.startswith(f"{100 * count / len(answers):.1f}% (")
    # most mentioned first: F 5, S 4, T 2
    assert [row[0] for row in lg.rows] == [LABEL[F], LABEL[S], LABEL[T]]
    assert lg.notes[0] == RECONSTRUCTED_NOTE
    assert INTERNAL.statement() in lg.notes
    assert "5 of" not in lg.title  # n once, in the title


@pytest.mark.parametrize(("k", "withheld"), [
    # k=2: a count (or its complement) of 1 is withheld: no cell here.
    (2, {"local_government": set(), "researcher": {F}}),
    # k=3: F 5 of 7 (complement 2), T 2 of 7; researcher F 3 of 4 (complement 1), T 2 of 4.
    (3, {"local_government": {F, T}, "researcher": {F, T}}),
    # k=5: researcher has 4 who answered: the whole group; F 5 of 7 (complement 2) ...
    (5, {"local_government": {F, S, T}, "researcher": {F, S, T}}),
])
def test_public_theme_tables_withhold_by_hand(store: Store, k: int,
                                              withheld: dict[str, set[str]]) -> None:
    policy = DisclosurePolicy(public=True, min_n=k)
    tables = dict(zip(("local_government", "researcher"), theme_tables(store, policy=policy),
                      strict=True))
    for group, table in tables.items():
        rows = _rows(table)
        hidden = {theme for theme in (F, S, T) if rows[LABEL[theme]] == (None, None)}
        assert hidden == withheld[group], (k, group)
        shown = [row[0] for row in table.rows if row[1] is not None]
        # the withheld rows come last, in codebook order: the order says nothing of them
        assert [row[0] for row in table.rows][:len(shown)] == shown
        assert policy.statement() in table.notes
        assert any("by instrument only" in note for note in table.notes)


def test_public_tables_offer_the_instrument_grouping_only(store: Store) -> None:
    public = DisclosurePolicy(public=True, min_n=2)
    for build in (theme_tables, cooccurrence_tables):
        with pytest.raises(LandscapeError) as refused:
            build(store, by="nation", policy=public)
        assert refused.value.issues[0].code == "X108"
        assert build(store, by="nation", policy=INTERNAL)  # staff: every field
        with pytest.raises(LandscapeError) as unknown:
            build(store, by="shoe_size", policy=INTERNAL)
        assert unknown.value.issues[0].code == "A171"


# -- co-occurrence by group ----------------------------------------------------------------


def _brute(answers: list[tuple[str, ...]], a: str, b: str) -> int:
    return sum(a in x and b in x for x in answers)


@pytest.mark.parametrize("by", ["instrument", "nation"])
def test_cooccurrence_by_group_counts_every_pair(store: Store, by: str) -> None:
    tables = cooccurrence_tables(store, by=by, policy=INTERNAL)
    of = ({r: g for r, (g, _) in ANSWERS.items()} if by == "instrument" else
          {r: ("wales" if r in ("a1", "b1") else "england") for r in ANSWERS})
    assert [t.group for t in tables] == sorted({g.replace("_", " ").capitalize()
                                                for g in of.values()})
    for table in tables:
        answers = [ANSWERS[r][1] for r, g in of.items()
                   if g.replace("_", " ").capitalize() == table.group
                   and ANSWERS[r][1] is not None]
        assert table.answered == len(answers) and f"(n={len(answers)} who answered)" in \
            table.title
        codes = [next(c for c, label in LABEL.items() if label == name) for name in table.labels]
        for i, a in enumerate(codes):
            assert table.rows[i][0] == f"({i + 1}) {LABEL[a]}"
            assert list(table.rows[i][1:]) == [_brute(answers, a, b) for b in codes]


def test_public_cooccurrence_withholds_small_cells_by_hand(store: Store) -> None:
    # Local government, k=2: F 5, S 4, T 2 of 7. F&S 3: S alone is a6 only (1) -> withheld.
    # F&T 2: (2, F only 3, T only 0, neither 7-5-2+2=2) -> shown. S&T 1 -> withheld.
    lg, researcher = cooccurrence_tables(store, policy=DisclosurePolicy(public=True, min_n=2))
    cells = {(a, b): lg.rows[i][1 + j] for (i, a), (j, b)
             in itertools.product(enumerate(lg.labels), repeat=2)}
    f, s, t = LABEL[F], LABEL[S], LABEL[T]
    assert (cells[(f, f)], cells[(s, s)], cells[(t, t)]) == (5, 4, 2)
    assert cells[(f, s)] is None and cells[(s, f)] is None
    assert cells[(f, t)] == cells[(t, f)] == 2
    assert cells[(s, t)] is None
    # Researcher (4 answered): F 3 (complement 1) withheld, on the diagonal as in the
    # theme table; S 0 shown; T 2 shown; F&T 1 withheld; S with anything: 0 of both, but
    # S&F leaves F alone at 3 (complement 1) -> withheld; S&T: (0, 0, 2, 2) -> shown.
    r = {(a, b): researcher.rows[i][1 + j] for (i, a), (j, b)
         in itertools.product(enumerate(researcher.labels), repeat=2)}
    assert (r[(f, f)], r[(s, s)], r[(t, t)]) == (None, 0, 2)
    assert r[(f, t)] is None and r[(s, f)] is None and r[(s, t)] == 0
    themes = {row[0]: row[1] for row in theme_tables(
        store, policy=DisclosurePolicy(public=True, min_n=2))[1].rows}
    assert themes[f] is None and themes[s] is not None and themes[t] is not None


def test_public_cooccurrence_withholds_every_cell_of_a_small_group(store: Store) -> None:
    _, researcher = cooccurrence_tables(store, policy=DisclosurePolicy(public=True, min_n=5))
    assert all(cell is None for row in researcher.rows for cell in row[1:])


@pytest.mark.parametrize("k", [2, 3, 4])
def test_no_public_pair_cell_lets_a_small_count_be_worked_out(store: Store, k: int) -> None:
    """Brute force: for each pair shown, every cell of its 2x2 table (both, one alone, the
    other alone, neither) is 0 or at least k, and so is its complement within n."""
    policy = DisclosurePolicy(public=True, min_n=k)
    for table, group in zip(cooccurrence_tables(store, policy=policy),
                            ("local_government", "researcher"), strict=True):
        answers = _answered(group)
        n = len(answers)
        codes = [next(c for c, label in LABEL.items() if label == name) for name in table.labels]
        for (i, a), (j, b) in itertools.product(enumerate(codes), repeat=2):
            if table.rows[i][1 + j] is None:
                continue
            quadrants = ([sum(a in x and b in x for x in answers),
                          sum(a in x and b not in x for x in answers),
                          sum(a not in x and b in x for x in answers),
                          sum(a not in x and b not in x for x in answers)]
                         if i != j else [sum(a in x for x in answers)])
            for q in quadrants:
                assert q == 0 or q >= k, (k, group, a, b)
                assert n - q == 0 or n - q >= k, (k, group, a, b)


def test_pair_hidden_matches_the_two_by_two_rule() -> None:
    public = DisclosurePolicy(public=True, min_n=3)
    assert not pair_hidden(4, 8, 9, 20, public)
    assert pair_hidden(4, 6, 9, 20, public)  # the first theme alone: 2 answers
    assert pair_hidden(4, 8, 9, 14, public)  # neither: 14 - 8 - 9 + 4 = 1
    assert not pair_hidden(2, 8, 9, 20, INTERNAL)


def test_the_heatmap_shows_the_tables_own_cells(store: Store) -> None:
    tables = cooccurrence_tables(store, policy=DisclosurePolicy(public=True, min_n=2))
    figure, summary = cooccurrence_figure(tables)
    assert len(figure.data) == 2
    for trace, table in zip(figure.data, tables, strict=True):
        expected = [["[c]" if c is None else str(c) for c in row[1:]] for row in table.rows]
        assert trace.text.tolist() == expected
    # the most frequent pair shown: F and T (2) in local government; in researcher S&T 0
    assert "Local government (7 answered): most often together: Resources / capacity / " \
        "funding and Different timescales (2)." in summary
    assert "Researcher (4 answered): no pair shown with a count above zero." in summary


def test_both_reports_are_in_the_catalogue_for_the_barriers_page() -> None:
    for name in ("barriers", "cooccurrence"):
        report = REPORTS[name]
        assert report.page == "/barriers" and "instrument" in report.groupings
    assert REPORTS["cooccurrence"].figure is not None


def test_a_public_group_below_the_threshold_is_n_below_k_in_every_title(store: Store) -> None:
    # The researchers' 4 answers are withheld whole at k=5, but the titles printed
    # "n=4 who answered, of 4 respondents" (and the heatmap "(n=4)"): the Overview's
    # table hides a total below k, the Priorities table says "n<5"; so do these now.
    public = DisclosurePolicy(public=True, min_n=5)
    themes = theme_tables(store, policy=public)[1]
    pairs = cooccurrence_tables(store, policy=public)[1]
    figure, summary = cooccurrence_figure(cooccurrence_tables(store, policy=public))
    assert "(n=<5 who answered, of <5 respondents)" in themes.title
    assert "(n=<5 who answered)" in pairs.title
    texts = [a.text for a in figure.layout.annotations] + [summary]
    assert any("(n=<5)" in t for t in texts) and "(<5 answered)" in summary
    for text in (themes.title, pairs.title, *texts):
        assert "n=4" not in text and "(4 answered)" not in text
    # the internal view keeps the numbers
    assert "(n=4 who answered, of 4 respondents)" in theme_tables(store, policy=INTERNAL)[1].title
