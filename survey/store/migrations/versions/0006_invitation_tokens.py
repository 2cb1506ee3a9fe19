"""Every link token issued for an invitation keeps working: one row per token.

A reminder used to replace the invitation's only token hash, so the link sent earlier
stopped working. Tokens now live in ``invitation_tokens`` (the first link, then one per
reminder); ``invitations.token_hash`` moves there.

Revision ID: 0006
Revises: 0005
Create Date: 2025-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    bind = op.get_bind()
    # Read the hashes before the column goes. The token table is created after the
    # invitations table is rebuilt (SQLite batch mode drops and recreates it), so no
    # foreign key points at the table while it is being replaced.
    # Typed columns, so SQLite hands back datetimes for the insert below.
    old = sa.table("invitations", sa.column("id", sa.Integer()),
                   sa.column("token_hash", sa.String(64)), sa.column("created_at", _TS),
                   sa.column("last_reminded_at", _TS))
    issued = [{"token_hash": h, "invitation_id": i, "issued_at": t} for i, h, t in bind.execute(
        sa.select(old.c.id, old.c.token_hash,
                  sa.func.coalesce(old.c.last_reminded_at, old.c.created_at, type_=_TS)))]
    with op.batch_alter_table("invitations") as batch:
        batch.drop_constraint("uq_invitations_token_hash", type_="unique")
        batch.drop_column("token_hash")
    tokens = op.create_table(
        "invitation_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitations.id"], ondelete="CASCADE",
                                name="fk_invitation_tokens_invitation_id_invitations"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_invitation_tokens"),
    )
    op.create_index("ix_invitation_tokens_invitation_id", "invitation_tokens",
                    ["invitation_id"])
    if issued:
        op.bulk_insert(tokens, issued)


def downgrade() -> None:
    # Back to one hash per invitation: the latest issued link (earlier ones stop working).
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(64), nullable=True))
    op.execute(sa.text(
        "UPDATE invitations SET token_hash = (SELECT t.token_hash FROM invitation_tokens t "
        "WHERE t.invitation_id = invitations.id ORDER BY t.issued_at DESC, t.token_hash "
        "LIMIT 1)"))
    op.drop_index("ix_invitation_tokens_invitation_id", "invitation_tokens")
    op.drop_table("invitation_tokens")
    with op.batch_alter_table("invitations") as batch:
        batch.alter_column("token_hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_invitations_token_hash", ["token_hash"])
