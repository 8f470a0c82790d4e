"""IMAP intake against a real Dovecot started on a loopback port with a throwaway
configuration (see /work/shared/notes/dovecot-for-tests.md)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from ats_helpdesk.config import Settings
from ats_helpdesk.mail.imap import poll_once
from ats_helpdesk.store.models import ImapState, Message
from support.net import free_port

from .conftest import build_mail

pytestmark = pytest.mark.imap

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "ats", "test-password"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
"""


@pytest.fixture(scope="module")
def dovecot() -> Iterator[int]:
    if not Path(DOVECOT).exists():
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; scripts/test does)")
    if os.geteuid() != 0:
        pytest.skip("this Dovecot setup runs as root (it switches to the mail user)")
    # pytest's temporary folders are private (0700); the mail user must reach this one
    root = Path(tempfile.mkdtemp(prefix="ats-dovecot-"))
    os.chmod(root, 0o755)
    mail = pwd.getpwnam("mail")
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    os.chown(root / "mail", mail.pw_uid, mail.pw_gid)
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, port=port, password=PASSWORD, uid=mail.pw_uid,
                                  gid=mail.pw_gid))
    subprocess.run([DOVECOT, "-c", str(conf)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                IMAPClient("127.0.0.1", port=port, ssl=False, timeout=2).logout()
                break
            except OSError:
                assert time.monotonic() < deadline, (root / "dovecot.log").read_text()
                time.sleep(0.1)
        yield port
    finally:
        subprocess.run([DOVECOT, "-c", str(conf), "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)


def _client(port: int) -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10)
    client.login(USER, PASSWORD)
    return client


def _settings(tmp_path: Path, port: int, folder: str) -> Settings:
    return Settings(data_dir=tmp_path, imap_host="127.0.0.1", imap_port=port, imap_user=USER,
                    imap_password=PASSWORD, imap_ssl=False, imap_folder=folder, _env_file=None)


def _append(port: int, folder: str, *raws: bytes) -> None:
    with _client(port) as client:
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for raw in raws:
            client.append(folder, raw)


def _now() -> datetime:
    return datetime.now(UTC)


def _ids(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(Message.message_id)).all())


def test_poll_fetches_by_uid_flags_after_commit_and_remembers(
        dovecot: int, engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    folder = f"T{abs(hash(request.node.name)) % 10**8}"
    settings = _settings(tmp_path, dovecot, folder)
    _append(dovecot, folder, build_mail("One", "first", message_id="<i1@example.org>"),
            build_mail("Two", "second", message_id="<i2@example.org>"))
    assert poll_once(engine=engine, settings=settings, clock=_now) == 2
    assert _ids(engine) == ["<i1@example.org>", "<i2@example.org>"]
    with _client(dovecot) as client:
        client.select_folder(folder)
        assert len(client.search(["SEEN"])) == 2  # flagged, after the commit
    assert poll_once(engine=engine, settings=settings, clock=_now) == 0  # nothing new
    _append(dovecot, folder, build_mail("Three", "third", message_id="<i3@example.org>"))
    assert poll_once(engine=engine, settings=settings, clock=_now) == 1
    with Session(engine) as session:
        state = session.exec(select(ImapState)).one()
        rows = session.exec(select(Message)).all()
    assert state.last_uid == 3 and state.folder == folder
    assert {r.source for r in rows} == {"imap"} and all(r.status == "pending" for r in rows)


def test_uidvalidity_change_rereads_without_doubling(
        dovecot: int, engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    folder = f"V{abs(hash(request.node.name)) % 10**8}"
    settings = _settings(tmp_path, dovecot, folder)
    mails = [build_mail("A", "a", message_id="<v1@example.org>"),
             build_mail("B", "b", message_id="<v2@example.org>")]
    _append(dovecot, folder, *mails)
    assert poll_once(engine=engine, settings=settings, clock=_now) == 2
    with Session(engine) as session:
        first_validity = session.exec(select(ImapState)).one().uidvalidity
    with _client(dovecot) as client:  # the folder is recreated: new UIDVALIDITY
        client.delete_folder(folder)
    _append(dovecot, folder, *mails, build_mail("C", "c", message_id="<v3@example.org>"))
    assert poll_once(engine=engine, settings=settings, clock=_now) == 1  # only C is new
    assert len(_ids(engine)) == 3
    with Session(engine) as session:
        state = session.exec(select(ImapState).where(ImapState.folder == folder)).one()
    with _client(dovecot) as client:
        info = client.select_folder(folder)
        assert state.uidvalidity == info[b"UIDVALIDITY"] != first_validity
        assert len(client.search(["SEEN"])) == 3  # all re-read from UID 1, none doubled


def test_a_crash_before_flagging_loses_and_doubles_nothing(
        dovecot: int, engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    folder = f"C{abs(hash(request.node.name)) % 10**8}"
    settings = _settings(tmp_path, dovecot, folder)
    _append(dovecot, folder, build_mail("X", "x", message_id="<c1@example.org>"))

    class DiesWhenFlagging(IMAPClient):
        def add_flags(self, *args: object, **kwargs: object) -> None:
            raise ConnectionResetError("poller killed between commit and flag")

    client = DiesWhenFlagging("127.0.0.1", port=dovecot, ssl=False, timeout=10)
    client.login(USER, PASSWORD)
    with pytest.raises(ConnectionResetError):
        poll_once(engine=engine, settings=settings, clock=_now, client=client)
    client.logout()
    assert _ids(engine) == ["<c1@example.org>"]  # committed before the flag
    with _client(dovecot) as check:
        check.select_folder(folder)
        assert check.search(["SEEN"]) == []
    assert poll_once(engine=engine, settings=settings, clock=_now) == 0  # not stored again
    assert _ids(engine) == ["<c1@example.org>"]
