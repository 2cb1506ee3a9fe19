"""Who is in the sampling frame: ``respondents.in_frame``.

Imports with respondent attributes create pseudonymous respondents too, and those grew
the frame (and its response rates). Only ``landscape frame import`` puts people in the
frame now. Existing respondents are in the frame unless they look made by an import:
no contact, no invitation, and an imported response.

Revision ID: 0007
Revises: 0006
Create Date: 2025-01-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # The literal '0' is false on both backends and lets SQLite add the column in place.
    with op.batch_alter_table("respondents") as batch:
        batch.add_column(sa.Column("in_frame", sa.Boolean(), server_default="0",
                                   nullable=False))
    op.execute(sa.text(
        "UPDATE respondents SET in_frame = (1 = 1) WHERE "
        "EXISTS (SELECT 1 FROM contacts c WHERE c.respondent_id = respondents.id) "
        "OR EXISTS (SELECT 1 FROM invitations i WHERE i.respondent_id = respondents.id) "
        "OR NOT EXISTS (SELECT 1 FROM responses r WHERE r.respondent_id = respondents.id "
        "AND r.source = 'import')"))


def downgrade() -> None:
    with op.batch_alter_table("respondents") as batch:
        batch.drop_column("in_frame")
