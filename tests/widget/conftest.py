"""Fixtures for the public widget: a fresh store per test, the real app, a staff account.

The store template (migrated, one staff agent, the intent model already trained into
``models/``) is built once per session and copied for each test, so a hand-over does
not retrain the classifier every time. Everything else is real: the app factory,
the answerer on the real knowledge base, triage, SQLite.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from ats_helpdesk.config import Settings
from ats_helpdesk.services import load_services
from ats_helpdesk.store.accounts import create_user
from ats_helpdesk.store.db import make_engine, upgrade_database
from ats_helpdesk.web.app import create_app
from ats_helpdesk.web.security import hash_password

NOW = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)  # a Monday
STAFF = "agent@set.test"
PASSWORD = "correct horse battery"
ALLOWED_ORIGIN = "https://www.set.example"
SECRET = "widget-test-secret-" + "y" * 32


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("widget-template")
    settings = Settings(data_dir=folder, _env_file=None)
    engine = make_engine(settings)
    upgrade_database(engine=engine)
    with Session(engine) as session:
        create_user(
            session=session,
            email=STAFF,
            password_hash=hash_password(PASSWORD),
            role="agent",
            now=NOW,
        )
    engine.dispose()  # closes the WAL: the .db file alone is the whole store
    load_services(settings)  # trains the intent model into models/ once
    return folder


MakeApp = Callable[..., FastAPI]


@pytest.fixture
def data_dir(tmp_path: Path, template_dir: Path) -> Path:
    target = tmp_path / "var"
    shutil.copytree(template_dir, target)
    return target


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


@pytest.fixture
def make_app(data_dir: Path, engines: list[Engine]) -> MakeApp:
    """An app on this test's store; keyword arguments become settings (limits off by
    default, so only the rate-limit tests meet 429s)."""

    def make(**overrides: Any) -> FastAPI:
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "secret_key": SECRET,
            "widget_origins": ALLOWED_ORIGIN,
            "widget_rate_per_minute": 0,
            "widget_handoffs_per_hour": 0,
            **overrides,
        }
        settings = Settings(**values, _env_file=None)
        engine = make_engine(settings)
        engines.append(engine)
        return create_app(settings, engine=engine, clock=lambda: NOW)

    return make


@pytest.fixture
def app(make_app: MakeApp) -> FastAPI:
    return make_app()


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    return app.state.engine


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c
