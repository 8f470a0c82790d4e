"""Mail, SMTP intake: an aiosmtpd handler that stores what it accepts, and nothing else.

Where it sits: the edge for mail delivered to us (``ats-helpdesk smtpd`` and
``serve``). As in Zulip's email gateway, ``handle_RCPT`` refuses unknown
recipients early and ``handle_DATA`` does no processing: it commits the raw bytes
through ``intake.GroupCommitter`` and only then answers 250 (RFC 5321 6.1: once
we say 250 the message is our responsibility). If the store is unavailable the
client gets a 451 and retries later. aiosmtpd enforces the size limit (552).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from ats_helpdesk.config import Settings
from ats_helpdesk.intake import Arrival, GroupCommitter

logger = logging.getLogger(__name__)

BAD_MAILBOX = "550 5.1.1 Bad destination mailbox address"  # RFC 3463 X.1.1
ACCEPTED = "250 2.0.0 Message accepted for delivery"
NOT_STORED = "451 4.3.0 Message not stored; please try again later"


def redact(address: str) -> str:
    """``m***@example.org``: addresses stay out of error logs (Zulip's habit)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class InboxHandler:
    """aiosmtpd handler: accepts mail for the inbox addresses and stores it durably."""

    def __init__(self, *, engine: Engine, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.inbox = settings.inbox_addresses
        self.clock = clock
        self.committer = GroupCommitter(engine)

    def close(self) -> None:
        """Store what is still queued (call after the server has stopped)."""
        self.committer.close()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.strip().lower() not in self.inbox:
            logger.info("refused recipient %s", redact(address))
            return BAD_MAILBOX
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        arrival = Arrival(raw=raw, source="smtp", received_at=self.clock(),
                          envelope_from=envelope.mail_from, envelope_to=tuple(envelope.rcpt_tos))
        try:
            stored = await asyncio.wrap_future(self.committer.submit(arrival))
        except Exception:
            logger.exception("could not store a message from %s", redact(envelope.mail_from or ""))
            return NOT_STORED
        logger.debug("stored message %s (new: %s)", stored.id, stored.created)
        return ACCEPTED


def make_controller(*, engine: Engine, settings: Settings, clock: Callable[[], datetime],
                    host: str | None = None, port: int | None = None) -> Controller:
    """A started-on-demand aiosmtpd server on loopback (or ``ATS_SMTP_HOST``)."""
    handler = InboxHandler(engine=engine, settings=settings, clock=clock)
    return Controller(
        handler,
        hostname=host or settings.smtp_host,
        port=settings.smtp_port if port is None else port,
        data_size_limit=settings.max_message_bytes,  # aiosmtpd answers 552 above it
        enable_SMTPUTF8=True,
        server_hostname="ats-helpdesk",
        ready_timeout=10.0,
    )
