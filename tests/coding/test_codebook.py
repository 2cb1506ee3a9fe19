"""The barriers codebook: its content, and clear errors for bad codebooks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey.coding.codebook import (
    default_codebook_path,
    keyword_regex,
    load_codebook,
    parse_codebook_text,
)
from survey.errors import LandscapeError

# The report's barrier passages, shipped with the tests (see tests/reference/README.md).
REPORT = Path(__file__).resolve().parents[1] / "reference" / "report_2022_barriers.txt"

THEMES = [
    "resources_capacity_funding", "short_term_funding", "complexity_no_entry_point",
    "staff_turnover", "local_vs_global_focus", "different_timescales",
    "decisiveness_fear_of_failure", "language_communication", "project_management",
    "commissioning_bureaucracy",
]

GOOD = """\
codebook: demo
version: 1.0.0
themes:
  - code: funding
    label: Funding
    description: Mentions money.
    source: "3.58"
    keywords: [funding]
"""


def _issues(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(LandscapeError) as info:
        parse_codebook_text(text, "bad.yaml")
    return [(i.code, i.location.line, i.message) for i in info.value.issues]


def test_shipped_codebook_has_the_report_themes_in_order() -> None:
    codebook = load_codebook()
    assert codebook.ref == "barriers@1.0.0"
    assert codebook.codes == THEMES
    assert codebook.question == "challenges"
    assert codebook.theme("resources_capacity_funding").label == "Resources / capacity / funding"
    assert all(theme.rules for theme in codebook)
    assert codebook.negation_guards


def _fold(text: str) -> str:
    table: dict[str, str | int | None] = {"\u2018": "'", "\u2019": "'", "\u201c": '"',
                                          "\u201d": '"', "\u2013": "-", "\u2014": "-"}
    text = text.translate(str.maketrans(table))
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)  # words hyphenated across PDF lines


def test_every_description_quotes_the_report_verbatim() -> None:
    report = _fold(REPORT.read_text(encoding="utf-8"))
    for theme in load_codebook():
        quotes = re.findall(r'"([^"]+)"', theme.description)
        assert quotes, theme.code
        for quote in quotes:
            for fragment in quote.split("..."):
                fragment = _fold(fragment).strip(" .")
                fragment = fragment.replace("[There is] ", "")
                if len(fragment) > 15:
                    assert fragment in report, (theme.code, fragment)


def test_unknown_theme_is_c111() -> None:
    with pytest.raises(LandscapeError) as info:
        load_codebook().theme("money")
    assert info.value.issues[0].code == "C111"
    assert "resources_capacity_funding" in info.value.issues[0].message


def test_keyword_regex_is_whole_word_with_flexible_hyphens() -> None:
    def hit(keyword: str, text: str) -> bool:
        return re.search(keyword_regex(keyword), text, re.IGNORECASE) is not None

    assert hit("short-term", "Short term money")
    assert hit("short term", "short-term money")
    assert hit("fund", "a FUND for it")
    assert not hit("fund", "fundamental")
    assert not hit("fund", "crowdfund")
    assert hit("reorgani*", "reorganisations")
    assert not hit("REF", "preference")


def test_good_codebook_parses_with_lines() -> None:
    codebook = parse_codebook_text(GOOD)
    rule = codebook.themes[0].rules[0]
    assert (rule.name, rule.line) == ("keyword:funding", 8)
    assert codebook.themes[0].line == 4


def test_malformed_regex_names_file_line_and_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD + "    patterns:\n      - 'lack of (funding'\n", encoding="utf-8")
    with pytest.raises(LandscapeError) as info:
        load_codebook(path)
    (problem,) = info.value.issues
    assert problem.code == "C108"
    assert problem.location.line == 10
    assert str(problem).startswith(f"{path}:10: error C108 bad regular expression")
    assert "lack of (funding" in problem.message and "position" in problem.message


def test_duplicate_theme_code_points_at_the_second() -> None:
    text = GOOD + """\
  - code: funding
    label: Money
    description: Again.
    source: "3.58"
    keywords: [money]
"""
    assert _issues(text) == [("C107", 9, "theme code 'funding' is used twice (first at line 4)")]


def test_unknown_fields_at_both_levels() -> None:
    text = GOOD.replace("version: 1.0.0\n", "version: 1.0.0\nauthor: me\n") + "    colour: red\n"
    codes = [(c, line) for c, line, _ in _issues(text)]
    assert codes == [("C104", 3), ("C104", 10)]


def test_every_problem_is_reported_at_once() -> None:
    text = """\
codebook: demo
version: one
themes:
  - code: Funding
    label: Funding
    description: x
    source: "3.58"
    keywords: [funding]
  - code: empty
    label: Empty
    description: x
    source: "3.58"
  - code: greedy
    label: Greedy
    description: x
    patterns: ['a*']
"""
    codes = [(c, line) for c, line, _ in _issues(text)]
    assert ("C105", 2) in codes
    assert ("C106", 4) in codes
    assert ("C110", 9) in codes
    assert ("C102", 13) in codes  # greedy has no source
    assert ("C109", 16) in codes


@pytest.mark.parametrize(("text", "code"), [
    ("- just a list\n", "C101"),
    ("codebook: demo\nversion: 1.0.0\n", "C101"),
    ("codebook: demo\nversion: 1.0.0\nthemes: []\n", "C103"),
    ("codebook: demo\nversion: 1.0.0\nthemes: [oops]\n", "C103"),
    (GOOD.replace("keywords: [funding]", "keywords: funding"), "C103"),
    (GOOD.replace("keywords: [funding]", "keywords: ['']"), "C103"),
    (GOOD.replace("label: Funding", "label: {cy: Cyllid}"), "C102"),
    (GOOD.replace("keywords: [funding]", "keywords: ['*']"), "C109"),
])
def test_bad_codebooks_have_their_codes(text: str, code: str) -> None:
    assert code in [c for c, _, _ in _issues(text)]


def test_yaml_syntax_error_has_a_line() -> None:
    (problem,) = _issues(GOOD + "  - code: [unclosed\n")
    assert problem[0] == "I101" and problem[1] == 10


def test_missing_file_is_c101(tmp_path: Path) -> None:
    with pytest.raises(LandscapeError) as info:
        load_codebook(tmp_path / "nope.yaml")
    assert info.value.issues[0].code == "C101"


def test_welsh_label_is_kept() -> None:
    codebook = parse_codebook_text(GOOD.replace("label: Funding",
                                                "label: {en: Funding, cy: Cyllid}"))
    assert codebook.themes[0].label == "Funding"
    assert codebook.themes[0].translations == (("cy", "Cyllid"),)


def test_default_path_is_under_instruments() -> None:
    path = default_codebook_path()
    assert path.parts[-2:] == ("codebooks", "barriers.yaml")
    assert path.is_file()


@pytest.mark.parametrize("module", ["codebook", "rules", "shares", "agreement", "demo_text"])
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"survey.coding.{module}"))
    assert result.attempted > 0 and result.failed == 0
