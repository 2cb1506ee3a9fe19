"""XLSForm export: the mapping, skip logic as XPath, and pyxform on every shipped version."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from cli_assert import no_traceback
from click.testing import CliRunner
from lxml import etree

from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument.loader import load_instrument, parse_instrument_text
from survey.instrument.logic import is_shown
from survey.instrument.model import InstrumentVersion, QuestionType
from survey.instrument.registry import Catalogue
from survey.instrument.xlsform import relevant_xpath, write_xlsform, xlsform_sheets

pyxform_convert = pytest.importorskip("pyxform.xls2xform").convert

# ODK Validate (bundled with pyxform) needs Java; without it we still run pyxform.
HAVE_JAVA = shutil.which("java") is not None

SHIPPED = Catalogue.default().files()

DEMO = """
instrument: demo
version: 2.3.1
title: {en: Demo survey, cy: Arolwg demo}
languages: [en, cy]
paths:
  partner: {label: Partners, when: "in_partnership == 'yes'"}
questions:
  - code: ok
    type: consent
    section: About you
    label: {en: I agree, cy: Rwy'n cytuno}
  - code: in_partnership
    type: single_choice
    section: About you
    required: true
    label: {en: "In a partnership?", cy: "Mewn partneriaeth?"}
    hint: {en: Any kind counts}
    options:
      - {code: 'yes', label: {en: 'Yes', cy: 'Ydy'}}
      - {code: 'no', label: {en: 'No', cy: 'Nac ydy'}}
  - code: nation
    type: place
    level: nation
    section: About you
    label: Nation
  - code: region
    type: place
    level: region
    section: About you
    label: Region
    relevant: "nation == 'england'"
  - code: sources
    type: multiple_choice
    section: Partnership
    path: partner
    other: true
    label: {en: "Sources?", cy: "Ffynonellau?"}
    options:
      - {code: papers, label: Papers}
      - {code: data, label: Data}
      - {code: people, label: People}
  - code: staff
    type: number
    section: Partnership
    path: partner
    integer: true
    min: 0
    max: 500
    label: How many staff?
  - code: share
    type: number
    section: Partnership
    path: partner
    min: 0.5
    label: Share?
  - code: success
    type: rating
    section: Partnership
    path: partner
    scale: {min: 1, max: 5, labels: {1: {en: Poor, cy: Gwael}, 5: Excellent}}
    label: How successful?
  - code: top
    type: ranking
    section: Partnership
    path: partner
    ranking: {mode: top_k, k: 2, ties: forbid}
    label: Rank your top two
    options:
      - {code: a, label: Option A}
      - {code: b, label: Option B}
      - {code: c, label: Option C}
  - code: why
    type: free_text
    max_length: 300
    label: Why?
    relevant: >-
      (rank(top, 'a') <= 1 or count(sources) >= 2) and not (success < 3)
      and staff not in [0, 1] and ok == true
  - code: other_notes
    type: free_text
    label: Anything else?
    relevant: "region != 'london' or selected(sources, 'other') or answered(why) or share > 1"
"""


@pytest.fixture(scope="module")
def demo() -> InstrumentVersion:
    return parse_instrument_text(DEMO, "demo.yaml")


def _rows_by_name(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["name"]: r for r in rows if "name" in r}


def _convert(path: Path) -> list[str]:
    """Run pyxform (and ODK Validate when Java is here); return its warnings."""
    warnings: list[str] = []
    result = pyxform_convert(str(path), warnings=warnings, validate=HAVE_JAVA)
    assert "<h:html" in result.xform
    return warnings


# -- pyxform on every shipped version -----------------------------------------------------


def test_there_are_shipped_versions() -> None:
    assert len(SHIPPED) >= 3


@pytest.mark.parametrize("path", SHIPPED, ids=[f"{p.parent.name}@{p.stem}" for p in SHIPPED])
def test_every_shipped_version_converts_without_errors_or_warnings(
        path: Path, tmp_path: Path) -> None:
    iv = load_instrument(path)
    out = write_xlsform(iv, tmp_path / "form.xlsx")
    assert _convert(out) == []
    survey = _rows_by_name(xlsform_sheets(iv)["survey"])
    for q in iv.questions:
        assert q.code in survey, q.code
        if q.type is QuestionType.RANKING:
            assert survey[q.code]["type"] == f"rank {q.code}"
        if q.required:
            assert survey[q.code]["required"] == "yes"
    for language in ("English (en)", "Cymraeg (cy)"):
        wanted = ("cy" in iv.languages) or language.startswith("English")
        assert (f"label::{language}" in survey[iv.questions[0].code]) == wanted


def test_the_demo_converts_without_warnings(demo: InstrumentVersion, tmp_path: Path) -> None:
    assert _convert(write_xlsform(demo, tmp_path / "demo.xlsx")) == []


# -- the mapping -------------------------------------------------------------------------------


def test_types_choices_and_constraints(demo: InstrumentVersion) -> None:
    sheets = xlsform_sheets(demo)
    survey = _rows_by_name(sheets["survey"])
    assert survey["ok"]["type"] == "select_one consent-yes-no"
    assert survey["in_partnership"]["type"] == "select_one in_partnership"
    assert survey["nation"]["type"] == "select_one place-nation"
    assert survey["region"]["type"] == "select_one place-region"
    assert survey["sources"]["type"] == "select_multiple sources"
    assert survey["staff"] == survey["staff"] | {"type": "integer",
                                                 "constraint": ". >= 0 and . <= 500"}
    assert survey["share"] == survey["share"] | {"type": "decimal", "constraint": ". >= 0.5"}
    assert survey["success"]["type"] == "select_one success"
    assert survey["top"]["type"] == "rank top"
    assert survey["why"]["constraint"] == "string-length(.) <= 300"
    assert survey["in_partnership"]["required"] == "yes"
    assert "required" not in survey["staff"]

    lists: dict[str, list[str]] = {}
    for row in sheets["choices"]:
        lists.setdefault(row["list_name"], []).append(row["name"])
    assert lists["top"] == ["a", "b", "c"]
    assert lists["sources"] == ["papers", "data", "people", "other"]
    assert lists["success"] == ["1", "2", "3", "4", "5"]
    assert lists["consent-yes-no"] == ["yes", "no"]
    assert lists["place-nation"] == ["england", "scotland", "wales", "northern_ireland"]
    assert len(lists["place-region"]) == 12


def test_multiple_choice_other_adds_a_follow_up(demo: InstrumentVersion) -> None:
    rows = xlsform_sheets(demo)["survey"]
    names = [r.get("name") for r in rows]
    follow = rows[names.index("sources") + 1]
    assert follow["name"] == "sources_other"
    assert follow["type"] == "text"
    assert follow["relevant"] == "selected(${sources}, 'other')"
    assert follow["label::English (en)"] == "Please specify"


def test_follow_up_name_does_not_clash_with_a_question() -> None:
    iv = parse_instrument_text("""
instrument: clash
version: 1.0.0
title: Clash
questions:
  - code: q
    type: single_choice
    other: true
    label: Q
    options: [{code: a, label: A}, {code: b, label: B}]
  - {code: q_other, type: free_text, label: Already taken}
""")
    names = [r.get("name") for r in xlsform_sheets(iv)["survey"]]
    assert names == ["q", "q_other_2", "q_other"]


def test_top_k_ranking_says_only_k_count(demo: InstrumentVersion) -> None:
    top = _rows_by_name(xlsform_sheets(demo)["survey"])["top"]
    assert top["hint::English (en)"] == "Only your first 2 choices count."
    assert "2" in top["hint::Cymraeg (cy)"]


def test_language_columns_and_fallback_to_english(demo: InstrumentVersion) -> None:
    sheets = xlsform_sheets(demo)
    survey = _rows_by_name(sheets["survey"])
    assert survey["in_partnership"]["label::English (en)"] == "In a partnership?"
    assert survey["in_partnership"]["label::Cymraeg (cy)"] == "Mewn partneriaeth?"
    # No Welsh hint was written: the English is repeated rather than left blank.
    assert survey["in_partnership"]["hint::Cymraeg (cy)"] == "Any kind counts"
    assert not any("label" == key for row in sheets["survey"] for key in row)
    success = [r for r in sheets["choices"] if r["list_name"] == "success"]
    assert [r["label::Cymraeg (cy)"] for r in success] == ["Gwael", "2", "3", "4", "Excellent"]
    assert sheets["settings"] == [{"form_title": "Demo survey", "form_id": "demo",
                                   "version": "2.3.1", "default_language": "English (en)"}]


def test_sections_become_balanced_groups(demo: InstrumentVersion) -> None:
    rows = xlsform_sheets(demo)["survey"]
    kinds = [(r["type"], r.get("name")) for r in rows if "group" in r["type"]]
    assert kinds == [("begin_group", "about_you"), ("end_group", None),
                     ("begin_group", "partnership"), ("end_group", None)]
    # Questions without a section come after the last group closes.
    assert rows[-1]["name"] == "other_notes"
    assert rows[-3]["type"] == "end_group"


def test_labels_are_escaped_for_odk() -> None:
    iv = parse_instrument_text(r"""
instrument: evil
version: 1.0.0
title: Evil
questions:
  - {code: a, type: free_text, label: "**bold** _it_ # h \\ ${a} [x](javascript:alert(1))"}
""")
    label = xlsform_sheets(iv)["survey"][0]["label::English (en)"]
    assert label.startswith(r"\*\*bold\*\* \_it\_ \# h \\ ")
    assert "${" not in label and "](" not in label


# -- skip logic -------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), [
    ("region", "${nation} = 'england'"),
    ("sources", "${in_partnership} = 'yes'"),
])
def test_simple_relevant(demo: InstrumentVersion, code: str, expected: str) -> None:
    q = demo.question(code)
    assert q is not None
    assert relevant_xpath(demo, q) == expected


def test_relevant_uses_odk_functions(demo: InstrumentVersion) -> None:
    why = demo.question("why")
    notes = demo.question("other_notes")
    assert why is not None and notes is not None
    why_x = relevant_xpath(demo, why)
    notes_x = relevant_xpath(demo, notes)
    assert why_x is not None and notes_x is not None
    assert "count-selected(${sources}) >= 2" in why_x
    assert "selected-at(${top}, 0) = 'a'" in why_x
    assert "${ok} = 'yes'" in why_x
    assert "not(${staff} = 0 or ${staff} = 1)" in why_x
    assert "selected(${sources}, 'other')" in notes_x
    assert "string-length(${why}) > 0" in notes_x
    assert relevant_xpath(demo, demo.questions[0]) is None


def test_a_broken_condition_is_reported_with_its_place() -> None:
    iv = parse_instrument_text("""
instrument: broken
version: 1.0.0
title: Broken
questions:
  - {code: a, type: number, label: A}
  - {code: b, type: number, label: B, relevant: "a >"}
""", "broken.yaml")
    with pytest.raises(LandscapeError) as caught:
        xlsform_sheets(iv)
    problem = caught.value.issues[0]
    assert problem.code == "I206"
    assert problem.location.file == "broken.yaml" and problem.location.line == 7
    assert problem.location.question == "b"


# The XPath must mean what our condition means. We evaluate both on random answers:
# ours with survey.instrument.logic, the XPath with lxml (libxml2's XPath 1.0) plus the
# few ODK functions it uses, written here from the ODK XForms spec.

_ODK_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "if": lambda _ctx, cond, a, b: a if cond else b,
    "selected": lambda _ctx, value, option: str(option) in str(value).split(),
    "count-selected": lambda _ctx, value: float(len(str(value).split())),
    "selected-at": lambda _ctx, value, i: (str(value).split()[int(i)]
                                           if int(i) < len(str(value).split()) else ""),
}


@pytest.fixture
def odk_xpath() -> Iterator[Callable[[str, dict[str, str]], bool]]:
    namespace = etree.FunctionNamespace(None)
    for name, function in _ODK_FUNCTIONS.items():
        namespace[name] = function
    root = etree.fromstring("<data/>")

    def run(xpath: str, values: dict[str, str]) -> bool:
        # ${code} -> $code: an XPath variable bound to the answer's text.
        expression = xpath.replace("${", "$").replace("}", "")
        return bool(root.xpath(f"boolean({expression})", **values))

    yield run
    for name in _ODK_FUNCTIONS:
        del namespace[name]


def _random_answers(iv: InstrumentVersion, rng: random.Random) -> tuple[dict[str, object],
                                                                       dict[str, str]]:
    """Random answers in our form and as ODK would store them ('' = unanswered)."""
    ours: dict[str, object] = {}
    odk: dict[str, str] = {}
    for q in iv.questions:
        odk[q.code] = ""
        if rng.random() < 0.2:
            continue
        codes = [o.code for o in q.options]
        if q.type is QuestionType.SINGLE_CHOICE:
            ours[q.code] = odk[q.code] = rng.choice(codes)
        elif q.type is QuestionType.PLACE:
            ours[q.code] = odk[q.code] = rng.choice(["england", "wales", "london", "north_east"])
        elif q.type is QuestionType.MULTIPLE_CHOICE:
            chosen = [c for c in [*codes, "other"] if rng.random() < 0.5] or [codes[0]]
            ours[q.code] = set(chosen)
            odk[q.code] = " ".join(chosen)
        elif q.type is QuestionType.RANKING:
            order = rng.sample(codes, len(codes))
            assert q.ranking is not None
            k = q.ranking.positions(len(codes))
            ours[q.code] = {c: i + 1 for i, c in enumerate(order[:k])}
            odk[q.code] = " ".join(order)  # the rank widget orders every option
        elif q.type is QuestionType.NUMBER:
            value = rng.choice([0, 1, 2, 5, 0.5, 1.5])
            ours[q.code] = value
            odk[q.code] = str(value)
        elif q.type is QuestionType.RATING:
            value = rng.randint(1, 5)
            ours[q.code] = value
            odk[q.code] = str(value)
        elif q.type is QuestionType.CONSENT:
            agreed = rng.random() < 0.5
            ours[q.code] = agreed
            odk[q.code] = "yes" if agreed else "no"
        else:
            text = rng.choice(["x", "some words"])
            ours[q.code] = odk[q.code] = text
    return ours, odk


def test_xpath_means_the_same_as_our_conditions(
        demo: InstrumentVersion, odk_xpath: Callable[[str, dict[str, str]], bool]) -> None:
    rng = random.Random(20220301)
    checked = 0
    outcomes: set[tuple[str, bool]] = set()
    for _ in range(400):
        ours, odk = _random_answers(demo, rng)
        for q in demo.questions:
            xpath = relevant_xpath(demo, q)
            if xpath is None:
                continue
            expected = is_shown(demo, q, ours)
            assert odk_xpath(xpath, odk) == expected, (q.code, xpath, ours)
            outcomes.add((q.code, expected))
            checked += 1
    assert checked > 1000
    # Every conditional question was seen both shown and hidden.
    conditional = {q.code for q in demo.questions if q.path or q.relevant}
    assert outcomes == {(c, b) for c in conditional for b in (True, False)}


@pytest.mark.parametrize("condition", [
    "n != 2", "n not in [1, 2]", "t == ''", "count(m) == 0", "count(m) < 1",
    "rank(r, 'a') != 1", "not (rank(r, 'b') == 2)", "not answered(t)", "c == false",
    "t != 'it\\'s'",
])
def test_unanswered_questions_make_comparisons_false(
        condition: str, odk_xpath: Callable[[str, dict[str, str]], bool]) -> None:
    iv = parse_instrument_text(f"""
instrument: edge
version: 1.0.0
title: Edge
questions:
  - {{code: n, type: number, label: N}}
  - {{code: t, type: free_text, label: T}}
  - {{code: c, type: consent, label: C, required: false}}
  - code: m
    type: multiple_choice
    label: M
    options: [{{code: a, label: A}}, {{code: b, label: B}}]
  - code: r
    type: ranking
    label: R
    options: [{{code: a, label: A}}, {{code: b, label: B}}]
  - code: last
    type: free_text
    label: Last
    relevant: >-
      {condition}
""")
    last = iv.questions[-1]
    xpath = relevant_xpath(iv, last)
    assert xpath is not None
    empty = {q.code: "" for q in iv.questions}
    assert odk_xpath(xpath, empty) == is_shown(iv, last, {})
    filled = {"n": "2", "t": "it's", "c": "no", "m": "a", "r": "b a", "last": ""}
    answers: dict[str, object] = {"n": 2, "t": "it's", "c": False, "m": {"a"},
                                  "r": {"b": 1, "a": 2}}
    assert odk_xpath(xpath, filled) == is_shown(iv, last, answers)


# -- writing ---------------------------------------------------------------------------------


def test_written_workbook_has_the_sheets(demo: InstrumentVersion, tmp_path: Path) -> None:
    path = write_xlsform(demo, tmp_path / "demo.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = [c.value for c in book["survey"][1]]
    assert header[:4] == ["type", "name", "label::English (en)", "label::Cymraeg (cy)"]
    assert book["settings"]["B2"].value == "demo"
    assert list(tmp_path.iterdir()) == [path]


def test_a_failed_write_leaves_nothing_behind(demo: InstrumentVersion, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "demo.xlsx"
    target.write_bytes(b"the previous export")

    def broken_save(self: object, filename: str) -> None:
        Path(filename).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(LandscapeError) as caught:
        write_xlsform(demo, target)
    assert caught.value.issues[0].code == "X101"
    assert "No space left on device" in caught.value.issues[0].message
    assert target.read_bytes() == b"the previous export"
    assert list(tmp_path.iterdir()) == [target]


# -- the command ------------------------------------------------------------------------------


def test_cli_export_xlsform(tmp_path: Path) -> None:
    out = tmp_path / "lg.xlsx"
    result = CliRunner().invoke(main, ["instrument", "export-xlsform", "local_government@1.0.0",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    assert _convert(out) == []


def test_cli_unknown_ref_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(main, ["instrument", "export-xlsform", "no_such_survey@1.0.0",
                                       "-o", str(out)])
    assert result.exit_code == 2
    assert "I110" in result.output and "no_such_survey" in result.output
    assert no_traceback(result)
    assert list(tmp_path.iterdir()) == []


def test_cli_unknown_version(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(main, ["instrument", "export-xlsform", "local_government@9.9.9",
                                       "-o", str(out)])
    assert result.exit_code == 2
    assert "has no version 9.9.9" in result.output
    assert not out.exists()


def test_cli_missing_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "lg.xlsx"
    result = CliRunner().invoke(main, ["instrument", "export-xlsform", "local_government@1.0.0",
                                       "-o", str(out)])
    assert result.exit_code == 2
    assert "X101" in result.output
    assert f"the directory {out.parent} does not exist" in result.output
    assert "Create the output directory" in result.output
    assert no_traceback(result)
    assert list(tmp_path.iterdir()) == []
