"""Invitations and reminders: tokens, the mail-merge file, SMTP, single use, limits."""

from __future__ import annotations

import csv
import socket
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from store_helpers import complete_answers, write_frame

from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument import InstrumentVersion
from survey.store import Store, find_invitation, record_instrument, save_response
from survey.store.frame import import_frame
from survey.store.invitations import (
    SmtpSettings,
    due_reminders,
    issue_invitations,
    issue_reminders,
    open_link,
    send_mails,
)
from survey.store.models import InvitationToken

PEOPLE = [
    "Siân Jones,sian@example.org,Cyngor Sir Ynys Môn,unitary,,Wales,",
    "Ann Lee,ann@example.org,=HYPERLINK(\"x\"),metropolitan,,England,London",
    "Rob Roy,rob@example.org,Glasgow City Council,unitary,,Scotland,",
]
BASE = "https://survey.example.org"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


@pytest.fixture
def framed(store: Store, tmp_path: Path) -> Store:
    import_frame(store, write_frame(tmp_path / "frame.csv", PEOPLE))
    return store


def test_invitations_carry_unguessable_tokens_stored_only_as_hashes(
    framed: Store, iv: InstrumentVersion, tmp_path: Path
) -> None:
    out = tmp_path / "merge.csv"
    rows = issue_invitations(framed, iv, BASE, output=out)
    merge = _read_csv(out)
    assert [r["email"] for r in merge] == ["ann@example.org", "rob@example.org",
                                           "sian@example.org"]
    assert merge[0]["organisation"].startswith("'=")  # no spreadsheet formula
    assert merge[2]["name"] == "Siân Jones"
    tokens = [_token(r["link"]) for r in merge]
    assert all(r["link"].startswith(BASE + "/respond/") for r in merge)
    assert len(set(tokens)) == 3
    assert all(len(t) >= 32 for t in tokens)  # token_urlsafe(24): 192 bits
    with framed.session() as s:
        stored = set(s.execute(select(InvitationToken.token_hash)).scalars())
        dump = " ".join(str(v) for table in ("invitations", "invitation_tokens")
                        for row in s.execute(text(f"SELECT * FROM {table}")) for v in row)
    assert all(t not in dump for t in tokens)
    import hashlib

    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    info = find_invitation(framed, tokens[0])
    assert info is not None and (info.instrument, info.version, info.used) == (
        "demo", "1.0.0", False)
    assert rows[0].respondent_id == info.respondent_id
    with pytest.raises(LandscapeError) as exc:
        issue_invitations(framed, iv, BASE, output=tmp_path / "again.csv")
    assert exc.value.issues[0].code == "F109"
    assert not (tmp_path / "again.csv").exists()


def test_failed_mail_merge_write_leaves_no_invitations(framed: Store, iv: InstrumentVersion,
                                                       tmp_path: Path) -> None:
    with pytest.raises(LandscapeError) as exc:
        issue_invitations(framed, iv, BASE, output=tmp_path / "no-such-dir" / "m.csv")
    assert exc.value.issues[0].code == "X101"
    assert find_invitation(framed, "x") is None
    with framed.session() as s:
        assert s.execute(text("SELECT count(*) FROM invitations")).scalar() == 0


def _invitation_count(store: Store) -> int:
    with store.session() as s:
        return int(s.execute(text("SELECT count(*) FROM invitations")).scalar_one())


