"""An explicit open-link flag per instrument version (off unless 'landscape open-link' sets it).

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Existing versions start closed: an open link must be switched on explicitly, so a
    # version recorded only by an import never becomes answerable by anyone. The literal
    # '0' is false on both backends and lets SQLite add the column in place (an expression
    # default would make batch mode copy the table, which foreign keys refer to).
    with op.batch_alter_table("instrument_versions") as batch:
        batch.add_column(sa.Column("open_link", sa.Boolean(), server_default="0",
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("instrument_versions") as batch:
        batch.drop_column("open_link")
