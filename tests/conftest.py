"""Shared fixtures. Each area keeps its own fixtures in its folder's conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ats_helpdesk.config import Settings
from ats_helpdesk.content import Content, find_content

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def content() -> Content:
    return find_content()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh data folder, never the developer's ./var."""
    return Settings(data_dir=tmp_path / "var", _env_file=None)
