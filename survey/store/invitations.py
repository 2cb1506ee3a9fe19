"""Invitations, reminders and the open link.

Each invitation carries an unguessable link token (``secrets.token_urlsafe(24)``:
192 bits). The store keeps only its SHA-256, so the mail-merge CSV written by
:func:`write_mail_merge` is the only place the raw token ever exists. A reminder
issues a fresh link and the earlier ones keep working: every link a person was
sent opens the same invitation, and so the same saved response, until they
complete. Once the response is complete no link of that invitation can submit
another.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import secrets
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session

from survey.errors import LandscapeError, Location
from survey.files import atomic_write, defuse_cell, staged_file
from survey.instrument.model import InstrumentVersion
from survey.settings import resolve
from survey.store.engine import Store
from survey.store.instruments import instrument_row_id
from survey.store.models import (
    Contact,
    InstrumentVersionRow,
    Invitation,
    InvitationToken,
    Respondent,
    Response,
)

__all__ = [
    "LINK_PATH",
    "OPEN_LINK_PATH",
    "InvitationInfo",
    "MailMergeRow",
    "SmtpSettings",
    "due_reminders",
    "find_invitation",
    "hash_token",
    "invitation_for_token",
    "invitation_link",
    "issue_invitations",
    "issue_reminders",
    "open_link",
    "open_link_allowed",
    "send_mails",
    "write_mail_merge",
]


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of an invitation token.

    Examples
    --------
    >>> len(hash_token("abc"))
    64
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_for_token(session: Session, token: str) -> Invitation | None:
    """The invitation any of whose issued links carries ``token`` (None: no such link)."""
    return session.execute(
        select(Invitation).join(InvitationToken, InvitationToken.invitation_id == Invitation.id)
        .where(InvitationToken.token_hash == hash_token(token))
    ).scalar_one_or_none()


#: Invitation links are ``{base_url}{LINK_PATH}{token}``; the web form serves this path.
LINK_PATH = "/respond/"
#: The open link (no frame) is ``{base_url}{OPEN_LINK_PATH}{instrument}/{version}``.
OPEN_LINK_PATH = "/open/"
_MAIL_MERGE_COLUMNS = ("name", "email", "organisation", "link", "kind")


@dataclass(frozen=True, slots=True)
class MailMergeRow:
    """One line of the mail-merge file: a person and their personal link."""

    respondent_id: str
    name: str
    email: str
    organisation: str
    link: str
    kind: str  # invitation | reminder


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where to send mail from; built from the ``smtp_*`` settings."""

    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "survey@localhost"
    starttls: bool = False

    @classmethod
    def from_settings(cls) -> SmtpSettings | None:
        """The SMTP settings from the environment, or None when no host is set."""
        host = resolve("smtp_host")
        if not host:
            return None
        return cls(host=host, port=resolve("smtp_port"), user=resolve("smtp_user"),
                   password=resolve("smtp_password"), sender=resolve("smtp_from"),
                   starttls=resolve("smtp_starttls"))


def _new_token() -> str:
    # 24 random bytes = 192 bits, comfortably above the 128-bit floor.
    return secrets.token_urlsafe(24)


def invitation_link(base_url: str, token: str) -> str:
    """The personal link for ``token``.

    Examples
    --------
    >>> invitation_link("https://survey.example.org/", "abc")
    'https://survey.example.org/respond/abc'
    """
    return base_url.rstrip("/") + LINK_PATH + token


