"""The triage worker: take pending messages and triage each exactly once.

Where it sits: after intake (which only stores) and before the outbound sender.
Messages are claimed and triaged inside ONE transaction (``store.messages``
explains the claim: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on
SQLite), so any number of worker threads or processes never triage one message
twice, and a crash mid-way leaves the messages pending. Up to ``batch`` messages
share a transaction (one commit, one fsync, instead of one each); each has its
own savepoint, so a message whose triage raises is marked ``failed`` with the
error (a visible state for staff) while the others in the batch commit.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from ats_helpdesk.config import Settings
from ats_helpdesk.store.db import session_scope, write_lock
from ats_helpdesk.store.messages import (
    claim_message,
    claim_next_message,
    mark_failed,
    pending_messages,
)
from ats_helpdesk.store.models import Message
from ats_helpdesk.triage import (
    Reading,
    TriageResult,
    TriageServices,
    read_message,
    triage_message,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
BATCH = 20


def _triage_claimed(
    session: Session, services: TriageServices, clock: Clock
) -> TriageResult | bool:
    message = claim_next_message(session=session)
    if message is None:
        return False
    return triage_claimed(session, message, services, clock)


def triage_batch(
    *, engine: Engine, services: TriageServices, clock: Clock, batch: int = BATCH,
    shard: tuple[int, int] | None = None,
) -> list[TriageResult | bool]:
    """Triage up to ``batch`` pending messages in one transaction; [] when none is pending.
    Each item is the message's result, or True when its triage failed (recorded).
    ``shard=(k, n)`` (SQLite): this is worker k of n and reads only its share."""
    if engine.dialect.name == "sqlite":
        return _triage_batch_read_first(engine, services, clock, batch, shard)
    results: list[TriageResult | bool] = []
    with session_scope(engine) as session:
        while len(results) < batch:
            result = _triage_claimed(session, services, clock)
            if result is False:
                break
            results.append(result)
    return results


def _read(raw: bytes, sender: str | None, services: TriageServices) -> Reading | Exception:
    try:
        return read_message(raw=raw, envelope_from=sender, services=services)
    except Exception as error:  # recorded as the message's failure once it is claimed
        logger.exception("reading a message failed")
        return error


def _triage_batch_read_first(
    engine: Engine, services: TriageServices, clock: Clock, batch: int,
    shard: tuple[int, int] | None = None,
) -> list[TriageResult | bool]:
    """SQLite has one writer at a time, and the SMTP intake needs it to answer 250: so
    read and classify the pending messages first (WAL readers never wait), then take
    the write lock only for the short database part. A message another worker claimed
    meanwhile is skipped (``claim_message`` is a conditional UPDATE). With a shard,
    workers read disjoint messages, so one reads while another holds the lock."""
    while True:
        with Session(engine) as session:
            pending = pending_messages(session=session, limit=batch, shard=shard)
        if not pending:
            return []
        readings = {pk: _read(raw, sender, services) for pk, raw, sender in pending}
        results: list[TriageResult | bool] = []
        with write_lock(engine), session_scope(engine) as session:
            for pk, _raw, _sender in pending:
                message = claim_message(session=session, message_pk=pk)
                if message is None:
                    continue
                results.append(triage_claimed(session, message, services, clock, readings[pk]))
        if results:
            return results


def triage_claimed(
    session: Session,
    message: Message,
    services: TriageServices,
    clock: Clock,
    reading: Reading | Exception | None = None,
) -> TriageResult | bool:
    """Triage a message this session has claimed. A failure is recorded on the message
    (kept, status ``failed``, for staff) and returns True; the caller commits either way.
    Shared with the widget's hand-over, which claims its message in the same transaction."""
    assert message.id is not None
    try:
        if isinstance(reading, Exception):
            raise reading
        with session.begin_nested():  # on error, undo this triage but keep the claim
            return triage_message(
                session=session, message=message, services=services, now=clock(), reading=reading
            )
    except Exception as error:
        logger.exception("triage of message %s failed", message.id)
        mark_failed(
            session=session,
            message_pk=message.id,
            error=f"{type(error).__name__}: {error}",
            now=clock(),
        )
        return True


def triage_next(*, engine: Engine, services: TriageServices, clock: Clock) -> TriageResult | bool:
    """Triage the oldest pending message. False: none pending; True: it failed (recorded)."""
    results = triage_batch(engine=engine, services=services, clock=clock, batch=1)
    return results[0] if results else False


def drain(
    *,
    engine: Engine,
    services: TriageServices,
    clock: Clock,
    stop: threading.Event | None = None,
    limit: int | None = None,
    batch: int = BATCH,
    shard: tuple[int, int] | None = None,
) -> int:
    """Triage until nothing is pending (or ``stop`` is set, or ``limit`` reached)."""
    done = 0
    while (stop is None or not stop.is_set()) and (limit is None or done < limit):
        size = batch if limit is None else min(batch, limit - done)
        results = triage_batch(engine=engine, services=services, clock=clock, batch=size,
                               shard=shard)
        if not results:
            break
        done += len(results)
    return done


def run_worker(
    *,
    engine: Engine,
    services: TriageServices,
    clock: Clock,
    stop: threading.Event,
    idle_seconds: float = 0.1,
    shard: tuple[int, int] | None = None,
) -> None:
    """Drain, then wait a moment, until ``stop`` is set (``serve`` runs this in a thread)."""
    while not stop.is_set():
        try:
            if drain(engine=engine, services=services, clock=clock, stop=stop,
                     shard=shard) == 0:
                stop.wait(idle_seconds)
        except Exception:  # e.g. the database restarting: log, back off, carry on
            logger.exception("triage worker error; retrying")
            stop.wait(min(5.0, idle_seconds * 10))


def worker_process_main(settings: Settings, stop: Any, parent_pid: int,
                        shard: tuple[int, int] | None = None) -> None:
    """Entry point of a worker process started by ``serve`` (multiprocessing, spawn).

    Its own process, so triage (CPU-bound: parsing, the intent model, the answerer)
    does not compete with the SMTP intake for one interpreter lock. It stops when
    ``stop`` is set, on SIGTERM, or when its parent has gone (e.g. SIGKILLed).
    """
    from ats_helpdesk.services import load_services
    from ats_helpdesk.store.db import make_engine

    own_stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    signal.signal(signal.SIGTERM, lambda *_: own_stop.set())

    def watch() -> None:
        while not own_stop.is_set():
            if stop.wait(0.5) or os.getppid() != parent_pid:
                own_stop.set()

    threading.Thread(target=watch, daemon=True).start()
    engine = make_engine(settings)
    try:
        services = load_services(settings)
        run_worker(engine=engine, services=services, clock=lambda: datetime.now(UTC),
                   stop=own_stop, shard=shard)
    finally:
        engine.dispose()
