"""``ats-helpdesk smtpd``: run the SMTP intake alone (stores mail; ``serve`` also triages)."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

import click

from ats_helpdesk.config import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@click.command()
@click.option("--host", default=None, help="Address to listen on (default ATS_SMTP_HOST).")
@click.option("--port", type=int, default=None, help="Port (default ATS_SMTP_PORT).")
def smtpd(host: str | None, port: int | None) -> None:
    """Accept mail for ATS_INBOX over SMTP and store it; stop with SIGTERM or Ctrl-C."""
    from ats_helpdesk.mail.smtp import make_controller
    from ats_helpdesk.store.db import make_engine, upgrade_database

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    settings = Settings()
    engine = make_engine(settings)
    upgrade_database(engine=engine)
    controller = make_controller(engine=engine, settings=settings, clock=utc_now, host=host,
                                 port=port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    controller.start()
    click.echo(f"smtpd listening on {controller.hostname}:{controller.port}", err=True)
    try:
        stop.wait()
    finally:
        controller.stop()
        controller.handler.close()
        engine.dispose()
