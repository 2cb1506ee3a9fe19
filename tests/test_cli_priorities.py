"""``landscape priorities`` output files: atomic writes, data labels, defused CSV cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

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
