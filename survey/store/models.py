"""The store's tables as SQLAlchemy 2.x typed models (the schema at migration head).

Personal data lives only in :class:`Contact`. Everything else refers to people by
:attr:`Respondent.id`, a random pseudonymous id, so purging contacts after
fieldwork keeps every answer and aggregate intact.

The schema is created and changed only by the Alembic migrations in
``survey/store/migrations``; ``tests/store/test_migrations.py`` checks these
models and the migrations agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Answer",
    "AuditEntry",
    "Base",
    "Coding",
    "Contact",
    "DataRevision",
    "InstrumentVersionRow",
    "Invitation",
    "InvitationToken",
    "LandscapeAlias",
    "LandscapeBarrier",
    "LandscapeLink",
    "LandscapeOrganisation",
    "LandscapePartnership",
    "LandscapeProvenance",
    "LandscapeReview",
    "LandscapeTheme",
    "RankingAnswer",
    "Respondent",
    "Response",
    "User",
    "data_tables",
]

# Stable constraint names, so migrations can refer to them on every backend.
_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


class InstrumentVersionRow(Base):
    """One instrument version answered in this store, with its content snapshot."""

    __tablename__ = "instrument_versions"
    __table_args__ = (UniqueConstraint("instrument", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(80))
    content: Mapped[str] = mapped_column(Text)  # JSON snapshot of the parsed YAML
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Added by revision 0004. Only 'landscape open-link' sets it: recording a version
    # (an import, an invitation) never makes it answerable by anyone at /open/.
    open_link: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class Respondent(Base):
    """A pseudonymous respondent: no personal data, only what the monitor groups by."""

    __tablename__ = "respondents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_type: Mapped[str | None] = mapped_column(String(64))
    nation: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(32))
    instrument: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Added by revision 0007: set only by 'landscape frame import'. Respondents made by
    # an import of responses are outside the frame and never count in its rates.
    in_frame: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class Contact(Base):
    """PERSONAL DATA: who a respondent is. Deleted by ``landscape frame purge``."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    respondent_id: Mapped[str] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    organisation: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(200))


class Invitation(Base):
    """An invitation to one respondent; its link tokens are in :class:`InvitationToken`."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("respondent_id", "instrument_version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    respondent_id: Mapped[str] = mapped_column(ForeignKey("respondents.id"))
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Added by revision 0002.
    reminder_count: Mapped[int] = mapped_column(Integer, server_default="0")
    last_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InvitationToken(Base):
    """One link issued for an invitation: the first, then one per reminder (revision 0006).

    Only the token's SHA-256 is kept. Every link a person was sent opens the same
    invitation (and so the same response) until they complete.
    """

    __tablename__ = "invitation_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Response(Base):
    """One response: who (pseudonymously), on which version, how far, and from where."""

    __tablename__ = "responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    respondent_id: Mapped[str | None] = mapped_column(ForeignKey("respondents.id"), index=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"))
    instrument: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(80))
    path: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # in_progress | complete
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(16))  # web | import
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_row: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64))


class Answer(Base):
    """One answer, its value as JSON text (rankings are also in :class:`RankingAnswer`)."""

    __tablename__ = "answers"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RankingAnswer(Base):
    """One option's rank in one ranking answer: the long table the analysis reads."""

    __tablename__ = "ranking_answers"
    # Added by revision 0002: the analysis frame selects by question.
    __table_args__ = (Index("ix_ranking_answers_question_code_response_id", "question_code",
                            "response_id"),)

    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    option_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    rank: Mapped[int] = mapped_column(SmallInteger)


class Coding(Base):
    """One coding of a free-text answer with a theme (added by revision 0003).

    ``source`` is ``rule`` (the codebook's rules; ``coder`` names the codebook) or
    ``manual`` (a person's override, with who, when and why).
    """

    __tablename__ = "codings"
    __table_args__ = (Index("ix_codings_response_id_theme", "response_id", "theme"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"))
    question_code: Mapped[str] = mapped_column(String(64))
    theme: Mapped[str] = mapped_column(String(64))
    applied: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))  # rule | manual
    coder: Mapped[str] = mapped_column(String(200))
    coded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    codebook: Mapped[str | None] = mapped_column(String(100))


# -- the partnership landscape (revision 0005) ---------------------------------------------
# Organisations, partnerships, themes and barriers, with provenance on every row. Read and
# written only through survey.store.landscape; see survey.landscape.records for the records.