def open_link(store: Store, iv: InstrumentVersion, base_url: str, *,
              enabled: bool = True) -> str:
    """Switch on (or with ``enabled=False``, off) the open link for ``iv``; return the link.

    The open link lets anyone answer, with no frame. It is served only for versions
    switched on here: recording a version (by an import or for invitations) never
    opens it. A version fielded by invitation cannot also be opened (``F110``).

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text("instrument: researcher\\nversion: 1.0.0\\ntitle: R\\n"
    ...     "questions: [{code: n, type: free_text, label: Name}]")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> open_link(store, iv, "https://s.example.org")
    'https://s.example.org/open/researcher/1.0.0'
    >>> _ = open_link(store, iv, "https://s.example.org", enabled=False)  # closed again
    """
    with store.write() as session:
        iv_id = instrument_row_id(session, iv)
        if enabled and session.execute(
                select(exists().where(Invitation.instrument_version_id == iv_id))).scalar():
            raise LandscapeError.of(
                "F110", f"{iv.ref} is fielded by invitation, so it cannot also have an "
                "open link")
        session.execute(update(InstrumentVersionRow).where(InstrumentVersionRow.id == iv_id)
                        .values(open_link=enabled))
    return f"{base_url.rstrip('/')}{OPEN_LINK_PATH}{iv.instrument}/{iv.version}"


def open_link_allowed(store: Store, instrument: str, version: str) -> bool:
    """Whether the open link of ``instrument@version`` may be served.

    Only versions switched on by :func:`open_link` are served, and never one that
    anyone was invited to (the web form answers 404 otherwise).

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text("instrument: researcher\\nversion: 1.0.0\\ntitle: R\\n"
    ...     "questions: [{code: n, type: free_text, label: Name}]")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> open_link_allowed(store, "researcher", "1.0.0")
    False
    >>> _ = open_link(store, iv, "https://s.example.org")
    >>> open_link_allowed(store, "researcher", "1.0.0")
    True
    """
    with store.session() as session:
        iv_id = session.execute(select(InstrumentVersionRow.id).where(
            InstrumentVersionRow.instrument == instrument,
            InstrumentVersionRow.version == version,
            InstrumentVersionRow.open_link.is_(True))).scalar_one_or_none()
        if iv_id is None:
            return False
        invited = session.execute(select(
            exists().where(Invitation.instrument_version_id == iv_id))).scalar()
    return not invited


def _completed(iv_id: int) -> object:
    return exists().where(and_(Response.respondent_id == Respondent.id,
                               Response.instrument_version_id == iv_id,
                               Response.state == "complete"))


def issue_invitations(store: Store, iv: InstrumentVersion, base_url: str,
                      output: Path | None = None) -> list[MailMergeRow]:
    """Create an invitation (and token) for everyone in the frame not yet invited to ``iv``.

    With ``output``, the mail-merge CSV is written to a temporary file inside the
    transaction and moved into place only after the commit (:func:`staged_file`),
    so either both the file and the invitations exist or neither does: a failed
    write rolls the transaction back, a failed commit deletes the file. A bad
    ``output`` (missing directory) raises ``X101`` before anything is stored.

    Only frame members whose contact details are still held, and whose frame
    entry is for ``iv.instrument`` (or for no particular instrument), are
    invited; those for no particular instrument are assigned to ``iv.instrument``
    (so nobody is in two instruments' frames). Raises ``F109`` when there is no
    one to invite.
    """
    now = datetime.now(UTC)
    rows: list[MailMergeRow] = []
    with _staged_mail_merge(output) as staged, store.write() as session:
        iv_id = instrument_row_id(session, iv)
        invited = select(Invitation.respondent_id).where(
            Invitation.instrument_version_id == iv_id)
        people = session.execute(
            select(Respondent.id, Contact.name, Contact.email, Contact.organisation)
            .join(Contact, Contact.respondent_id == Respondent.id)
            .where((Respondent.instrument == iv.instrument) | Respondent.instrument.is_(None),
                   Respondent.id.not_in(invited))
            .order_by(Contact.email)
        ).all()
        if not people:
            raise LandscapeError.of("F109", f"everyone in the frame for {iv.ref} has already "
                                    "been invited, or the frame is empty")
        issued: list[tuple[Invitation, str]] = []
        for rid, name, email, organisation in people:
            token = _new_token()
            invitation = Invitation(respondent_id=rid, instrument_version_id=iv_id,
                                    created_at=now, reminder_count=0)
            issued.append((invitation, token))
            rows.append(MailMergeRow(rid, name, email, organisation,
                                     invitation_link(base_url, token), "invitation"))
        # Someone put in the frame for no particular instrument joins this one's frame
        # (and no other's) by being invited to it.
        unassigned = [rid for rid, *_ in people]
        for start in range(0, len(unassigned), 500):
            session.execute(update(Respondent).where(
                Respondent.id.in_(unassigned[start:start + 500]),
                Respondent.instrument.is_(None)).values(instrument=iv.instrument))
        session.add_all(invitation for invitation, _ in issued)
        session.flush()  # gives each invitation its id
        session.add_all(InvitationToken(token_hash=hash_token(token),
                                        invitation_id=invitation.id, issued_at=now)
                        for invitation, token in issued)
        if staged is not None:
            _write_mail_merge_rows(rows, staged)
    return rows


