"""Triage: the one entry point from a stored message to what the helpdesk does with it.

Where it sits: every way mail arrives (SMTP, IMAP, the ``triage`` command) stores
the raw bytes first; the worker (``worker.py``) then calls ``triage_message`` inside
the transaction that claimed the message. Stages, each its own module:
``reading.read_message`` (no database: parse, automatic-mail guards, intent, the
knowledge base's answer, facts) -> automatic mail is stored and ignored -> thread
(``mail/threads``: join the case it continues) -> a confident ``faq`` is answered
with no case -> anything else opens a case with its dates (``case_dates``) -> a
reply rendered from ``templates/mail`` is queued (``auto_reply``), unless loop
protection (``mail/reply_policy``) says no.
``now`` and every service are passed in; nothing here reads the clock or settings.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from ats_helpdesk.auto_reply import queue_auto_reply, reply_context
from ats_helpdesk.case_dates import decide_case_dates, jsonable
from ats_helpdesk.config import Settings
from ats_helpdesk.mail.parse import ParsedMail
from ats_helpdesk.mail.threads import find_thread_case
from ats_helpdesk.reading import (
    Reading,
    TriageServices,
    read_facts,
    read_message,
)
from ats_helpdesk.store.cases import (
    CaseDates,
    add_case_event,
    create_case,
    set_case_status,
    touch_case,
)
from ats_helpdesk.store.members import find_member
from ats_helpdesk.store.messages import mark_triaged
from ats_helpdesk.store.models import (
    OPEN_CASE_STATUSES,
    AnswerLog,
    Attachment,
    Case,
    Member,
    Message,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TriageResult:
    """The whole decision for one message (``ats-helpdesk triage --json`` prints it)."""

    message: int
    message_id: str
    outcome: str  # case | auto_answered | ignored | threaded
    reason: str
    intent: str | None = None
    confidence: float | None = None
    needs_review: bool = False
    case_id: int | None = None
    case_reference: str | None = None
    thread: str | None = None  # how the case was found: in-reply-to, references, subject
    dates: dict[str, Any] = field(default_factory=dict)
    dates_from: str | None = None
    needs_date: bool = False
    faq_id: str | None = None
    reply: str | None = None  # template of the reply queued, if any
    reply_withheld: str | None = None  # why no automatic reply was sent
    defects: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return jsonable(asdict(self))


def triage_message(
    *,
    session: Session,
    message: Message,
    services: TriageServices,
    now: datetime,
    reading: Reading | None = None,
) -> TriageResult:
    """Triage one stored message; the caller owns (and commits) the transaction."""
    assert message.id is not None
    if reading is None:
        reading = read_message(
            raw=message.raw, envelope_from=message.envelope_from, services=services
        )
    parsed = reading.parsed
    _store_attachments(session, message.id, parsed, services.settings)
    base = {"message": message.id, "message_id": message.message_id, "defects": parsed.defects}
    thread = find_thread_case(
        session=session,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        subject=parsed.subject,
        exclude_message_pk=message.id,
    )
    if reading.automatic:
        return _ignore(
            session, message, reading.automatic, thread.case if thread else None, now, base
        )
    classification = reading.classification
    base |= {
        "intent": classification.intent,
        "confidence": float(classification.confidence),
        "needs_review": bool(classification.needs_review),
    }
    if thread is not None:
        result = _join_case(session, message, parsed, thread.case, services, now, base)
        _note_answer(session, message, reading, thread.case, now)
        return TriageResult(**result, thread=thread.how)
    if reading.answer is not None:
        answered = _auto_answer(session, message, reading, services, now, base)
        if answered is not None:
            return answered
    return _open_case(session, message, reading, services, now, base)


def _ignore(
    session: Session,
    message: Message,
    reason: str,
    case: Case | None,
    now: datetime,
    base: dict[str, Any],
) -> TriageResult:
    """Automatic mail is kept (and noted on its case) but never answered (RFC 3834)."""
    case_id = case.id if case is not None else None
    if case is not None and case.id is not None:
        add_case_event(
            session=session,
            case_id=case.id,
            kind="automatic_message",
            actor="system",
            now=now,
            detail={"message": message.id, "reason": reason},
        )
    mark_triaged(
        session=session, message=message, outcome="ignored", reason=reason, now=now, case_id=case_id
    )
    return TriageResult(
        **base,
        outcome="ignored",
        reason=reason,
        case_id=case_id,
        case_reference=case.reference if case else None,
    )


def _store_attachments(
    session: Session, message_pk: int, parsed: ParsedMail, settings: Settings
) -> None:
    for item in parsed.attachments:
        too_large = item.size > settings.max_attachment_bytes
        session.add(
            Attachment(
                message_id=message_pk,
                filename=item.filename,
                content_type=item.content_type[:255],
                size=item.size,
                sha256=item.sha256,
                data=None if too_large else item.data,
                too_large=too_large,
            )
        )


def _auto_answer(
    session: Session,
    message: Message,
    reading: Reading,
    services: TriageServices,
    now: datetime,
    base: dict[str, Any],
) -> TriageResult | None:
    """A confident knowledge-base answer, sent with no case; None when it abstains."""
    parsed, result, question = reading.parsed, reading.answer, reading.question
    session.add(
        AnswerLog(
            channel="email",
            question=question[:4000],
            faq_id=result.faq_id,
            confidence=float(result.confidence),
            answered=bool(result.answered),
            message_id=message.id,
            created_at=now,
        )
    )
    if not result.answered:
        return None
    member = find_member(session=session, email=parsed.from_addr) if parsed.from_addr else None
    context = reply_context(
        parsed, services, member, answer=result.answer, sources=list(result.sources), reference=None
    )
    withheld = queue_auto_reply(
        session,
        message,
        parsed,
        services,
        now,
        template="auto_answer",
        context=context,
        case_id=None,
        automatic=reading.no_auto_reply,
    )
    reason = f"answered from the knowledge base ({result.faq_id})"
    mark_triaged(
        session=session,
        message=message,
        outcome="auto_answered",
        reason=reason,
        now=now,
        intent=base.get("intent"),
        confidence=base.get("confidence"),
    )
    return TriageResult(
        **base,
        outcome="auto_answered",
        reason=reason,
        faq_id=result.faq_id,
        reply=None if withheld else "auto_answer",
        reply_withheld=withheld,
    )


def _dates_for(
    intent: str,
    facts: dict[str, Any],
    parsed: ParsedMail,
    message: Message,
    member: Member | None,
    services: TriageServices,
) -> tuple[CaseDates, str | None]:
    cohort = services.cohorts.get(member.cohort) if member and member.cohort else None
    return decide_case_dates(
        intent=intent,
        facts=facts,
        message_date=parsed.date or message.received_at,
        cohort=cohort,
        calendar=services.calendar,
    )


def _open_case(
    session: Session,
    message: Message,
    reading: Reading,
    services: TriageServices,
    now: datetime,
    base: dict[str, Any],
) -> TriageResult:
    intent, parsed, facts = base["intent"], reading.parsed, reading.facts
    member = find_member(session=session, email=parsed.from_addr) if parsed.from_addr else None
    dates, dates_from = _dates_for(intent, facts, parsed, message, member, services)
    number = facts.get("membership_number") or (member.membership_number if member else None)
    case = create_case(
        session=session,
        intent=intent,
        member_email=parsed.from_addr,
        member_name=(member.name if member and member.name else parsed.from_name),
        membership_number=str(number) if number else None,
        subject=parsed.subject,
        now=now,
        needs_review=base["needs_review"],
        facts=jsonable(facts),
        dates=dates,
        detail={"message": message.id, "confidence": base["confidence"], "dates_from": dates_from},
    )
    assert case.id is not None
    template = "late_request" if dates.in_time is False else f"acknowledgement_{intent}"
    if not services.renderer.has(template):
        template = "acknowledgement_other"
    context = reply_context(
        parsed,
        services,
        member,
        reference=case.reference,
        intent=intent,
        dates=dict(dates.dates or {}),
        due_date=dates.due_date,
        in_time=dates.in_time,
        clause=dates.clause,
        explanation=dates.explanation,
        needs_date=dates.needs_date,
    )
    withheld = queue_auto_reply(
        session, message, parsed, services, now, template=template, context=context,
        case_id=case.id, automatic=reading.no_auto_reply,
    )
    reason = f"opened {case.reference} ({intent})"
    mark_triaged(
        session=session,
        message=message,
        outcome="case",
        reason=reason,
        now=now,
        case_id=case.id,
        intent=intent,
        confidence=base["confidence"],
    )
    return TriageResult(
        **base,
        outcome="case",
        reason=reason,
        case_id=case.id,
        case_reference=case.reference,
        dates=dict(dates.dates or {}),
        dates_from=dates_from,
        needs_date=dates.needs_date,
        reply=None if withheld else template,
        reply_withheld=withheld,
    )


def _note_answer(session: Session, message: Message, reading: Reading, case: Case,
                 now: datetime) -> None:
    """A confident KB answer to a question asked on an open case goes to staff as a
    note on the case (not straight to the member: a person is already handling it)."""
    answer = reading.answer
    if answer is None or not answer.answered or case.id is None:
        return
    add_case_event(session=session, case_id=case.id, kind="note", actor="system", now=now,
                   detail={"message": message.id, "faq_id": answer.faq_id,
                           "confidence": float(answer.confidence), "answer": answer.answer,
                           "sources": list(answer.sources)})


def _join_case(
    session: Session,
    message: Message,
    parsed: ParsedMail,
    case: Case,
    services: TriageServices,
    now: datetime,
    base: dict[str, Any],
) -> dict[str, Any]:
    """A reply on a known case: note it, reopen it if needed, fill a missing date."""
    assert case.id is not None
    add_case_event(
        session=session,
        case_id=case.id,
        kind="message",
        actor="member",
        now=now,
        detail={"message": message.id, "subject": parsed.subject[:200], "intent": base["intent"]},
    )
    if case.status not in OPEN_CASE_STATUSES or case.status == "awaiting_member":
        set_case_status(session=session, case=case, status="in_progress", actor="system", now=now)
    touch_case(session=session, case=case, now=now)
    result: dict[str, Any] = {}
    if case.needs_date:
        result = _fill_missing_dates(session, message, parsed, case, services, now)
    reason = f"joined {case.reference}"
    mark_triaged(
        session=session,
        message=message,
        outcome="threaded",
        reason=reason,
        now=now,
        case_id=case.id,
        intent=base["intent"],
        confidence=base["confidence"],
    )
    return {
        **base,
        "outcome": "threaded",
        "reason": reason,
        "case_id": case.id,
        "case_reference": case.reference,
        "needs_date": case.needs_date,
        **result,
    }


def _fill_missing_dates(
    session: Session,
    message: Message,
    parsed: ParsedMail,
    case: Case,
    services: TriageServices,
    now: datetime,
) -> dict[str, Any]:
    """The member answered "please tell us the date": decide the rule now."""
    member = find_member(session=session, email=case.member_email)
    new_facts = read_facts(parsed, services, case.intent)
    facts = {**case.facts, **jsonable(new_facts)}
    dates, dates_from = _dates_for(
        case.intent, new_facts, parsed, message, member, services
    )
    if dates.needs_date or dates.rule is None:
        return {}
    case.rule, case.due_date, case.in_time = dates.rule, dates.due_date, dates.in_time
    case.dates = jsonable(dict(dates.dates or {}))
    case.clause, case.explanation, case.needs_date = dates.clause, dates.explanation, False
    case.facts = facts
    session.add(case)
    assert case.id is not None
    add_case_event(
        session=session,
        case_id=case.id,
        kind="dates",
        actor="system",
        now=now,
        detail={"rule": dates.rule, "dates": case.dates, "message": message.id},
    )
    return {"dates": dict(dates.dates or {}), "dates_from": dates_from}
