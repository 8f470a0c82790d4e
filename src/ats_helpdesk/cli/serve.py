"""``ats-helpdesk serve``: intake, triage, replies and the web app in one process."""

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
@click.option("--smtp-port", type=int, default=None, help="SMTP port (default ATS_SMTP_PORT).")
@click.option("--web-port", type=int, default=None, help="Web port (default ATS_WEB_PORT).")
@click.option("--workers", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Triage worker processes (more than one helps on PostgreSQL).")
@click.option("--no-web", is_flag=True, help="Run without the web app.")
def serve(smtp_port: int | None, web_port: int | None, workers: int, no_web: bool) -> None:
    """Run everything until SIGTERM or Ctrl-C, then shut down cleanly."""
    from ats_helpdesk.store.db import make_engine, upgrade_database
    from ats_helpdesk.supervisor import Supervisor

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    overrides = {k: v for k, v in (("smtp_port", smtp_port), ("web_port", web_port)) if v}
    settings = Settings(**overrides)
    engine = make_engine(settings)
    upgrade_database(engine=engine)
    supervisor = Supervisor(settings=settings, engine=engine, clock=utc_now, workers=workers,
                            web=not no_web)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        ports = supervisor.start()
        click.echo(f"serving: smtp 127.0.0.1:{ports.smtp} web {ports.web}", err=True)
        stop.wait()
    finally:
        supervisor.stop()
        engine.dispose()
    click.echo("stopped", err=True)
