"""Alembic environment for the store (one chain for the whole app).

``ats-helpdesk db upgrade`` passes its engine in ``config.attributes["engine"]``;
the plain ``alembic`` command (repo's ``alembic.ini``) builds one from ``ATS_*``
settings. Works for SQLite (batch mode, since SQLite cannot ALTER most things) and
PostgreSQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import ats_helpdesk.store.models  # noqa: F401  (registers the tables on the metadata)

config = context.config
target_metadata = SQLModel.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    from ats_helpdesk.config import Settings
    from ats_helpdesk.store.db import make_engine

    return make_engine(Settings())


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
