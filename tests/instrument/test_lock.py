"""Publishing versions into instruments.lock, and detecting edits to published versions."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import yaml
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument.lock import check_lock, lock_path, publish, read_lock
from survey.instrument.model import canonical_hash
from survey.instrument.registry import Catalogue

DAY = date(2025, 3, 1)

_DEMO = """\
instrument: demo
version: {version}
status: {status}
title: Demo survey
questions:
  - code: in_partnership
    type: single_choice
    label: Are you in a partnership?
    options:
      - {{code: 'yes', label: 'Yes'}}
      - {{code: 'no', label: 'No'}}
  - code: comments
    type: free_text
    label: {label}
"""


def _write(root: Path, version: str = "1.0.0", status: str = "published",
           label: str = "Anything else?") -> Path:
    path = root / "demo" / f"{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_DEMO.format(version=version, status=status, label=label), encoding="utf-8")
    return path


def _codes(catalogue: Catalogue, ref: str) -> list[str]:
    return [p.code for p in check_lock(catalogue, catalogue.load(ref))]


def test_no_lock_file_reads_as_empty(tmp_path: Path) -> None:
    assert read_lock(tmp_path) == {}


def test_publish_records_the_content_hash_and_date(tmp_path: Path) -> None:
    _write(tmp_path)
    catalogue = Catalogue(tmp_path)
    message = publish(catalogue, "demo@1.0.0", today=DAY)
    expected_hash = catalogue.load("demo@1.0.0").content_hash
    # An independent computation of the hash: the parsed YAML without 'status'.
    raw = yaml.safe_load((tmp_path / "demo" / "1.0.0.yaml").read_text())
    assert expected_hash == canonical_hash(raw)
    assert read_lock(tmp_path) == {"demo@1.0.0": {"hash": expected_hash,
                                                  "published": "2025-03-01"}}
    assert expected_hash in message
    text = lock_path(tmp_path).read_text()
    assert text.startswith("# Content hashes of published instrument versions")
    assert yaml.safe_load(text)["demo@1.0.0"]["published"] == "2025-03-01"  # a string, not a date
    assert _codes(catalogue, "demo@1.0.0") == []


def test_publishing_again_with_the_same_content_changes_nothing(tmp_path: Path) -> None:
    _write(tmp_path)
    catalogue = Catalogue(tmp_path)
    publish(catalogue, "demo@1.0.0", today=DAY)
    before = lock_path(tmp_path).read_bytes()
    message = publish(catalogue, "demo@1.0.0", today=date(2026, 1, 1))
    assert "already published on 2025-03-01" in message
    assert lock_path(tmp_path).read_bytes() == before


def test_lock_keeps_every_version_sorted_by_version_number(tmp_path: Path) -> None:
    for version in ("1.0.0", "1.0.1", "1.0.10"):
        _write(tmp_path, version, label=f"Anything else ({version})?")
        publish(Catalogue(tmp_path), f"demo@{version}", today=DAY)
    assert list(read_lock(tmp_path)) == ["demo@1.0.0", "demo@1.0.1", "demo@1.0.10"]


def test_a_draft_cannot_be_published(tmp_path: Path) -> None:
    _write(tmp_path, status="draft")
    with pytest.raises(LandscapeError) as caught:
        publish(Catalogue(tmp_path), "demo@1.0.0")
    (problem,) = caught.value.issues
    assert problem.code == "I306"
    assert "status: published" in problem.message
    assert problem.location.line == 3  # the 'status:' line
    assert not lock_path(tmp_path).exists()


def test_editing_a_published_version_is_i301_and_cannot_be_republished(tmp_path: Path) -> None:
    path = _write(tmp_path)
    catalogue = Catalogue(tmp_path)
    publish(catalogue, "demo@1.0.0", today=DAY)
    locked = lock_path(tmp_path).read_bytes()
    _write(tmp_path, label="Anything more to add?")
    (problem,) = check_lock(catalogue, catalogue.load("demo@1.0.0"))
    assert problem.code == "I301"
    assert str(path) in problem.message
    assert "new version" in problem.message
    assert "2025-03-01" in problem.message
    assert problem.location.file == str(path)
    with pytest.raises(LandscapeError) as caught:
        publish(catalogue, "demo@1.0.0")
    assert [p.code for p in caught.value.issues] == ["I305"]
    assert lock_path(tmp_path).read_bytes() == locked


def test_comments_and_layout_are_not_edits(tmp_path: Path) -> None:
    path = _write(tmp_path)
    catalogue = Catalogue(tmp_path)
    publish(catalogue, "demo@1.0.0", today=DAY)
    text = path.read_text().replace("label: Are you in a partnership?",
                                    "label:   'Are you in a partnership?'   # reviewed")
    path.write_text("# a comment\n" + text)
    assert _codes(catalogue, "demo@1.0.0") == []


def test_turning_a_published_version_back_into_a_draft_is_i301(tmp_path: Path) -> None:
    _write(tmp_path)
    catalogue = Catalogue(tmp_path)
    publish(catalogue, "demo@1.0.0", today=DAY)
    _write(tmp_path, status="draft")
    assert _codes(catalogue, "demo@1.0.0") == ["I301"]


def test_published_but_never_locked_is_i302_and_a_draft_is_fine(tmp_path: Path) -> None:
    _write(tmp_path)
    _write(tmp_path, "1.0.1", status="draft", label="Anything else at all?")
    catalogue = Catalogue(tmp_path)
    assert _codes(catalogue, "demo@1.0.0") == ["I302"]
    assert _codes(catalogue, "demo@1.0.1") == []


def test_a_malformed_lock_file_is_i307_with_its_line(tmp_path: Path) -> None:
    _write(tmp_path)
    lock_path(tmp_path).write_text("demo@1.0.0:\n  hash: sha256:abc\n  published: '2025-01-01'\n"
                                   "demo@one:\n  hash: sha256:abc\n  published: '2025-01-01'\n")
    with pytest.raises(LandscapeError) as caught:
        read_lock(tmp_path)
    (problem,) = caught.value.issues
    assert (problem.code, problem.location.line) == ("I307", 4)
    catalogue = Catalogue(tmp_path)
    assert _codes(catalogue, "demo@1.0.0") == ["I307"]


def test_a_failed_write_leaves_the_old_lock_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path)
    _write(tmp_path, "1.0.1", label="Anything else at all?")
    catalogue = Catalogue(tmp_path)
    publish(catalogue, "demo@1.0.0", today=DAY)
    before = lock_path(tmp_path).read_bytes()

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    import survey.files

    monkeypatch.setattr(survey.files.os, "replace", failing_replace)
    with pytest.raises(LandscapeError, match="X101"):
        publish(catalogue, "demo@1.0.1", today=DAY)
    monkeypatch.setattr(survey.files.os, "replace", os.replace)
    assert lock_path(tmp_path).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "instruments.lock"]


def test_publish_refuses_a_version_that_understates_its_change(tmp_path: Path) -> None:
    _write(tmp_path)
    # 1.0.1 removes the comments question: a major change numbered as a patch.
    path = _write(tmp_path, "1.0.1")
    path.write_text(path.read_text().split("  - code: comments")[0])
    catalogue = Catalogue(tmp_path)
    with pytest.raises(LandscapeError) as caught:
        publish(catalogue, "demo@1.0.1")
    assert [p.code for p in caught.value.issues] == ["I303"]
    assert "call it 2.0.0" in caught.value.issues[0].message
    assert not lock_path(tmp_path).exists()


def test_publish_refuses_an_invalid_version(tmp_path: Path) -> None:
    path = _write(tmp_path)
    path.write_text(path.read_text() + "    relevant: \"nonexistent == 'x'\"\n")
    with pytest.raises(LandscapeError) as caught:
        publish(Catalogue(tmp_path), "demo@1.0.0")
    assert "I207" in [p.code for p in caught.value.issues]
    assert not lock_path(tmp_path).exists()


# -- the CLI -------------------------------------------------------------------------


def test_cli_publish(tmp_path: Path) -> None:
    _write(tmp_path)
    result = CliRunner().invoke(main, ["instrument", "publish", "demo@1.0.0",
                                       "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("published demo@1.0.0: sha256:")
    assert "demo@1.0.0" in read_lock(tmp_path)


def test_cli_publish_of_a_draft_says_how_to_fix_it(tmp_path: Path) -> None:
    _write(tmp_path, status="draft")
    result = CliRunner().invoke(main, ["instrument", "publish", "demo@1.0.0",
                                       "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "I306" in result.output and "status: published" in result.output
    assert "demo/1.0.0.yaml:3" in result.output
    assert no_traceback(result)
    assert not lock_path(tmp_path).exists()


def test_cli_validate_refuses_an_edited_published_version(tmp_path: Path) -> None:
    _write(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["instrument", "publish", "demo@1.0.0",
                                "--dir", str(tmp_path)]).exit_code == 0
    ok = runner.invoke(main, ["instrument", "validate", "--dir", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    _write(tmp_path, label="Anything more to add?")
    result = runner.invoke(main, ["instrument", "validate", "--dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "I301" in result.output
    assert "new version" in result.output
    assert no_traceback(result)


# -- the shipped instruments ----------------------------------------------------------


def test_every_shipped_published_version_matches_the_lock() -> None:
    catalogue = Catalogue.default()
    versions = catalogue.load_all()
    assert versions
    locked = read_lock(catalogue)
    for iv in versions:
        assert check_lock(catalogue, iv) == [], iv.ref
        if iv.is_published:
            assert locked[iv.ref]["hash"] == iv.content_hash
