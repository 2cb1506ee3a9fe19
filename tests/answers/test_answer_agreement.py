"""The form, the importer and the store accept and refuse the same answers, with the same codes.

Hypothesis generates responses to a small synthetic instrument - rankings
complete, partial, tied, out of range or missing, and numbers in and out of
bounds - and each goes through the three entry points for real: the web form
(Flask test client on an open link), the file importer (a one-row CSV) and
``save_response``. Each must refuse exactly the questions the answer model
(:func:`survey.answers.check_answers`) names, with the same problem codes.
"""

from __future__ import annotations

import csv
import html
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from dashboard.app import create_app
from dashboard.form import answer_fields
from survey.answers import check_answers
from survey.errors import LandscapeError
from survey.instrument import InstrumentVersion, parse_instrument_text
from survey.store import Store, save_response
from survey.store.imports import import_responses
from survey.store.invitations import open_link

INSTRUMENT = """
instrument: agreement
version: 1.0.0
title: Answer agreement (synthetic test instrument)
questions:
  - code: full
    type: ranking
    required: true
    label: Rank all three
    options: [{code: a, label: A}, {code: b, label: B}, {code: c, label: C}]
  - code: top
    type: ranking
    label: Your top two
    ranking: {mode: top_k, k: 2, ties: forbid}
    options: [{code: a, label: A}, {code: b, label: B}, {code: c, label: C}]
  - code: tied
    type: ranking
    label: Ties allowed
    ranking: {mode: full, ties: allow}
    options: [{code: x, label: X}, {code: y, label: Y}]
  - {code: staff, type: number, label: Staff, min: 0, max: 100, integer: true}
"""
OPTIONS = {"full": ["a", "b", "c"], "top": ["a", "b", "c"], "tied": ["x", "y"]}


@dataclass
class World:
    iv: InstrumentVersion
    store: Store
    client: FlaskClient
    folder: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("agreement")
    iv = parse_instrument_text(INSTRUMENT, "agreement.yaml")
    store = Store.open(f"sqlite:///{folder / 'agreement.db'}", check=False, create=True)
    store.upgrade()
    open_link(store, iv, "http://127.0.0.1:8050")
    yield World(iv, store, create_app(store).server.test_client(), folder)
    store.close()


def _ranking(options: list[str]) -> st.SearchStrategy[dict[str, int] | None]:
    n = len(options)
    complete = st.permutations(list(range(1, n + 1))).map(
        lambda ranks: dict(zip(options, ranks, strict=True)))
    # Any ranks a form field can carry (0 and too-high ones included): partial, tied,
    # out of range, or nothing at all.
    anything = st.dictionaries(st.sampled_from(options), st.integers(0, n + 2), max_size=n)
    return st.one_of(st.none(), complete, anything)


RESPONSES = st.fixed_dictionaries({
    "full": _ranking(OPTIONS["full"]),
    "top": _ranking(OPTIONS["top"]),
    "tied": _ranking(OPTIONS["tied"]),
    "staff": st.one_of(st.none(), st.integers(-5, 120)),
})


def _answers(drawn: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in drawn.items() if v not in (None, {})}


def _model(world: World, answers: dict[str, Any]) -> dict[str, str]:
    return {str(p.question): p.code for p in check_answers(world.iv, answers)}


def _store(world: World, answers: dict[str, Any]) -> dict[str, str]:
    try:
        save_response(world.store, world.iv, answers)
    except LandscapeError as exc:
        assert {i.code for i in exc.issues} == {"S106"}
        return {str(i.location.question): str(i.reason) for i in exc.issues}
    return {}


def _form(world: World, answers: dict[str, Any]) -> dict[str, str]:
    shown = world.client.get("/open/agreement/1.0.0")
    assert shown.status_code == 200, shown.text
    page = shown.text
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    action = html.unescape(re.findall(r'<form method="post" action="([^"]*)"', page)[0])
    data = MultiDict([*answer_fields(world.iv, answers), *hidden.items(), ("action", "next")])
    response = world.client.post(action, data=data)
    if response.status_code == 303:
        assert "/done" in response.headers["Location"]
        return {}
    assert response.status_code == 400, response.text
    return dict(re.findall(r'id="q-(\w+)-error" data-problem="(\w+)"', response.text))


def _importer(world: World, answers: dict[str, Any]) -> dict[str, str]:
    header = ["id", *(f"{q}.{o}" for q, options in OPTIONS.items() for o in options), "staff"]
    row: list[Any] = [uuid.uuid4().hex]
    row.extend(answers.get(q, {}).get(o, "") for q, options in OPTIONS.items() for o in options)
    row.append(answers.get("staff", ""))
    path = world.folder / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, row])
    result = import_responses(world.store, path, world.iv, skip_invalid=True,
                              rejects=world.folder / "rejects.csv")
    if not result.rejected:
        assert result.imported == 1
        return {}
    (rejected,) = result.rejected
    return {str(i.location.question): str(i.reason) for i in rejected.issues}


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(drawn=RESPONSES)
def test_form_importer_and_store_agree(world: World, drawn: dict[str, Any]) -> None:
    answers = _answers(drawn)
    expected = _model(world, answers)
    assert _store(world, answers) == expected
    assert _importer(world, answers) == expected
    assert _form(world, answers) == expected


def test_the_generator_reaches_every_ranking_problem(world: World) -> None:
    # The property above is only as good as its examples: these shapes all occur.
    cases = {
        "ranking_positions": {"full": {"a": 1, "b": 1, "c": 3}},
        "ranking_range": {"full": {"a": 1, "b": 2, "c": 9}},
        "required": {},
        "ranking_unranked": {"full": {"a": 1, "b": 2, "c": 3}, "tied": {"x": 1}},
    }
    for code, answers in cases.items():
        full = {"full": {"a": 1, "b": 2, "c": 3}, **answers} if code != "required" else answers
        found = set(_model(world, full).values())
        assert code in found, (code, found)
        assert _store(world, full) == _importer(world, full) == _form(world, full)
