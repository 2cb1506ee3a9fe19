"""Semantic validation of instruments, written pyxform-style: YAML in, issues out."""

from __future__ import annotations

import sys
import textwrap
import types
from pathlib import Path

import pytest
from instrument_assert import assert_instrument

from survey.errors import Issue, Location, issue
from survey.instrument.model import InstrumentVersion, text_stamp
from survey.instrument.registry import Catalogue
from survey.instrument.validate import validate_targets

HEAD = """\
instrument: demo
version: 1.0.0
title: Demo
"""
# Lines 1-3 are HEAD; with `questions:` on line 4 the first question starts on line 5.

CHOICE = """\
  - code: colour
    type: single_choice
    label: Colour
    options:
      - {code: red, label: Red}
      - {code: blue, label: Blue}
"""


def doc(body: str) -> str:
    return HEAD + textwrap.dedent(body)


def items(body: str) -> str:
    """More question items, to follow ``CHOICE``."""
    return textwrap.indent(textwrap.dedent(body), "  ")


def test_a_sound_instrument_has_no_issues() -> None:
    assert_instrument(doc("""\
        paths:
          red_path: {label: Red, when: "colour == 'red'"}
        questions:
        """) + CHOICE + items("""\
          - {code: why, type: free_text, label: Why, path: red_path}
          - {code: n, type: number, label: N, min: 0, max: 10, integer: true}
          - {code: more, type: free_text, label: More, relevant: "n >= 3 and n <= 4"}
        """))


# -- codes and fields -------------------------------------------------------------------


def test_duplicate_question_code_names_both_lines() -> None:
    assert_instrument(doc("""\
        questions:
          - {code: name, type: free_text, label: Name}
          - {code: age, type: number, label: Age}
          - {code: name, type: free_text, label: Name again}
        """), errors=["I201"], line=7, question="name", message_contains="first used at line 5")


def test_duplicate_option_code_names_both_lines() -> None:
    assert_instrument(doc("""\
        questions:
          - code: colour
            type: single_choice
            label: Colour
            options:
              - {code: red, label: Red}
              - {code: blue, label: Blue}
              - {code: red, label: Crimson}
        """), errors=["I202"], line=11, question="colour",
        message_contains="first used at line 9")


@pytest.mark.parametrize(("question", "field"), [
    ("{code: q, type: free_text, label: Q, options: [{code: a, label: A}]}", "options"),
    ("{code: q, type: ranking, label: Q, other: true, options: "
     "[{code: a, label: A}, {code: b, label: B}]}", "other"),
    ("{code: q, type: number, label: Q, scale: {min: 1, max: 5}}", "scale"),
    ("{code: q, type: rating, label: Q, scale: {min: 1, max: 5}, max: 3}", "max"),
    ("{code: q, type: consent, label: Q, level: nation}", "level"),
])
def test_fields_that_do_not_apply_to_the_type(question: str, field: str) -> None:
    assert_instrument(doc(f"questions:\n  - {question}\n"), errors=["I106"], line=5,
                      message_contains=f"field '{field}' does not apply")


def test_a_choice_needs_two_options() -> None:
    assert_instrument(doc("""\
        questions:
          - {code: q, type: single_choice, label: Q, options: [{code: a, label: A}]}
        """), errors=["I212"], question="q", message_contains="has 1")


def test_top_k_ranking_every_option_is_a_warning() -> None:
    assert_instrument(doc("""\
        questions:
          - code: r
            type: ranking
            label: R
            ranking: {mode: top_k, k: 2}
            options: [{code: a, label: A}, {code: b, label: B}]
        """), warnings=["I211"], line=8, message_contains="mode: full")


def test_number_min_above_max() -> None:
    assert_instrument(doc("""\
        questions:
          - {code: n, type: number, label: N, min: 5, max: 1}
        """), errors=["I104"], message_contains="min 5 is above max 1")


def test_structural_problems_come_through_the_same_helper() -> None:
    assert_instrument(doc("""\
        questions:
          - {code: q, type: essay, label: Q}
        """), errors=["I105"], line=5, question="q")


# -- paths and logic ---------------------------------------------------------------------


def test_unknown_path() -> None:
    assert_instrument(doc("""\
        paths:
          yes_path: {label: Yes, when: "true"}
        questions:
          - {code: q, type: free_text, label: Q, path: no_path}
        """), errors=["I213"], line=7, message_contains="paths: yes_path")


