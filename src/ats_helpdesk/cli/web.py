"""``ats-helpdesk web``: the staff web app (and the widget API) alone under uvicorn.

``ats-helpdesk serve`` runs it together with intake and the worker; this command is
for running the web side on its own (e.g. a second machine reading the same store).
"""

from __future__ import annotations

import click


@click.command(name="web")
@click.option("--host", default=None, help="Address to listen on (default: ATS_WEB_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: ATS_WEB_PORT).")
def web(host: str | None, port: int | None) -> None:
    """Run the staff web app under uvicorn."""
    import uvicorn

    from ats_helpdesk.config import Settings
    from ats_helpdesk.web.app import create_app

    settings = Settings()
    app = create_app(settings)
    uvicorn.run(
        app,
        host=host or settings.web_host,
        port=port or settings.web_port,
        proxy_headers=True,  # Secure cookies behind a TLS proxy on this host (X-Forwarded-Proto)
        log_level="info",
    )
