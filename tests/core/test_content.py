"""The content folders are found in a checkout and in an installed copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from ats_helpdesk.config import Settings
from ats_helpdesk.content import ContentNotFound, find_content


def test_repo_content_is_found() -> None:
    content = find_content()
    assert content.knowledge.is_dir()
    assert content.intents.is_dir()
    assert content.templates.is_dir()


def test_content_dir_setting_points_elsewhere(tmp_path: Path) -> None:
    for name in ("knowledge", "intents", "templates"):
        (tmp_path / name).mkdir()
    assert find_content(tmp_path).root == tmp_path.resolve()


def test_missing_content_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ContentNotFound, match="knowledge"):
        find_content(tmp_path)


def test_inbox_setting_is_comma_separated() -> None:
    s = Settings(inbox=" Membership@Example.org, ats@example.org ,", _env_file=None)
    assert s.inbox_addresses == {"membership@example.org", "ats@example.org"}