def test_logic_syntax_error_names_line_and_column() -> None:
    found = assert_instrument(doc("questions:\n") + CHOICE + items("""\
          - code: why
            type: free_text
            label: Why
            relevant: "colour = 'red'"
        """), errors=["I206"], line=14, question="why",
        message_contains=["the 'relevant' of question 'why'", "column 8", "use '=='"])
    assert found[0].location.column == 8


def test_logic_referring_to_a_later_question() -> None:
    assert_instrument(doc("""\
        questions:
          - {code: why, type: free_text, label: Why, relevant: "colour == 'red'"}
        """) + CHOICE, errors=["I208"], line=5, question="why", message_contains="asked later")


def test_logic_referring_to_the_question_itself() -> None:
    assert_instrument(doc("""\
        questions:
          - {code: n, type: number, label: N, relevant: "n > 1"}
        """), errors=["I208"], message_contains="'n' itself")


def test_logic_referring_to_an_unknown_question() -> None:
    assert_instrument(doc("questions:\n") + CHOICE + items("""\
          - {code: why, type: free_text, label: Why, relevant: "colur == 'red'"}
        """), errors=["I207"], line=11, message_contains="did you mean 'colour'")


def test_path_condition_may_use_questions_before_the_path_starts() -> None:
    assert_instrument(doc("""\
        paths:
          red_path: {label: Red, when: "colour == 'red' and n > 1"}
        questions:
        """) + CHOICE + items("""\
          - {code: n, type: number, label: N}
          - {code: why, type: free_text, label: Why, path: red_path}
        """))


def test_path_condition_may_not_use_a_question_on_the_path() -> None:
    assert_instrument(doc("""\
        paths:
          red_path: {label: Red, when: "colour == 'red' and n > 1"}
        questions:
        """) + CHOICE + items("""\
          - {code: n, type: number, label: N, path: red_path}
          - {code: why, type: free_text, label: Why, path: red_path}
        """), errors=["I208"], line=5, message_contains="the 'when' of path 'red_path'")


@pytest.mark.parametrize(("condition", "code", "needle"), [
    ("rank(r, 'a') == 'first'", "I209", "does not match"),
    ("r < 2", "I209", "rank(r, 'a') <= 3"),
    ("m == 'a'", "I209", "selected(m, 'a')"),
    ("n == 'ten'", "I209", "compare it with a number"),
    ("c == 'yes'", "I209", "true or false"),
    ("colour == 'green'", "I214", "its options: red, blue"),
    ("selected(m, 'z')", "I214", "not an option of 'm'"),
])
def test_type_mismatches(condition: str, code: str, needle: str) -> None:
    assert_instrument(doc("questions:\n") + CHOICE + items(f"""\
          - {{code: m, type: multiple_choice, label: M, options: [{{code: a, label: A}},
             {{code: b, label: B}}]}}
          - {{code: r, type: ranking, label: R, options: [{{code: a, label: A}},
             {{code: b, label: B}}]}}
          - {{code: n, type: number, label: N}}
          - {{code: c, type: consent, label: C}}
          - {{code: last, type: free_text, label: Last, relevant: "{condition}"}}
        """), errors=[code], line=17, question="last", message_contains=needle)


# -- reachability -------------------------------------------------------------------------

QUESTIONS = doc("questions:\n") + CHOICE + items("""\
      - {code: agree, type: consent, label: Agree, required: false}
      - {code: n, type: number, label: N, integer: true}
      - {code: x, type: number, label: X}
      - {code: stars, type: rating, label: Stars, scale: {min: 1, max: 5}}
      - code: m
        type: multiple_choice
        label: M
        options: [{code: a, label: A}, {code: b, label: B}, {code: c, label: C}]
      - code: r
        type: ranking
        label: R
        options: [{code: a, label: A}, {code: b, label: B}, {code: c, label: C}]
      - code: top
        type: ranking
        label: Top
        ranking: {mode: top_k, k: 1, ties: forbid}
        options: [{code: a, label: A}, {code: b, label: B}, {code: c, label: C}]
      - code: tied
        type: ranking
        label: Tied
        ranking: {mode: full, ties: allow}
        options: [{code: a, label: A}, {code: b, label: B}]
      - {code: must, type: free_text, label: Must, required: true}
    """)


