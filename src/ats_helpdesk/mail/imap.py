"""Mail, IMAP intake: fetch new messages by UID, store them, then flag them.

Where it sits: the edge for a mailbox we read (``ats-helpdesk imap-poll``, or
``serve`` when ``ATS_IMAP_HOST`` is set). RFC 3501 2.3.1.1: a UID is only
meaningful with the folder's UIDVALIDITY, so both are kept in ``imap_state``;
when UIDVALIDITY changes the folder is read again from the start (re-deliveries
are recognised by Message-ID and not stored twice). Each message is stored and
the last UID advanced in one commit; only after that commit is it flagged
``\\Seen`` on the server, so a crash at any point loses nothing and doubles nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from imapclient import IMAPClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from ats_helpdesk.config import Settings
from ats_helpdesk.intake import headers_of
from ats_helpdesk.mail.parse import parse_message
from ats_helpdesk.store.db import session_scope
from ats_helpdesk.store.messages import store_message
from ats_helpdesk.store.models import ImapState

logger = logging.getLogger(__name__)

FETCH_BATCH = 50
PROCESSED_FLAG = b"\\Seen"


class ImapConfigError(ValueError):
    """IMAP settings missing (the message names the ATS_ setting)."""


def account_name(settings: Settings) -> str:
    return f"{settings.imap_user}@{settings.imap_host}:{settings.imap_port}"


def connect(settings: Settings) -> IMAPClient:
    for name in ("imap_host", "imap_user", "imap_password"):
        if not getattr(settings, name):
            raise ImapConfigError(f"ATS_{name.upper()} is not set")
    assert settings.imap_host is not None
    client = IMAPClient(settings.imap_host, port=settings.imap_port, ssl=settings.imap_ssl,
                        timeout=30)
    client.login(settings.imap_user, settings.imap_password)
    return client


def _last_uid(session: Session, account: str, folder: str, uidvalidity: int,
              now: datetime) -> int:
    state = session.exec(
        select(ImapState).where(ImapState.account == account, ImapState.folder == folder)
    ).first()
    if state is None:
        session.add(ImapState(account=account, folder=folder, uidvalidity=uidvalidity,
                              last_uid=0, updated_at=now))
        return 0
    if state.uidvalidity != uidvalidity:
        logger.warning("UIDVALIDITY of %s changed (%s -> %s): reading it again",
                       folder, state.uidvalidity, uidvalidity)
        state.uidvalidity, state.last_uid, state.updated_at = uidvalidity, 0, now
        session.add(state)
        return 0
    return state.last_uid


def _advance(session: Session, account: str, folder: str, uid: int, now: datetime) -> None:
    state = session.exec(
        select(ImapState).where(ImapState.account == account, ImapState.folder == folder)
    ).one()
    state.last_uid = max(state.last_uid, uid)
    state.updated_at = now
    session.add(state)


def poll_once(*, engine: Engine, settings: Settings, clock: Callable[[], datetime],
              client: IMAPClient | None = None) -> int:
    """Fetch and store every message after the last UID; returns how many were new."""
    own = client is None
    client = client or connect(settings)
    account, folder = account_name(settings), settings.imap_folder
    try:
        uidvalidity = int(client.select_folder(folder)[b"UIDVALIDITY"])
        with session_scope(engine) as session:
            last = _last_uid(session, account, folder, uidvalidity, clock())
        # "N:*" always matches the newest message, even below N (RFC 3501 6.4.8)
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
        new = 0
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched = client.fetch(batch, [b"BODY.PEEK[]"])
            for uid in batch:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:  # expunged meanwhile
                    continue
                now = clock()
                with session_scope(engine) as session:
                    headers = headers_of(parse_message(raw, headers_only=True))
                    stored = store_message(session=session, raw=raw, source="imap",
                                           received_at=now, headers=headers)
                    _advance(session, account, folder, uid, now)
                new += stored.created
                client.add_flags([uid], [PROCESSED_FLAG])  # only after the commit
        return new
    finally:
        if own:
            try:
                client.logout()
            except Exception:  # the server may already have gone; nothing is lost
                logger.debug("IMAP logout failed", exc_info=True)


def poll_forever(*, engine: Engine, settings: Settings, clock: Callable[[], datetime],
                 stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            count = poll_once(engine=engine, settings=settings, clock=clock)
            if count:
                logger.info("IMAP: stored %d new messages", count)
        except ImapConfigError:
            raise
        except Exception:  # server away, login refused: log and try at the next poll
            logger.exception("IMAP poll failed")
        stop.wait(settings.imap_poll_seconds)
