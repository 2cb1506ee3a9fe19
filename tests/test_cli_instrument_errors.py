"""A table of bad instruments through ``landscape instrument validate``.

Every row is one instrument file with one mistake. The command must name the
file and line, the question, the catalogue code and its fix, exit 2 for errors
(0 for warnings unless ``--strict``), and never show a traceback.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner, Result

from survey.cli import main
from survey.errors import ERRORS
from survey.instrument.model import text_stamp
from survey.instrument.yamlsource import MAX_DEPTH

HEAD = """\
instrument: demo
version: 1.0.0
status: draft
languages: [en, cy]
title: {en: Demo, cy: Demo}
questions:
  - code: colour
    type: single_choice
    label: {en: Colour, cy: Lliw}
    options:
      - {code: red, label: {en: Red, cy: Coch}}
      - {code: blue, label: {en: Blue, cy: Glas}}
"""
# HEAD is lines 1-12; the row's own questions start on line 13.


@dataclass(frozen=True)
class Row:
    name: str
    questions: str
    code: str
    line: int
    question: str | None
    needle: str
    exit_code: int = 2


ROWS = [
    Row("malformed YAML", """\
        - code: why
          type: free_text
          label: {en: Why, cy: Pam
        - code: next
        """, "I101", 16, None, "expected ',' or '}'"),
    Row("duplicate question code", """\
        - {code: colour, type: free_text, label: {en: Colour again, cy: Lliw eto}}
        """, "I201", 13, "colour", "first used at line 7"),
    Row("duplicate option code", """\
        - code: size
          type: single_choice
          label: {en: Size, cy: Maint}
          options:
            - {code: big, label: {en: Big, cy: Mawr}}
            - {code: big, label: {en: Large, cy: Mawr}}
        """, "I202", 18, "size", "first used at line 17"),
    Row("unknown question type", """\
        - {code: essay, type: long_text, label: {en: Essay, cy: Traethawd}}
        """, "I105", 13, "essay", "'long_text' is not a question type"),
    Row("logic referring to a later question", """\
        - code: why
          type: free_text
          label: {en: Why, cy: Pam}
          relevant: "size == 'big'"
        - code: size
          type: single_choice
          label: {en: Size, cy: Maint}
          options:
            - {code: big, label: {en: Big, cy: Mawr}}
            - {code: small, label: {en: Small, cy: Bach}}
        """, "I208", 16, "why", "'size' (question 3), which is asked later"),
    Row("logic referring to an unknown question", """\
        - code: why
          type: free_text
          label: {en: Why, cy: Pam}
          relevant: "color == 'red'"
        """, "I207", 16, "why", "did you mean 'colour'"),
    Row("type mismatch: ranking compared to a number", """\
        - code: prio
          type: ranking
          label: {en: Priorities, cy: Blaenoriaethau}
          options:
            - {code: money, label: {en: Money, cy: Arian}}
            - {code: time, label: {en: Time, cy: Amser}}
        - code: why
          type: free_text
          label: {en: Why, cy: Pam}
          relevant: "prio <= 2"
        """, "I209", 22, "why", "rank(prio, 'money') <= 3"),
    Row("unreachable question", """\
        - code: why
          type: free_text
          label: {en: Why, cy: Pam}
          relevant: "colour == 'red' and colour == 'blue'"
        """, "I210", 16, "why", "question 'why' is never asked"),
    Row("missing English label", """\
        - {code: why, type: free_text, label: {cy: Pam}}
        """, "I203", 13, "why", "label has no English ('en') text"),
    Row("missing Welsh translation (a warning)", """\
        - {code: why, type: free_text, label: {en: Why, cy: Pam}, hint: Say why}
        """, "I204", 13, "why", "the hint of question 'why' has no Cymraeg ('cy') text",
        exit_code=0),
    Row("stale translation (a warning)", f"""\
        - code: why
          type: free_text
          label: {{en: Why exactly, cy: {{text: Pam, source: {text_stamp('Why')}}}}}
        """, "I205", 15, "why", f"the English now stamps as {text_stamp('Why exactly')}",
        exit_code=0),
    # Hostile files: without bounds these raised RecursionError and ValueError.
    Row("YAML nested 5,000 deep", f"""\
        - code: why
          type: free_text
          label: {{en: Why, cy: Pam}}
          hint: {"[" * 5000 + "]" * 5000}
        """, "I111", 16, None, f"nested more than {MAX_DEPTH} levels deep"),
    Row("a 100,000-digit number", f"""\
        - code: score
          type: rating
          label: {{en: Score, cy: Sgôr}}
          scale: {{min: 1, max: {"9" * 100_000}}}
        """, "I112", 16, None, "a number 100,000 characters long"),
]


def _write(root: Path, row: Row) -> Path:
    path = root / "demo" / "1.0.0.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(row.questions), "  "),
                    encoding="utf-8")
    return path


def _check_output(result: Result, row: Row, path: Path) -> None:
    out = result.output
    assert result.exit_code == row.exit_code, out
    assert result.exception is None or isinstance(result.exception, SystemExit), out
    assert "Traceback" not in out
    assert f"{path}:{row.line}" in out
    assert row.code in out
    assert ERRORS[row.code][1] in out  # the fix
    assert row.needle in out
    if row.question is not None:
        assert f"question '{row.question}'" in out
    severity = "error" if row.exit_code else "warning"
    assert f"{severity} {row.code}" in out


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
@pytest.mark.parametrize("target", ["dir", "file"])
def test_bad_instrument_is_reported_clearly(tmp_path: Path, row: Row, target: str) -> None:
    path = _write(tmp_path, row)
    args = (["instrument", "validate", "--dir", str(tmp_path)] if target == "dir"
            else ["instrument", "validate", str(path)])
    result = CliRunner().invoke(main, args)
    _check_output(result, row, path)


@pytest.mark.parametrize("row", [r for r in ROWS if r.exit_code == 0], ids=lambda r: r.name)
def test_warnings_fail_under_strict(tmp_path: Path, row: Row) -> None:
    path = _write(tmp_path, row)
    result = CliRunner().invoke(main, ["instrument", "validate", "--strict", str(path)])
    assert result.exit_code == 2, result.output
    assert "FAILED" in result.output
    assert no_traceback(result)


def test_a_broken_file_does_not_hide_the_others(tmp_path: Path) -> None:
    broken = _write(tmp_path, ROWS[0])
    good = tmp_path / "other" / "1.0.0.yaml"
    good.parent.mkdir()
    good.write_text(HEAD.replace("demo", "other"), encoding="utf-8")
    result = CliRunner().invoke(main, ["instrument", "validate", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{broken}: FAILED" in result.output
    assert "other@1.0.0: ok" in result.output


def test_unknown_ref_is_reported_without_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["instrument", "validate", "--dir", str(tmp_path),
                                       "nothing@1.0.0"])
    assert result.exit_code == 2
    assert "I110" in result.output
    assert no_traceback(result)
