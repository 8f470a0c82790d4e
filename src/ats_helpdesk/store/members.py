"""Store, members: who writes in, their membership number and cohort (from a CSV import).

Where it sits: ``ats-helpdesk members import FILE.csv`` fills it (``upsert_members``);
``triage.py`` looks the sender up (``find_member``) so a rule can use the member's
cohort dates when the message does not quote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from ats_helpdesk.store.models import Member


@dataclass(frozen=True)
class MemberRow:
    email: str
    name: str = ""
    membership_number: str | None = None
    cohort: int | None = None


def upsert_members(*, session: Session, rows: Iterable[MemberRow]) -> tuple[int, int]:
    """Insert new members and update known ones (by e-mail); returns (added, updated)."""
    added = updated = 0
    for row in rows:
        email = row.email.strip().lower()
        member = session.exec(select(Member).where(Member.email == email)).first()
        if member is None:
            member = Member(email=email)
            added += 1
        else:
            updated += 1
        member.name = row.name
        member.membership_number = row.membership_number
        member.cohort = row.cohort
        session.add(member)
        session.flush()
    return added, updated


def find_member(*, session: Session, email: str) -> Member | None:
    return session.exec(select(Member).where(Member.email == email.strip().lower())).first()
