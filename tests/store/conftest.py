"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ats_helpdesk.config import Settings
from ats_helpdesk.store.db import make_engine, upgrade_database
from support import databases


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
def store_settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=database_url, _env_file=None)


@pytest.fixture
def engine(store_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(store_settings)
    upgrade_database(engine=engine)
    yield engine
    engine.dispose()
