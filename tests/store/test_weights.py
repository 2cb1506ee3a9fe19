"""`landscape weights`: the demo's local-government respondents weighted to their frame."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.monitor import frame_and_sample
from survey.store.weights import weighted_priorities


@pytest.fixture
def demo_url(store_url: str) -> str:
    load_demo(store_url)
    return store_url


def test_raked_weights_meet_the_frame_margins(demo_url: str) -> None:
    with Store.open(demo_url) as store:
        frame, sample = frame_and_sample(store, "local_government")
        found = weighted_priorities(store, "local_government", ["nation", "organisation_type"])
    assert (len(frame), len(sample)) == (256, 35)
    weights = found.result.weights
    assert weights.sum() == pytest.approx(256)
    merged = dict(found.result.merged)
    # No local enterprise partnership responded: it is merged (into the smallest type).
    assert "local_enterprise_partnership" in merged
    by_nation = sample.loc[weights.index].assign(w=weights).groupby("nation")["w"].sum()
    assert by_nation.to_dict() == pytest.approx(frame["nation"].value_counts().to_dict())
    shares = found.shares
    assert len(shares) == 9 and (shares["n"] == 35).all()
    # The unweighted column is the band table's share (16 of 35 rank resources top three).
    first = shares.iloc[0]
    assert (first["count"], first["n"]) == (16, 35)
    assert found.result.design_effect > 1 and found.result.effective_n < 35
    assert found.outside == 0


def test_weights_cli_formats_and_the_open_link_survey(demo_url: str) -> None:
    runner = CliRunner()
    table = runner.invoke(main, ["weights", "--database-url", demo_url])
    assert table.exit_code == 0, table.output
    assert "design effect" in table.output and "effective n" in table.output
    assert "finite population correction" in table.output
    assert "merged (no respondents): local_enterprise_partnership" in table.output
    assert "response rates differ by organisation type" in table.output  # the monitor's test
    data = json.loads(runner.invoke(main, ["weights", "--database-url", demo_url,
                                           "--method", "poststratify", "--by", "nation",
                                           "--format", "json"]).output)
    assert data["weighting"]["method"] == "poststratify"
    assert data["weighting"]["frame"] == 256 and data["weighting"]["respondents"] == 35
    assert {"weighted_share", "weighted_ci_low", "weighted_small_n", "share",
            "ci_low", "small_n"} <= set(data["records"][0])
    rows = list(csv.DictReader(io.StringIO(runner.invoke(
        main, ["weights", "--database-url", demo_url, "--format", "csv"]).output)))
    assert len(rows) == 9 and rows[0]["data_status"]
    # The researchers came through an open link: no frame, and the command says what
    # that means for their intervals.
    result = runner.invoke(main, ["weights", "--instrument", "researcher",
                                  "--database-url", demo_url])
    assert result.exit_code == 2 and "A182" in result.output
    assert "assumption the design does not provide" in result.output
    assert no_traceback(result)
    bad = runner.invoke(main, ["weights", "--by", "colour", "--database-url", demo_url])
    assert bad.exit_code == 2 and "A183" in bad.output


def test_priorities_weights_beside_unweighted_in_every_format(demo_url: str) -> None:
    from survey.store.weights import weighted_bands

    runner = CliRunner()
    base = ["priorities", "--database", demo_url, "--weights", "nation,organisation_type"]
    data = json.loads(runner.invoke(main, [*base, "--format", "json"]).output)
    with Store.open(demo_url) as store:
        _, shares = weighted_bands(store, "local_government", ["nation", "organisation_type"],
                                   [(1, 3), (4, 6), (7, 9)])
    expected = {(r["option"], r["band"]): r["weighted_share"] for r in shares.to_dict("records")}
    lg = [r for r in data["records"] if r["group"] == "local_government"]
    assert len(lg) == 27
    for r in lg:
        assert r["weighted_share"] == pytest.approx(expected[(r["option"], r["band"])])
        assert r["weighted_ci_low"] <= r["weighted_share"] <= r["weighted_ci_high"]
    # Researchers came by open link: no weights, and the output says why.
    assert all(r["weighted_share"] is None for r in data["records"]
               if r["group"] == "researcher")
    assert any("researcher: not weighted" in note and "assumption" in note
               for note in data["weighting"])
    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, [*base, "--format",
                                                                "csv"]).output)))
    assert {"weighted_share", "weighted_ci_low", "weighted_small_n"} <= set(rows[0])
    table = runner.invoke(main, base).output
    assert "; weighted " in table and "design effect" in table
    refused = runner.invoke(main, [*base, "--by", "nation"])
    assert refused.exit_code == 2 and "A183" in refused.output


def test_priorities_say_which_instrument_has_no_frame(demo_url: str) -> None:
    data = json.loads(CliRunner().invoke(main, ["priorities", "--database", demo_url,
                                                "--format", "json"]).output)
    lg, note = data["frame"]
    assert lg.startswith("local_government: respondents against its sampling frame of 256")
    assert note.startswith("researcher: no sampling frame.")
    assert "assumption the design does not provide" in note
    text = CliRunner().invoke(main, ["priorities", "--database", demo_url]).output
    assert "researcher: no sampling frame." in text
    assert "local_government: respondents against its sampling frame" in text


def test_exported_report_says_who_each_table_describes(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "p.md"
    result = CliRunner().invoke(main, ["export", "priorities", "--database", demo_url,
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    with Store.open(demo_url) as store:
        from survey.store.monitor import monitor_report

        p = monitor_report(store, "local_government").nonresponse["region"].p_value
    assert "respondents against its sampling frame of 256" in text
    assert f"region p = {p:.3f}" in text
    assert "researcher: no sampling frame." in text
    # Public: no p-values (with public frame counts and n they narrow a small group's count).
    result = CliRunner().invoke(main, ["export", "priorities", "--database", demo_url,
                                       "-o", str(out), "--public"])
    assert result.exit_code == 0, result.output
    public = out.read_text(encoding="utf-8")
    assert "respondents against its sampling frame of 256" in public
    assert " p = " not in public and "tested in the internal view" in public
    assert "researcher: no sampling frame." in public
