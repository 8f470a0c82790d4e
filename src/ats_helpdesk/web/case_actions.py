"""Web edge, what staff do to a case: each action changes the case and writes a CaseEvent.

Status and assignment go through ``store.cases`` (which writes their events); the
rest (reclassify, note, fact edit, reply) are here, each with its event, in the
same transaction as the change, so the audit trail is complete by construction.
Actors are recorded as ``user:<id>``.

Reclassification is also training feedback: one JSON line {message_id, subject,
body, intent} appended to ``classify.feedback_path(DATA_DIR/models)``, which the
next ``ats-helpdesk train`` (``IntentModel.load_or_train``) reads.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from ats_helpdesk.case_dates import decide_case_dates
from ats_helpdesk.cohorts import Cohort
from ats_helpdesk.dates import parse_date_value
from ats_helpdesk.rules import INTENT_RULES
from ats_helpdesk.store.cases import add_case_event, touch_case
from ats_helpdesk.store.members import find_member
from ats_helpdesk.store.models import Case, Message
from ats_helpdesk.workdays import Calendar

logger = logging.getLogger(__name__)


class ActionError(ValueError):
    """A staff action with bad input; the message names the field."""


def actor_of(user_id: int) -> str:
    return f"user:{user_id}"


def editable_facts(intent: str) -> list[str]:
    """The fact names the intent's rules use (what staff may set or correct)."""
    names: list[str] = []
    for spec in INTENT_RULES.get(intent, ()):
        names += [n for n in spec.fields if n not in names]
    return names


def missing_facts(case: Case) -> list[list[str]]:
    """For a case without a decision: what each of its rules still needs to decide.

    One list per rule that could decide the intent (an appeal has two), naming the
    required facts that neither the mail, staff, nor the message date supplied; the
    case page tells staff exactly which date to find (and the cohort file may fill
    it in for the member's cohort)."""
    if case.rule or case.intent not in INTENT_RULES:
        return []
    from ats_helpdesk.case_dates import rule_facts

    known = rule_facts(_revive_dates(case.facts or {}))
    missing: list[list[str]] = []
    for spec in INTENT_RULES[case.intent]:
        needed = [
            name
            for name in spec.required
            if name not in known and name != spec.message_date_role
        ]
        if needed:
            missing.append(needed)
    return missing


def parse_fact(name: str, value: str) -> str | bool | None:
    """A fact value from the form: a date (kept as ISO text), yes/no for flags, or blank."""
    value = value.strip()
    if not value:
        return None
    flags = {f for specs in INTENT_RULES.values() for s in specs for f in s.flags}
    if name in flags:
        if value.lower() in ("yes", "true", "1"):
            return True
        if value.lower() in ("no", "false", "0"):
            return False
        raise ActionError(f"{name}: expected yes or no, got {value!r}")
    try:
        parsed = parse_date_value(value)
    except ValueError as error:
        raise ActionError(f"{name}: {error}") from None
    return parsed.isoformat()


def _revive_dates(value: Any) -> Any:
    """JSON facts back to values: ISO date strings become dates (nested maps too)."""
    if isinstance(value, Mapping):
        return {k: _revive_dates(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) >= 10 and value[:4].isdigit() and value[4] == "-":
        try:
            return parse_date_value(value)
        except ValueError:
            return value
    return value


def first_message_date(session: Session, case_id: int) -> datetime | None:
    row = session.exec(
        select(Message.sent_at, Message.received_at)
        .where(Message.case_id == case_id)
        .order_by(Message.received_at, Message.id)  # type: ignore[arg-type]
    ).first()
    return (row[0] or row[1]) if row else None


def recompute(
    session: Session, case: Case, *, calendar: Calendar, cohorts: Mapping[int, Cohort]
) -> None:
    """Apply the intent's rule to the case's facts again (as triage does) and store it."""
    assert case.id is not None
    member = find_member(session=session, email=case.member_email) if case.member_email else None
    cohort = cohorts.get(member.cohort) if member and member.cohort else None
    dates, _ = decide_case_dates(
        intent=case.intent,
        facts=_revive_dates(case.facts or {}),
        message_date=first_message_date(session, case.id),
        cohort=cohort,
        calendar=calendar,
    )
    case.rule = dates.rule
    case.dates = {k: v.isoformat() if v else None for k, v in (dates.dates or {}).items()}
    case.due_date, case.in_time = dates.due_date, dates.in_time
    case.clause, case.explanation = dates.clause, dates.explanation
    case.needs_date = dates.needs_date


def edit_fact(
    session: Session,
    case: Case,
    *,
    name: str,
    value: str,
    user_id: int,
    now: datetime,
    calendar: Calendar,
    cohorts: Mapping[int, Cohort],
) -> None:
    allowed = editable_facts(case.intent)
    if name not in allowed:
        raise ActionError(f"name: {name!r} is not a fact of a {case.intent} case")
    new = parse_fact(name, value)
    facts = dict(case.facts or {})
    old = facts.get(name)
    if new is None:
        facts.pop(name, None)
    else:
        facts[name] = new
    case.facts = facts
    recompute(session, case, calendar=calendar, cohorts=cohorts)
    assert case.id is not None
    add_case_event(
        session=session,
        case_id=case.id,
        kind="fact",
        actor=actor_of(user_id),
        now=now,
        detail={
            "name": name,
            "from": old,
            "to": new,
            "due_date": case.due_date.isoformat() if case.due_date else None,
            "in_time": case.in_time,
        },
    )
    touch_case(session=session, case=case, now=now)


def add_note(session: Session, case: Case, *, text: str, user_id: int, now: datetime) -> None:
    text = text.strip()
    if not text:
        raise ActionError("text: a note cannot be empty")
    assert case.id is not None
    add_case_event(
        session=session,
        case_id=case.id,
        kind="note",
        actor=actor_of(user_id),
        now=now,
        detail={"text": text[:5000]},
    )
    touch_case(session=session, case=case, now=now)


def reclassify(
    session: Session,
    case: Case,
    *,
    intent: str,
    user_id: int,
    now: datetime,
    calendar: Calendar,
    cohorts: Mapping[int, Cohort],
    body_of: Callable[[bytes], str],
) -> dict[str, Any] | None:
    """Change the intent and recompute the rule; returns the feedback line to keep.

    The caller appends the line (``append_feedback``) once the change is committed,
    so a failed commit leaves no training example behind."""
    from ats_helpdesk.intents import INTENTS

    if intent not in INTENTS:
        raise ActionError(f"intent: {intent!r} is not one of {', '.join(INTENTS)}")
    old = case.intent
    assert case.id is not None
    case.intent = intent
    case.needs_review = False
    recompute(session, case, calendar=calendar, cohorts=cohorts)
    add_case_event(
        session=session,
        case_id=case.id,
        kind="reclassified",
        actor=actor_of(user_id),
        now=now,
        detail={"from": old, "to": intent},
    )
    touch_case(session=session, case=case, now=now)
    first = session.exec(
        select(Message).where(Message.case_id == case.id).order_by(Message.received_at, Message.id)  # type: ignore[arg-type]
    ).first()
    if first is None or old == intent:
        return None
    return {
        "message_id": first.message_id,
        "subject": first.subject,
        "body": body_of(first.raw),
        "intent": intent,
    }


def append_feedback(path: Path, record: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
