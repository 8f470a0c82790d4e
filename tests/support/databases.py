"""Throwaway stores for tests: a fresh SQLite file, or a fresh PostgreSQL schema.

Used by the store, pipeline, web and widget tests (`from support import databases`).
The PostgreSQL store is a new schema in the ``ATS_TEST_DATABASE_URL`` database
(``scripts/test`` starts the server), reached through ``search_path`` in the URL so
that subprocesses given the same URL see the same schema; it is dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, text

from ats_helpdesk.config import Settings
from ats_helpdesk.store.db import make_engine, upgrade_database

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("ATS_TEST_DATABASE_URL", DEFAULT_PG_URL)


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    url = postgres_base_url()
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as error:
        return f"no PostgreSQL reachable at {url} ({type(error).__name__}); run scripts/test"
    return None


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema; the schema is dropped after."""
    base = postgres_base_url()
    schema = f"ats_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def migrated_postgres_engine(settings: Settings) -> Iterator[Engine]:
    """An engine on a fresh schema (``postgres_schema_url``) with every migration applied."""
    with postgres_schema_url() as url:
        engine = make_engine(settings, url=url)
        try:
            upgrade_database(engine=engine)
            yield engine
        finally:
            engine.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{(folder / 'ats.db').resolve()}"