class LandscapeOrganisation(Base):
    """A canonical organisation (``key`` is a stable slug)."""

    __tablename__ = "landscape_organisations"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(32))
    nation: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(32))
    place_type: Mapped[str | None] = mapped_column(String(32))
    identifiers: Mapped[str] = mapped_column(Text)  # JSON object, e.g. {"gss": "E08000025"}
    resolved: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)


class LandscapeAlias(Base):
    """Another name of an organisation, where it was seen, and its normalised form."""

    __tablename__ = "landscape_aliases"
    __table_args__ = (UniqueConstraint("organisation_key", "text"),
                      Index("ix_landscape_aliases_normalised", "normalised"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_key: Mapped[str] = mapped_column(
        ForeignKey("landscape_organisations.key", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(300))
    normalised: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LandscapePartnership(Base):
    """A partnership of two or more organisations."""

    __tablename__ = "landscape_partnerships"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    start_year: Mapped[int | None] = mapped_column(Integer)
    funding: Mapped[str | None] = mapped_column(Text)
    outcomes: Mapped[str | None] = mapped_column(Text)


class LandscapeTheme(Base):
    """A research theme (3.25-3.30)."""

    __tablename__ = "landscape_themes"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))


class LandscapeBarrier(Base):
    """A barrier to partnership working (3.57-3.74; codes of the barrier codebook)."""

    __tablename__ = "landscape_barriers"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))


class LandscapeProvenance(Base):
    """Where an organisation, partnership, theme or barrier came from (one subject per row)."""

    __tablename__ = "landscape_provenance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_key: Mapped[str | None] = mapped_column(
        ForeignKey("landscape_organisations.key", ondelete="CASCADE",
                   name="fk_landscape_provenance_organisation_key"), index=True)
    partnership_key: Mapped[str | None] = mapped_column(
        ForeignKey("landscape_partnerships.key", ondelete="CASCADE"), index=True)
    theme_code: Mapped[str | None] = mapped_column(
        ForeignKey("landscape_themes.code", ondelete="CASCADE"))
    barrier_code: Mapped[str | None] = mapped_column(
        ForeignKey("landscape_barriers.code", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # order within its subject
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LandscapeLink(Base):
    """A link between two landscape entities, with the provenance of the link.

    ``relation`` is ``member`` (partnership -> organisation), ``partnership_theme``,
    ``partnership_barrier``, ``organisation_theme``, ``organisation_barrier`` or
    ``answer_barrier`` (a coded survey answer -> barrier; ``subject`` is the response id).
    """

    __tablename__ = "landscape_links"
    __table_args__ = (UniqueConstraint("relation", "subject", "target"),
                      Index("ix_landscape_links_target", "target"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    relation: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(120))
    target: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)  # order within its subject
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text)


class LandscapeReview(Base):
    """A typed name waiting for (or given) a reviewer's decision.

    ``status`` is ``pending``, ``accepted`` (linked to the candidate), ``rejected`` (a new
    unresolved organisation) or ``created`` (a new organisation the reviewer named).
    """

    __tablename__ = "landscape_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(300))
    normalised: Mapped[str] = mapped_column(String(300), unique=True)
    candidate_key: Mapped[str | None] = mapped_column(String(120))
    score: Mapped[float] = mapped_column(Float)
    source_kind: Mapped[str] = mapped_column(String(32))
    source_reference: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    organisation_key: Mapped[str | None] = mapped_column(String(120))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A login to the explorer (revision 0008): a name, a role and an argon2 hash.

    ``role`` is ``viewer``, ``analyst`` or ``admin`` (:data:`survey.store.users.ROLES`);
    the password itself is never stored.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One audited action (revision 0008): who did what, when (exports, user management).

    ``who`` is a user name (or ``cli:<account>`` for the command line); kept when the
    user is removed, so the log stays whole.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    who: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    what: Mapped[str] = mapped_column(Text)


class DataRevision(Base):
    """The one row database triggers bump on every change to the analysed tables (0009).

    See :mod:`survey.store.revision`: what the explorer computed from the data is
    kept while ``(revision, token)`` is unchanged.
    """

    __tablename__ = "data_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(32))


def data_tables() -> list[Table]:
    """Every table that holds data, parents first: all but :class:`DataRevision`, a
    counter the database keeps itself (emptiness checks, resets and backups skip it).

    Examples
    --------
    >>> "data_revision" in [t.name for t in data_tables()], len(data_tables()) > 10
    (False, True)
    """
    return [t for t in Base.metadata.sorted_tables if t.name != DataRevision.__tablename__]
