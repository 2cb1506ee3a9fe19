"""Initial schema: instruments, respondents, contacts, invitations, responses, answers.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "instrument_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_instrument_versions"),
        sa.UniqueConstraint("instrument", "version",
                            name="uq_instrument_versions_instrument_version"),
    )
    op.create_table(
        "respondents",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("organisation_type", sa.String(64), nullable=True),
        sa.Column("nation", sa.String(32), nullable=True),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("instrument", sa.String(64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_respondents"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column("role", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(["respondent_id"], ["respondents.id"], ondelete="CASCADE",
                                name="fk_contacts_respondent_id_respondents"),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sa.UniqueConstraint("respondent_id", name="uq_contacts_respondent_id"),
        sa.UniqueConstraint("email", name="uq_contacts_email"),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.String(32), nullable=False),
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("used_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["respondent_id"], ["respondents.id"],
                                name="fk_invitations_respondent_id_respondents"),
        sa.ForeignKeyConstraint(["instrument_version_id"], ["instrument_versions.id"],
                                name="fk_invitations_instrument_version_id_instrument_versions"),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
        sa.UniqueConstraint("token_hash", name="uq_invitations_token_hash"),
        sa.UniqueConstraint("respondent_id", "instrument_version_id",
                            name="uq_invitations_respondent_id_instrument_version_id"),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("respondent_id", sa.String(32), nullable=True),
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("path", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("completed_at", _TS, nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_file", sa.String(500), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["respondent_id"], ["respondents.id"],
                                name="fk_responses_respondent_id_respondents"),
        sa.ForeignKeyConstraint(["instrument_version_id"], ["instrument_versions.id"],
                                name="fk_responses_instrument_version_id_instrument_versions"),
        sa.PrimaryKeyConstraint("id", name="pk_responses"),
        sa.UniqueConstraint("idempotency_key", name="uq_responses_idempotency_key"),
    )
    op.create_index("ix_responses_respondent_id", "responses", ["respondent_id"])
    op.create_table(
        "answers",
        sa.Column("response_id", sa.String(32), nullable=False),
        sa.Column("question_code", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"], ondelete="CASCADE",
                                name="fk_answers_response_id_responses"),
        sa.PrimaryKeyConstraint("response_id", "question_code", name="pk_answers"),
    )
    op.create_table(
        "ranking_answers",
        sa.Column("response_id", sa.String(32), nullable=False),
        sa.Column("question_code", sa.String(64), nullable=False),
        sa.Column("option_code", sa.String(64), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"], ondelete="CASCADE",
                                name="fk_ranking_answers_response_id_responses"),
        sa.PrimaryKeyConstraint("response_id", "question_code", "option_code",
                                name="pk_ranking_answers"),
    )


def downgrade() -> None:
    for table in ("ranking_answers", "answers", "responses", "invitations", "contacts",
                  "respondents", "instrument_versions"):
        op.drop_table(table)
