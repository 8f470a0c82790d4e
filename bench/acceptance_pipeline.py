"""Issue 5's acceptance check, end to end, exactly as the checker runs it.

For each store (SQLite, and PostgreSQL in a fresh database ``ats_accept`` on the
test server), with ``ATS_DATABASE_URL``, ``ATS_DATA_DIR``, ``ATS_INBOX`` and a relay
(a real aiosmtpd sink on loopback that records what it is given) set, it runs
``ats-helpdesk serve`` as a subprocess and checks, over real SMTP:

1. the held-out member emails (``tests/data/held_out_mail``: written fresh, not from
   ``intents/``) are all answered 250; phase 2 (replies to our acknowledgements,
   case references in the subject, In-Reply-To/References threading, an
   out-of-office and a bounce of our reply) is sent once phase 1 is triaged;
2. ``ats-helpdesk stats --json`` shows every one stored and triaged and adding up
   (messages == pending + cases + auto_answered + ignored + threaded, pending 0,
   failed 0), and each message has the outcome its manifest expects;
3. the relay received exactly one automatic reply per message that should get one,
   each with Message-ID, Auto-Submitted: auto-replied, In-Reply-To, References and a
   text/plain part, and none to a bounce, out-of-office, list, no-reply or own address;
4. a foreign recipient gets 550, an oversized message 552 (declared SIZE and DATA);
5. SIGKILL of ``serve`` in the middle of a 1,000-message burst loses nothing that
   got 250 (and leaves no orphan worker process); re-delivering the whole burst after
   a restart stores each message exactly once; re-delivering it again adds nothing;
6. SIGTERM shuts ``serve`` down with exit code 0.

Usage (prints one line per check and exits non-zero if any fails):

    .venv/bin/python bench/acceptance_pipeline.py [--store sqlite|postgresql|both]
        [--burst 1000] [--pg-admin-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from ats_helpdesk.config import Settings
from ats_helpdesk.store.db import make_engine
from ats_helpdesk.store.messages import synthetic_message_id
from ats_helpdesk.store.models import Case, Message, Outbound

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "tests" / "data" / "held_out_mail"
CLI = str(Path(sys.executable).with_name("ats-helpdesk"))
INBOX = "membership@set.test,ats@set.test"
FROM_ADDRESS = "membership@set.test"
MAX_BYTES = 1024 * 1024  # ATS_MAX_MESSAGE_BYTES for the run: makes the 552 check cheap
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "ats_accept"
PLACEHOLDER = re.compile(rb"\{\{(ref|lowerref|ack):([A-Za-z0-9_-]+)\}\}")
REFERENCE = re.compile(r"\[(ATS-\d{6})\]")


# ----------------------------------------------------------------------------- helpers
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Results:
    """Collects PASS/FAIL lines; the exit code is non-zero when anything failed."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str, detail: Any = "") -> bool:
        print(f"  {'PASS' if ok else 'FAIL'}  {what}{f'  ({detail})' if detail != '' else ''}",
              flush=True)
        if not ok:
            self.failures.append(what)
        return ok

    def note(self, what: str) -> None:
        print(f"  ....  {what}", flush=True)


