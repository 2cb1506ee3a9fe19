"""Alembic environment for the response store.

Run programmatically by :meth:`survey.store.Store.upgrade`, which passes an open
connection in ``config.attributes["connection"]``; there is no alembic.ini.
For development, ``alembic -x url=sqlite:///dev.db ...`` also works.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from survey.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # Alembic runs this script inside the store's own import.
    from survey.store.engine import Store

    url = context.get_x_argument(as_dictionary=True).get("url")
    store = Store.open(url, check=False, create=True)
    try:
        with store.write_engine.begin() as conn:
            _run(conn)
    finally:
        store.close()


_main()
