"""The fieldwork monitor against a synthetic frame the size of the 2022 one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from store_helpers import complete_answers, write_frame

from survey.cli import main
from survey.instrument import InstrumentVersion
from survey.store import Store, save_response
from survey.store.frame import import_frame
from survey.store.invitations import issue_invitations, issue_reminders
from survey.store.models import Respondent
from survey.store.monitor import monitor_report, render_table

# The 2022 local-government frame: 256 authorities (SYNTHETIC people, real sizes).
FRAME_2022 = {"england": 193, "scotland": 32, "wales": 21, "northern_ireland": 10}
COMPLETED = {"england": 20, "scotland": 5, "wales": 4, "northern_ireland": 2}
STARTED_ONLY = {"england": 3, "scotland": 1, "wales": 0, "northern_ireland": 1}


def _synthetic_frame(path: Path) -> Path:
    rows = []
    for nation, size in FRAME_2022.items():
        for i in range(size):
            kind = "district" if i % 2 else "unitary"
            rows.append(f"Synthetic Person {nation} {i},p{i}@{nation}.example.org,"
                        f"Synthetic Council {i},{kind},,{nation},")
    return write_frame(path, rows)


@pytest.fixture
def fielded(store: Store, tmp_path: Path, iv: InstrumentVersion) -> Store:
    import_frame(store, _synthetic_frame(tmp_path / "frame.csv"))
    issue_invitations(store, iv, "https://s.example.org")
    with store.session() as s:
        by_nation: dict[str, list[str]] = {}
        for rid, nation in s.execute(select(Respondent.id, Respondent.nation)
                                     .order_by(Respondent.id)):
            by_nation.setdefault(nation, []).append(rid)
    for nation, ids in by_nation.items():
        done, started = COMPLETED[nation], STARTED_ONLY[nation]
        for rid in ids[:done]:
            save_response(store, iv, complete_answers(), respondent_id=rid, path="partnership")
        for rid in ids[done:done + started]:
            save_response(store, iv, {"in_partnership": "yes"}, respondent_id=rid,
                          state="in_progress")
    save_response(store, iv, complete_answers(), path="partnership")  # open link
    return store


def test_rates_by_nation_and_funnel(fielded: Store) -> None:
    report = monitor_report(fielded, "demo@1.0.0")
    total_started = sum(COMPLETED.values()) + sum(STARTED_ONLY.values())
    assert (report.total.frame, report.total.invited, report.total.started,
            report.total.completed) == (256, 256, total_started, sum(COMPLETED.values()))
    nations = {g.group: g for g in report.by["nation"]}
    for nation, size in FRAME_2022.items():
        g = nations[nation]
        assert (g.frame, g.completed) == (size, COMPLETED[nation])
        assert g.started == COMPLETED[nation] + STARTED_ONLY[nation]
        assert g.response_rate == pytest.approx(COMPLETED[nation] / size)
    regions = {g.group: g.frame for g in report.by["region"]}
    assert regions["wales"] == 21 and regions["(unknown)"] == 193  # England: no region given
    types = {g.group: g.frame for g in report.by["organisation_type"]}
    assert sum(types.values()) == 256 and set(types) == {"district", "unitary"}
    assert (report.outside_started, report.outside_completed) == (1, 1)
    assert len(report.due) == 256 - sum(COMPLETED.values())
    assert all(set(d) == {"respondent_id", "reminders_sent", "instrument"} for d in report.due)
    text = render_table(report)
    assert "frame 256 -> invited 256" in text
    assert f"{100 * 4 / 21:.1f}%" in text  # Wales


def test_due_list_shrinks_after_reminders(fielded: Store, iv: InstrumentVersion) -> None:
    issue_reminders(fielded, iv, "https://s.example.org", limit=1)
    assert monitor_report(fielded, reminder_limit=1).due == []
    assert len(monitor_report(fielded, reminder_limit=2).due) == 256 - sum(COMPLETED.values())


def test_monitor_cli_json_and_contacts(fielded: Store, store_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["monitor", "--format", "json", "--database-url", store_url])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["funnel"]["frame"] == 256
    assert {g["group"]: g["frame"] for g in data["by"]["nation"]} == FRAME_2022
    assert ".example.org" not in result.output  # no personal data by default
    result = runner.invoke(main, ["monitor", "--with-contacts", "--database-url", store_url])
    assert result.exit_code == 0 and ".example.org" in result.output
    assert "By nation:" in result.output


def test_imported_and_open_link_responses_stay_outside_the_frame(
    fielded: Store, iv: InstrumentVersion
) -> None:
    """An import of responses with respondent attributes (a Qualtrics file, say) makes
    pseudonymous respondents; they and open-link responses are counted apart, and the
    frame and its response rates do not move."""
    from survey.store.responses import ResponseRow, save_responses

    before = monitor_report(fielded, "demo@1.0.0")
    save_responses(fielded, iv, [
        ResponseRow(answers=complete_answers(), path="partnership",
                    respondent={"nation": "wales", "region": "wales",
                                "organisation_type": "unitary"}) for _ in range(3)],
        "qualtrics.csv")
    after = monitor_report(fielded, "demo@1.0.0")
    assert after.total == before.total  # frame 256, same completed, same rate
    assert {g.group: g for g in after.by["nation"]}["wales"] == {
        g.group: g for g in before.by["nation"]}["wales"]
    assert (after.outside_started, after.outside_completed) == (1 + 3, 1 + 3)
    assert monitor_report(fielded).total.frame == 256
    text = render_table(after)
    assert "frame 256 -> invited 256" in text and "Outside the frame" in text
    assert "started 4, completed 4" in text
    assert json.loads(after.to_json())["outside_the_frame"] == {"started": 4, "completed": 4}


def test_people_framed_for_no_instrument_count_in_one_instruments_frame(
    store: Store, iv: InstrumentVersion, tmp_path: Path
) -> None:
    from store_helpers import DEMO_YAML

    from survey.instrument import parse_instrument_text

    other = parse_instrument_text(DEMO_YAML.replace("instrument: demo", "instrument: other"))
    import_frame(store, write_frame(tmp_path / "f.csv", [
        "Siân Jones,sian@example.org,Cyngor Sir Ynys Môn,unitary,,Wales,",
        "Rob Roy,rob@example.org,Glasgow City Council,unitary,,Scotland,"]))
    assert monitor_report(store, "demo").total.frame == 0
    assert monitor_report(store, "demo").unassigned == 2
    assert monitor_report(store).total.frame == 2
    issue_invitations(store, iv, "https://s.example.org")
    assert monitor_report(store, "demo").total.frame == 2
    assert monitor_report(store, "other").total.frame == 0
    from survey.errors import LandscapeError

    with pytest.raises(LandscapeError) as exc:  # already in demo's frame
        issue_invitations(store, other, "https://s.example.org")
    assert exc.value.issues[0].code == "F109"
    assert monitor_report(store).total.frame == 2


def test_nonresponse_by_nation_is_tabled_and_tested(fielded: Store, store_url: str) -> None:
    # Issue 12 §4: respondents vs non-respondents against the frame, with a test.
    import numpy as np
    from scipy.stats import chi2_contingency

    report = monitor_report(fielded, "demo@1.0.0")
    test = report.nonresponse["nation"]
    nations = sorted(FRAME_2022)
    frame = [FRAME_2022[n] for n in nations]
    done = [COMPLETED[n] for n in nations]
    table = np.array([done, np.subtract(frame, done)])
    assert test.statistic == pytest.approx(chi2_contingency(table, correction=False).statistic)
    # Northern Ireland expects 10 * 31/256 = 1.2 respondents: the test is exact.
    assert test.method == "exact (Monte Carlo)" and test.min_expected < 5
    assert 0 < test.p_value <= 1
    assert [(r.group, r.respondents, r.nonrespondents) for r in test.rows] == [
        (n, COMPLETED[n], FRAME_2022[n] - COMPLETED[n]) for n in nations]
    text = render_table(report)
    assert "Non-response against the frame" in text and "response rates differ by nation" in text
    assert "no response" in text
    # The open-link response has no frame: the text says what its intervals rest on.
    assert "assumption the design does not provide" in text
    data = json.loads(CliRunner().invoke(main, ["monitor", "--format", "json",
                                                "--database-url", store_url]).output)
    assert data["nonresponse"]["nation"]["p_value"] == pytest.approx(
        monitor_report(fielded).nonresponse["nation"].p_value, abs=1e-6)
    assert set(data["nonresponse"]) == {"nation", "region", "organisation_type"}
