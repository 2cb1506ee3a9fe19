"""Participant information files: complete, per language, with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.errors import LandscapeError
from survey.instrument.information import SECTIONS, load_information
from survey.instrument.registry import instruments_dir

GOOD = "\n".join(["instrument: demo", "status: reconstructed", "note: made up", "sections:"]
                 + [f"  {code}: {{en: 'text of {code}'}}" for code in SECTIONS]) + "\n"


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "information.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("instrument", "languages"), [("local_government", ("en", "cy")),
                                                       ("researcher", ("en",))])
def test_the_shipped_instruments_have_complete_reconstructed_information(
        instrument: str, languages: tuple[str, ...]) -> None:
    info = load_information(instruments_dir(), instrument, languages)
    assert info is not None and info.reconstructed and "Reconstructed" in info.note
    assert [code for code in info.sections] == list(SECTIONS)


def test_a_complete_file_loads_and_falls_back_to_english(tmp_path: Path) -> None:
    info = load_information(_write(tmp_path, GOOD), "demo")
    assert info is not None
    assert info.in_language("cy")[0] == ("Pwy sy'n cynnal yr arolwg hwn", "text of who")


def test_no_file_means_no_information(tmp_path: Path) -> None:
    assert load_information(tmp_path, "demo") is None


def test_a_missing_section_and_a_missing_language_are_i120_with_lines(tmp_path: Path) -> None:
    text = GOOD.replace("  retention: {en: 'text of retention'}\n", "")
    root = _write(tmp_path, text)
    with pytest.raises(LandscapeError) as exc:
        load_information(root, "demo", ("en", "cy"))
    codes = [i.code for i in exc.value.issues]
    assert codes.count("I120") == len(SECTIONS)  # five without Welsh, one missing
    assert "information.yaml:5" in str(exc.value)  # the first section's line


def test_an_unknown_section_is_named(tmp_path: Path) -> None:
    root = _write(tmp_path, GOOD + "  biscuits: {en: 'x'}\n")
    with pytest.raises(LandscapeError, match="unknown section 'biscuits'"):
        load_information(root, "demo")


def test_examples() -> None:
    import doctest

    import survey.instrument.information as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
