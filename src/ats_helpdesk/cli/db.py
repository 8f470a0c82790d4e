"""``ats-helpdesk db``: create or upgrade the store's schema (Alembic, one chain)."""

from __future__ import annotations

import click

from ats_helpdesk.config import Settings


@click.group()
def db() -> None:
    """The store's schema: upgrade it, or show its revision."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Create or upgrade the schema (SQLite under ATS_DATA_DIR, or ATS_DATABASE_URL)."""
    from ats_helpdesk.store.db import make_engine, upgrade_database

    engine = make_engine(Settings())
    try:
        now = upgrade_database(engine=engine, revision=revision)
    finally:
        engine.dispose()
    click.echo(f"database at revision {now} ({engine.url.render_as_string(hide_password=True)})")


@db.command()
def current() -> None:
    """Print the schema's revision and the newest one this code knows."""
    from ats_helpdesk.store.db import current_revision, head_revision, make_engine

    engine = make_engine(Settings())
    try:
        current, head = current_revision(engine=engine), head_revision(engine=engine)
        click.echo(f"current: {current}  head: {head}")
    finally:
        engine.dispose()
