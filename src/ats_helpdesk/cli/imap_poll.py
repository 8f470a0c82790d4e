"""``ats-helpdesk imap-poll``: fetch new mail from ATS_IMAP_HOST into the store."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

import click

from ats_helpdesk.config import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@click.command(name="imap-poll")
@click.option(
    "--once", is_flag=True, help="Poll once and exit (default: every ATS_IMAP_POLL_SECONDS)."
)
def imap_poll(once: bool) -> None:
    """Store new messages of ATS_IMAP_FOLDER; flag each \\Seen only after it is committed."""
    from ats_helpdesk.mail.imap import ImapConfigError, poll_forever, poll_once
    from ats_helpdesk.store.db import make_engine, upgrade_database

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    engine = make_engine(settings)
    try:
        upgrade_database(engine=engine)
        if once:
            click.echo(f"{poll_once(engine=engine, settings=settings, clock=utc_now)} new messages")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        poll_forever(engine=engine, settings=settings, clock=utc_now, stop=stop)
    except ImapConfigError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    finally:
        engine.dispose()
