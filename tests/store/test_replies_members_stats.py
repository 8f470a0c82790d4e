"""Outbound queue with backoff, the loop-guard count, member import and the counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from ats_helpdesk.store.db import session_scope
from ats_helpdesk.store.members import MemberRow, find_member, upsert_members
from ats_helpdesk.store.messages import MessageHeaders, mark_triaged, store_message
from ats_helpdesk.store.models import Message
from ats_helpdesk.store.replies import (
    MAX_ATTEMPTS,
    auto_replies_today,
    backoff_delay,
    claim_due_replies,
    count_auto_reply,
    mark_reply_attempt_failed,
    mark_reply_sent,
    queue_reply,
)
from ats_helpdesk.store.stats import count_stats

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _queue(session: Session, n: int) -> int:
    return queue_reply(session=session, to_addr="m@example.org", subject="Re", raw=b"x",
                       rfc_message_id=f"<o{n}@set>", kind="acknowledgement", now=NOW).id


def test_reply_retries_with_backoff_then_fails_but_is_kept(engine: Engine) -> None:
    with session_scope(engine) as session:
        rid = _queue(session, 1)
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with session_scope(engine) as session:
            due = claim_due_replies(session=session, now=now)
            assert [r.id for r in due] == [rid]
            mark_reply_attempt_failed(session=session, reply=due[0], error="421 busy", now=now)
            if attempt < MAX_ATTEMPTS:
                assert claim_due_replies(session=session, now=now) == []
                now = due[0].next_attempt_at
    with Session(engine) as session:
        assert claim_due_replies(session=session, now=now + timedelta(days=1)) == []
        stats = count_stats(session=session)
    assert stats.replies == {"queued": 0, "sent": 0, "failed": 1}
    assert backoff_delay(1) == timedelta(seconds=30) and backoff_delay(20) == timedelta(hours=2)


def test_sent_reply_is_not_due_again(engine: Engine) -> None:
    with session_scope(engine) as session:
        _queue(session, 2)
    with session_scope(engine) as session:
        (reply,) = claim_due_replies(session=session, now=NOW)
        mark_reply_sent(session=session, reply=reply, now=NOW)
    with Session(engine) as session:
        assert claim_due_replies(session=session, now=NOW) == []
        assert count_stats(session=session).replies["sent"] == 1


def test_auto_reply_count_per_sender_per_day(engine: Engine) -> None:
    day = date(2026, 1, 5)
    for _ in range(3):
        with session_scope(engine) as session:
            count_auto_reply(session=session, sender="M@Example.org", day=day)
    with Session(engine) as session:
        assert auto_replies_today(session=session, sender="m@example.org", day=day) == 3
        assert auto_replies_today(session=session, sender="m@example.org",
                                  day=day + timedelta(days=1)) == 0


def test_members_upsert_by_email(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert upsert_members(session=session, rows=[
            MemberRow("A@Example.org", "Ann", "SET123", 6), MemberRow("b@example.org")
        ]) == (2, 0)
    with session_scope(engine) as session:
        assert upsert_members(session=session, rows=[MemberRow("a@example.org", "Ann B", None, 5)]
                              ) == (0, 1)
    with Session(engine) as session:
        member = find_member(session=session, email=" a@EXAMPLE.org")
    assert (member.name, member.membership_number, member.cohort) == ("Ann B", None, 5)


def test_stats_add_up(engine: Engine) -> None:
    outcomes = ["case", "case", "auto_answered", "ignored", "threaded", None]
    with session_scope(engine) as session:
        for i, outcome in enumerate(outcomes):
            stored = store_message(session=session, raw=b"x", source="cli", received_at=NOW,
                                   headers=MessageHeaders(message_id=f"<s{i}@x>"))
            if outcome:
                message = session.get(Message, stored.id)
                mark_triaged(session=session, message=message, outcome=outcome, reason=None,
                             now=NOW)
    with Session(engine) as session:
        stats = count_stats(session=session)
    assert (stats.messages, stats.pending, stats.cases, stats.auto_answered, stats.ignored,
            stats.threaded) == (6, 1, 2, 1, 1, 1)
    assert stats.messages == (stats.pending + stats.cases + stats.auto_answered + stats.ignored
                              + stats.threaded + stats.failed)
