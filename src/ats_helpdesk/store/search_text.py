"""Store, search text: the plain text of each message on a case, for the staff search.

The ``message`` table keeps the raw bytes as received; the staff queue searches the
member's words, so the web app keeps this derived table (one row per message that
belongs to a case) and catches it up before a search: ``index_messages`` turns any
message not yet indexed into text with the extractor it is given (the mail parser),
a bounded batch at a time. It is a cache: dropping it loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, select

from ats_helpdesk.store.models import Message

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 100_000


class MessageText(SQLModel, table=True):
    """The searchable text of one message (its new text and any quoted history)."""

    __tablename__: ClassVar[str] = "message_text"  # type: ignore[misc]

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    text: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))


def index_messages(
    *, session: Session, extract_text: Callable[[bytes], str], limit: int = 500
) -> int:
    """Index up to ``limit`` messages on cases that have no text yet; returns how many.

    Called before each queue page, so the usual case (nothing new) is two index-only
    counts; only when they differ are the missing messages looked for and parsed."""
    on_cases = session.exec(
        select(func.count()).select_from(Message).where(Message.case_id.is_not(None))  # type: ignore[union-attr]
    ).one()
    if on_cases == session.exec(select(func.count()).select_from(MessageText)).one():
        return 0
    missing = session.exec(
        select(Message.id)
        .outerjoin(MessageText, MessageText.message_id == Message.id)  # type: ignore[arg-type]
        .where(Message.case_id.is_not(None), MessageText.message_id.is_(None))  # type: ignore[union-attr]
        .order_by(Message.id)
        .limit(limit)
    ).all()
    pending = session.exec(
        select(Message.id, Message.case_id, Message.raw).where(Message.id.in_(missing))  # type: ignore[union-attr]
    ).all()
    for message_id, case_id, raw in pending:
        try:
            text = extract_text(raw)
        except Exception:  # a message the parser cannot read is still listed, unsearched
            logger.exception("could not extract text of message %s for search", message_id)
            text = ""
        session.add(MessageText(message_id=message_id, case_id=case_id, text=text[:MAX_TEXT_CHARS]))
    if pending:
        session.commit()
    return len(pending)