@pytest.mark.parametrize(("condition", "reachable"), [
    ("colour == 'red' and colour == 'blue'", False),
    ("colour == 'red' or colour == 'blue'", True),
    ("colour != 'red' and colour != 'blue'", False),  # unanswered makes both comparisons false
    ("not colour == 'red' and not colour == 'blue'", True),  # ... but not their negations
    ("colour in []", False),
    ("agree and not agree", False),
    ("agree == true and agree == false", False),
    ("not answered(agree) and agree", False),
    ("n > 3 and n < 4", False),  # a whole number
    ("x > 3 and x < 4", True),  # any number
    ("x >= 3.5 and x <= 3.5", True),
    ("x > 3 and x < 3.0001", True),
    ("stars > 5", False),
    ("stars >= 5 and stars <= 5", True),
    ("selected(m, 'a') and count(m) == 1 and selected(m, 'b')", False),
    ("selected(m, 'a') and selected(m, 'b') and not selected(m, 'c')", True),
    ("count(m) > 3", False),
    ("count(m) == 3 and not selected(m, 'c')", False),
    ("rank(r, 'a') == 1 and rank(r, 'b') == 1", False),  # ties forbidden
    ("rank(r, 'a') > 3", False),
    ("rank(r, 'a') == 3 and rank(r, 'b') == 2", True),
    ("rank(top, 'a') == 2", False),  # only the best 1 is ranked
    ("rank(top, 'a') == 1 and rank(top, 'b') == 1", False),
    ("answered(top) and not (rank(top, 'a') == 1) and not (rank(top, 'b') == 1)", True),
    ("rank(tied, 'a') == 1 and rank(tied, 'b') == 1", True),  # ties allowed
    ("not answered(must)", False),  # required and always shown, so always answered
    ("must == 'x' and must == 'y'", False),
    ("must == 'anything at all'", True),
])
def test_reachability(condition: str, reachable: bool) -> None:
    text = QUESTIONS + f'  - {{code: last, type: free_text, label: L, relevant: "{condition}"}}\n'
    if reachable:
        assert_instrument(text)
    else:
        assert_instrument(text, errors=["I210"], question="last",
                          message_contains="question 'last' is never asked")


def test_unreachable_path_makes_its_questions_unreachable() -> None:
    assert_instrument(doc("""\
        paths:
          odd: {label: Odd, when: "colour == 'red' and colour == 'blue'"}
        questions:
        """) + CHOICE + items("""\
          - {code: a, type: free_text, label: A, path: odd}
          - {code: b, type: free_text, label: B, path: odd}
        """), errors=["I210", "I210"], message_contains="its path 'odd'")


def test_unreachability_cascades_through_hidden_questions() -> None:
    # `follow` needs an answer to `never`, which is never asked, so it has none.
    assert_instrument(doc("questions:\n") + CHOICE + items("""\
          - {code: never, type: number, label: N, relevant: "colour == 'red' and colour == 'blue'"}
          - {code: follow, type: free_text, label: F, relevant: "never > 1"}
          - {code: fine, type: free_text, label: F, relevant: "not answered(never)"}
        """), errors=["I210", "I210"], question="follow")


def test_path_and_relevant_must_hold_together() -> None:
    assert_instrument(doc("""\
        paths:
          red_path: {label: Red, when: "colour == 'red'"}
        questions:
        """) + CHOICE + items("""\
          - {code: a, type: free_text, label: A, path: red_path, relevant: "colour == 'blue'"}
        """), errors=["I210"], line=13, message_contains="its path 'red_path'")


def test_faulty_conditions_are_not_also_reported_unreachable() -> None:
    assert_instrument(doc("questions:\n") + CHOICE + items("""\
          - {code: a, type: free_text, label: A, relevant: "colour == 'x' and colour == 'y'"}
        """), errors=["I214", "I214"])


def test_many_conditions_stay_decidable_quickly() -> None:
    # 12 chained number questions with boundaries: the pruned search must finish
    # (budget-bounded) and still find the last question reachable.
    lines = ["questions:", "  - {code: q0, type: number, label: Q}"]
    for i in range(1, 12):
        lines.append(f"  - {{code: q{i}, type: number, label: Q, "
                     f"relevant: \"q{i - 1} > {i} or q{i - 1} < {-i}\"}}")
    assert_instrument(doc("\n".join(lines) + "\n"))


# -- translations -----------------------------------------------------------------------


def test_missing_welsh_is_a_warning_per_text() -> None:
    found = assert_instrument(doc("""\
        languages: [en, cy]
        questions:
          - code: q
            type: single_choice
            label: {en: Pick, cy: Dewis}
            hint: Just one
            options:
              - {code: a, label: {en: A, cy: A}}
              - {code: b, label: B}
          - code: s
            type: rating
            label: {en: Stars, cy: Sêr}
            scale: {min: 1, max: 5, labels: {1: Poor, 5: {en: Good, cy: Da}}}
        """), warnings=["I204"] * 4, message_contains="Cymraeg ('cy')")
    where = sorted((i.location.line or 0, i.message.split(" has")[0]) for i in found)
    assert where == [
        (3, "the title"),
        (9, "the hint of question 'q'"),
        (12, "the label of option 'b' of question 'q'"),
        (16, "the label of scale point 1 of question 's'"),
    ]


