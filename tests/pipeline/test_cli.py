"""Commands: stats, members import, triage (--json, --dry-run), and serve end to end
(real SMTP in, triage, replies out through a relay, SIGTERM shutdown)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from ats_helpdesk.cli import main
from support.net import free_port

from .conftest import INBOX, build_mail
from .test_outbound import Relay
from .test_triage import EXTENSION, FAQ

CLI = [sys.executable, "-c", "from ats_helpdesk.cli import main; main()"]


@pytest.fixture
def env(tmp_path: Path, model_dir: Path, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    data = tmp_path / "var"
    data.mkdir()
    if (model_dir / "models").is_dir():  # reuse the trained model (keyed by intents/)
        shutil.copytree(model_dir / "models", data / "models")
    values = {"ATS_DATA_DIR": str(data), "ATS_DATABASE_URL": database_url, "ATS_INBOX": INBOX,
              "ATS_FROM_ADDRESS": "membership@set.test"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def _stats() -> dict:
    result = CliRunner().invoke(main, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_members_import_and_errors_by_line(env: dict[str, str], tmp_path: Path) -> None:
    good = tmp_path / "members.csv"
    good.write_text("email,name,membership_number,cohort\nann@example.org,Ann,SET1,6\n"
                    "bob@example.org,Bob,,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["members", "import", str(good)])
    assert result.exit_code == 0 and "2 members added, 0 updated" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,membership_number,cohort\nann@example.org,Ann,SET1,6\n"
                   "carol@example.org,Carol,SET3,six\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["members", "import", str(bad)])
    assert result.exit_code == 2
    assert "line 3: cohort: 'six' is not a cohort number" in result.output
    nofile = CliRunner().invoke(main, ["members", "import", str(tmp_path / "none.csv")])
    assert nofile.exit_code == 2 and "no such file" in nofile.output


def test_triage_command_json_and_dry_run(env: dict[str, str], tmp_path: Path) -> None:
    eml = tmp_path / "m.eml"
    eml.write_bytes(build_mail(*EXTENSION, message_id="<cli1@example.org>"))
    dry = CliRunner().invoke(main, ["triage", str(eml), "--json", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    decision = json.loads(dry.output[dry.output.index("{"):])
    assert decision["outcome"] == "case" and decision["intent"] == "extension_request"
    assert decision["dry_run"] is True and decision["reply"]
    assert _stats()["messages"] == 0  # nothing kept
    real = CliRunner().invoke(main, ["triage", str(eml), "--json"])
    assert json.loads(real.output[real.output.index("{"):])["case_reference"].startswith("ATS-")
    stats = _stats()
    assert (stats["messages"], stats["cases"], stats["replies"]["queued"]) == (1, 1, 1)
    missing = CliRunner().invoke(main, ["triage", str(tmp_path / "nope.eml")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_stats_json_shape(env: dict[str, str]) -> None:
    CliRunner().invoke(main, ["db", "upgrade"])
    assert set(_stats()) >= {"messages", "pending", "cases", "auto_answered", "ignored",
                             "threaded", "cases_by_intent", "replies"}


def test_stats_on_a_store_without_schema_is_a_clear_error(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["stats", "--json"])
    assert result.exit_code == 2, result.output
    assert "cannot read the store" in result.output and "db upgrade" in result.output


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited"
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
                client.noop()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port}")


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.mark.slow
def test_serve_end_to_end_and_sigterm(env: dict[str, str], relay: tuple[Relay, int],
                                      tmp_path: Path) -> None:
    handler, relay_port = relay
    smtp_port, web_port = free_port(), free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--smtp-port", str(smtp_port), "--web-port", str(web_port)],
        env={**os.environ, **env, "ATS_RELAY_HOST": "127.0.0.1",
             "ATS_RELAY_PORT": str(relay_port)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_port(smtp_port, proc)
        mails = [build_mail(*FAQ, message_id="<s1@example.org>"),
                 build_mail(*EXTENSION, message_id="<s2@example.org>"),
                 build_mail("Out of office", "I am away until Monday.",
                            message_id="<s3@example.org>", Auto_Submitted="auto-replied"),
                 build_mail("Re: Extension request", "Here is my doctor's note.",
                            message_id="<s4@example.org>", In_Reply_To="<s2@example.org>")]
        with smtplib.SMTP("127.0.0.1", smtp_port) as client:
            for raw in mails:
                assert client.sendmail("ann@example.org", ["ats@set.test"], raw) == {}
            client.mail("ann@example.org")
            assert client.rcpt("stranger@set.test")[0] == 550
        deadline = time.monotonic() + 30
        # the relay hears a reply a moment before the sender records it as sent
        while ((stats := _stats())["pending"] or len(handler.received) < 2
               or stats["replies"]["sent"] < 2):
            assert time.monotonic() < deadline, stats
            time.sleep(0.2)
        assert (stats["messages"], stats["cases"], stats["auto_answered"], stats["ignored"],
                stats["threaded"]) == (4, 1, 1, 1, 1)
        assert stats["replies"]["sent"] == 2
        assert {rcpt[0] for _, rcpt, _ in handler.received} == {"ann@example.org"}
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in err
