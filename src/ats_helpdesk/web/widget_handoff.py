"""Web edge, the widget's hand-over: a visitor's question becomes a case, as an email would.

Issue 7: the hand-over "opens a case through the same pipeline as an email and
returns its reference". So the form is turned into a real RFC 5322 message (From:
the visitor, To: the inbox, the question as the body, ``X-ATS-Channel: widget``),
stored verbatim by the store's intake function (``store.messages.store_message``, with
``intake.headers_of``, exactly what ``intake.accept_message`` does for SMTP), and
triaged by ``triage.triage_message`` with the pipeline's services: the intent model,
the facts, the cohort's dates, the acknowledgement e-mail with the reference.

Two deliberate differences from an email, both because the visitor asked for a person:

- The services have no answerer. The visitor has just seen the answerer's reply (or
  its abstention) and pressed "ask the membership team"; answering them again by
  e-mail with the same FAQ would not be a hand-over. Without an answerer triage's
  only outcomes are a case or (for a message that threads, which a fixed subject
  and no In-Reply-To rule out) joining one.
- Store, claim and triage happen in ONE transaction, synchronously, so the reference
  can be returned: the row is inserted already claimed (``claim_message`` right
  after the insert, inside the transaction). On PostgreSQL the uncommitted row is
  invisible to the worker's ``SKIP LOCKED`` query; on SQLite the write lock is held
  (as the worker holds it). So no worker can see the message pending and triage it
  a second time, or auto-answer it. If triage itself raises, its savepoint is undone
  and the message is committed as ``failed`` with the error, exactly like the
  worker does: kept for staff (``requeue_failed``), never lost.

Reading (parse, intent, facts) is done before the write lock is taken, as the
worker does, so the lock is held only for the short database part.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import Engine

from ats_helpdesk.config import Settings
from ats_helpdesk.content import Content
from ats_helpdesk.intake import headers_of
from ats_helpdesk.mail.parse import parse_message
from ats_helpdesk.reading import TriageServices, read_message
from ats_helpdesk.store.db import session_scope, write_lock
from ats_helpdesk.store.messages import claim_message, store_message
from ats_helpdesk.worker import triage_claimed

SOURCE = "widget"
SUBJECT = "Question from the website (help widget)"
CHANNEL_HEADER = "X-ATS-Channel"

# A pragmatic check (RFC 5321 sizes; one @; a dotted domain; no spaces or brackets):
# the real proof is the acknowledgement e-mail reaching the visitor.
_EMAIL = re.compile(
    r"^(?=.{3,254}$)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def email_problem(value: str) -> str | None:
    """Why ``value`` cannot be the visitor's reply address, or None when it can."""
    if not _EMAIL.match(value) or ".." in value or value.split("@")[0].startswith("."):
        return "is not a valid e-mail address"
    try:
        from ats_helpdesk.mail.guards import is_noreply_address
    except ImportError:  # guards are optional in the pipeline; the address is still valid
        return None
    if is_noreply_address(value):
        return "is an address nobody reads (no-reply); give one we can answer"
    return None


def name_problem(value: str) -> str | None:
    if not value.strip():
        return "is blank"
    if _CONTROL.search(value):
        return "must be one line of text"
    return None


def build_message(
    *, name: str, email: str, question: str, inbox: str, now: datetime, domain: str
) -> bytes:
    """The hand-over as an RFC 5322 message, as a mail client would have sent it."""
    message = EmailMessage()
    message["From"] = Address(display_name=name.strip(), addr_spec=email)
    message["To"] = inbox
    message["Subject"] = SUBJECT
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring="widget", domain=domain)
    message[CHANNEL_HEADER] = SOURCE
    message.set_content(question.strip() + "\n")
    return message.as_bytes()


@dataclass(frozen=True)
class Handoff:
    """What the visitor is told: the case reference (None if triage failed and the
    message waits for staff) and the pipeline's outcome."""

    reference: str | None
    outcome: str  # case | threaded | ignored | failed
    message_id: str


class HandoffDesk:
    """Builds the triage services once (lazily: most apps never hand over) and opens cases."""

    def __init__(
        self,
        *,
        settings: Settings,
        engine: Engine,
        content: Content,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.content = content
        self.clock = clock
        self._services: TriageServices | None = None
        self._lock = threading.Lock()

    def services(self) -> TriageServices:
        with self._lock:
            if self._services is None:
                from ats_helpdesk.services import load_services

                loaded = load_services(self.settings, self.content)
                self._services = replace(loaded, answerer=None)  # a person, not the FAQ
            return self._services

    def open_case(self, *, name: str, email: str, question: str) -> Handoff:
        services = self.services()
        configured = self.settings.inbox_list
        inbox = configured[0] if configured else self.settings.from_address
        domain = inbox.rsplit("@", 1)[-1] or "ats-helpdesk.invalid"
        now = self.clock()
        raw = build_message(
            name=name, email=email, question=question, inbox=inbox, now=now, domain=domain
        )
        headers = headers_of(parse_message(raw, headers_only=True))
        reading = read_message(raw=raw, envelope_from=email, services=services)
        with write_lock(self.engine), session_scope(self.engine) as session:
            stored = store_message(
                session=session,
                raw=raw,
                source=SOURCE,
                received_at=now,
                headers=headers,
                envelope_from=email,
                envelope_to=[inbox],
            )
            message = claim_message(session=session, message_pk=stored.id)
            if message is None:  # cannot happen: a fresh Message-ID, not yet committed
                raise RuntimeError(f"hand-over message {stored.message_id} was already claimed")
            result = triage_claimed(session, message, services, lambda: now, reading)
        if isinstance(result, bool):  # failed: recorded on the message, as the worker does
            return Handoff(None, "failed", stored.message_id)
        return Handoff(result.case_reference, result.outcome, stored.message_id)
