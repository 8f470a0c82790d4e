"""Store, tables: every row the helpdesk keeps (sqlmodel, one class per table).

Where it sits: the transports (``mail/smtp.py``, ``mail/imap.py``, the widget) write
``Message`` rows with the raw bytes exactly as received; ``triage.py`` turns them into
``Case``/``CaseEvent``/``Outbound`` rows; the staff app reads and updates cases. The
schema itself is owned by the Alembic chain in ``store/migrations/`` (never
``create_all`` in production); ``tests/store`` checks the two agree.

Times are stored as UTC (``UTCDateTime``): SQLite keeps no zone, so every value is
normalised to UTC on the way in and comes back timezone-aware on the way out, on
both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Column, Field, SQLModel

# Values of the enumerated text columns (kept as plain strings: portable, and a new
# value needs no database migration, only a check here).
MESSAGE_SOURCES = ("smtp", "imap", "widget", "cli")
MESSAGE_STATUSES = ("pending", "processing", "triaged", "failed")
TRIAGE_OUTCOMES = ("case", "auto_answered", "ignored", "threaded")
CASE_STATUSES = ("new", "awaiting_member", "in_progress", "resolved", "closed")
OPEN_CASE_STATUSES = ("new", "awaiting_member", "in_progress")
OUTBOUND_STATUSES = ("queued", "sent", "failed")
USER_ROLES = ("agent", "admin")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as naive UTC (portable across SQLite/PostgreSQL)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _utc() -> Any:
    return Column(UTCDateTime(), nullable=False)


def _utc_null() -> Any:
    return Column(UTCDateTime(), nullable=True)


def _json(nullable: bool = False) -> Any:
    return Column(sa.JSON(), nullable=nullable)


class Message(SQLModel, table=True):
    """One received message, raw bytes verbatim; ``message_id`` is unique (re-delivery)."""

    __tablename__: ClassVar[str] = "message"  # type: ignore[misc]
    __table_args__ = (
        sa.Index("ix_message_status_id", "status", "id"),
        sa.Index("ix_message_case_id", "case_id"),
        sa.Index("ix_message_from_addr", "from_addr"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # RFC 5322 3.6.4 Message-ID as received (angle brackets kept); a message without
    # one gets a stable synthetic id from its hash, so a re-delivery still matches.
    message_id: str = Field(max_length=998, sa_column_kwargs={"unique": True})
    source: str = Field(max_length=16)
    received_at: datetime = Field(sa_column=_utc())
    raw: bytes = Field(sa_column=Column(sa.LargeBinary(), nullable=False))
    size: int = 0
    sha256: str = Field(max_length=64)
    envelope_from: str | None = Field(default=None, max_length=998)
    envelope_to: list[str] = Field(default_factory=list, sa_column=_json())
    # parsed at intake (cheap, and what the staff queue shows before triage)
    subject: str = Field(default="", max_length=998)
    from_addr: str = Field(default="", max_length=320)
    from_name: str = Field(default="", max_length=998)
    in_reply_to: str | None = Field(default=None, max_length=998)
    references: list[str] = Field(default_factory=list, sa_column=_json())
    headers: list[list[str]] = Field(default_factory=list, sa_column=_json())
    sent_at: datetime | None = Field(default=None, sa_column=_utc_null())
    status: str = Field(default="pending", max_length=16)
    error: str | None = None
    outcome: str | None = Field(default=None, max_length=16)
    outcome_reason: str | None = None
    triaged_at: datetime | None = Field(default=None, sa_column=_utc_null())
    case_id: int | None = Field(default=None, foreign_key="case.id")
    intent: str | None = Field(default=None, max_length=32)
    confidence: float | None = None


class Case(SQLModel, table=True):
    """A request that needs a person: its rule decision, dates and who has it."""

    __tablename__: ClassVar[str] = "case"  # type: ignore[misc]
    __table_args__ = (
        # the staff queue filters on these and sorts by due date, then age
        sa.Index("ix_case_status_due", "status", "due_date", "id"),
        sa.Index("ix_case_intent_status_due", "intent", "status", "due_date"),
        sa.Index("ix_case_assignee_status_due", "assignee_id", "status", "due_date"),
        sa.Index("ix_case_review_status_due", "needs_review", "status", "due_date"),
        sa.Index("ix_case_due_date", "due_date", "id"),
        sa.Index("ix_case_created_at", "created_at"),
        sa.Index("ix_case_updated_at", "updated_at"),
        sa.Index("ix_case_member_email", "member_email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # ATS-000123, from the id (set in the same transaction as the insert)
    reference: str | None = Field(default=None, max_length=32, sa_column_kwargs={"unique": True})
    intent: str = Field(max_length=32)
    status: str = Field(default="new", max_length=20)
    member_email: str = Field(default="", max_length=320)
    member_name: str = Field(default="", max_length=998)
    membership_number: str | None = Field(default=None, max_length=64)
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    subject: str = Field(default="", max_length=998)
    rule: str | None = Field(default=None, max_length=64)
    # every date the rule computed, {"window_closes": "2021-01-06", ...}
    dates: dict[str, str | None] = Field(default_factory=dict, sa_column=_json())
    due_date: date | None = None  # the main one, a column so the queue sorts by it
    in_time: bool | None = None
    clause: str | None = None
    explanation: str | None = None
    needs_review: bool = False
    needs_date: bool = False
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=_json())
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class CaseEvent(SQLModel, table=True):
    """Append-only audit trail of a case (never updated, never deleted)."""

    __tablename__: ClassVar[str] = "case_event"  # type: ignore[misc]
    __table_args__ = (sa.Index("ix_case_event_case_at", "case_id", "at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    at: datetime = Field(sa_column=_utc())
    actor: str = Field(max_length=320)  # "system", "member", or "user:<id>"
    kind: str = Field(max_length=32)  # opened, message, reply, status, assigned, note, ...
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=_json())


class Attachment(SQLModel, table=True):
    """A part of a message with a filename; data kept unless it is over the size limit."""

    __tablename__: ClassVar[str] = "attachment"  # type: ignore[misc]

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    filename: str = Field(default="", max_length=998)
    content_type: str = Field(default="application/octet-stream", max_length=255)
    size: int = 0
    sha256: str = Field(max_length=64)
    data: bytes | None = Field(default=None, sa_column=Column(sa.LargeBinary(), nullable=True))
    path: str | None = None
    too_large: bool = False


class Outbound(SQLModel, table=True):
    """A reply to send: rendered bytes, kept until the relay accepts them (never dropped)."""

    __tablename__: ClassVar[str] = "outbound"  # type: ignore[misc]
    __table_args__ = (
        sa.Index("ix_outbound_status_next", "status", "next_attempt_at"),
        sa.Index("ix_outbound_case_id", "case_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    message_id: int | None = Field(default=None, foreign_key="message.id")  # what it answers
    to_addr: str = Field(max_length=320)
    subject: str = Field(default="", max_length=998)
    kind: str = Field(default="reply", max_length=32)  # acknowledgement, auto_answer, ...
    raw: bytes = Field(sa_column=Column(sa.LargeBinary(), nullable=False))
    rfc_message_id: str = Field(max_length=998, sa_column_kwargs={"unique": True})
    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_utc())
    last_error: str | None = None
    created_at: datetime = Field(sa_column=_utc())
    sent_at: datetime | None = Field(default=None, sa_column=_utc_null())


class Member(SQLModel, table=True):
    """A member as imported from CSV: who they are and which cohort they are in."""

    __tablename__: ClassVar[str] = "member"  # type: ignore[misc]

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, sa_column_kwargs={"unique": True})
    name: str = Field(default="", max_length=998)
    membership_number: str | None = Field(default=None, max_length=64, index=True)
    cohort: int | None = None


class User(SQLModel, table=True):
    """A staff account (agent or admin) for the web app."""

    __tablename__: ClassVar[str] = "user"  # type: ignore[misc]

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, sa_column_kwargs={"unique": True})
    password_hash: str = Field(max_length=255)
    role: str = Field(default="agent", max_length=16)
    active: bool = True
    created_at: datetime = Field(sa_column=_utc())


class AnswerLog(SQLModel, table=True):
    """Every automatic answer attempt, from email or the widget."""

    __tablename__: ClassVar[str] = "answer_log"  # type: ignore[misc]
    __table_args__ = (sa.Index("ix_answer_log_created_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)  # email | widget
    question: str
    faq_id: str | None = Field(default=None, max_length=128)
    confidence: float | None = None
    answered: bool = False
    message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: datetime = Field(sa_column=_utc())


class AnswerFeedback(SQLModel, table=True):
    """A member's "was this helpful?" on one automatic answer."""

    __tablename__: ClassVar[str] = "answer_feedback"  # type: ignore[misc]

    id: int | None = Field(default=None, primary_key=True)
    answer_log_id: int = Field(foreign_key="answer_log.id", index=True)
    helpful: bool
    created_at: datetime = Field(sa_column=_utc())


class ImapState(SQLModel, table=True):
    """Per mailbox folder: UIDVALIDITY and the last UID committed (RFC 3501 2.3.1.1)."""

    __tablename__: ClassVar[str] = "imap_state"  # type: ignore[misc]
    __table_args__ = (sa.UniqueConstraint("account", "folder", name="uq_imap_state_folder"),)

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=320)
    folder: str = Field(max_length=255)
    uidvalidity: int
    last_uid: int = 0
    updated_at: datetime = Field(sa_column=_utc())


class AutoReplyCount(SQLModel, table=True):
    """Loop guard: automatic replies sent to one sender on one (UTC) day."""

    __tablename__: ClassVar[str] = "auto_reply_count"  # type: ignore[misc]
    __table_args__ = (sa.UniqueConstraint("sender", "day", name="uq_auto_reply_sender_day"),)

    id: int | None = Field(default=None, primary_key=True)
    sender: str = Field(max_length=320)
    day: date
    count: int = 0


def utc_now_from(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (a naive value is taken to be UTC already)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_reference(case_id: int) -> str:
    return f"ATS-{case_id:06d}"
