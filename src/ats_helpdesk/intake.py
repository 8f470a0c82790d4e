"""Intake: the one way a received message enters the store (SMTP, IMAP, CLI, widget).

Where it sits: the transports call ``accept_message`` with the raw bytes; it reads
the few headers the queue shows, stores the bytes verbatim (once per Message-ID)
and commits before returning, so a transport acknowledges only what is on disk.
Triage happens later, in the worker.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from ats_helpdesk.mail.parse import ParsedMail, parse_message
from ats_helpdesk.store.db import session_scope, write_lock
from ats_helpdesk.store.messages import MessageHeaders, Stored, store_message

logger = logging.getLogger(__name__)


def headers_of(parsed: ParsedMail) -> MessageHeaders:
    return MessageHeaders(
        message_id=parsed.message_id,
        subject=parsed.subject,
        from_addr=parsed.from_addr,
        from_name=parsed.from_name,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        headers=parsed.headers,
        sent_at=parsed.date,
    )


def accept_message(
    *,
    engine: Engine,
    raw: bytes,
    source: str,
    received_at: datetime,
    envelope_from: str | None = None,
    envelope_to: Sequence[str] = (),
) -> Stored:
    """Store ``raw`` durably (committed when this returns); a re-delivery is not stored again."""
    parsed = parse_message(raw, headers_only=True)  # the body is read at triage
    with write_lock(engine), session_scope(engine) as session:
        return store_message(
            session=session,
            raw=raw,
            source=source,
            received_at=received_at,
            headers=headers_of(parsed),
            envelope_from=envelope_from,
            envelope_to=envelope_to,
        )


@dataclass(frozen=True)
class Arrival:
    """One received message waiting to be stored."""

    raw: bytes
    source: str
    received_at: datetime
    envelope_from: str | None = None
    envelope_to: tuple[str, ...] = ()


class GroupCommitter:
    """Stores arrivals from many concurrent sessions, several to a commit.

    Each commit waits for the disk (fsync, ~3 ms here); messages that arrive while
    one commit is under way are written together in the next, so concurrent senders
    share the wait. Every caller still gets its result only after its own message
    is committed. A batch that fails is retried one message at a time, so one bad
    message cannot refuse the others.
    """

    def __init__(self, engine: Engine, *, max_batch: int = 50) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.queue: queue.Queue[tuple[Arrival, Future[Stored]] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="intake-commit", daemon=True)
        self.thread.start()

    def submit(self, arrival: Arrival) -> Future[Stored]:
        future: Future[Stored] = Future()
        self.queue.put((arrival, future))
        return future

    def close(self, timeout: float = 10.0) -> None:
        """Store what is queued, then stop."""
        self.queue.put(None)
        self.thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < self.max_batch:
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._store(batch)
                    return
                batch.append(more)
            self._store(batch)

    def _store(self, batch: list[tuple[Arrival, Future[Stored]]]) -> None:
        try:
            headers = [headers_of(parse_message(a.raw, headers_only=True)) for a, _ in batch]
            with write_lock(self.engine), session_scope(self.engine) as session:
                results = [
                    store_message(session=session, raw=a.raw, source=a.source,
                                  received_at=a.received_at, headers=h,
                                  envelope_from=a.envelope_from, envelope_to=a.envelope_to)
                    for (a, _), h in zip(batch, headers, strict=True)
                ]
        except Exception:
            logger.warning("a batch of %d failed; storing one at a time", len(batch),
                           exc_info=True)
            for arrival, future in batch:
                self._store_one(arrival, future)
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)

    def _store_one(self, a: Arrival, future: Future[Stored]) -> None:
        try:
            future.set_result(accept_message(
                engine=self.engine, raw=a.raw, source=a.source, received_at=a.received_at,
                envelope_from=a.envelope_from, envelope_to=a.envelope_to))
        except Exception as error:
            future.set_exception(error)
