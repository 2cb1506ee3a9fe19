"""The partnership landscape: organisations, aliases, partnerships, themes, barriers, links,
provenance and the name-review queue.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # New tables only: existing rows are untouched.
    op.create_table(
        "landscape_organisations",
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("nation", sa.String(32), nullable=True),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("place_type", sa.String(32), nullable=True),
        sa.Column("identifiers", sa.Text(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_landscape_organisations"),
    )
    op.create_table(
        "landscape_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_key", sa.String(120), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("normalised", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=True),
        sa.Column("recorded_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["organisation_key"], ["landscape_organisations.key"],
                                ondelete="CASCADE",
                                name="fk_landscape_aliases_organisation_key_landscape_organisations"),
        sa.PrimaryKeyConstraint("id", name="pk_landscape_aliases"),
        sa.UniqueConstraint("organisation_key", "text",
                            name="uq_landscape_aliases_organisation_key_text"),
    )
    op.create_index("ix_landscape_aliases_normalised", "landscape_aliases", ["normalised"])
    op.create_table(
        "landscape_partnerships",
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=True),
        sa.Column("funding", sa.Text(), nullable=True),
        sa.Column("outcomes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_landscape_partnerships"),
    )
    for table in ("landscape_themes", "landscape_barriers"):
        op.create_table(
            table,
            sa.Column("code", sa.String(64), nullable=False),
            sa.Column("label", sa.String(300), nullable=False),
            sa.PrimaryKeyConstraint("code", name=f"pk_{table}"),
        )
    op.create_table(
        "landscape_provenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_key", sa.String(120), nullable=True),
        sa.Column("partnership_key", sa.String(120), nullable=True),
        sa.Column("theme_code", sa.String(64), nullable=True),
        sa.Column("barrier_code", sa.String(64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=True),
        sa.Column("recorded_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_key"], ["landscape_organisations.key"], ondelete="CASCADE",
            name="fk_landscape_provenance_organisation_key"),
        sa.ForeignKeyConstraint(
            ["partnership_key"], ["landscape_partnerships.key"], ondelete="CASCADE",
            name="fk_landscape_provenance_partnership_key_landscape_partnerships"),
        sa.ForeignKeyConstraint(["theme_code"], ["landscape_themes.code"], ondelete="CASCADE",
                                name="fk_landscape_provenance_theme_code_landscape_themes"),
        sa.ForeignKeyConstraint(["barrier_code"], ["landscape_barriers.code"],
                                ondelete="CASCADE",
                                name="fk_landscape_provenance_barrier_code_landscape_barriers"),
        sa.PrimaryKeyConstraint("id", name="pk_landscape_provenance"),
    )
    op.create_index("ix_landscape_provenance_organisation_key", "landscape_provenance",
                    ["organisation_key"])
    op.create_index("ix_landscape_provenance_partnership_key", "landscape_provenance",
                    ["partnership_key"])
    op.create_table(
        "landscape_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(120), nullable=False),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_landscape_links"),
        sa.UniqueConstraint("relation", "subject", "target",
                            name="uq_landscape_links_relation_subject_target"),
    )
    op.create_index("ix_landscape_links_target", "landscape_links", ["target"])
    op.create_table(
        "landscape_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("normalised", sa.String(300), nullable=False),
        sa.Column("candidate_key", sa.String(120), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("source_kind", sa.String(32), nullable=False),
        sa.Column("source_reference", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("organisation_key", sa.String(120), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_landscape_reviews"),
        sa.UniqueConstraint("normalised", name="uq_landscape_reviews_normalised"),
    )


def downgrade() -> None:
    op.drop_table("landscape_reviews")
    op.drop_index("ix_landscape_links_target", "landscape_links")
    op.drop_table("landscape_links")
    op.drop_index("ix_landscape_provenance_partnership_key", "landscape_provenance")
    op.drop_index("ix_landscape_provenance_organisation_key", "landscape_provenance")
    op.drop_table("landscape_provenance")
    op.drop_table("landscape_barriers")
    op.drop_table("landscape_themes")
    op.drop_table("landscape_partnerships")
    op.drop_index("ix_landscape_aliases_normalised", "landscape_aliases")
    op.drop_table("landscape_aliases")
    op.drop_table("landscape_organisations")
