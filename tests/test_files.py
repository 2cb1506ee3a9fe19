"""survey.files: one atomic writer, the staged (two-phase) file, and formula defusing."""

from __future__ import annotations

import doctest
import os
from pathlib import Path

import pandas as pd
import pytest

import survey.files
import survey.text
from survey.errors import LandscapeError
from survey.files import atomic_write, atomic_write_text, defuse_cell, defuse_frame, staged_file


@pytest.mark.parametrize(("value", "expected"), [
    ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
    ("=1+1@ex.org", "'=1+1@ex.org"),
    ("+44 20 7946 0000", "'+44 20 7946 0000"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=cmd", "'\t=cmd"),
    ("\r=cmd", "'\r=cmd"),
    ("-", "'-"),
    ("-inf", "'-inf"),  # Python reads it as a float; a spreadsheet does not
    # Plain decimal numbers written as text are what a spreadsheet reads as numbers.
    ("-3", "-3"), ("+1.5", "+1.5"), ("-.5", "-.5"), ("-2e3", "-2e3"),
    ("Cardiff", "Cardiff"), ("a=b", "a=b"), ("", ""), (" =x", " =x"),
])
def test_defuse_cell_text(value: str, expected: str) -> None:
    assert defuse_cell(value) == expected


@pytest.mark.parametrize("value", [-3, -2.5, 0, None, True, pd.Timestamp("2022-01-01")])
def test_defuse_cell_leaves_non_text_alone(value: object) -> None:
    assert defuse_cell(value) is value


def test_defuse_frame_touches_text_cells_and_names_only() -> None:
    frame = pd.DataFrame({"=label": ["=1+1", "ok", None], "rank": [-3, 2, 1],
                          "share": [0.5, float("nan"), -0.25]})
    defused = defuse_frame(frame)
    assert list(defused.columns) == ["'=label", "rank", "share"]
    assert defused["'=label"].tolist()[:2] == ["'=1+1", "ok"]
    assert defused["'=label"].isna().tolist() == [False, False, True]
    assert defused["rank"].dtype == frame["rank"].dtype and defused["rank"].tolist() == [-3, 2, 1]
    assert defused["share"].iloc[2] == -0.25
    assert frame.columns[0] == "=label"  # the input is not changed


def test_staged_file_moves_into_place_only_when_the_block_ends(tmp_path: Path) -> None:
    target = tmp_path / "merge.csv"
    target.write_text("old", encoding="utf-8")
    with staged_file(target, mode=0o600) as temporary:
        temporary.write_text("new", encoding="utf-8")
        assert temporary.parent == tmp_path and temporary != target
        assert target.read_text(encoding="utf-8") == "old"  # e.g. commit here
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(tmp_path.iterdir()) == [target]


def test_staged_file_is_deleted_when_the_block_fails(tmp_path: Path) -> None:
    target = tmp_path / "merge.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="commit failed"), staged_file(target) as temporary:
        temporary.write_text("new", encoding="utf-8")
        raise RuntimeError("commit failed")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(tmp_path.iterdir()) == [target]


def test_staged_file_removed_by_the_block_is_not_moved(tmp_path: Path) -> None:
    target = tmp_path / "rejects.csv"
    with staged_file(target) as temporary:
        temporary.unlink()
    assert list(tmp_path.iterdir()) == []


def test_staged_file_write_error_is_x101(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with pytest.raises(LandscapeError) as exc, staged_file(target):
        raise OSError(28, "No space left on device")
    assert exc.value.issues[0].code == "X101" and "No space left" in str(exc.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing", "directory"])
def test_bad_target_is_x101_before_the_block_runs(tmp_path: Path, where: str) -> None:
    target = tmp_path / "nodir" / "x.csv" if where == "missing" else tmp_path
    ran = []
    with pytest.raises(LandscapeError) as exc, staged_file(target):
        ran.append(True)
    assert exc.value.issues[0].code == "X101" and not ran
    with pytest.raises(LandscapeError) as exc:
        atomic_write_text(target, "x")
    assert exc.value.issues[0].code == "X101"


def test_atomic_write_uses_the_umask_permissions_unless_told(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    plain = atomic_write(tmp_path / "a.csv", lambda p: p.write_text("a", encoding="utf-8"))
    assert plain.stat().st_mode & 0o777 == 0o666 & ~umask
    private = atomic_write(tmp_path / "b.csv", lambda p: p.write_text("b", encoding="utf-8"),
                           mode=0o600)
    assert private.stat().st_mode & 0o777 == 0o600


def test_examples_in_the_docstrings_hold() -> None:
    result = doctest.testmod(survey.files)
    assert result.attempted > 0 and result.failed == 0


def test_control_characters_are_written_as_replacement_characters() -> None:
    assert survey.text.printable("a\x00b\x0bc\td\ne\rf") == "a\ufffdb\ufffdc\td\ne\rf"
    assert defuse_cell("\x00=1+1") == "\ufffd=1+1" and defuse_cell("=\x07") == "'=\ufffd"
    result = doctest.testmod(survey.text)
    assert result.attempted > 0 and result.failed == 0
