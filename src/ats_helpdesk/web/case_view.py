"""Web edge, the case page's data: thread, member, facts, decision and audit trail.

Reads the store and turns rows into frozen view objects the template (and the JSON
API) show. Member mail is parsed from the raw bytes kept as received; its HTML is
cleaned by ``mail_html`` and its text is escaped by the template, so nothing a
member sends runs in a staff browser.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from markupsafe import Markup
from sqlmodel import Session, select

from ats_helpdesk.store.models import Attachment, Case, CaseEvent, Member, Message, Outbound, User
from ats_helpdesk.web.mail_html import clean_member_html

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttachmentView:
    filename: str
    content_type: str
    size: int
    too_large: bool

    @property
    def size_label(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"


@dataclass(frozen=True)
class ThreadItem:
    direction: Literal["inbound", "outbound"]
    from_label: str
    to_label: str
    when: datetime | None
    subject: str
    text: str
    html: Markup | None = None
    status: str | None = None
    attachments: tuple[AttachmentView, ...] = ()
    kind: str | None = None  # outbound: acknowledgement, auto_answer, staff_reply, ...


@dataclass(frozen=True)
class MemberView:
    email: str
    name: str
    number: str | None
    cohort: int | None


@dataclass(frozen=True)
class DecisionView:
    rule: str
    dates: dict[str, date | None]
    in_time: bool | None
    clause: str
    explanation: str


@dataclass(frozen=True)
class FactView:
    name: str
    label: str
    value: Any


@dataclass(frozen=True)
class EventView:
    when: datetime
    actor: str
    kind: str
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)


def parse_body(raw: bytes) -> tuple[str, str | None]:
    """The text (and HTML, if any) of a raw message, through the one mail parser."""
    from ats_helpdesk.mail.parse import parse_message

    parsed = parse_message(raw)
    return parsed.text or "", parsed.html or None


def _inbound(message: Message, attachments: list[Attachment]) -> ThreadItem:
    try:
        text, html = parse_body(message.raw)
    except Exception:  # the raw bytes stay in the store; the page says what happened
        logger.exception("could not parse message %s for display", message.id)
        text, html = "(This message could not be read; its raw bytes are kept.)", None
    sender = (
        f"{message.from_name} <{message.from_addr}>" if message.from_name else message.from_addr
    )
    return ThreadItem(
        direction="inbound",
        from_label=sender,
        to_label=", ".join(message.envelope_to) or "the inbox",
        when=message.sent_at or message.received_at,
        subject=message.subject,
        text=text,
        html=clean_member_html(html) if html else None,
        attachments=tuple(
            AttachmentView(a.filename or "(no name)", a.content_type, a.size, a.too_large)
            for a in attachments
        ),
    )


def _outbound(row: Outbound, from_address: str) -> ThreadItem:
    try:
        text, _ = parse_body(row.raw)
    except Exception:
        logger.exception("could not parse outbound %s for display", row.id)
        text = ""
    return ThreadItem(
        direction="outbound",
        from_label=from_address,
        to_label=row.to_addr,
        when=row.sent_at or row.created_at,
        subject=row.subject,
        text=text,
        status=row.status,
        kind=row.kind,
    )


def load_thread(session: Session, case_id: int, *, from_address: str) -> list[ThreadItem]:
    messages = session.exec(
        select(Message).where(Message.case_id == case_id).order_by(Message.received_at, Message.id)  # type: ignore[arg-type]
    ).all()
    ids = [m.id for m in messages]
    by_message: dict[int, list[Attachment]] = {}
    if ids:
        for a in session.exec(select(Attachment).where(Attachment.message_id.in_(ids))).all():  # type: ignore[attr-defined]
            by_message.setdefault(a.message_id, []).append(a)
    items = [_inbound(m, by_message.get(m.id or 0, [])) for m in messages]
    outbound = session.exec(
        select(Outbound).where(Outbound.case_id == case_id).order_by(Outbound.created_at)  # type: ignore[arg-type]
    ).all()
    items += [_outbound(o, from_address) for o in outbound]
    return sorted(items, key=lambda i: (i.when is None, i.when))


def load_member(session: Session, case: Case) -> MemberView:
    member = None
    if case.member_email:
        member = session.exec(
            select(Member).where(Member.email == case.member_email.lower())
        ).first()
    return MemberView(
        email=case.member_email,
        name=case.member_name or (member.name if member else ""),
        number=case.membership_number or (member.membership_number if member else None),
        cohort=member.cohort if member else None,
    )


def decision_of(case: Case) -> DecisionView | None:
    if not case.rule:
        return None
    from ats_helpdesk.dates import parse_date_value

    dates: dict[str, date | None] = {}
    for name, value in (case.dates or {}).items():
        try:
            parsed = parse_date_value(value) if value else None
        except ValueError:
            parsed = None
        dates[name] = parsed if not isinstance(parsed, datetime) else parsed.date()
    return DecisionView(case.rule, dates, case.in_time, case.clause or "", case.explanation or "")


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _show_value(value: Any) -> Any:
    """ISO dates as staff read dates elsewhere on the page (Tue 10 Nov 2026); flags as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%a %d %b %Y")
        except ValueError:
            return value
    return value


