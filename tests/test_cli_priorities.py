"""``landscape priorities`` output files: atomic writes, data labels, defused CSV cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from survey.cli import main

EVIL = '=HYPERLINK("http://evil")'


def _rankings(path: Path) -> Path:
    """Three respondents ranking two options; one option label and one group are hostile."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "place", EVIL, "skills"])
        writer.writerows([["r1", "=1+1@ex.org", 1, 2], ["r2", "Cardiff", 2, 1],
                          ["r3", "Cardiff", 1, 2]])
    return path


def _priorities(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["priorities", "--layout", "rank-per-option",
                                       "--bands", "1,2", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_output_to_a_missing_directory_is_x101(tmp_path: Path) -> None:
    source = _rankings(tmp_path / "r.csv")
    out = tmp_path / "nodir" / "x.csv"
    result = CliRunner().invoke(main, ["priorities", "--input", str(source), "--layout",
                                       "rank-per-option", "--group-column", "place",
                                       "--format", "csv", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "X101" in result.output and "does not exist" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "nodir").exists()


def test_csv_defuses_labels_and_groups_but_not_numbers(tmp_path: Path) -> None:
    source = _rankings(tmp_path / "r.csv")
    code, output = _priorities("--input", str(source), "--group-column", "place",
                               "--format", "csv")
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(output)))
    assert {r["group"] for r in rows} == {"'=1+1@ex.org", "Cardiff"}
    assert {r["option"] for r in rows} == {"'" + EVIL, "skills"}
    assert {r["label"] for r in rows} == {"'" + EVIL, "skills"}
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    cardiff = [r for r in rows if r["group"] == "Cardiff" and r["option"] == "skills"]
    assert [(r["band"], r["count"], r["n"], r["percent"]) for r in cardiff] == [
        ("1", "1", "2", "50"), ("2", "1", "2", "50")]
    # A file carries no data label: the column is there, empty.
    assert all(r["data_status"] == "" for r in rows)


def test_csv_to_a_file_matches_the_printed_csv(tmp_path: Path) -> None:
    source = _rankings(tmp_path / "r.csv")
    out = tmp_path / "bands.csv"
    args = ("--input", str(source), "--group-column", "place", "--format", "csv")
    code, _ = _priorities(*args, "-o", str(out))
    assert code == 0
    _, printed = _priorities(*args)
    assert out.read_text(encoding="utf-8") == printed
    assert not list(tmp_path.glob(".bands.csv.*"))


def _seventeen(path: Path) -> Path:
    """17 respondents ranking two options: 8 put 'a' first, 9 put 'b' first."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "a", "b"])
        writer.writerows([[f"r{i}", 1, 2] for i in range(8)]
                         + [[f"r{i}", 2, 1] for i in range(8, 17)])
    return path


def test_every_format_carries_intervals_and_the_small_n_flag(tmp_path: Path) -> None:
    # Before issue 12 no format of `priorities` showed an interval or a flag.
    import json

    from survey.stats.smalln import share_interval

    source = _seventeen(tmp_path / "r.csv")
    base = ["--input", str(source)]
    code, output = _priorities(*base, "--format", "json")
    assert code == 0, output
    data = json.loads(output)
    a_first = next(r for r in data["records"] if r["option"] == "a" and r["band"] == "1")
    expected = share_interval(8, 17)
    assert (a_first["ci_low"], a_first["ci_high"]) == (expected.low, expected.high)
    assert a_first["small_n"] is True  # 8 of 17: the interval is 45 points wide
    assert "40 points" in data["small_n_rule"]
    code, output = _priorities(*base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(output)))
    assert {"ci_low", "ci_high", "small_n"} <= set(rows[0])
    assert [r["small_n"] for r in rows if r["option"] == "a"] == ["True", "True"]
    for fmt, mark in (("table", "*"), ("md", "\\*")):
        code, output = _priorities(*base, "--format", fmt)
        assert code == 0, output
        assert f"47% (26–69){mark}" in output  # 8/17, Wilson 26.2%-69.0%
        assert "small n: fewer than 10 respondents" in output


def test_the_flag_follows_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    source = _seventeen(tmp_path / "r.csv")
    monkeypatch.setenv("LANDSCAPE_SMALL_N_WIDTH", "0.5")
    code, output = _priorities("--input", str(source), "--format", "json")
    assert code == 0, output
    assert not any(r["small_n"] for r in json.loads(output)["records"])
    monkeypatch.setenv("LANDSCAPE_SMALL_N", "20")
    code, output = _priorities("--input", str(source), "--format", "json")
    assert all(r["small_n"] for r in json.loads(output)["records"])
