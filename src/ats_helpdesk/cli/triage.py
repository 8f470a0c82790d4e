"""``ats-helpdesk triage MESSAGE.eml``: store one message and triage it, printing the decision."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from ats_helpdesk.config import Settings


@click.command()
@click.argument("message", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@click.option("--dry-run", is_flag=True, help="Decide but store nothing and queue no reply.")
def triage(message: Path, as_json: bool, dry_run: bool) -> None:
    """Triage MESSAGE.eml as if it had just arrived (source: cli)."""
    from ats_helpdesk.services import load_services
    from ats_helpdesk.store.db import make_engine, upgrade_database

    if not message.is_file():
        click.echo(f"error: {message}: no such file", err=True)
        raise SystemExit(2)
    raw = message.read_bytes()
    settings = Settings()
    engine = make_engine(settings)
    try:
        upgrade_database(engine=engine)
        result = _run(engine, load_services(settings), raw, dry_run)
    finally:
        engine.dispose()
    if result is None:
        click.echo("already triaged earlier (same Message-ID); nothing to do", err=True)
        return
    data = result.as_json() | {"dry_run": dry_run}
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if value not in (None, "", [], {}, ()):
            click.echo(f"{key}: {value}")


def _run(engine, services, raw: bytes, dry_run: bool):  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    from ats_helpdesk.intake import headers_of
    from ats_helpdesk.mail.parse import parse_message
    from ats_helpdesk.store.messages import store_message
    from ats_helpdesk.store.models import Message
    from ats_helpdesk.triage import triage_message

    now = datetime.now(UTC)
    session = Session(engine, expire_on_commit=False)
    try:
        stored = store_message(session=session, raw=raw, source="cli", received_at=now,
                               headers=headers_of(parse_message(raw)))
        row = session.get(Message, stored.id)
        if row is None or row.status == "triaged":
            return None
        result = triage_message(session=session, message=row, services=services, now=now)
        if dry_run:
            session.rollback()
        else:
            session.commit()
        return result
    finally:
        session.close()
