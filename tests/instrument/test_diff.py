"""Semantic diffs of instrument versions, their classification, and I303 version checks."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.instrument.diff import check_version_bump, diff_versions
from survey.instrument.loader import parse_instrument_text
from survey.instrument.model import InstrumentVersion
from survey.instrument.registry import Catalogue

Data = dict[str, Any]


def _base() -> Data:
    """A small instrument with two paths, a choice, a ranking and a number question."""
    return {
        "instrument": "demo",
        "version": "1.0.0",
        "status": "published",
        "languages": ["en", "cy"],
        "title": {"en": "Demo survey", "cy": "Arolwg demo"},
        "paths": {
            "partnership": {"label": "In a partnership", "when": "in_partnership == 'yes'"},
        },
        "questions": [
            {"code": "in_partnership", "type": "single_choice", "required": True,
             "label": {"en": "Are you in a partnership?", "cy": "Ydych chi mewn partneriaeth?"},
             "options": [{"code": "yes", "label": {"en": "Yes", "cy": "Ydw"}},
                         {"code": "no", "label": {"en": "No", "cy": "Nac ydw"}}]},
            {"code": "staff", "type": "number", "min": 0, "max": 100,
             "label": {"en": "How many staff?", "cy": "Faint o staff?"}},
            {"code": "priorities", "type": "ranking", "concept": "evidence_priorities",
             "ranking": {"mode": "full", "ties": "forbid"}, "path": "partnership",
             "label": {"en": "Rank these", "cy": "Trefnwch y rhain"},
             "options": [
                 {"code": "funding", "concept": "funding",
                  "label": {"en": "Funding", "cy": "Cyllid"}},
                 {"code": "data", "concept": "data", "label": {"en": "Data", "cy": "Data"}},
                 {"code": "skills", "concept": "skills",
                  "label": {"en": "Skills", "cy": "Sgiliau"}},
             ]},
            {"code": "comments", "type": "free_text", "relevant": "staff > 5",
             "label": {"en": "Anything else?", "cy": "Unrhyw beth arall?"}},
        ],
    }


def _iv(data: Data) -> InstrumentVersion:
    return parse_instrument_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _q(data: Data, code: str) -> Data:
    return next(q for q in data["questions"] if q["code"] == code)


def _opt(data: Data, q: str, code: str) -> Data:
    return next(o for o in _q(data, q)["options"] if o["code"] == code)


def _edited(edit: Callable[[Data], None], version: str = "1.0.1") -> tuple[InstrumentVersion,
                                                                           InstrumentVersion]:
    new = copy.deepcopy(_base())
    new["version"] = version
    edit(new)
    return _iv(_base()), _iv(new)


def _set(path: Callable[[Data], Data], key: str, value: Any) -> Callable[[Data], None]:
    def edit(data: Data) -> None:
        path(data)[key] = value
    return edit


def _reorder_options(data: Data) -> None:
    _q(data, "priorities")["options"].reverse()


def _move_question(data: Data) -> None:
    qs = data["questions"]
    qs.insert(0, qs.pop(1))  # 'staff' first: every condition still refers back


# (edit, expected change name, expected kind, expected question)
CASES: list[tuple[str, Callable[[Data], None], str, str, str | None]] = [
    ("reword English label", _set(lambda d: _q(d, "staff")["label"], "en", "How many people?"),
     "label_reworded", "patch", "staff"),
    ("reword Welsh label", _set(lambda d: _q(d, "staff")["label"], "cy", "Sawl person?"),
     "label_reworded", "patch", "staff"),
    ("add a hint", _set(lambda d: _q(d, "staff"), "hint", "Full-time equivalent"),
     "hint_added", "patch", "staff"),
    ("reword an option", _set(lambda d: _opt(d, "priorities", "data")["label"], "en",
                              "Better data"), "option_'data'_label_reworded", "patch",
     "priorities"),
    ("reorder options", _reorder_options, "options_reordered", "patch", "priorities"),
    ("move a question", _move_question, "question_moved", "patch", "staff"),
    ("reword title", _set(lambda d: d["title"], "en", "Demo"), "title_reworded", "patch", None),
    ("reformat a condition", _set(lambda d: _q(d, "comments"), "relevant", "staff>5"),
     "logic_reformatted", "patch", "comments"),
    ("add an optional question",
     lambda d: d["questions"].append({"code": "extra", "type": "free_text", "label": "More?"}),
     "question_added", "minor", "extra"),
    ("add an option", lambda d: _q(d, "priorities")["options"].append(
        {"code": "networks", "label": "Networks"}), "option_added", "minor", "priorities"),
    ("add 'other'", _set(lambda d: _q(d, "in_partnership"), "other", True), "other_added",
     "minor", "in_partnership"),
    ("make a question optional", _set(lambda d: _q(d, "in_partnership"), "required", False),
     "made_optional", "minor", "in_partnership"),
    ("widen a number range", _set(lambda d: _q(d, "staff"), "max", 1000), "maximum_widened",
     "minor", "staff"),
    ("add a concept", _set(lambda d: _q(d, "staff"), "concept", "staff_count"),
     "concept_added", "minor", "staff"),
    ("add a path", _set(lambda d: d["paths"], "other_path",
                        {"label": "Other", "when": "in_partnership == 'no'"}),
     "path_added", "minor", None),
    ("add a required question",
     lambda d: d["questions"].append({"code": "extra", "type": "free_text", "label": "More?",
                                      "required": True}),
     "question_added", "major", "extra"),
    ("remove a question", lambda d: d["questions"].pop(1), "question_removed", "major",
     "staff"),
    ("remove an option", lambda d: _q(d, "priorities")["options"].pop(),
     "option_removed", "major", "priorities"),
    ("recode an option", _set(lambda d: _opt(d, "priorities", "data"), "code", "evidence"),
     "option_recoded", "major", "priorities"),
    ("change a question type",
     _set(lambda d: _q(d, "in_partnership"), "type", "multiple_choice"), "type_changed",
     "major", "in_partnership"),
    ("top-k ranking", _set(lambda d: _q(d, "priorities"), "ranking",
                           {"mode": "top_k", "k": 2, "ties": "forbid"}),
     "ranking_rule_changed", "major", "priorities"),
    ("allow ties", _set(lambda d: _q(d, "priorities"), "ranking",
                        {"mode": "full", "ties": "allow"}),
     "ranking_rule_changed", "major", "priorities"),
    ("change a condition", _set(lambda d: _q(d, "comments"), "relevant", "staff > 50"),
     "logic_changed", "major", "comments"),
    ("change a path condition",
     _set(lambda d: d["paths"]["partnership"], "when", "in_partnership != 'no'"),
     "logic_changed", "major", None),
    ("move a question onto no path", lambda d: _q(d, "priorities").pop("path"),
     "path_changed", "major", "priorities"),
    ("make a question required", _set(lambda d: _q(d, "staff"), "required", True),
     "made_required", "major", "staff"),
    ("narrow a number range", _set(lambda d: _q(d, "staff"), "max", 50), "maximum_narrowed",
     "major", "staff"),
    ("change a concept", _set(lambda d: _opt(d, "priorities", "data"), "concept", "evidence"),
     "concept_changed", "major", "priorities"),
    ("add a language", lambda d: None, "", "", None),  # replaced below (needs a smaller base)
]
CASES.pop()


@pytest.mark.parametrize(("edit", "change", "kind", "question"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_kind_of_change_is_found_and_classified(
    edit: Callable[[Data], None], change: str, kind: str, question: str | None
) -> None:
    old, new = _edited(edit)
    result = diff_versions(old, new)
    found = [(c.change, c.kind, c.question) for c in result.changes]
    assert (change, kind, question) in found, found
    assert result.kind == kind


def test_recode_is_reported_once_not_as_removal_plus_addition() -> None:
    old, new = _edited(_set(lambda d: _opt(d, "priorities", "data"), "code", "evidence"))
    changes = [c.change for c in diff_versions(old, new).changes]
    assert changes == ["option_recoded"]


def test_reworded_welsh_names_its_language_and_wording() -> None:
    old, new = _edited(_set(lambda d: _q(d, "staff")["label"], "cy", "Sawl person?"))
    (change,) = diff_versions(old, new).changes
    assert (change.language, change.old, change.new) == ("cy", "Faint o staff?", "Sawl person?")


def test_languages_added_and_removed() -> None:
    def drop_welsh(d: Data) -> None:
        d["languages"] = ["en"]

    english_only = copy.deepcopy(_base())
    drop_welsh(english_only)
    both = _iv(_base())
    removed = diff_versions(both, _iv(english_only))
    assert ("language_removed", "major") in [(c.change, c.kind) for c in removed.changes]
    added = diff_versions(_iv(english_only), both)
    assert ("language_added", "minor") in [(c.change, c.kind) for c in added.changes]


def test_identical_versions_have_no_changes() -> None:
    result = diff_versions(_iv(_base()), _iv(_base()))
    assert result.changes == ()
    assert result.kind == "none"
    assert "same content" in result.render_text()


def test_the_diff_kind_is_the_largest_change() -> None:
    def edits(d: Data) -> None:
        _q(d, "staff")["label"]["en"] = "Staff?"                      # patch
        _q(d, "priorities")["options"].append({"code": "x", "label": "X"})  # minor

    old, new = _edited(edits, "1.1.0")
    result = diff_versions(old, new)
    assert sorted(c.kind for c in result.changes) == ["minor", "patch"]
    assert result.kind == "minor"
    assert result.bump == "minor" and result.bump_is_enough


def test_render_text_groups_by_kind_largest_first_with_old_and_new_wording() -> None:
    def edits(d: Data) -> None:
        _q(d, "staff")["label"]["en"] = "How many people work there?"
        d["questions"].pop(3)  # comments: removed
        _q(d, "priorities")["options"].append({"code": "networks", "label": "Networks"})

    old, new = _edited(edits, "2.0.0")
    text = diff_versions(old, new).render_text()
    assert text.index("MAJOR - breaking (1)") < text.index("MINOR - additive (1)") \
        < text.index("PATCH - wording only (1)")
    assert "comments: question removed" in text
    assert "priorities: option 'networks' added" in text
    assert '      old: "How many staff?"' in text
    assert '      new: "How many people work there?"' in text
    assert "2.0.0 is a major bump, enough" in text


def test_render_text_and_json_escape_terminal_control_characters() -> None:
    hostile = "Rank \x1b[2J\x1b[31mthese\x9b1m \u202eevil"
    old, new = _edited(_set(lambda d: _q(d, "priorities")["label"], "en", hostile))
    result = diff_versions(old, new)
    text, as_json = result.render_text(), result.to_json()
    for out in (text, as_json):
        assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    assert "\\x1b[2J" in text
    assert json.loads(as_json)["changes"][0]["new"] == hostile  # still exact once decoded


def test_to_json_carries_kind_counts_and_changes() -> None:
    old, new = _edited(lambda d: _q(d, "priorities")["options"].pop(), "1.0.1")
    payload = json.loads(diff_versions(old, new).to_json())
    assert payload["old"] == "demo@1.0.0" and payload["new"] == "demo@1.0.1"
    assert payload["kind"] == "major"
    assert payload["version_bump"] == "patch" and payload["bump_is_enough"] is False
    assert payload["counts"] == {"major": 1, "minor": 0, "patch": 0}
    assert payload["changes"][0]["option"] == "skills"


def test_diff_between_different_instruments_is_allowed_with_a_note() -> None:
    other = copy.deepcopy(_base())
    other["instrument"] = "mirror"
    result = diff_versions(_iv(_base()), _iv(other))
    assert result.bump is None and result.bump_is_enough is None
    assert result.changes == ()
    assert "different instruments" in result.render_text()


def test_a_backwards_diff_says_so_and_gives_no_version_verdict() -> None:
    old, new = _edited(lambda d: _q(d, "priorities")["options"].append(
        {"code": "x", "label": "X"}), "1.1.0")
    result = diff_versions(new, old)
    assert result.kind == "major"  # read backwards, the added option is a removal
    assert result.bump is None
    text = result.render_text()
    assert "older than the first" in text and "Version number" not in text


# -- I303: version numbers against the diff -----------------------------------


def _write(root: Path, data: Data) -> Path:
    folder = root / data["instrument"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['version']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _catalogue_with(tmp_path: Path, edit: Callable[[Data], None], version: str) -> Catalogue:
    _write(tmp_path, _base())
    new = copy.deepcopy(_base())
    new["version"] = version
    edit(new)
    _write(tmp_path, new)
    return Catalogue(tmp_path)


@pytest.mark.parametrize(
    ("edit", "version", "needed"),
    [
        (lambda d: _q(d, "priorities")["options"].pop(), "1.1.0", "2.0.0"),
        (lambda d: _q(d, "priorities")["options"].pop(), "1.0.1", "2.0.0"),
        (lambda d: _q(d, "priorities")["options"].append({"code": "x", "label": "X"}),
         "1.0.1", "1.1.0"),
    ],
    ids=["major-as-minor", "major-as-patch", "minor-as-patch"],
)
def test_a_version_that_understates_its_change_is_i303(
    tmp_path: Path, edit: Callable[[Data], None], version: str, needed: str
) -> None:
    catalogue = _catalogue_with(tmp_path, edit, version)
    (problem,) = check_version_bump(catalogue, catalogue.load(f"demo@{version}"))
    assert problem.code == "I303"
    assert "demo@1.0.0" in problem.message and f"demo@{version}" in problem.message
    assert f"call it {needed}" in problem.message
    assert problem.location.file is not None and problem.location.file.endswith(
        f"{version}.yaml")
    assert problem.location.line == 2  # the 'version:' line


@pytest.mark.parametrize(
    ("edit", "version"),
    [
        (lambda d: _q(d, "staff")["label"].update(en="Staff?"), "1.0.1"),
        (lambda d: _q(d, "priorities")["options"].append({"code": "x", "label": "X"}), "1.1.0"),
        (lambda d: _q(d, "staff")["label"].update(en="Staff?"), "2.0.0"),  # overstating is fine
    ],
    ids=["patch", "minor", "overstated"],
)
def test_an_adequate_version_bump_passes(
    tmp_path: Path, edit: Callable[[Data], None], version: str
) -> None:
    catalogue = _catalogue_with(tmp_path, edit, version)
    assert check_version_bump(catalogue, catalogue.load(f"demo@{version}")) == []


def test_version_bump_compares_with_the_immediately_previous_version(tmp_path: Path) -> None:
    # 1.0.0 -> 1.1.0 adds an option (minor); 1.1.1 only rewords: fine against 1.1.0.
    _write(tmp_path, _base())
    v110 = copy.deepcopy(_base())
    v110["version"] = "1.1.0"
    _q(v110, "priorities")["options"].append({"code": "x", "label": "X"})
    _write(tmp_path, v110)
    v111 = copy.deepcopy(v110)
    v111["version"] = "1.1.1"
    _q(v111, "staff")["label"]["en"] = "Staff?"
    _write(tmp_path, v111)
    catalogue = Catalogue(tmp_path)
    assert check_version_bump(catalogue, catalogue.load("demo@1.1.1")) == []
    assert check_version_bump(catalogue, catalogue.load("demo@1.0.0")) == []  # no predecessor


# -- the CLI -------------------------------------------------------------------


def test_cli_diff_prints_a_classified_report(tmp_path: Path) -> None:
    _catalogue_with(tmp_path, lambda d: _q(d, "priorities")["options"].append(
        {"code": "networks", "label": "Networks"}), "1.1.0")
    result = CliRunner().invoke(main, ["instrument", "diff", "demo@1.0.0", "demo@1.1.0",
                                       "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Classification: MINOR (additive), 1 change" in result.output
    assert "priorities: option 'networks' added" in result.output
    assert '"Networks"' in result.output


def test_cli_diff_json(tmp_path: Path) -> None:
    _catalogue_with(tmp_path, lambda d: d["questions"].pop(1), "2.0.0")
    result = CliRunner().invoke(main, ["instrument", "diff", "demo@1.0.0", "demo@2.0.0",
                                       "--dir", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["kind"] == "major"
    assert [(c["change"], c["question"]) for c in payload["changes"]] == [
        ("question_removed", "staff")]


def test_cli_diff_of_an_unknown_version_is_a_clear_error(tmp_path: Path) -> None:
    _write(tmp_path, _base())
    result = CliRunner().invoke(main, ["instrument", "diff", "demo@1.0.0", "demo@9.9.9",
                                       "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "I110" in result.output and "known: 1.0.0" in result.output
    assert no_traceback(result)


def test_cli_validate_reports_a_version_that_understates_its_change(tmp_path: Path) -> None:
    _catalogue_with(tmp_path, lambda d: _q(d, "priorities")["options"].pop(), "1.0.1")
    # Drafts avoid lock noise: only the version check should fail.
    for path in tmp_path.glob("demo/*.yaml"):
        path.write_text(path.read_text().replace("status: published", "status: draft"))
    result = CliRunner().invoke(main, ["instrument", "validate", "--dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "I303" in result.output
    assert "call it 2.0.0" in result.output
    assert no_traceback(result)


# -- the shipped instruments -----------------------------------------------------


def test_shipped_local_government_1_1_0_is_a_minor_change() -> None:
    catalogue = Catalogue.default()
    old = catalogue.load("local_government@1.0.0")
    new = catalogue.load("local_government@1.1.0")
    result = diff_versions(old, new)
    assert result.kind == "minor"
    assert result.bump_is_enough
    (ranking,) = new.ranking_questions()
    added = [c for c in result.changes if c.change == "option_added"]
    assert [(c.question, c.kind) for c in added] == [(ranking.code, "minor")]
    old_ranking = old.question(ranking.code)
    assert old_ranking is not None
    assert len(ranking.options) == len(old_ranking.options) + 1
    assert any(c.change == "label_reworded" for c in result.changes)
    assert not result.of_kind("major")


def test_every_shipped_version_numbers_its_change_adequately() -> None:
    catalogue = Catalogue.default()
    for iv in catalogue.load_all():
        assert check_version_bump(catalogue, iv) == [], iv.ref
