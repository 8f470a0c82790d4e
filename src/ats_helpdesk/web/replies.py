"""Web edge, replies from the case page: pick a template, fill it in, edit, preview, send.

Templates are the ones in ``templates/mail/`` that triage uses, rendered by the
pipeline's ``mail.outbound.ReplyRenderer`` with the case's values; the agent edits
the text in the page and previews exactly what will go. Sending builds the message
with ``mail.outbound.build_reply`` (threading headers, Message-ID) around the
agent's final text, queues it with ``store.replies.queue_reply`` (the worker sends
it; never dropped when the relay is down) and records a ``reply`` event, all in one
transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from sqlmodel import Session, select

from ats_helpdesk.config import Settings
from ats_helpdesk.mail.outbound import ReplyRenderer, TemplateMissing, build_reply
from ats_helpdesk.store.cases import add_case_event, touch_case
from ats_helpdesk.store.models import Case, Message
from ats_helpdesk.store.replies import queue_reply
from ats_helpdesk.web.case_view import DecisionView, MemberView

logger = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "staff_reply"


@dataclass(frozen=True)
class Draft:
    template: str
    to: str
    subject: str
    body: str
    preview: str | None = None


class EditedText(ReplyRenderer):
    """A 'renderer' that returns the agent's edited text, so build_reply adds the headers."""

    def __init__(self, templates_dir: Path, subject: str, text: str) -> None:
        super().__init__(templates_dir)
        self._subject, self._text = subject, text

    def render(self, name: str, context: Mapping[str, Any]) -> tuple[str, str, str | None]:
        return self._subject, self._text.replace("\r\n", "\n").rstrip() + "\n", None


def base_subject(subject: str) -> str:
    while subject[:3].lower() in ("re:", "fw:") or subject[:4].lower() == "fwd:":
        subject = subject.split(":", 1)[1].strip()
    return subject


def template_context(
    case: Case,
    member: MemberView,
    decision: DecisionView | None,
    *,
    settings: Settings,
    agent_email: str,
) -> dict[str, Any]:
    """Every variable the mail templates name (their StrictUndefined refuses a missing one)."""
    return {
        "reference": case.reference,
        "member_name": member.name,
        "original_subject": base_subject(case.subject),
        "from_address": settings.from_address,
        "intent": case.intent,
        "dates": decision.dates if decision else {},
        "due_date": case.due_date,
        "in_time": case.in_time,
        "clause": case.clause,
        "explanation": case.explanation,
        "needs_date": case.needs_date,
        "body": "",
        "agent_name": "",
        "agent_email": agent_email,
        "answer": "",
        "sources": [],
    }


def reply_templates(renderer: ReplyRenderer) -> list[str]:
    names = renderer.names()
    return sorted(names, key=lambda n: (n != DEFAULT_TEMPLATE, n))


def start_draft(renderer: ReplyRenderer, name: str, case: Case, context: dict[str, Any]) -> Draft:
    """The chosen template filled in for this case (a blank draft if it cannot render)."""
    if name not in renderer.names():
        name = DEFAULT_TEMPLATE
    try:
        subject, text, _ = renderer.render(name, context)
    except (TemplateMissing, TemplateError) as error:
        logger.warning("reply template %s did not render for case %s: %s", name, case.id, error)
        subject, text = f"Re: {base_subject(case.subject)} [{case.reference}]", ""
    return Draft(name, case.member_email, subject, text)


def send_reply(
    session: Session,
    case: Case,
    draft: Draft,
    *,
    settings: Settings,
    templates_dir: Path,
    user_id: int,
    now: datetime,
) -> int:
    """Queue the agent's reply and record it on the case; returns the outbound id."""
    assert case.id is not None
    last = session.exec(
        select(Message)
        .where(Message.case_id == case.id)
        .order_by(Message.received_at.desc(), Message.id.desc())  # type: ignore[attr-defined,union-attr]
    ).first()
    rendered = build_reply(
        settings=settings,
        renderer=EditedText(templates_dir, draft.subject, draft.body),
        template=draft.template,
        context={},
        to_addr=draft.to,
        in_reply_to=last.message_id if last else None,
        references=tuple(last.references) if last else (),
        now=now,
    )
    outbound = queue_reply(
        session=session,
        to_addr=rendered.to_addr,
        subject=rendered.subject,
        raw=rendered.raw,
        rfc_message_id=rendered.rfc_message_id,
        kind="staff_reply",
        now=now,
        case_id=case.id,
        message_id=last.id if last else None,
    )
    add_case_event(
        session=session,
        case_id=case.id,
        kind="reply",
        actor=f"user:{user_id}",
        now=now,
        detail={
            "to": draft.to,
            "subject": rendered.subject,
            "template": draft.template,
            "outbound_id": outbound.id,
        },
    )
    touch_case(session=session, case=case, now=now)
    return outbound.id or 0
