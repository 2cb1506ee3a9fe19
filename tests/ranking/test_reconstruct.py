"""Reconstruction of demo rankings from published tables, and `landscape reproduce`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from survey.cli import main
from survey.ranking import published as published_module
from survey.ranking.bands import band_table, percent
from survey.ranking.published import load_tables
from survey.ranking.reconstruct import (
    DATA_STATUS,
    build_demo_rankings,
    decompose,
    demo_ranking_data,
    load_demo_rankings,
    target_counts,
)
from survey.reproduce import figures as figures_module
from survey.reproduce.figures import FigureCheck, reproduce

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "published_2022.yaml"
BANDS = ((1, 3), (4, 6), (7, 9))


def test_decompose_round_trip_on_random_tables() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        n = int(rng.integers(1, 30))
        # A random complete-ranking table: from random rankings.
        ranks = np.argsort(rng.random((n, 9)), axis=1) + 1
        counts = np.stack([((ranks >= lo) & (ranks <= hi)).sum(axis=0) for lo, hi in BANDS],
                          axis=1)
        rebuilt = decompose(counts, BANDS, seed=1)
        assert sorted(rebuilt[0].tolist()) == list(range(1, 10))
        frame = pd.DataFrame(rebuilt, columns=[f"o{i}" for i in range(9)]).astype("Int64")
        assert band_table(frame).counts[0].tolist() == counts.tolist()


def test_decompose_rejects_impossible_tables() -> None:
    with pytest.raises(ValueError):
        decompose(np.array([[2, 0], [2, 0]]), ((1, 1), (2, 2)))


def test_table_2_counts_reproduce_every_printed_cell() -> None:
    table = load_tables()["table_2_researcher"]
    counts = target_counts(table)
    for row, counts_row in zip(table.rows, counts, strict=True):
        assert [percent(int(c), 17) for c in counts_row] == [int(p) for p in row.pct]


@pytest.mark.parametrize(("instrument", "name"), [
    ("researcher", "table_2_researcher"), ("local_government", "table_1_local_government")])
def test_shipped_demo_data_equals_target_counts(instrument: str, name: str) -> None:
    data = demo_ranking_data(instrument)
    table = load_tables()[name]
    result = band_table(data)
    assert result.counts[0].tolist() == target_counts(table).tolist()
    assert int(result.n[0]) == table.n
    # Every respondent is a complete strict ranking.
    assert all(sorted(row) == list(range(1, 10)) for row in data.ranks.to_numpy().tolist())


def test_shipped_file_is_what_the_code_builds_and_is_labelled() -> None:
    shipped = load_demo_rankings()
    rebuilt = build_demo_rankings()
    for column in rebuilt.columns[3:]:
        rebuilt[column] = rebuilt[column].astype("Int64")
    pd.testing.assert_frame_equal(shipped, rebuilt, check_dtype=False)
    assert set(shipped["data_status"]) == {DATA_STATUS}
    assert shipped.groupby("instrument").size().to_dict() == {"local_government": 35,
                                                              "researcher": 17}


def test_shipped_published_figures_match_the_reference() -> None:
    reference = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    shipped = yaml.safe_load(
        (Path(published_module.__file__).parent.parent / "data" / "published_2022.yaml")
        .read_text(encoding="utf-8"))
    for name in ("table_1_local_government", "table_2_researcher"):
        for row in shipped["priority_tables"][name]["rows"]:
            assert row.pop("code")
    assert shipped == reference


def test_reproduce_passes_and_hook_can_add_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = reproduce()
    assert not [c for c in checks if c.failed]
    t1 = [c for c in checks if c.figure.startswith("table_1") and not c.matches]
    assert t1 and all(not c.exact for c in t1)
    runner = CliRunner()
    result = runner.invoke(main, ["reproduce"])
    assert result.exit_code == 0, result.output
    assert "reconstructed to match published aggregates" in result.output
    assert "sums to 341%" in result.output

    def broken(_: dict[str, object]) -> list[FigureCheck]:
        return [FigureCheck("barrier share", "76.9%", "70.0%", "-6.9 pp")]

    monkeypatch.setattr(figures_module, "REPRODUCERS",
                        [*figures_module.REPRODUCERS, broken])
    result = runner.invoke(main, ["reproduce"])
    assert result.exit_code == 1
    assert "FAILED: barrier share" in result.output