def due_reminders(store: Store, iv: InstrumentVersion | None = None,
                  limit: int | None = None) -> list[tuple[str, int, str]]:
    """Who is due a reminder: ``(respondent_id, reminders so far, instrument@version)``.

    Due means invited, not complete, and reminded fewer than ``limit`` times
    (default: the ``reminder_limit`` setting). No personal data is returned.
    """
    limit = resolve("reminder_limit", limit)
    with store.session() as session:
        query = (
            select(Invitation.respondent_id, Invitation.reminder_count,
                   InstrumentVersionRow.instrument, InstrumentVersionRow.version)
            .join(InstrumentVersionRow,
                  InstrumentVersionRow.id == Invitation.instrument_version_id)
            .where(Invitation.reminder_count < limit, Invitation.used_at.is_(None),
                   ~exists().where(and_(Response.respondent_id == Invitation.respondent_id,
                                        Response.instrument_version_id
                                        == Invitation.instrument_version_id,
                                        Response.state == "complete")))
            .order_by(Invitation.respondent_id)
        )
        if iv is not None:
            query = query.where(InstrumentVersionRow.instrument == iv.instrument,
                                 InstrumentVersionRow.version == str(iv.version))
        return [(rid, int(count), f"{name}@{version}")
                for rid, count, name, version in session.execute(query)]


def issue_reminders(store: Store, iv: InstrumentVersion, base_url: str,
                    limit: int | None = None, output: Path | None = None) -> list[MailMergeRow]:
    """A fresh link for each invited person who has not completed ``iv``, up to ``limit``.

    The links sent before keep working beside the new one (all open the same response).

    Each reminder increments the invitation's ``reminder_count``; nobody is
    reminded more than ``limit`` times (default: the ``reminder_limit`` setting,
    2). People whose contact details were purged cannot be reminded. ``output``
    appears only once the transaction commits, as in :func:`issue_invitations`.
    """
    limit = resolve("reminder_limit", limit)
    now = datetime.now(UTC)
    rows: list[MailMergeRow] = []
    with _staged_mail_merge(output) as staged, store.write() as session:
        iv_id = instrument_row_id(session, iv)
        due = session.execute(
            select(Invitation.id, Contact.respondent_id, Contact.name, Contact.email,
                   Contact.organisation)
            .join(Contact, Contact.respondent_id == Invitation.respondent_id)
            .join(Respondent, Respondent.id == Invitation.respondent_id)
            .where(Invitation.instrument_version_id == iv_id,
                   Invitation.reminder_count < limit, Invitation.used_at.is_(None),
                   ~_completed(iv_id))  # type: ignore[operator]
            .order_by(Contact.email)
        ).all()
        if not due:
            raise LandscapeError.of("F109", f"no one is due a reminder for {iv.ref} (everyone "
                                    f"has completed or had {limit} reminder(s))")
        for invitation_id, rid, name, email, organisation in due:
            token = _new_token()
            # A new link beside the earlier ones, which keep working.
            session.add(InvitationToken(token_hash=hash_token(token),
                                        invitation_id=invitation_id, issued_at=now))
            session.execute(update(Invitation).where(Invitation.id == invitation_id).values(
                reminder_count=Invitation.reminder_count + 1, last_reminded_at=now))
            rows.append(MailMergeRow(rid, name, email, organisation,
                                     invitation_link(base_url, token), "reminder"))
        if staged is not None:
            _write_mail_merge_rows(rows, staged)
    return rows


