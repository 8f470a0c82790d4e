"""Pipeline fixtures: real stores (SQLite and PostgreSQL), the real trained services,
and a small factory for realistic member emails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ats_helpdesk.config import Settings
from ats_helpdesk.content import Content
from ats_helpdesk.services import load_services
from ats_helpdesk.store.db import make_engine, upgrade_database
from ats_helpdesk.triage import TriageServices
from support import databases

INBOX = "ats@set.test,membership@set.test"
FROM_ADDRESS = "membership@set.test"
NOW = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)  # a Monday







@pytest.fixture(scope="session")
def model_dir(request: pytest.FixtureRequest) -> Path:
    """A data dir whose models/ survives between runs (the intent model takes ~10 s to train;
    it is retrained whenever intents/ changes, by its content key)."""
    return Path(request.config.cache.mkdir("ats-pipeline-var"))


@pytest.fixture(scope="session")
def services(model_dir: Path, content: Content) -> TriageServices:
    settings = Settings(data_dir=model_dir, inbox=INBOX, from_address=FROM_ADDRESS,
                        _env_file=None)
    return load_services(settings, content)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield databases.sqlite_url(tmp_path)
        return
    reason = databases.postgres_unreachable()
    if reason:
        pytest.skip(reason)
    with databases.postgres_schema_url() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return databases.sqlite_url(tmp_path)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    reason = databases.postgres_unreachable()
    if reason:
        pytest.skip(reason)
    with databases.postgres_schema_url() as url:
        yield url


def engine_for(url: str, tmp_path: Path) -> Engine:
    engine = make_engine(Settings(data_dir=tmp_path / "var", database_url=url, _env_file=None))
    upgrade_database(engine=engine)
    return engine


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = engine_for(database_url, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = engine_for(sqlite_url, tmp_path)
    yield engine
    engine.dispose()


MailFactory = Callable[..., bytes]


def build_mail(subject: str, body: str, *, sender: str = "Ann Teacher <ann@example.org>",
               to: str = "ats@set.test", message_id: str | None = None,
               date: datetime = NOW, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = date
    if message_id is not None:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)  # CRLF line ends, as on the wire


@pytest.fixture
def mail() -> MailFactory:
    return build_mail