class RelaySink:
    """The relay: a real aiosmtpd server that accepts everything and records it."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  envelope.original_content))
        return "250 2.0.0 OK"

    def replies(self) -> list[EmailMessage]:
        with self.lock:
            raws = [raw for _, _, raw in self.received]
        return [message_from_bytes(raw, policy=policy.default) for raw in raws]  # type: ignore[misc]


@dataclass
class HeldOut:
    file: str
    expect: str
    reply: bool
    phase: int
    raw: bytes
    envelope_from: str
    rcpt: list[str]
    note: str = ""
    message_id: str = ""


def load_held_out() -> list[HeldOut]:
    items = []
    for entry in yaml.safe_load((HELD_OUT / "manifest.yaml").read_text(encoding="utf-8")):
        raw = (HELD_OUT / entry["file"]).read_bytes()
        parsed = message_from_bytes(raw, policy=policy.default)
        sender = parsed["From"].addresses[0].addr_spec if parsed["From"] else "x@example.org"
        items.append(HeldOut(
            file=entry["file"], expect=entry["expect"], reply=entry["reply"],
            phase=entry["phase"], raw=raw, note=entry.get("note", ""),
            envelope_from=entry.get("envelope_from", sender),
            rcpt=[a.strip() for a in entry.get("to", "membership@set.test").split(",")],
            message_id=str(parsed["Message-ID"] or "").strip(),
        ))
    return items


def stem(file: str) -> str:
    return file.split("-", 1)[1].removesuffix(".eml")


def deliver(port: int, items: list[tuple[str, list[str], bytes]]) -> list[tuple[int, bytes]]:
    """Send each (envelope sender, recipients, raw) on one connection; the DATA replies."""
    codes = []
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        smtp.ehlo()
        for sender, rcpts, raw in items:
            smtp.mail(sender)
            for rcpt in rcpts:
                code, reply = smtp.rcpt(rcpt)
                if code != 250:
                    raise RuntimeError(f"RCPT {rcpt} refused: {code} {reply!r}")
            codes.append(smtp.data(raw))
    return codes


# ------------------------------------------------------------------ the serve process
@dataclass
class Server:
    env: dict[str, str]
    smtp_port: int
    web_port: int
    proc: subprocess.Popen[str] | None = None
    log: Path | None = None
    children: list[int] = field(default_factory=list)

    def start(self) -> None:
        assert self.log is not None
        handle = self.log.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            [CLI, "serve", "--smtp-port", str(self.smtp_port), "--web-port", str(self.web_port)],
            env=self.env, stdout=handle, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"serve exited ({self.proc.returncode}); see {self.log}")
            try:
                with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=2) as smtp:
                    smtp.noop()
                self.children = child_pids(self.proc.pid)
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"serve did not listen on {self.smtp_port}; see {self.log}")

    def stats(self) -> dict[str, Any]:
        out = subprocess.run([CLI, "stats", "--json"], env=self.env, capture_output=True,
                             text=True, timeout=60, check=True)
        return json.loads(out.stdout)

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def child_pids(pid: int) -> list[int]:
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                             text=True, check=False).stdout
    except OSError:
        return []
    return [int(p) for p in out.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def wait_quiet(engine: Any, relay: RelaySink, *, replies: int, timeout: float = 180) -> float:
    """Wait until nothing is pending and the relay has at least ``replies`` replies."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with Session(engine) as session:
            pending = session.exec(select(func.count()).select_from(Message).where(
                Message.status.in_(("pending", "processing")))).one()  # type: ignore[attr-defined]
        if pending == 0 and len(relay.received) >= replies:
            return time.monotonic() - started
        time.sleep(0.2)
    return -1.0


def adds_up(stats: dict[str, Any]) -> bool:
    return stats["messages"] == (stats["pending"] + stats.get("failed", 0) + stats["cases"]
                                 + stats["auto_answered"] + stats["ignored"] + stats["threaded"])


