"""Intake and claiming: one row per Message-ID, and a message is claimed once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from ats_helpdesk.store.db import session_scope
from ats_helpdesk.store.messages import (
    MessageHeaders,
    claim_next_message,
    mark_failed,
    mark_triaged,
    requeue_failed,
    store_message,
    synthetic_message_id,
)
from ats_helpdesk.store.models import Message

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _store(engine: Engine, raw: bytes, message_id: str | None) -> tuple[int, bool]:
    with session_scope(engine) as session:
        stored = store_message(
            session=session, raw=raw, source="smtp", received_at=NOW,
            headers=MessageHeaders(message_id=message_id, subject="Hello",
                                   references=("<r1@x>",), headers=(("Subject", "Hello"),)),
            envelope_to=["ats@example.org"],
        )
    return stored.id, stored.created


def test_same_message_id_is_stored_once(engine: Engine) -> None:
    first = _store(engine, b"Subject: Hello\r\n\r\nbody\r\n", "<m1@example.org>")
    again = _store(engine, b"Received: relay\r\nSubject: Hello\r\n\r\nbody\r\n", "<m1@example.org>")
    assert first[1] is True and again == (first[0], False)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Message)).one() == 1
        row = session.exec(select(Message)).one()
    assert row.raw == b"Subject: Hello\r\n\r\nbody\r\n"  # verbatim, the first delivery's bytes
    assert row.references == ["<r1@x>"] and row.headers == [["Subject", "Hello"]]


def test_message_without_id_gets_a_stable_synthetic_one(engine: Engine) -> None:
    raw = b"Subject: no id\r\n\r\nbody\r\n"
    first = _store(engine, raw, None)
    again = _store(engine, raw, "")
    assert again == (first[0], False)
    with Session(engine) as session:
        assert session.get(Message, first[0]).message_id == synthetic_message_id(raw)


def test_claim_takes_oldest_pending_then_none(engine: Engine) -> None:
    ids = [_store(engine, f"n{i}".encode(), f"<c{i}@x>")[0] for i in range(2)]
    seen = []
    for _ in range(3):
        with session_scope(engine) as session:
            message = claim_next_message(session=session)
            if message is None:
                seen.append(None)
                continue
            seen.append(message.id)
            mark_triaged(session=session, message=message, outcome="ignored", reason="test",
                         now=NOW)
    assert seen == [*ids, None]


def test_a_rolled_back_claim_leaves_the_message_pending(engine: Engine) -> None:
    mid, _ = _store(engine, b"x", "<rb@x>")
    session = Session(engine)
    assert claim_next_message(session=session).id == mid
    session.rollback()  # the worker died mid-triage
    session.close()
    with session_scope(engine) as session:
        assert claim_next_message(session=session).id == mid


def test_failed_is_recorded_and_can_be_requeued(engine: Engine) -> None:
    mid, _ = _store(engine, b"x", "<f@x>")
    with session_scope(engine) as session:
        mark_failed(session=session, message_pk=mid, error="ValueError: bad", now=NOW)
    with session_scope(engine) as session:
        row = session.get(Message, mid)
        assert (row.status, row.error) == ("failed", "ValueError: bad")
        assert claim_next_message(session=session) is None
    with session_scope(engine) as session:
        assert requeue_failed(session=session) == 1
    with session_scope(engine) as session:
        assert claim_next_message(session=session).id == mid


def test_concurrent_claims_never_share_a_message(engine: Engine) -> None:
    total = 40
    for i in range(total):
        _store(engine, f"m{i}".encode(), f"<k{i}@x>")
    claimed: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        while True:
            with session_scope(engine) as session:
                message = claim_next_message(session=session)
                if message is None:
                    return
                mark_triaged(session=session, message=message, outcome="ignored",
                             reason="test", now=NOW)
                with lock:
                    claimed.append(message.id)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == total
