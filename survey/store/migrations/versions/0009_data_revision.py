"""The data revision: one row that every change to the analysed tables bumps.

The explorer keeps what it computed from the responses (the analysis frame, the
release check) for as long as the data is the same; ``data_revision`` says whether
it is. Database triggers bump it on every INSERT, UPDATE and DELETE of the tables
the analysis reads (:data:`survey.store.revision.WATCHED`), and on PostgreSQL on
TRUNCATE too, whoever writes (this process, the CLI beside a running server, a raw
SQL statement). ``token`` is random text set once, here: a database rebuilt under
the same URL starts a new count that cannot be mistaken for the old one. (A new
token on every bump tripled the time of a bulk import on SQLite, where triggers
fire per row.)

SQLite triggers fire per row (SQLite has no statement triggers); PostgreSQL's fire
once per statement. A later migration that rebuilds one of these tables (SQLite
batch mode copies it) drops its triggers: it must create them again
(``tests/store/test_revision.py`` checks every trigger exists at head).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

#: The tables the analysis reads (kept equal to survey.store.revision.WATCHED by a test:
#: a migration is frozen, so it does not import the live list).
_WATCHED = ("respondents", "responses", "answers", "ranking_answers", "instrument_versions",
            "invitations")
_OPERATIONS = ("insert", "update", "delete")
_PG_FUNCTION = "data_revision_bump"


def upgrade() -> None:
    op.create_table(
        "data_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_data_revision"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("INSERT INTO data_revision (id, revision, token) "
                   "VALUES (1, 0, md5(random()::text || clock_timestamp()::text))")
        # Only this module's constant names are formatted into the statements below.
        op.execute(f"""CREATE FUNCTION {_PG_FUNCTION}() RETURNS trigger AS $$
BEGIN
    UPDATE data_revision SET revision = revision + 1 WHERE id = 1;
    RETURN NULL;
END $$ LANGUAGE plpgsql""")  # noqa: S608
        for table in _WATCHED:
            op.execute(f"CREATE TRIGGER data_revision_{table} AFTER INSERT OR UPDATE OR "
                       f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION {_PG_FUNCTION}()")
        return
    op.execute("INSERT INTO data_revision (id, revision, token) "
               "VALUES (1, 0, lower(hex(randomblob(16))))")
    for table in _WATCHED:
        for operation in _OPERATIONS:
            op.execute(f"CREATE TRIGGER data_revision_{table}_{operation} AFTER "  # noqa: S608
                       f"{operation.upper()} ON {table} BEGIN UPDATE data_revision SET "
                       "revision = revision + 1 WHERE id = 1; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _WATCHED:
            op.execute(f"DROP TRIGGER data_revision_{table} ON {table}")
        op.execute(f"DROP FUNCTION {_PG_FUNCTION}()")
    else:
        for table in _WATCHED:
            for operation in _OPERATIONS:
                op.execute(f"DROP TRIGGER data_revision_{table}_{operation}")
    op.drop_table("data_revision")
