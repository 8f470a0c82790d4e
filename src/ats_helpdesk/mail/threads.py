"""Mail, threading: which open case (if any) a new message continues.

Where it sits: ``triage.py`` asks ``find_thread_case`` after the guards and before
opening a case. As django-helpdesk and most helpdesks do, it tries the headers
first (RFC 5322 3.6.4: ``In-Reply-To`` names the parent, ``References`` the whole
chain) against both the members' messages we stored and the Message-IDs of the
replies we sent, then the case reference (``ATS-000123``) in the subject, which
survives clients that drop the headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ats_helpdesk.store.cases import get_case_by_reference
from ats_helpdesk.store.models import Case, Message, Outbound

REFERENCE_IN_SUBJECT = re.compile(r"\bATS-(\d{6})\b", re.IGNORECASE)


@dataclass(frozen=True)
class ThreadMatch:
    case: Case
    how: str  # "in-reply-to", "references" or "subject"


def find_thread_case(
    *, session: Session, in_reply_to: str | None, references: tuple[str, ...], subject: str,
    exclude_message_pk: int | None = None,
) -> ThreadMatch | None:
    """The case this message belongs to, or None when it starts a new thread."""
    if in_reply_to:
        case = _case_for_ids(session, [in_reply_to], exclude_message_pk)
        if case is not None:
            return ThreadMatch(case, "in-reply-to")
    # newest first: the nearest ancestor that is on a case wins
    chain = [r for r in reversed(references) if r != in_reply_to]
    if chain:
        case = _case_for_ids(session, chain, exclude_message_pk)
        if case is not None:
            return ThreadMatch(case, "references")
    reference = find_reference(subject)
    if reference:
        case = get_case_by_reference(session=session, reference=reference)
        if case is not None:
            return ThreadMatch(case, "subject")
    return None


def find_reference(subject: str) -> str | None:
    match = REFERENCE_IN_SUBJECT.search(subject or "")
    return f"ATS-{match.group(1)}" if match else None


def _case_for_ids(session: Session, ids: list[str], exclude: int | None) -> Case | None:
    order = {message_id: rank for rank, message_id in enumerate(ids)}
    found: list[tuple[int, int]] = []
    query = select(Message.message_id, Message.case_id).where(
        col(Message.message_id).in_(ids), col(Message.case_id).is_not(None)
    )
    if exclude is not None:
        query = query.where(Message.id != exclude)
    for message_id, case_id in session.exec(query).all():
        found.append((order[message_id], case_id))
    sent = select(Outbound.rfc_message_id, Outbound.case_id).where(
        col(Outbound.rfc_message_id).in_(ids), col(Outbound.case_id).is_not(None)
    )
    for message_id, case_id in session.exec(sent).all():
        found.append((order[message_id], case_id))
    if not found:
        return None
    return session.get(Case, min(found)[1])