def test_stale_and_fresh_translations() -> None:
    fresh, stale = text_stamp("Pick one"), text_stamp("Pick")
    assert_instrument(doc(f"""\
        languages: [en, cy]
        questions:
          - code: q
            type: free_text
            label: {{en: Pick one, cy: {{text: Dewiswch un, source: {fresh}}}}}
            hint: {{en: Any, cy: {{text: Unrhyw, source: {stale}}}}}
        """).replace("title: Demo", "title: {en: Demo, cy: Demo}"),
        warnings=["I205"], line=9, question="q",
        message_contains=[f"source {stale}", f"now stamps as {text_stamp('Any')}"])


def test_english_only_instrument_needs_no_translations() -> None:
    assert_instrument(doc("languages: [en]\nquestions:\n") + CHOICE)


# -- validate_targets -----------------------------------------------------------------------


GOOD = HEAD + "questions:\n  - {code: q, type: free_text, label: Q}\n"


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_targets_reports_every_file_even_when_one_is_broken(tmp_path: Path) -> None:
    _write(tmp_path, "demo/1.0.0.yaml", GOOD)
    broken = _write(tmp_path, "demo/1.1.0.yaml", "instrument: demo\nversion: [1.1.0\n")
    _write(tmp_path, "other/2.0.0.yaml", GOOD.replace("demo", "other").replace("1.0.0", "2.0.0")
           + "  - {code: q, type: free_text, label: Again}\n")
    report = validate_targets(Catalogue(tmp_path), [])
    assert list(report) == ["demo@1.0.0", str(broken), "other@2.0.0"]
    assert report["demo@1.0.0"] == []
    assert [i.code for i in report[str(broken)]] == ["I101"]
    assert [i.code for i in report["other@2.0.0"]] == ["I201"]


def test_validate_targets_accepts_refs_and_files(tmp_path: Path) -> None:
    path = _write(tmp_path, "demo/1.0.0.yaml", GOOD)
    misnamed = _write(tmp_path / "elsewhere", "draft.yaml",
                      GOOD + '  - {code: q2, type: free_text, label: Q, relevant: "q3"}\n')
    catalogue = Catalogue(tmp_path)
    assert validate_targets(catalogue, ["demo@1.0.0"]) == {"demo@1.0.0": []}
    assert validate_targets(catalogue, ["demo"]) == {"demo@1.0.0": []}
    assert validate_targets(catalogue, [str(path)]) == {"demo@1.0.0": []}
    report = validate_targets(catalogue, [str(misnamed)])
    # Named wrongly and with bad logic: both are reported.
    assert [i.code for i in report["demo@1.0.0"]] == ["I108", "I207"]
    unknown = validate_targets(catalogue, ["demo@9.9.9", "nothing@1.0.0", "missing.yaml"])
    assert {k: [i.code for i in v] for k, v in unknown.items()} == {
        "demo@9.9.9": ["I110"], "nothing@1.0.0": ["I110"], "missing.yaml": ["I110"]}


def test_validate_targets_runs_lock_and_diff_checks_when_present(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "demo/1.0.0.yaml", GOOD)
    calls: list[str] = []

    def fake_check(code: str) -> object:
        def check(catalogue: Catalogue, iv: InstrumentVersion) -> list[Issue]:
            calls.append(f"{code} {iv.ref} {catalogue.root == tmp_path}")
            return [issue(code, "from the fake check", Location(file=iv.source_file))]
        return check

    lock, diff = types.ModuleType("lock"), types.ModuleType("diff")
    lock.check_lock = fake_check("I301")  # type: ignore[attr-defined]
    diff.check_version_bump = fake_check("I303")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "survey.instrument.lock", lock)
    monkeypatch.setitem(sys.modules, "survey.instrument.diff", diff)
    report = validate_targets(Catalogue(tmp_path), [])
    assert [i.code for i in report["demo@1.0.0"]] == ["I301", "I303"]
    assert calls == ["I301 demo@1.0.0 True", "I303 demo@1.0.0 True"]


def test_validate_targets_works_without_lock_and_diff_modules(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "demo/1.0.0.yaml", GOOD)
    # None in sys.modules makes the import fail as if the module did not exist.
    monkeypatch.setitem(sys.modules, "survey.instrument.lock", None)
    monkeypatch.setitem(sys.modules, "survey.instrument.diff", None)
    assert validate_targets(Catalogue(tmp_path), []) == {"demo@1.0.0": []}
