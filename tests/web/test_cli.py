"""``ats-helpdesk user`` and ``web --help``: accounts from the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlmodel import Session

from ats_helpdesk.cli import main
from ats_helpdesk.config import Settings
from ats_helpdesk.store.accounts import find_user
from ats_helpdesk.store.db import make_engine, upgrade_database
from ats_helpdesk.web.security import verify_password


def _env(tmp_path: Path) -> dict[str, str]:
    settings = Settings(data_dir=tmp_path / "var", _env_file=None)
    upgrade_database(engine=make_engine(settings))
    return {"ATS_DATA_DIR": str(tmp_path / "var")}


def test_user_add_list_disable(tmp_path: Path) -> None:
    env = _env(tmp_path)
    runner = CliRunner()
    added = runner.invoke(
        main,
        ["user", "add", "Boss@SET.test", "--role", "admin", "--password-stdin"],
        input="a long password\n",
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert "added boss@set.test (admin)" in added.output
    engine = make_engine(Settings(data_dir=tmp_path / "var", _env_file=None))
    with Session(engine) as session:
        user = find_user(session=session, email="boss@set.test")
        assert user is not None and verify_password(user.password_hash, "a long password")
        assert "a long password" not in user.password_hash
    listed = runner.invoke(main, ["user", "list"], env=env)
    assert "boss@set.test\tadmin\tactive" in listed.output
    assert runner.invoke(main, ["user", "disable", "boss@set.test"], env=env).exit_code == 0
    assert "disabled" in runner.invoke(main, ["user", "list"], env=env).output


def test_user_add_prompts_twice(tmp_path: Path) -> None:
    env = _env(tmp_path)
    result = CliRunner().invoke(
        main, ["user", "add", "a@set.test"], input="a long password\na long password\n", env=env
    )
    assert result.exit_code == 0, result.output


def test_bad_input_exits_2_with_the_field(tmp_path: Path) -> None:
    env = _env(tmp_path)
    runner = CliRunner()
    short = runner.invoke(
        main, ["user", "add", "a@set.test", "--password-stdin"], input="short\n", env=env
    )
    assert short.exit_code == 2 and "password" in short.output
    bad = runner.invoke(
        main,
        ["user", "add", "not-an-address", "--password-stdin"],
        input="a long password\n",
        env=env,
    )
    assert bad.exit_code == 2 and "email" in bad.output
    runner.invoke(
        main, ["user", "add", "a@set.test", "--password-stdin"], input="a long password\n", env=env
    )
    dup = runner.invoke(
        main, ["user", "add", "A@set.test", "--password-stdin"], input="a long password\n", env=env
    )
    assert dup.exit_code == 2 and "already exists" in dup.output
    missing = runner.invoke(main, ["user", "disable", "nobody@set.test"], env=env)
    assert missing.exit_code == 2 and "no account" in missing.output
    assert "Traceback" not in short.output + bad.output + dup.output + missing.output


def test_web_command_help() -> None:
    result = CliRunner().invoke(main, ["web", "--help"])
    assert result.exit_code == 0 and "--port" in result.output
