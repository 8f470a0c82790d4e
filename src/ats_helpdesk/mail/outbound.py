"""Mail, outbound: render a reply from ``templates/mail/`` and send the queued ones.

Where it sits: ``triage.py`` (and the staff app) call ``render_reply`` and queue the
bytes with ``store.replies.queue_reply`` in the same transaction as the case change;
``send_due_replies`` (run by ``serve``) hands them to the relay at
``ATS_RELAY_HOST:ATS_RELAY_PORT``, retrying with backoff. A reply is never dropped:
without a relay it stays queued, and after the last attempt it stays ``failed``.

Templates are content: ``<name>.txt.j2`` (always; plain text) and optionally
``<name>.html.j2`` (autoescaped). Each sets its subject with
``{% set subject = "..." %}``.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email import policy
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from ats_helpdesk.config import Settings
from ats_helpdesk.store.db import session_scope, write_lock
from ats_helpdesk.store.models import Outbound
from ats_helpdesk.store.replies import mark_reply_attempt_failed, mark_reply_sent

logger = logging.getLogger(__name__)

_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")  # template blocks leave blank runs
HTML_LAYOUT = "_layout.html.j2"  # the HTML part when a template has no .html.j2 of its own
_WIRE = policy.compat32.clone(linesep="\r\n")
SEND_LEASE = timedelta(minutes=5)  # a sender that dies mid-send frees the reply after this


class TemplateMissing(LookupError):
    """No ``templates/mail/<name>.txt.j2`` for a reply kind."""


@dataclass(frozen=True)
class RenderedReply:
    raw: bytes
    rfc_message_id: str
    subject: str
    to_addr: str
    text: str


class ReplyRenderer:
    """Jinja2 environments over ``templates/mail``: text unescaped, HTML autoescaped."""

    def __init__(self, templates_dir: Path) -> None:
        self.folder = templates_dir / "mail"
        loader = FileSystemLoader(self.folder)
        self.text_env = Environment(loader=loader, autoescape=False, undefined=StrictUndefined,
                                    keep_trailing_newline=True)
        self.html_env = Environment(loader=loader, autoescape=True, undefined=StrictUndefined)
        for env in (self.text_env, self.html_env):
            env.filters["long_date"] = long_date

    def names(self) -> list[str]:
        found = (p.name.removesuffix(".txt.j2") for p in self.folder.glob("*.txt.j2"))
        return sorted(name for name in found if not name.startswith("_"))

    def has(self, name: str) -> bool:
        return (self.folder / f"{name}.txt.j2").is_file()

    def render(self, name: str, context: Mapping[str, Any]) -> tuple[str, str, str | None]:
        """(subject, text, html or None) for template ``name``."""
        try:
            text_template = self.text_env.get_template(f"{name}.txt.j2")
        except TemplateNotFound as error:
            raise TemplateMissing(f"templates/mail/{name}.txt.j2 not found") from error
        module = text_template.make_module(dict(context))
        subject = " ".join(str(getattr(module, "subject", "")).split())
        text = _BLANK_RUNS.sub("\n\n", str(module)).strip() + "\n"
        if (self.folder / f"{name}.html.j2").is_file():
            html = self.html_env.get_template(f"{name}.html.j2").render(**context)
        else:
            html = self.html_env.get_template(HTML_LAYOUT).render(
                subject=subject, paragraphs=_paragraphs(text)
            )
        return subject, text, html


def _paragraphs(text: str) -> list[list[str]]:
    blocks = (block.strip("\n") for block in text.split("\n\n"))
    return [block.split("\n") for block in blocks if block.strip()]


def long_date(value: date | str | None) -> str:
    """"Wednesday 6 January 2021" (dates reach templates as dates or ISO strings)."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%A} {day.day} {day:%B %Y}"


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1] if "@" in address else "localhost"


def build_reply(
    *,
    settings: Settings,
    renderer: ReplyRenderer,
    template: str,
    context: Mapping[str, Any],
    to_addr: str,
    to_name: str = "",
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    now: datetime,
    automatic: bool = True,
) -> RenderedReply:
    """A complete RFC 5322 reply: plain text always, HTML alternative when templated.
    ``automatic=False`` for a reply a person wrote (no ``Auto-Submitted``, RFC 3834 5)."""
    subject, text, html = renderer.render(template, context)
    # email.mime (the compat32 API) builds a reply several times faster than
    # EmailMessage, which parses every header it is given; the output is the same.
    message = MIMEMultipart("alternative") if html is not None else _text_part(text, "plain")
    message["From"] = settings.from_address
    message["To"] = formataddr((to_name, to_addr), charset="utf-8") if to_name else to_addr
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    message["Date"] = format_datetime(now)
    rfc_id = make_msgid(domain=_domain(settings.from_address))
    message["Message-ID"] = rfc_id
    if in_reply_to:
        # RFC 5322 3.6.4: References = the parent's References + the parent's id
        message["In-Reply-To"] = in_reply_to
        chain = [r for r in references if r != in_reply_to] + [in_reply_to]
        message["References"] = " ".join(chain[-20:])
    if automatic:
        # RFC 3834 5: mark every automatic reply so other robots do not answer it
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office back
    if html is not None:
        message.attach(_text_part(text, "plain"))
        message.attach(_text_part(html, "html"))
    raw = message.as_bytes(policy=_WIRE)  # CRLF line ends, as sent (RFC 5322 2.3)
    return RenderedReply(raw, rfc_id, subject, to_addr, text)


