"""Reminder tracking on invitations; index ranking answers by question.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Existing invitations have had no reminders: the server default fills them with 0.
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("reminder_count", sa.Integer(), server_default="0",
                                   nullable=False))
        batch.add_column(sa.Column("last_reminded_at", sa.DateTime(timezone=True),
                                   nullable=True))
    op.create_index("ix_ranking_answers_question_code_response_id", "ranking_answers",
                    ["question_code", "response_id"])


def downgrade() -> None:
    op.drop_index("ix_ranking_answers_question_code_response_id", "ranking_answers")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("last_reminded_at")
        batch.drop_column("reminder_count")
