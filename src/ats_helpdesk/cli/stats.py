"""``ats-helpdesk stats``: how many messages, cases, answers and replies the store holds."""

from __future__ import annotations

import json

import click

from ats_helpdesk.config import Settings


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats(as_json: bool) -> None:
    """Counts: every triaged message is in exactly one of cases, auto_answered, ignored,
    threaded; pending is stored but not yet triaged."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session

    from ats_helpdesk.store.db import make_engine
    from ats_helpdesk.store.stats import count_stats

    engine = make_engine(Settings())
    where = engine.url.render_as_string(hide_password=True)
    try:
        with Session(engine) as session:
            counts = count_stats(session=session)
    except SQLAlchemyError as error:  # no schema yet, or the server is away: say so, exit 2
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        click.echo(f"error: cannot read the store at {where}: {reason} "
                   "(a new store needs `ats-helpdesk db upgrade`)", err=True)
        raise SystemExit(2) from None
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(counts.as_json()))
        return
    for key, value in counts.as_json().items():
        click.echo(f"{key}: {value}")