def _text_part(text: str, subtype: str) -> MIMEText:
    charset = Charset("utf-8")
    charset.body_encoding = QP  # quoted-printable: readable in the raw message
    return MIMEText(text, subtype, charset)


Transport = Callable[[Outbound], None]
SEND_BATCH = 50


class RelayConnection:
    """Sends replies through the relay at ``ATS_RELAY_HOST:ATS_RELAY_PORT``, one SMTP
    connection for a whole batch (a new connection per reply costs a TCP and EHLO
    round trip each). After any error the connection is dropped and the next reply
    opens a fresh one, so one refused reply cannot poison the rest."""

    def __init__(self, settings: Settings, *, timeout: float = 30.0) -> None:
        self.settings, self.timeout = settings, timeout
        self.smtp: smtplib.SMTP | None = None

    def __call__(self, reply: Outbound) -> None:
        assert self.settings.relay_host is not None
        if self.smtp is None:
            self.smtp = smtplib.SMTP(self.settings.relay_host, self.settings.relay_port,
                                     timeout=self.timeout)
        try:
            self.smtp.sendmail(self.settings.from_address, [reply.to_addr], reply.raw)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def relay_transport(settings: Settings, *, timeout: float = 30.0) -> Transport:
    """Send one reply through the relay (raises smtplib errors)."""
    return RelayConnection(settings, timeout=timeout)


def _is_permanent(error: Exception) -> bool:
    """5xx replies will not change on retry (RFC 5321 4.2.1); 4xx and network errors may."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def due_replies(*, engine: Engine, now: datetime, limit: int = SEND_BATCH
                ) -> list[tuple[int, datetime]]:
    """(id, next attempt) of the queued replies that are due, oldest first (no lock)."""
    with Session(engine) as session:
        rows = session.exec(
            select(Outbound.id, Outbound.next_attempt_at)
            .where(Outbound.status == "queued", col(Outbound.next_attempt_at) <= now)
            .order_by(col(Outbound.next_attempt_at), col(Outbound.id))
            .limit(limit)
        ).all()
    return [(reply_id, due_at) for reply_id, due_at in rows if reply_id is not None]


Outcome = tuple[int, Exception | None]  # a reply's id and its send error (None: sent)


def _record_and_lease(engine: Engine, outcome: Outcome | None, lease: tuple[int, datetime] | None,
                      now: datetime) -> Outbound | None:
    """One short write transaction: record the last reply's outcome and lease the next.

    The lease is a conditional UPDATE of ``next_attempt_at`` (two senders never both
    take a reply, and no lock is held while talking to the relay); it is taken just
    before the reply is sent, so a sender that dies leaves at most one reply leased
    (due again after ``SEND_LEASE``). On SQLite it runs under the store's write lock,
    queueing behind the intake instead of sleeping on SQLITE_BUSY."""
    with write_lock(engine), session_scope(engine) as session:
        if outcome is not None:
            reply_id, error = outcome
            row = session.get(Outbound, reply_id)
            assert row is not None
            if error is None:
                mark_reply_sent(session=session, reply=row, now=now)
            else:
                mark_reply_attempt_failed(session=session, reply=row, error=str(error), now=now,
                                          permanent=_is_permanent(error))
        if lease is None:
            return None
        reply_id, due_at = lease
        result = session.exec(  # type: ignore[call-overload]
            update(Outbound)
            .where(Outbound.id == reply_id, Outbound.status == "queued",  # type: ignore[arg-type]
                   Outbound.next_attempt_at == due_at)  # type: ignore[arg-type]
            .values(next_attempt_at=now + SEND_LEASE)
        )
        return session.get(Outbound, reply_id) if result.rowcount == 1 else None


def send_due_replies(
    *, engine: Engine, settings: Settings, now: datetime, transport: Transport | None = None,
    batch: int = SEND_BATCH,
) -> int:
    """Send every due reply once; returns how many the relay accepted.

    Works through the whole queue, not one batch per wake-up, so the sender keeps
    up with the intake: one relay connection, and one commit per reply (its lease
    together with the previous reply's result). A reply that fails is rescheduled
    (or failed), so it is not due again in this call and the loop ends even with
    the relay down. A crash re-sends at most the one reply in flight."""
    own = transport is None
    if transport is None:
        if not settings.relay_host:
            return 0  # no relay configured: replies wait in the queue, never dropped
        transport = relay_transport(settings)
    sent = 0
    outcome: Outcome | None = None
    try:
        while True:
            due = due_replies(engine=engine, now=now, limit=batch)
            for lease in due:
                reply = _record_and_lease(engine, outcome, lease, now)
                outcome = None
                if reply is None or reply.id is None:
                    continue  # another sender took it
                try:
                    transport(reply)
                except (smtplib.SMTPException, OSError) as error:
                    logger.warning("reply %s not sent (attempt %d): %s", reply.id,
                                   reply.attempts + 1, error)
                    outcome = (reply.id, error)
                    continue
                outcome = (reply.id, None)
                sent += 1
            if len(due) < batch:
                return sent
    finally:
        if outcome is not None:
            _record_and_lease(engine, outcome, None, now)
        if own and isinstance(transport, RelayConnection):
            transport.close()