# ------------------------------------------------------------------------ the checks
def check_held_out(server: Server, engine: Any, relay: RelaySink, results: Results) -> None:
    items = load_held_out()
    by_id = {i.message_id: i for i in items if i.message_id}
    for item in items:  # a message with no Message-ID is stored under a synthetic one
        if not item.message_id:
            item.message_id = synthetic_message_id(item.raw)
            by_id[item.message_id] = item
    phase1 = [i for i in items if i.phase == 1]
    codes = deliver(server.smtp_port, [(i.envelope_from, i.rcpt, i.raw) for i in phase1])
    results.check(all(c == 250 for c, _ in codes), f"phase 1: {len(phase1)} held-out emails "
                  "answered 250", Counter(c for c, _ in codes))
    want = sum(1 for i in phase1 if i.reply)
    waited = wait_quiet(engine, relay, replies=want)
    results.check(waited >= 0, "phase 1 triaged and its replies at the relay",
                  f"{waited:.1f} s" if waited >= 0 else "timed out")

    # what the member sees: our reply's Message-ID and the case reference in its subject
    ack: dict[str, str] = {}
    ref: dict[str, str] = {}
    for reply in relay.replies():
        original = by_id.get(str(reply["In-Reply-To"] or "").strip())
        if original is None:
            continue
        ack[stem(original.file)] = str(reply["Message-ID"]).strip()
        found = REFERENCE.search(str(reply["Subject"] or ""))
        if found:
            ref[stem(original.file)] = found.group(1)

    def fill(raw: bytes) -> bytes:
        def one(match: re.Match[bytes]) -> bytes:
            kind, name = match.group(1).decode(), match.group(2).decode()
            value = (ack if kind == "ack" else ref).get(name)
            if value is None:
                raise KeyError(f"{kind}:{name}")
            return (value.lower() if kind == "lowerref" else value).encode()
        return PLACEHOLDER.sub(one, raw)

    phase2 = [i for i in items if i.phase == 2]
    missing = []
    for item in phase2:
        try:
            item.raw = fill(item.raw)
        except KeyError as error:
            missing.append(f"{item.file} needs {error}")
    if not results.check(not missing, "phase 2 placeholders resolved from the relay's replies",
                         "; ".join(missing)):
        return
    codes = deliver(server.smtp_port, [(i.envelope_from, i.rcpt, i.raw) for i in phase2])
    results.check(all(c == 250 for c, _ in codes), f"phase 2: {len(phase2)} replies and "
                  "automatic mail answered 250", Counter(c for c, _ in codes))
    waited = wait_quiet(engine, relay, replies=want, timeout=120)
    time.sleep(3)  # let the sender run once more: a stray reply to phase 2 would show now

    stats = server.stats()
    results.note(f"stats --json: {json.dumps(stats)}")
    results.check(stats["messages"] == len(items), "every held-out email stored once",
                  f"{stats['messages']} of {len(items)}")
    results.check(stats["pending"] == 0 and stats.get("failed", 0) == 0,
                  "pending reached 0, none failed", f"pending {stats['pending']}, "
                  f"failed {stats.get('failed')}")
    results.check(adds_up(stats), "messages == pending + cases + auto_answered + ignored + "
                  "threaded (+ failed)")

    with Session(engine) as session:
        rows = {m.message_id: m for m in session.exec(select(Message)).all()}
        cases = {c.id: c.reference for c in session.exec(select(Case)).all()}
    wrong = []
    for item in items:
        row = rows.get(item.message_id)
        if row is None:
            wrong.append(f"{item.file}: not stored")
            continue
        if item.expect == "new" and row.outcome not in ("case", "auto_answered"):
            wrong.append(f"{item.file}: {row.outcome} ({row.outcome_reason})")
        elif item.expect in ("ignored", "threaded") and row.outcome != item.expect:
            wrong.append(f"{item.file}: {row.outcome} ({row.outcome_reason}), "
                         f"expected {item.expect}")
        if item.expect == "threaded":
            target = _thread_target(item)
            if target and ref.get(target) and cases.get(row.case_id) != ref[target]:
                wrong.append(f"{item.file}: joined {cases.get(row.case_id)}, "
                             f"expected {ref[target]}")
    results.check(not wrong, "each email has the outcome its manifest expects "
                  "(new/threaded onto the right case/ignored)", "; ".join(wrong))

    replies = relay.replies()
    answered = Counter(str(r["In-Reply-To"] or "").strip() for r in replies)
    expected = {i.message_id for i in items if i.reply}
    got = set(answered)
    results.check(got == expected, "an automatic reply to exactly the emails that should get "
                  "one", f"missing {sorted(by_id[m].file for m in expected - got)}, "
                  f"unexpected {sorted(getattr(by_id.get(m), 'file', m) for m in got - expected)}",
                  )
    results.check(max(answered.values(), default=1) == 1, "no email answered twice")
    no_reply = [i.file for i in items if not i.reply and i.message_id in got]
    results.check(not no_reply, "no reply to bounces, out-of-office, list, bulk, no-reply or "
                  "own-address mail", no_reply)
    bad = []
    for reply in replies:
        problems = [h for h in ("Message-ID", "In-Reply-To", "References") if not reply[h]]
        if str(reply["Auto-Submitted"] or "") != "auto-replied":
            problems.append("Auto-Submitted")
        if reply["In-Reply-To"] and str(reply["In-Reply-To"]) not in str(reply["References"]):
            problems.append("References lacks the parent")
        if reply.get_body(("plain",)) is None:
            problems.append("no text/plain part")
        if problems:
            bad.append(f"{reply['Subject']}: {problems}")
    results.check(not bad and bool(replies), f"all {len(replies)} replies carry Message-ID, "
                  "Auto-Submitted: auto-replied, In-Reply-To, References and a text/plain part",
                  "; ".join(bad[:3]))
    acks_with_ref = sum(1 for r in replies if REFERENCE.search(str(r["Subject"] or "")))
    results.note(f"outcomes: {dict(Counter(r.outcome for r in rows.values()))}; "
                 f"{acks_with_ref} acknowledgements name their case reference")


def _thread_target(item: HeldOut) -> str | None:
    """The file whose case a phase-2 email should join (from its placeholders/headers)."""
    found = PLACEHOLDER.search((HELD_OUT / item.file).read_bytes())
    if found:
        return found.group(2).decode()
    match = re.search(rb"In-Reply-To: <([a-z0-9-]+)\.heldout@", (HELD_OUT / item.file).read_bytes())
    if match:
        target = match.group(1).decode()
        return target
    return None