def test_mail_merge_write_failing_inside_the_transaction_stores_nothing(
    framed: Store, iv: InstrumentVersion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import survey.store.invitations as invitations

    def disk_full(rows: object, path: Path) -> None:
        path.write_text("name,email\nhalf", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(invitations, "_write_mail_merge_rows", disk_full)
    (folder := tmp_path / "out").mkdir()
    out = folder / "merge.csv"
    with pytest.raises(LandscapeError) as exc:
        issue_invitations(framed, iv, BASE, output=out)
    assert exc.value.issues[0].code == "X101" and "No space left" in str(exc.value)
    assert _invitation_count(framed) == 0  # rolled back
    assert list(folder.iterdir()) == []  # no file, no temporary


def test_failed_commit_leaves_no_mail_merge_with_live_links(
    framed: Store, iv: InstrumentVersion, tmp_path: Path
) -> None:
    from sqlalchemy import event

    (folder := tmp_path / "out").mkdir()
    out = folder / "merge.csv"
    written: list[str] = []

    def refuse_commit(conn: object) -> None:
        # The staged file is complete at commit time, but not yet in place.
        written.extend(p.name for p in folder.iterdir())
        raise RuntimeError("commit refused")

    event.listen(framed.write_engine, "commit", refuse_commit)
    try:
        with pytest.raises(RuntimeError, match="commit refused"):
            issue_invitations(framed, iv, BASE, output=out)
    finally:
        event.remove(framed.write_engine, "commit", refuse_commit)
    assert any(name.startswith(".merge.csv.") for name in written) and "merge.csv" not in written
    assert not out.exists()
    assert list(folder.iterdir()) == []  # the temporary is gone
    assert _invitation_count(framed) == 0
    rows = issue_invitations(framed, iv, BASE, output=out)  # and a retry works
    assert len(rows) == 3 and len(_read_csv(out)) == 3
    assert out.stat().st_mode & 0o777 == 0o600  # it holds live links


def test_reminders_mail_merge_is_staged_until_commit(
    framed: Store, iv: InstrumentVersion, tmp_path: Path
) -> None:
    from sqlalchemy import event

    issue_invitations(framed, iv, BASE)

    def refuse_commit(conn: object) -> None:
        raise RuntimeError("commit refused")

    event.listen(framed.write_engine, "commit", refuse_commit)
    (folder := tmp_path / "out").mkdir()
    out = folder / "reminders.csv"
    try:
        with pytest.raises(RuntimeError, match="commit refused"):
            issue_reminders(framed, iv, BASE, output=out)
    finally:
        event.remove(framed.write_engine, "commit", refuse_commit)
    assert not out.exists()
    assert list(folder.iterdir()) == []
    assert len(issue_reminders(framed, iv, BASE, output=out)) == 3
    assert len(_read_csv(out)) == 3


def test_mail_merge_defuses_formulas_in_every_column(
    store: Store, iv: InstrumentVersion, tmp_path: Path
) -> None:
    import_frame(store, write_frame(tmp_path / "frame.csv", [
        '"=HYPERLINK(""http://evil"")",=1+1@ex.org,@SUM(A1),unitary,,Wales,',
        "-3,ok@example.org,+Council,unitary,,Wales,",
    ]))
    out = tmp_path / "merge.csv"
    issue_invitations(store, iv, BASE, output=out)
    merge = {r["email"]: r for r in _read_csv(out)}
    assert set(merge) == {"'=1+1@ex.org", "ok@example.org"}
    evil = merge["'=1+1@ex.org"]
    assert evil["name"] == "'=HYPERLINK(\"http://evil\")"
    assert evil["organisation"] == "'@SUM(A1)"
    assert merge["ok@example.org"]["organisation"] == "'+Council"
    assert merge["ok@example.org"]["name"] == "-3"  # a plain number is no formula
    assert not any(cell.startswith(("=", "+", "@")) for r in merge.values()
                   for cell in r.values())


def test_links_are_single_use(framed: Store, iv: InstrumentVersion, tmp_path: Path) -> None:
    rows = issue_invitations(framed, iv, BASE)
    token = _token(rows[0].link)
    partial = save_response(framed, iv, {"in_partnership": "yes"}, token=token,
                            state="in_progress")
    done = save_response(framed, iv, complete_answers(), token=token, path="partnership")
    assert done == partial  # came back with the link and finished
    info = find_invitation(framed, token)
    assert info is not None and info.used
    assert save_response(framed, iv, complete_answers(), token=token,
                         path="partnership") == done
    with pytest.raises(LandscapeError) as exc:
        save_response(framed, iv, complete_answers(staff=1), token=token, path="partnership")
    assert exc.value.issues[0].code == "S107"
    with pytest.raises(LandscapeError) as exc:
        save_response(framed, iv, complete_answers(), token="forged-token")
    assert exc.value.issues[0].code == "S109"


def test_reminders_only_to_incomplete_and_at_most_limit(
    framed: Store, iv: InstrumentVersion, tmp_path: Path
) -> None:
    rows = issue_invitations(framed, iv, BASE)
    finished = rows[0]
    save_response(framed, iv, complete_answers(), token=_token(finished.link),
                  path="partnership")
    started = rows[1]
    save_response(framed, iv, {"in_partnership": "yes"}, token=_token(started.link),
                  state="in_progress")
    assert sorted(c for _, c, _ in due_reminders(framed, iv)) == [0, 0]
    first = issue_reminders(framed, iv, BASE, limit=2, output=tmp_path / "r1.csv")
    assert {r.email for r in first} == {rows[1].email, rows[2].email}
    assert {r["kind"] for r in _read_csv(tmp_path / "r1.csv")} == {"reminder"}
    # a reminder's fresh link works beside the old one; progress stays with the respondent
    assert find_invitation(framed, _token(started.link)) is not None
    new_link = next(r.link for r in first if r.email == started.email)
    resumed = save_response(framed, iv, complete_answers(), token=_token(new_link),
                            path="partnership")
    with framed.session() as s:
        assert s.execute(text("SELECT count(*) FROM responses")).scalar() == 2
    second = issue_reminders(framed, iv, BASE, limit=2)
    assert [r.email for r in second] == [rows[2].email]
    assert due_reminders(framed, iv, limit=2) == []
    with pytest.raises(LandscapeError) as exc:
        issue_reminders(framed, iv, BASE, limit=2)
    assert exc.value.issues[0].code == "F109"
    assert resumed


def test_every_link_sent_keeps_working_until_complete(
    framed: Store, iv: InstrumentVersion
) -> None:
    """Invitation, then two reminders: all three links open the same response; once it
    is complete, none of them can submit different answers."""
    (person, *_) = issue_invitations(framed, iv, BASE)
    links = [person.link]
    for _ in range(2):
        links += [r.link for r in issue_reminders(framed, iv, BASE, limit=2)
                  if r.email == person.email]
    tokens = [_token(link) for link in links]
    assert len(set(tokens)) == 3
    infos = [find_invitation(framed, t) for t in tokens]
    assert all(i is not None and not i.used and i.respondent_id == person.respondent_id
               for i in infos)
    ids = {save_response(framed, iv, {"in_partnership": "yes", "staff": n}, token=t,
                         state="in_progress")
           for n, t in enumerate(tokens, start=1)}
    assert len(ids) == 1  # every link resumes the one response
    done = save_response(framed, iv, complete_answers(), token=tokens[0], path="partnership")
    assert {done} == ids
    assert all(i is not None and i.used for i in (find_invitation(framed, t) for t in tokens))
    with pytest.raises(LandscapeError) as exc:
        save_response(framed, iv, complete_answers(staff=9), token=tokens[2],
                      path="partnership")
    assert exc.value.issues[0].code == "S107"
    with framed.session() as s:
        assert s.execute(text("SELECT count(*) FROM responses")).scalar() == 1
        assert s.execute(text("SELECT count(*) FROM invitation_tokens")).scalar() == 3 * 3


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Collector, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    yield collector, port
    controller.stop()


def test_mails_are_sent_through_smtp(framed: Store, iv: InstrumentVersion,
                                     smtp_server: tuple[_Collector, int]) -> None:
    collector, port = smtp_server
    rows = issue_invitations(framed, iv, BASE)
    sent = send_mails(rows, iv, SmtpSettings("127.0.0.1", port, sender="team@example.org"),
                      framed)
    assert sent == 3
    by_to = {m["To"]: m for m in collector.messages}
    assert set(by_to) == {r.email for r in rows}
    body = by_to["sian@example.org"].get_payload(decode=True).decode("utf-8")
    assert "Dear Siân Jones" in body
    assert next(r.link for r in rows if r.email == "sian@example.org") in body
    assert by_to["sian@example.org"]["From"] == "team@example.org"
    with framed.session() as s:
        assert s.execute(text("SELECT count(*) FROM invitations WHERE sent_at IS NOT NULL")
                         ).scalar() == 3


def test_unreachable_smtp_is_a_clear_error(framed: Store, iv: InstrumentVersion) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    rows = issue_invitations(framed, iv, BASE)
    with pytest.raises(LandscapeError) as exc:
        send_mails(rows, iv, SmtpSettings("127.0.0.1", port), framed)
    assert exc.value.issues[0].code == "F108" and "0 sent" in str(exc.value)


def test_invite_remind_and_open_link_commands(
    store_url: str, tmp_path: Path, instruments_dir: Path, smtp_server: tuple[_Collector, int]
) -> None:
    collector, port = smtp_server
    runner = CliRunner()
    frame = write_frame(tmp_path / "frame.csv", PEOPLE)
    assert runner.invoke(main, ["frame", "import", str(frame), "--database-url", store_url]
                         ).exit_code == 0
    out = tmp_path / "merge.csv"
    no_smtp = runner.invoke(main, ["invite", "--instrument", "demo@1.0.0", "-o", str(out),
                                   "--send", "--database-url", store_url],
                            env={"LANDSCAPE_SMTP_HOST": ""})
    assert no_smtp.exit_code == 2 and "LANDSCAPE_SMTP_HOST" in no_smtp.output
    assert not out.exists()
    env = {"LANDSCAPE_SMTP_HOST": "127.0.0.1", "LANDSCAPE_SMTP_PORT": str(port),
           "LANDSCAPE_BASE_URL": "https://forms.example.org"}
    result = runner.invoke(main, ["invite", "--instrument", "demo@1.0.0", "-o", str(out),
                                  "--send", "--database-url", store_url], env=env)
    assert result.exit_code == 0, result.output
    assert "wrote 3 invitations" in result.output and "sent 3 mails" in result.output
    assert all(r["link"].startswith("https://forms.example.org/respond/")
               for r in _read_csv(out))
    assert len(collector.messages) == 3
    result = runner.invoke(main, ["remind", "--instrument", "demo@1.0.0", "-o",
                                  str(tmp_path / "r.csv"), "--database-url", store_url],
                           env={"LANDSCAPE_REMINDER_LIMIT": "1"})
    assert result.exit_code == 0 and "wrote 3 reminders" in result.output
    result = runner.invoke(main, ["remind", "--instrument", "demo@1.0.0", "-o",
                                  str(tmp_path / "r2.csv"), "--database-url", store_url],
                           env={"LANDSCAPE_REMINDER_LIMIT": "1"})
    assert result.exit_code == 2 and "F109" in result.output
    result = runner.invoke(main, ["remind", "--instrument", "demo@1.0.0", "-o",
                                  str(tmp_path / "r3.csv"), "--database-url", store_url],
                           env={"LANDSCAPE_REMINDER_LIMIT": "lots"})
    assert result.exit_code == 2 and "S108" in result.output
    # A version fielded by invitation is not also opened to anyone.
    result = runner.invoke(main, ["open-link", "--instrument", "demo@1.0.0", "--base-url",
                                  "https://open.example.org", "--database-url", store_url])
    assert result.exit_code == 2 and "F110" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["invite", "--instrument", "demo@9.9.9", "-o", str(out),
                                  "--database-url", store_url])
    assert result.exit_code == 2 and "I110" in result.output


def _open_flags(store: Store) -> dict[str, bool]:
    with store.session() as s:
        return {f"{i}@{v}": bool(flag) for i, v, flag in s.execute(
            text("SELECT instrument, version, open_link FROM instrument_versions"))}


def test_open_link_is_off_until_opened_and_close_turns_it_off(
    store: Store, store_url: str, iv: InstrumentVersion, instruments_dir: Path
) -> None:
    # Recording a version (as an import does) does not open it.
    record_instrument(store, iv)
    assert _open_flags(store) == {"demo@1.0.0": False}
    runner = CliRunner()
    args = ["open-link", "--instrument", "demo@1.0.0", "--base-url",
            "https://open.example.org", "--database-url", store_url]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "https://open.example.org/open/demo/1.0.0"
    assert _open_flags(store) == {"demo@1.0.0": True}
    result = runner.invoke(main, [*args, "--close"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "closed: https://open.example.org/open/demo/1.0.0"
    assert _open_flags(store) == {"demo@1.0.0": False}


def test_open_link_refuses_a_version_fielded_by_invitation(
    store: Store, iv: InstrumentVersion, tmp_path: Path
) -> None:
    import_frame(store, write_frame(tmp_path / "frame.csv", PEOPLE))
    issue_invitations(store, iv, BASE)
    with pytest.raises(LandscapeError) as exc:
        open_link(store, iv, BASE)
    assert exc.value.issues[0].code == "F110"
    assert _open_flags(store) == {"demo@1.0.0": False}
    # Closing is always allowed.
    open_link(store, iv, BASE, enabled=False)


@pytest.mark.parametrize("command", ["invite", "remind"])
def test_cli_mail_merge_to_a_missing_directory_is_x101(
    store_url: str, tmp_path: Path, instruments_dir: Path, command: str
) -> None:
    runner = CliRunner()
    frame = write_frame(tmp_path / "frame.csv", PEOPLE)
    assert runner.invoke(main, ["frame", "import", str(frame), "--database-url", store_url]
                         ).exit_code == 0
    if command == "remind":
        assert runner.invoke(main, ["invite", "--instrument", "demo@1.0.0", "-o",
                                    str(tmp_path / "m.csv"), "--database-url", store_url]
                             ).exit_code == 0
    out = tmp_path / "nodir" / "mm.csv"
    result = runner.invoke(main, [command, "--instrument", "demo@1.0.0", "-o", str(out),
                                  "--database-url", store_url])
    assert result.exit_code == 2, result.output
    assert "X101" in result.output and "does not exist" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "nodir").exists()
    with Store.open(store_url) as store:  # nothing issued: no links exist without their file
        with store.session() as s:
            counts = s.execute(text("SELECT count(*), coalesce(sum(reminder_count), 0) "
                                    "FROM invitations")).one()
    assert tuple(counts) == ((0, 0) if command == "invite" else (3, 0))
