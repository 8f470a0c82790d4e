"""Store, outbound replies: the queue the sender drains, and the per-sender loop count.

Where it sits: ``triage.py`` (and the staff app) queue rendered replies with
``queue_reply`` in the same transaction as the case change they belong to; the
sender (``mail/outbound.py``) takes due ones, and records success or a failure
with the next attempt time. A reply is never deleted: after the last attempt it
stays ``failed`` with its error, visible to staff.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from ats_helpdesk.store.models import AutoReplyCount, Outbound

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=2)


def queue_reply(
    *,
    session: Session,
    to_addr: str,
    subject: str,
    raw: bytes,
    rfc_message_id: str,
    kind: str,
    now: datetime,
    case_id: int | None = None,
    message_id: int | None = None,
) -> Outbound:
    reply = Outbound(
        case_id=case_id, message_id=message_id, to_addr=to_addr, subject=subject[:998],
        kind=kind, raw=raw, rfc_message_id=rfc_message_id, status="queued", attempts=0,
        next_attempt_at=now, created_at=now,
    )
    session.add(reply)
    session.flush()
    return reply


def claim_due_replies(*, session: Session, now: datetime, limit: int = 20) -> list[Outbound]:
    """Queued replies whose next attempt is due (row-locked on PostgreSQL)."""
    query = (
        select(Outbound)
        .where(Outbound.status == "queued", col(Outbound.next_attempt_at) <= now)
        .order_by(col(Outbound.next_attempt_at), col(Outbound.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())


def backoff_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, ... capped at 2 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def mark_reply_sent(*, session: Session, reply: Outbound, now: datetime) -> None:
    reply.status = "sent"
    reply.attempts += 1
    reply.sent_at = now
    reply.last_error = None
    session.add(reply)


def mark_reply_attempt_failed(
    *, session: Session, reply: Outbound, error: str, now: datetime, permanent: bool = False
) -> None:
    """Count the attempt; retry later, or ``failed`` after the last attempt or a 5xx."""
    reply.attempts += 1
    reply.last_error = error[:2000]
    if permanent or reply.attempts >= MAX_ATTEMPTS:
        reply.status = "failed"
    else:
        reply.next_attempt_at = now + backoff_delay(reply.attempts)
    session.add(reply)


def retry_failed_replies(*, session: Session, now: datetime) -> int:
    """Put failed replies back in the queue (staff action after fixing the relay)."""
    result = session.exec(  # type: ignore[call-overload]
        update(Outbound)
        .where(Outbound.status == "failed")  # type: ignore[arg-type]
        .values(status="queued", next_attempt_at=now, attempts=0)
    )
    return result.rowcount


def auto_replies_today(*, session: Session, sender: str, day: date) -> int:
    row = session.exec(
        select(AutoReplyCount.count).where(
            AutoReplyCount.sender == sender.lower(), AutoReplyCount.day == day
        )
    ).first()
    return row or 0


def count_auto_reply(*, session: Session, sender: str, day: date) -> None:
    """Add one to the sender's count for ``day`` (an upsert, safe under concurrency)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(AutoReplyCount).values(sender=sender.lower(), day=day, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["sender", "day"], set_={"count": AutoReplyCount.count + 1}
    )
    session.exec(statement)  # type: ignore[call-overload]