def write_mail_merge(rows: Sequence[MailMergeRow], output: Path) -> None:
    """Write the mail-merge CSV atomically (a temporary file renamed into place).

    Columns: name, email, organisation, link, kind. The file holds the only copy
    of each link token: keep it private (it is created with mode 0600) and delete
    it after the mails are sent. Every cell passes through
    :func:`survey.files.defuse_cell`, so a name, organisation or email such as
    ``=1+1@ex.org`` is not run as a spreadsheet formula. Raises ``X101`` when
    ``output`` cannot be written.
    """
    atomic_write(output, lambda temporary: _write_mail_merge_rows(rows, temporary),
                 mode=_MAIL_MERGE_MODE)


#: The mail-merge holds live links: readable by its owner only.
_MAIL_MERGE_MODE = 0o600


def _staged_mail_merge(output: Path | None) -> contextlib.AbstractContextManager[Path | None]:
    """The staged mail-merge file for ``output`` (None: no file is written)."""
    if output is None:
        return contextlib.nullcontext()
    return staged_file(output, mode=_MAIL_MERGE_MODE)


def _write_mail_merge_rows(rows: Sequence[MailMergeRow], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(_MAIL_MERGE_COLUMNS)
        for r in rows:
            writer.writerow([defuse_cell(cell) for cell in
                             (r.name, r.email, r.organisation, r.link, r.kind)])


def _message(row: MailMergeRow, iv: InstrumentVersion, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.email
    reminder = row.kind == "reminder"
    message["Subject"] = ("Reminder: " if reminder else "Invitation: ") + iv.title.en
    message.set_content(
        f"Dear {row.name},\n\n"
        + ("This is a reminder of our invitation to take part in "
           if reminder else "You are invited to take part in ")
        + f"{iv.title.en}.\n\nYour personal link (please do not share it):\n{row.link}\n\n"
        "You can save your answers and come back with the same link.\n"
    )
    return message


def send_mails(rows: Sequence[MailMergeRow], iv: InstrumentVersion, smtp: SmtpSettings,
               store: Store | None = None) -> int:
    """Send one mail per row; record ``sent_at`` for invitations; return how many were sent.

    Raises ``F108`` naming the addresses that failed (the others are sent).
    """
    sent: list[str] = []
    failed: list[str] = []
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
            if smtp.starttls:
                server.starttls()
            if smtp.user:
                server.login(smtp.user, smtp.password or "")
            for row in rows:
                try:
                    server.send_message(_message(row, iv, smtp.sender))
                    sent.append(row.respondent_id)
                except smtplib.SMTPException as exc:
                    failed.append(f"{row.email} ({exc})")
    except (OSError, smtplib.SMTPException) as exc:
        failed.append(f"server {smtp.host}:{smtp.port}: {exc}")
    if store is not None and sent:
        now = datetime.now(UTC)
        with store.write() as session:
            iv_id = instrument_row_id(session, iv)
            for start in range(0, len(sent), 500):
                session.execute(update(Invitation).where(
                    Invitation.instrument_version_id == iv_id,
                    Invitation.respondent_id.in_(sent[start:start + 500]),
                    Invitation.sent_at.is_(None)).values(sent_at=now))
    if failed:
        raise LandscapeError.of("F108", f"{len(sent)} sent, failed: " + "; ".join(failed[:10]),
                                Location())
    return len(sent)


@dataclass(frozen=True, slots=True)
class InvitationInfo:
    """What a link token opens: whose invitation, to which version, and whether it is used."""

    respondent_id: str
    instrument: str
    version: str
    used: bool


def find_invitation(store: Store, token: str) -> InvitationInfo | None:
    """The invitation behind a raw link token, or None if no invitation has it.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> find_invitation(store, "not-a-token") is None
    True
    """
    with store.session() as session:
        invitation = invitation_for_token(session, token)
        if invitation is None:
            return None
        version = session.get_one(InstrumentVersionRow, invitation.instrument_version_id)
        return InvitationInfo(invitation.respondent_id, version.instrument, version.version,
                              invitation.used_at is not None)