def check_refusals(server: Server, results: Results) -> None:
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("member@example.org")
        code, reply = smtp.rcpt("someone@elsewhere.test")
        results.check(code == 550, "a foreign recipient is refused with 550", f"{code} {reply!r}")
        smtp.rset()
        big = EmailMessage()
        big["From"], big["To"], big["Subject"] = "a@example.org", "ats@set.test", "big"
        big["Message-ID"] = "<oversize@example.org>"
        big.set_content(("x" * 76 + "\n") * (MAX_BYTES // 77 + 1000))
        raw = big.as_bytes(policy=policy.SMTP)
        code, reply = smtp.mail("a@example.org", [f"SIZE={len(raw)}"])
        results.check(code == 552, "an oversized message declared with SIZE= gets 552",
                      f"{code} {reply!r}")
        smtp.rset()
        smtp.mail("a@example.org")
        smtp.rcpt("ats@set.test")
        code, reply = smtp.data(raw)
        results.check(code == 552, "an oversized message gets 552 at DATA", f"{code} {reply!r}")


def burst_mails(count: int) -> list[tuple[str, bytes]]:
    """The held-out members' emails (charsets, HTML, attachments and all), each with a
    fresh Message-ID and sender, so every one is a new message."""
    sources = [i.raw for i in load_held_out() if i.phase == 1 and i.expect == "new" and i.reply]
    wire = policy.compat32.clone(linesep="\r\n")
    mails = []
    for n in range(count):
        mail = message_from_bytes(sources[n % len(sources)])  # compat32: bytes kept as sent
        message_id = f"<burst{n}.accept@example.org>"
        del mail["Message-ID"], mail["From"]
        mail["Message-ID"] = message_id
        mail["From"] = f"Member {n} <burst.member{n}@example.org>"
        mails.append((message_id, mail.as_bytes(policy=wire)))
    return mails


def send_burst(port: int, mails: list[tuple[str, bytes]], clients: int,
               acked: list[str], on_half: threading.Event | None = None) -> list[str]:
    """Send over ``clients`` connections; the Message-IDs answered 250 go to ``acked``."""
    lock = threading.Lock()
    refused: list[str] = []

    def client(chunk: list[tuple[str, bytes]]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
                smtp.ehlo()
                for n, (message_id, raw) in enumerate(chunk):
                    smtp.mail(f"burst.member{n}@example.org")
                    smtp.rcpt("membership@set.test")
                    code, _ = smtp.data(raw)
                    with lock:
                        if code == 250:
                            acked.append(message_id)
                            if on_half is not None and len(acked) >= len(mails) // 2:
                                on_half.set()
                        else:
                            refused.append(f"{message_id}: {code}")
        except (OSError, smtplib.SMTPException):
            return  # the server was killed: what was not acknowledged is not ours

    threads = [threading.Thread(target=client, args=(mails[n::clients],))
               for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return refused


def stored_ids(engine: Any, prefix: str) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Message.message_id).where(
            Message.message_id.like(f"{prefix}%"))).all())  # type: ignore[attr-defined]


def check_burst(server: Server, engine: Any, relay: RelaySink, results: Results,
                count: int) -> None:
    mails = burst_mails(count)
    acked: list[str] = []
    half = threading.Event()
    assert server.proc is not None
    proc, children = server.proc, child_pids(server.proc.pid)

    def killer() -> None:
        if half.wait(120):
            proc.send_signal(signal.SIGKILL)

    thread = threading.Thread(target=killer)
    thread.start()
    started = time.monotonic()
    send_burst(server.smtp_port, mails, 4, acked, half)
    thread.join()
    proc.wait(30)
    results.check(proc.returncode == -signal.SIGKILL and 0 < len(acked) < count,
                  f"serve SIGKILLed mid-burst after {len(acked)} of {count} got 250",
                  f"exit {proc.returncode}, {time.monotonic() - started:.1f} s")
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    orphans = [pid for pid in children if alive(pid)]
    results.check(not orphans, "no worker process outlives the killed serve",
                  f"{len(children)} children, still alive: {orphans}")
    for pid in orphans:  # ours: started by the serve we started
        os.kill(pid, signal.SIGKILL)
    stored = set(stored_ids(engine, "<burst"))
    lost = set(acked) - stored
    results.check(not lost, "nothing that got 250 was lost",
                  f"{len(acked)} acknowledged, {len(stored)} stored, {len(lost)} lost")
    before = server.stats()["messages"]

    server.start()
    again: list[str] = []
    refused = send_burst(server.smtp_port, mails, 4, again)
    results.check(len(again) == count and not refused, "after a restart the whole burst is "
                  "re-delivered and answered 250", f"{len(again)} of {count}; {refused[:2]}")
    ids = stored_ids(engine, "<burst")
    results.check(len(ids) == count and len(set(ids)) == count,
                  "each burst message stored exactly once", f"{len(ids)} rows")
    grown = server.stats()["messages"] - before
    results.check(grown == count - len(stored), "re-delivery stored only what was missing",
                  f"+{grown}, {count - len(stored)} were missing")
    after_first = server.stats()["messages"]
    send_burst(server.smtp_port, mails, 4, [])
    results.check(server.stats()["messages"] == after_first,
                  "re-delivering the burst again adds nothing", after_first)
    waited = wait_quiet(engine, relay, replies=0, timeout=300)
    deadline = time.monotonic() + 120
    while (stats := server.stats())["replies"]["queued"] and time.monotonic() < deadline:
        time.sleep(1)
    results.note(f"stats --json: {json.dumps(stats)}")
    results.check(waited >= 0 and stats["pending"] == 0 and stats.get("failed", 0) == 0
                  and adds_up(stats), "after the burst: pending 0, none failed, adding up",
                  f"{waited:.1f} s to drain")
    with Session(engine) as session:
        per_message = Counter(session.exec(select(Outbound.message_id).where(
            Outbound.message_id.is_not(None))).all())  # type: ignore[union-attr]
    results.check(max(per_message.values(), default=1) == 1,
                  "no message has more than one automatic reply queued")
    with Session(engine) as session:
        leased = session.exec(select(func.count()).select_from(Outbound).where(
            Outbound.status == "queued")).one()
    results.check(stats["replies"]["queued"] <= 1 and stats["replies"]["failed"] == 0,
                  "every reply reached the relay but at most the one in flight at the SIGKILL "
                  "(leased; sent when its 5-minute lease runs out)",
                  f"{stats['replies']}, {leased} still leased")
    heard = Counter(str(r["In-Reply-To"]) for r in relay.replies())
    doubled = sum(1 for n in heard.values() if n > 1)
    results.note(f"relay received {len(relay.received)} replies; {doubled} sent twice "
                 "(a reply sent in the instant before the SIGKILL is re-sent after its lease)")


# ----------------------------------------------------------------------- one store run
def prepare_postgres(admin_url: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    admin.dispose()
    return make_url(admin_url).set(database=PG_DATABASE).render_as_string(hide_password=False)


def run_store(store: str, args: argparse.Namespace) -> list[str]:
    results = Results()
    data = Path(tempfile.mkdtemp(prefix=f"ats-accept-{store}-"))
    url = (f"sqlite:///{data}/ats.db" if store == "sqlite" else prepare_postgres(args.pg_admin_url))
    print(f"== {store}: ATS_DATABASE_URL={url} ATS_DATA_DIR={data}", flush=True)
    models = ROOT / "var" / "models"
    if models.is_dir():  # the trained intent model, keyed by intents/ (else serve trains it)
        shutil.copytree(models, data / "models")
    relay = RelaySink()
    relay_ctl = Controller(relay, hostname="127.0.0.1", port=free_port())
    relay_ctl.start()
    env = {**os.environ, "ATS_DATABASE_URL": url, "ATS_DATA_DIR": str(data),
           "ATS_INBOX": INBOX, "ATS_FROM_ADDRESS": FROM_ADDRESS,
           "ATS_RELAY_HOST": "127.0.0.1", "ATS_RELAY_PORT": str(relay_ctl.port),
           "ATS_MAX_MESSAGE_BYTES": str(MAX_BYTES)}
    server = Server(env=env, smtp_port=free_port(), web_port=free_port(), log=data / "serve.log")
    engine = make_engine(Settings(data_dir=data, database_url=url, _env_file=None))
    try:
        server.start()
        check_held_out(server, engine, relay, results)
        check_refusals(server, results)
        check_burst(server, engine, relay, results, args.burst)
        code = server.terminate()
        results.check(code == 0, "SIGTERM: serve stops cleanly", f"exit {code}")
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()
        relay_ctl.stop()
        engine.dispose()
        if results.failures or args.keep:
            print(f"  kept {data} (serve.log)")
        else:
            shutil.rmtree(data, ignore_errors=True)
    return [f"{store}: {f}" for f in results.failures]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--pg-admin-url", default=os.environ.get("ATS_TEST_DATABASE_URL",
                                                                 PG_ADMIN))
    parser.add_argument("--keep", action="store_true", help="keep the data folders")
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    failures: list[str] = []
    started = time.monotonic()
    for store in stores:
        failures += run_store(store, args)
    print(f"== {'FAILED: ' + '; '.join(failures) if failures else 'all checks passed'} "
          f"({time.monotonic() - started:.0f} s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
