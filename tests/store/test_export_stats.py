"""`landscape responses export --format sav|dta` (survey.store.export_stats), read back with
pyreadstat and compared with the store's own CSV export."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pyreadstat
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.instrument import parse_instrument_text
from survey.instrument.registry import Catalogue
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.export import export_responses
from survey.store.export_stats import variable_names
from survey.store.responses import save_responses


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = "sqlite:///" + str(tmp_path_factory.mktemp("stats") / "demo.db")
    load_demo(url)
    return url


def _csv(url: str, tmp_path: Path) -> list[dict[str, str]]:
    with Store.open(url) as store:
        export_responses(store, tmp_path / "all.csv")
    with (tmp_path / "all.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _read(path: Path, user_missing: bool = True) -> tuple[Any, Any]:
    reader = pyreadstat.read_sav if path.suffix == ".sav" else pyreadstat.read_dta
    return reader(str(path), user_missing=user_missing)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_stat_exports_carry_labels_and_the_store_answers(demo_store: str, tmp_path: Path,
                                                          fmt: str) -> None:
    out = tmp_path / f"responses.{fmt}"
    result = CliRunner().invoke(main, ["responses", "export", "--format", fmt, "-o", str(out),
                                       "--database-url", demo_store])
    assert result.exit_code == 0, result.output
    assert "wrote 52 responses" in result.output
    frame, meta = _read(out)
    rows = _csv(demo_store, tmp_path)
    assert len(frame) == len(rows) == 52
    # Same pseudonymous ids, same order as the CSV export.
    assert list(frame["response_id"]) == [r["response_id"] for r in rows]
    researcher = Catalogue.default().load("researcher@1.0.0")
    ranking = researcher.question("evidence_priorities")
    assert ranking is not None
    # The ranking: one variable per option, labelled "question - option", same ranks.
    limit = 256 if fmt == "sav" else 80
    var_of = variable_names(rows[0])
    for option in ranking.options:
        column = f"evidence_priorities.{option.code}"
        var = var_of[column]
        assert len(var) <= 32 and var.startswith("evidence_priorities_")
        # Labelled by the option (the local-government wording where the surveys share it).
        assert meta.column_names_to_labels[var].startswith("evidence_priorities: ")
        for value, row in zip(frame[var], rows, strict=True):
            if row[column]:
                assert int(value) == int(row[column])
    # A coded question shared by both surveys: one numbering, every option labelled.
    org = researcher.question("organisation_type")
    lg = Catalogue.default().load("local_government@1.0.0").question("organisation_type")
    assert org is not None and lg is not None
    labels = meta.variable_value_labels["organisation_type"]
    texts = {o.code: o.label.en[:limit].rstrip() for o in (*org.options, *lg.options)}
    assert set(texts.values()) <= set(labels.values())
    for value, row in zip(frame["organisation_type"], rows, strict=True):
        if row["organisation_type"]:
            assert labels[int(value)] == texts[row["organisation_type"]]


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_not_shown_and_not_answered_have_their_own_missing_codes(demo_store: str,
                                                                  tmp_path: Path,
                                                                  fmt: str) -> None:
    out = tmp_path / f"responses.{fmt}"
    with Store.open(demo_store) as store:
        export_responses(store, out, fmt)
    frame, meta = _read(out)
    rows = _csv(demo_store, tmp_path)
    not_shown, not_answered = (-99, -98) if fmt == "sav" else ("a", "b")
    # Hand-worked from the instrument: formality is asked on the partnership path only;
    # success (a rating) too; follow_up_interview is asked of everyone and optional.
    for value, row in zip(frame["formality"], rows, strict=True):
        if row["path"] == "no_partnership":
            assert value == not_shown
        else:
            assert value != not_shown and value != not_answered
    answered = [v for v, r in zip(frame["follow_up_interview"], rows, strict=True)
                if not r["follow_up_interview"]]
    assert answered and all(v == not_answered for v in answered)
    if fmt == "sav":
        assert {r["lo"] for r in meta.missing_ranges["formality"]} == {-99, -98}
        assert meta.variable_value_labels["formality"][-99] == "not shown"
        plain, _ = _read(out, user_missing=False)  # without user-missing: system missing
        assert all(math.isnan(v) for v, r in zip(plain["formality"], rows, strict=True)
                   if r["path"] == "no_partnership")
    else:
        # pyreadstat lists the extended missing values a column holds (.a here).
        assert meta.missing_user_values["formality"] == ["a"]


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_text_cells_are_formula_safe(tmp_path: Path, fmt: str) -> None:
    iv = parse_instrument_text("instrument: demo\nversion: 1.0.0\ntitle: D\nquestions:\n"
                               "  - {code: note, type: free_text, label: Note}\n"
                               "  - {code: pick, type: multiple_choice, label: Pick,"
                               " options: [{code: a, label: Apples}, {code: b, label: Bread}]}\n")
    store = Store.open("sqlite:///" + str(tmp_path / "s.db"), check=False, create=True)
    store.upgrade()
    save_responses(store, iv, [{"note": "=HYPERLINK(\"http://x\")", "pick": ["b"]}], "x.csv")
    out = tmp_path / f"f.{fmt}"
    export_responses(store, out, fmt)
    frame, meta = _read(out)
    assert frame["note"][0] == "'=HYPERLINK(\"http://x\")"
    # A multiple choice: one 0/1 variable per option, labelled.
    assert (frame["pick_a"][0], frame["pick_b"][0]) == (0, 1)
    assert meta.column_names_to_labels["pick_b"] == "pick: Bread"
    assert {0: "not chosen", 1: "chosen"}.items() <= meta.variable_value_labels["pick_b"].items()
