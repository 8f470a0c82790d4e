"""Triage, replies: compose and queue the automatic reply to a triaged message.

Where it sits: ``triage.py`` calls ``queue_auto_reply`` after it has decided (an
answer from the knowledge base, an acknowledgement, or the late-request notice).
Loop protection comes first (``mail/reply_policy``); the wording comes from
``templates/mail`` (``mail/outbound``); the reply is queued in the same
transaction as the case it belongs to, and the sender delivers it later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from ats_helpdesk.mail.outbound import build_reply
from ats_helpdesk.mail.parse import ParsedMail
from ats_helpdesk.mail.reply_policy import refuse_auto_reply
from ats_helpdesk.reading import TriageServices
from ats_helpdesk.store.cases import add_case_event
from ats_helpdesk.store.models import Member, Message
from ats_helpdesk.store.replies import count_auto_reply, queue_reply
from ats_helpdesk.workdays import london_date


def reply_context(
    parsed: ParsedMail, services: TriageServices, member: Member | None, **extra: Any
) -> dict[str, Any]:
    subject = parsed.subject
    while subject[:3].lower() in ("re:", "fw:") or subject[:4].lower() == "fwd:":
        subject = subject.split(":", 1)[1].strip()
    name = (member.name if member and member.name else "") or parsed.from_name
    return {
        "member_name": name,
        "original_subject": subject,
        "from_address": services.settings.from_address,
        **extra,
    }


def reply_kind(template: str) -> str:
    """The outbound row's short kind: "acknowledgement_objection" -> "acknowledgement"."""
    return template.split("_", 1)[0] if template.startswith("acknowledgement_") else template


def queue_auto_reply(
    session: Session,
    message: Message,
    parsed: ParsedMail,
    services: TriageServices,
    now: datetime,
    *,
    template: str,
    context: dict[str, Any],
    case_id: int | None,
    automatic: str | None = None,
) -> str | None:
    """Render and queue an automatic reply; returns why none was sent, or None.
    ``automatic``: the guard's reason when the message is list or bulk mail."""
    day = london_date(now)
    refusal = refuse_auto_reply(
        session=session,
        settings=services.settings,
        sender=parsed.from_addr,
        envelope_from=message.envelope_from,
        automatic=automatic or None,
        day=day,
    )
    if refusal:
        return refusal
    reply = build_reply(
        settings=services.settings,
        renderer=services.renderer,
        template=template,
        context=context,
        to_addr=parsed.from_addr,
        to_name=parsed.from_name,
        in_reply_to=message.message_id,
        references=parsed.references,
        now=now,
    )
    queued = queue_reply(
        session=session,
        to_addr=reply.to_addr,
        subject=reply.subject,
        raw=reply.raw,
        rfc_message_id=reply.rfc_message_id,
        kind=reply_kind(template),
        now=now,
        case_id=case_id,
        message_id=message.id,
    )
    count_auto_reply(session=session, sender=parsed.from_addr, day=day)
    if case_id is not None:
        add_case_event(
            session=session,
            case_id=case_id,
            kind="reply_queued",
            actor="system",
            now=now,
            detail={"outbound": queued.id, "template": template},
        )
    return None
