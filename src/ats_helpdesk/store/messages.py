"""Store, messages: durable intake and the worker's claim on pending messages.

Where it sits: every transport (SMTP, IMAP, widget, CLI) ends in ``store_message``,
which writes the raw bytes verbatim once per ``Message-ID`` (a re-delivery is
recognised and not stored again). The triage worker then takes one pending message
at a time with ``claim_next_message`` inside a transaction that it keeps open while
it triages, so the claim and the result commit together or not at all: a crash
leaves the message pending, never half-done, never done twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from ats_helpdesk.store.models import Message

SYNTHETIC_ID_DOMAIN = "ats-helpdesk.invalid"  # RFC 2606: never a real domain


@dataclass(frozen=True)
class MessageHeaders:
    """What intake records beside the raw bytes (from ``mail.parse.ParsedMail``)."""

    message_id: str | None
    subject: str = ""
    from_addr: str = ""
    from_name: str = ""
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    sent_at: datetime | None = None


@dataclass(frozen=True)
class Stored:
    id: int
    message_id: str
    created: bool  # False: the same Message-ID was already stored (a re-delivery)


def synthetic_message_id(raw: bytes) -> str:
    """A stable id for a message without a Message-ID, so re-delivery still matches."""
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@{SYNTHETIC_ID_DOMAIN}>"


def store_message(
    *,
    session: Session,
    raw: bytes,
    source: str,
    received_at: datetime,
    headers: MessageHeaders,
    envelope_from: str | None = None,
    envelope_to: Sequence[str] = (),
) -> Stored:
    """Insert the message unless its Message-ID is known; the caller commits."""
    message_id = (headers.message_id or "").strip()[:998] or synthetic_message_id(raw)
    values = {
        "message_id": message_id,
        "source": source,
        "received_at": received_at,
        "raw": raw,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "envelope_from": envelope_from,
        "envelope_to": list(envelope_to),
        "subject": headers.subject[:998],
        "from_addr": headers.from_addr[:320],
        "from_name": headers.from_name[:998],
        "in_reply_to": (headers.in_reply_to or None) and headers.in_reply_to[:998],
        "references": list(headers.references),
        "headers": [list(pair) for pair in headers.headers],
        "sent_at": headers.sent_at,
        "status": "pending",
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # ON CONFLICT DO NOTHING: two deliveries racing on one Message-ID store one row
    # and neither fails (both are then answered 250).
    statement = (
        dialect.insert(Message)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(Message.id)  # type: ignore[arg-type]
    )
    new_id = session.exec(statement).scalar()  # type: ignore[call-overload]
    if new_id is not None:
        return Stored(new_id, message_id, True)
    existing = session.exec(select(Message.id).where(Message.message_id == message_id)).one()
    return Stored(existing, message_id, False)


def claim_next_message(*, session: Session) -> Message | None:
    """Take the oldest pending message for this transaction, or None when there is none.

    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent workers each get a
    different row and never wait on each other. SQLite has no row locks; the claim
    is an ``UPDATE`` issued as the transaction's first statement, which takes the
    database's single write lock, so a second worker waits and then sees the row
    as no longer pending. Either way the caller triages inside the same transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        message = session.exec(
            select(Message)
            .where(Message.status == "pending")
            .order_by(Message.id)  # type: ignore[arg-type]
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if message is not None:
            message.status = "processing"
            session.flush()
        return message
    oldest = (
        select(Message.id)
        .where(Message.status == "pending")
        .order_by(Message.id)  # type: ignore[arg-type]
        .limit(1)
        .scalar_subquery()
    )
    claimed = session.exec(  # type: ignore[call-overload]
        update(Message)
        .where(Message.id == oldest, Message.status == "pending")  # type: ignore[arg-type]
        .values(status="processing")
        .returning(Message.id)  # type: ignore[arg-type]
    ).scalar()
    return None if claimed is None else session.get(Message, claimed, populate_existing=True)


def claim_message(*, session: Session, message_pk: int) -> Message | None:
    """Claim one given message if it is still pending (a conditional UPDATE: of several
    workers that read it, exactly one claims it); None when another worker has."""
    claimed = session.exec(  # type: ignore[call-overload]
        update(Message)
        .where(Message.id == message_pk, Message.status == "pending")  # type: ignore[arg-type]
        .values(status="processing")
        .returning(Message.id)  # type: ignore[arg-type]
    ).scalar()
    return None if claimed is None else session.get(Message, claimed, populate_existing=True)


def pending_messages(*, session: Session, limit: int, shard: tuple[int, int] | None = None
                     ) -> list[tuple[int, bytes, str | None]]:
    """(id, raw, envelope sender) of the oldest pending messages, without claiming them.
    ``shard=(k, n)``: only ids with ``id % n == k``, so n SQLite workers read (and
    classify) different messages instead of all reading the same oldest ones."""
    query = select(Message.id, Message.raw, Message.envelope_from).where(
        Message.status == "pending")
    if shard is not None:
        query = query.where(Message.id % shard[1] == shard[0])  # type: ignore[operator]
    rows = session.exec(query.order_by(Message.id).limit(limit)).all()  # type: ignore[arg-type]
    return [(pk, raw, sender) for pk, raw, sender in rows if pk is not None]


def mark_triaged(
    *,
    session: Session,
    message: Message,
    outcome: str,
    reason: str | None,
    now: datetime,
    case_id: int | None = None,
    intent: str | None = None,
    confidence: float | None = None,
) -> None:
    message.status = "triaged"
    message.outcome = outcome
    message.outcome_reason = reason
    message.triaged_at = now
    message.case_id = case_id
    message.intent = intent
    message.confidence = confidence
    message.error = None
    session.add(message)


def mark_failed(*, session: Session, message_pk: int, error: str, now: datetime) -> None:
    """Record a triage error on the message: a visible state, kept for staff to retry."""
    session.exec(  # type: ignore[call-overload]
        update(Message)
        .where(Message.id == message_pk)  # type: ignore[arg-type]
        .values(status="failed", error=error[:4000], triaged_at=now)
    )


def requeue_failed(*, session: Session) -> int:
    """Put every failed message back to pending (after a fix); returns how many."""
    result = session.exec(  # type: ignore[call-overload]
        update(Message).where(Message.status == "failed").values(status="pending", error=None)  # type: ignore[arg-type]
    )
    return result.rowcount


def find_message_ids(*, session: Session, message_ids: Sequence[str]) -> list[Message]:
    """Stored messages with any of these Message-IDs (threading)."""
    if not message_ids:
        return []
    return list(session.exec(select(Message).where(Message.message_id.in_(message_ids))).all())  # type: ignore[attr-defined]
