"""Codings of free-text answers: rule codings and people's overrides, with who and when.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A new table only: existing rows are untouched.
    op.create_table(
        "codings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.String(32), nullable=False),
        sa.Column("question_code", sa.String(64), nullable=False),
        sa.Column("theme", sa.String(64), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("coder", sa.String(200), nullable=False),
        sa.Column("coded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("codebook", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"], ondelete="CASCADE",
                                name="fk_codings_response_id_responses"),
        sa.PrimaryKeyConstraint("id", name="pk_codings"),
    )
    op.create_index("ix_codings_response_id_theme", "codings", ["response_id", "theme"])


def downgrade() -> None:
    op.drop_index("ix_codings_response_id_theme", "codings")
    op.drop_table("codings")
