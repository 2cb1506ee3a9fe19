"""`landscape demo`: the reconstructed survey loaded into a store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

import survey
from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument.logic import is_shown
from survey.reproduce.demo import DEMO_LABEL, DEMO_SOURCE_FILE, demo_frame, load_demo
from survey.store import Store, load_recorded_instrument
from survey.store.analysis import data_labels
from survey.store.models import Answer, Invitation, Response
from survey.store.monitor import monitor_report
from survey.store.responses import validate_answers


def _answers(store: Store) -> dict[str, tuple[str, str, str | None, dict[str, object]]]:
    """idempotency key -> (instrument, version, path, answers)."""
    with store.session() as s:
        responses = {r.id: r for r in s.execute(select(Response)).scalars()}
        out: dict[str, tuple[str, str, str | None, dict[str, object]]] = {}
        for rid, code, value in s.execute(select(Answer.response_id, Answer.question_code,
                                                 Answer.value)):
            r = responses[rid]
            out.setdefault(str(r.idempotency_key), (r.instrument, r.version, r.path, {}))[3][
                code] = json.loads(value)
    return out


def test_demo_loads_labelled_responses_frame_and_invitations(store_url: str) -> None:
    summary = load_demo(store_url)
    assert summary.responses == {"local_government": 35, "researcher": 17}
    with Store.open(store_url) as store:
        assert data_labels(store) == [DEMO_LABEL]
        with store.session() as s:
            files = s.execute(select(Response.source_file, func.count())
                              .group_by(Response.source_file)).all()
            assert [tuple(f) for f in files] == [(DEMO_SOURCE_FILE, 52)]
            assert s.execute(select(func.count()).select_from(Invitation)).scalar_one() == 256
        report = monitor_report(store)
        assert (report.total.frame, report.total.invited, report.total.completed) == (
            256, 256, 35)
        assert {g.group: g.frame for g in report.by["nation"]} == {
            "england": 193, "northern_ireland": 10, "scotland": 32, "wales": 21}
        assert report.outside_completed == 17
        completed = {g.group: g.completed for g in report.by["nation"]}
        # Largest-remainder shares of 35 in proportion to 193/32/21/10.
        assert completed == {"england": 27, "scotland": 4, "wales": 3, "northern_ireland": 1}


def test_demo_answers_follow_skip_logic_rankings_and_challenge_texts(store_url: str) -> None:
    load_demo(store_url)
    data = Path(survey.__file__).parent / "data"
    rankings = pd.read_csv(data / "demo_rankings.csv", dtype={"respondent_id": str})
    challenges = pd.read_csv(data / "demo_challenges.csv", dtype=str,
                             keep_default_na=False).set_index("response_id")["challenges"]
    with Store.open(store_url) as store:
        stored = _answers(store)
        versions = {ref: load_recorded_instrument(store, *ref.split("@"))
                    for ref in ("local_government@1.0.0", "researcher@1.0.0")}
    assert len(stored) == 52
    for prefix, instrument in (("LG", "local_government"), ("R", "researcher")):
        rows = rankings[rankings["instrument"] == instrument].reset_index(drop=True)
        for i, row in rows.iterrows():
            demo_id = f"{prefix}{int(str(i)) + 1:02d}"
            name, version, path, answers = stored[f"demo:{demo_id}"]
            iv = versions[f"{name}@{version}"]
            assert name == instrument and version == "1.0.0"
            assert validate_answers(iv, answers, path=path) == []
            for code in answers:
                assert is_shown(iv, code, answers), (demo_id, code)
            assert answers["in_partnership"] == ("yes" if path == "partnership" else "no")
            ranking = answers["evidence_priorities"]
            assert isinstance(ranking, dict)
            assert ranking == {o: int(row[o]) for o in ranking}
            assert len(ranking) == 9
            text = challenges[demo_id]
            given = [answers.get(c) for c in ("challenges", "challenges_no_partnership")
                     if answers.get(c)]
            assert given == ([text] if text.strip() else [])


def test_demo_refuses_a_store_with_other_data_unless_reset(store_url: str) -> None:
    load_demo(store_url)
    load_demo(store_url)  # only the demo there: re-running reloads it
    with Store.open(store_url) as store, store.write() as s:
        first = s.execute(select(Response.id).limit(1)).scalar_one()
        s.execute(update(Response).where(Response.id == first)
                  .values(source_file="fieldwork.csv"))  # now a real response is there too
    with pytest.raises(LandscapeError) as caught:
        load_demo(store_url)
    assert caught.value.issues[0].code == "S151"
    with Store.open(store_url) as store, store.session() as s:
        assert s.execute(select(func.count()).select_from(Response)).scalar_one() == 52
    summary = load_demo(store_url, reset=True)
    assert summary.responses == {"local_government": 35, "researcher": 17}
    with Store.open(store_url) as store, store.session() as s:
        assert s.execute(select(func.count()).select_from(Response)).scalar_one() == 52


def test_demo_frame_is_synthetic_and_matches_2022_by_nation() -> None:
    frame = demo_frame()
    assert frame["nation"].value_counts().to_dict() == {
        "england": 193, "scotland": 32, "wales": 21, "northern_ireland": 10}
    assert frame["email"].str.endswith("@example.org").all()
    assert frame["email"].is_unique
    assert frame["organisation"].str.contains("(demo)", regex=False).all()
    assert frame.equals(demo_frame())  # deterministic


def test_demo_command_creates_a_new_store_and_prints_the_label(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "--database", url])
    assert result.exit_code == 0, result.output
    assert "reconstructed to match published aggregates, not the real responses" in result.output
    assert "local_government 35, researcher 17" in result.output
    again = runner.invoke(main, ["demo", "--database", url])  # re-running reloads the demo
    assert again.exit_code == 0, again.output
    assert "local_government 35, researcher 17" in again.output
    reset = runner.invoke(main, ["demo", "--database", url, "--reset"])
    assert reset.exit_code == 0, reset.output


def test_demo_command_refuses_an_unmigrated_store_with_tables(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE mine (x INTEGER)")
    result = CliRunner().invoke(main, ["demo", "--database", f"sqlite:///{path}"])
    assert result.exit_code == 2
    assert "S101" in result.output
