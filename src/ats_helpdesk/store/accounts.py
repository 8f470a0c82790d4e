"""Store, staff accounts: create, list, disable and authenticate rows of the ``user`` table.

Used by the ``user`` command and by the web app's sign-in. Only argon2 hashes reach
this module (hashed by ``web.security``); passwords are never stored or logged.
E-mail addresses are kept lower-cased, so sign-in is case-insensitive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from ats_helpdesk.store.models import User

ROLES = ("agent", "admin")
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """Bad input for an account (the message names the field)."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    role: str
    active: bool
    created_at: datetime | None


def _account(user: User) -> Account:
    assert user.id is not None
    return Account(user.id, user.email, user.role, user.active, user.created_at)


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise AccountError(f"email: {email!r} is not an e-mail address")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: needs at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    *, session: Session, email: str, password_hash: str, role: str, now: datetime
) -> Account:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"role: must be one of {', '.join(ROLES)}, not {role!r}")
    if find_user(session=session, email=email) is not None:
        raise AccountError(f"email: an account for {email} already exists")
    user = User(email=email, password_hash=password_hash, role=role, active=True, created_at=now)
    session.add(user)
    session.commit()
    session.refresh(user)
    return _account(user)


def find_user(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def get_user(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(*, session: Session) -> list[Account]:
    return [_account(u) for u in session.exec(select(User).order_by(User.email)).all()]


def set_active(*, session: Session, email: str, active: bool) -> Account:
    user = find_user(session=session, email=email)
    if user is None:
        raise AccountError(f"email: no account for {email.strip().lower()}")
    user.active = active
    session.add(user)
    session.commit()
    session.refresh(user)
    return _account(user)


def set_role(*, session: Session, user_id: int, role: str) -> Account:
    if role not in ROLES:
        raise AccountError(f"role: must be one of {', '.join(ROLES)}, not {role!r}")
    user = session.get(User, user_id)
    if user is None:
        raise AccountError(f"user: no account with id {user_id}")
    user.role = role
    session.add(user)
    session.commit()
    session.refresh(user)
    return _account(user)


def set_password_hash(*, session: Session, user_id: int, password_hash: str) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise AccountError(f"user: no account with id {user_id}")
    user.password_hash = password_hash
    session.add(user)
    session.commit()