def facts_of(case: Case) -> list[FactView]:
    """What facts.extract_facts found (as triage stored it), and what staff set since.

    Staff edits are kept at the top level of ``case.facts`` under the rule's field
    names and win over the roles found in the mail (``case_dates.rule_facts`` order)."""
    facts = dict(case.facts or {})
    roles = facts.pop("roles", None)
    found_dates = facts.pop("dates", None)
    shown: list[FactView] = []
    for name, value in sorted(facts.items()):
        if value is None or value == "" or isinstance(value, dict | list):
            continue
        shown.append(FactView(name, _label(name), _show_value(value)))
    if isinstance(roles, dict):
        for role, value in sorted(roles.items()):
            if role not in facts and value is not None:
                shown.append(FactView(role, _label(role), _show_value(value)))
    if isinstance(found_dates, list):
        for item in found_dates:
            if isinstance(item, dict) and item.get("date"):
                role = item.get("role") or "unknown"
                text = f"{_show_value(item['date'])} ({_label(str(role)).lower()})"
                if item.get("text"):
                    text += f": “{item['text']}”"
                shown.append(FactView("date", "Date in the mail", text))
    return shown


def user_emails(session: Session) -> dict[int, str]:
    return {u.id: u.email for u in session.exec(select(User)).all() if u.id is not None}


def describe_event(kind: str, detail: dict[str, Any], emails: dict[int, str]) -> str:
    """One line for the audit trail; unknown kinds show their detail as written."""
    d = detail or {}
    if kind == "assigned":
        who = emails.get(d.get("to") or -1, "nobody")
        return f"Assigned to {who}"
    if kind == "status":
        return f"Status changed from {d.get('from', '?')} to {d.get('to', '?')}"
    if kind == "reclassified":
        return f"Intent changed from {d.get('from', '?')} to {d.get('to', '?')} (kept as feedback)"
    if kind == "note":
        return f"Note: {d.get('text', '')}"
    if kind == "reply":
        return f"Reply queued to {d.get('to', '?')}: {d.get('subject', '')}"
    if kind == "fact":
        return (
            f"Fact {d.get('name', '?')} changed from {d.get('from')!s} to {d.get('to')!s}; "
            f"dates recomputed (due {d.get('due_date') or 'none'})"
        )
    if kind == "opened":
        return f"Case opened as {d.get('intent', '?')}"
    if not d:
        return kind.replace("_", " ").capitalize()
    shown = ", ".join(f"{k}: {v}" for k, v in sorted(d.items()))
    return f"{kind.replace('_', ' ').capitalize()} ({shown})"


def actor_label(actor: str, emails: dict[int, str]) -> str:
    if actor.startswith("user:"):
        try:
            return emails.get(int(actor[5:]), actor)
        except ValueError:
            return actor
    return actor


def load_events(session: Session, case_id: int) -> list[EventView]:
    emails = user_emails(session)
    rows = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())  # type: ignore[attr-defined,union-attr]
    ).all()
    return [
        EventView(
            e.at,
            actor_label(e.actor, emails),
            e.kind,
            describe_event(e.kind, e.detail, emails),
            e.detail,
        )
        for e in rows
    ]


def search_text_of(raw: bytes) -> str:
    """What the staff search looks in for one message: its subject and its text."""
    from ats_helpdesk.mail.parse import parse_message

    parsed = parse_message(raw)
    return f"{parsed.subject}\n{parsed.text or ''}"


def body_for_training(raw: bytes) -> str:
    """The member's own new text (quotes and signatures removed), as the classifier trains on."""
    from ats_helpdesk.mail.parse import parse_message

    parsed = parse_message(raw)
    return parsed.new_text or parsed.text or ""
