"""Fixtures for the staff web app: a fresh store, an app on it, accounts, cases, clients.

Cases are made with the store's own functions (``store.messages``, ``store.cases``)
from real RFC 5322 bytes, as intake and triage would leave them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from ats_helpdesk.config import Settings
from ats_helpdesk.store.accounts import create_user
from ats_helpdesk.store.cases import CaseDates, create_case
from ats_helpdesk.store.db import make_engine, upgrade_database
from ats_helpdesk.store.messages import MessageHeaders, store_message
from ats_helpdesk.store.models import Attachment, Case, Message
from ats_helpdesk.web.app import create_app
from ats_helpdesk.web.security import LoginLimiter, hash_password

NOW = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)  # a Monday
PASSWORD = "correct horse battery"
AGENT = "agent@set.test"
ADMIN = "admin@set.test"


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", secret_key="test-secret-" + "x" * 32, _env_file=None)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A migrated store with an agent and an admin, built once and copied for each test."""
    folder = tmp_path_factory.mktemp("template")
    engine = make_engine(Settings(data_dir=folder, _env_file=None))
    upgrade_database(engine=engine)
    ids = {}
    with Session(engine) as session:
        for email, role in ((AGENT, "agent"), (ADMIN, "admin")):
            account = create_user(
                session=session,
                email=email,
                password_hash=hash_password(PASSWORD),
                role=role,
                now=NOW,
            )
            ids[role] = account.id
    engine.dispose()  # closes the WAL: the .db file alone is the whole store
    return folder / "ats.db", ids


@pytest.fixture
def engine(web_settings: Settings, template_db: tuple[Path, dict[str, int]]) -> Iterator[Engine]:
    web_settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template_db[0], web_settings.data_dir / "ats.db")
    engine = make_engine(web_settings)
    yield engine
    engine.dispose()


@pytest.fixture
def accounts(engine: Engine, template_db: tuple[Path, dict[str, int]]) -> dict[str, int]:
    return dict(template_db[1])


@pytest.fixture
def app(web_settings: Settings, engine: Engine, accounts: dict[str, int]) -> FastAPI:
    return create_app(
        web_settings,
        engine=engine,
        clock=lambda: NOW,
        login_limiter=LoginLimiter(max_failures=5, window=900),
    )


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: TestClient, email: str = AGENT, password: str = PASSWORD) -> str:
    """Signs the client in; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_from(page.text),
            "next": "/queue",
        },
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/queue").text)


@pytest.fixture
def agent(client: TestClient) -> tuple[TestClient, str]:
    return client, sign_in(client)


@pytest.fixture
def admin_client(app: FastAPI) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app, follow_redirects=False) as c:
        yield c, sign_in(c, ADMIN)


def raw_mail(
    *,
    subject: str,
    body: str,
    sender: str = "Member One <member@example.org>",
    html: str | None = None,
    attachment: tuple[str, bytes] | None = None,
    sent: datetime = NOW,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "membership@etfoundation.co.uk"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if attachment is not None:
        message.add_attachment(
            attachment[1], maintype="application", subtype="pdf", filename=attachment[0]
        )
    return message.as_bytes()


MakeCase = Callable[..., int]


@pytest.fixture
def make_case(engine: Engine) -> MakeCase:
    def make(
        *,
        subject: str = "Objection to support",
        body: str = "I object to the support.",
        intent: str = "objection",
        due: date | None = None,
        in_time: bool | None = None,
        needs_review: bool = False,
        needs_date: bool = False,
        member_email: str = "member@example.org",
        member_name: str = "Member One",
        html: str | None = None,
        attachment: tuple[str, bytes] | None = None,
        facts: dict[str, Any] | None = None,
        rule: str | None = None,
        dates: dict[str, date | None] | None = None,
        status: str = "new",
        received: datetime = NOW,
        decision: CaseDates | None = None,
    ) -> int:
        """A case on one stored message; ``decision`` (e.g. from ``decide_case_dates``)
        replaces the test's stand-in rule, dates and explanation."""
        raw = raw_mail(
            subject=subject,
            body=body,
            sender=f"{member_name} <{member_email}>",
            html=html,
            attachment=attachment,
            sent=received,
        )
        with Session(engine) as session:
            stored = store_message(
                session=session,
                raw=raw,
                source="cli",
                received_at=received,
                headers=MessageHeaders(
                    message_id=None,
                    subject=subject,
                    from_addr=member_email,
                    from_name=member_name,
                    sent_at=received,
                ),
            )
            case = create_case(
                session=session,
                intent=intent,
                member_email=member_email,
                subject=subject,
                now=received,
                member_name=member_name,
                needs_review=needs_review,
                facts=facts or {},
                dates=decision
                or CaseDates(
                    rule=rule,
                    dates=dates,
                    due_date=due,
                    in_time=in_time,
                    clause="policy 9.1" if rule else None,
                    explanation="Computed in the test." if rule else None,
                    needs_date=needs_date,
                ),
            )
            case.status = status
            message = session.get(Message, stored.id)
            assert message is not None and case.id is not None
            message.case_id = case.id
            message.status = "triaged"
            session.add(message)
            if attachment is not None:
                session.add(
                    Attachment(
                        message_id=stored.id,
                        filename=attachment[0],
                        content_type="application/pdf",
                        size=len(attachment[1]),
                        sha256="0" * 64,
                        data=attachment[1],
                    )
                )
            session.commit()
            return case.id

    return make


def get_case_row(engine: Engine, case_id: int) -> Case:
    with Session(engine, expire_on_commit=False) as session:
        case = session.get(Case, case_id)
        assert case is not None
        session.expunge(case)
        return case
