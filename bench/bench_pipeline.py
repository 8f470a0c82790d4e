"""Benchmark the inbox pipeline end to end through SMTP, against a bare aiosmtpd sink.

Sends the same realistic member emails (the held-out ``intents/test`` set, each sent
several times with fresh Message-IDs) over the same number of SMTP connections to:

1. a bare aiosmtpd sink that answers 250 and keeps nothing (the baseline), and
2. ``ats-helpdesk serve --no-web`` on a fresh SQLite store: every message committed
   durably before its 250, then triaged (classified, answered or a case opened with
   its dates, a reply rendered and queued) by the worker in the same process.

It prints messages per second accepted (last 250 received) and end to end (last
message triaged), and the ratio to the sink. Issue 5's target: >= 50 msg/s end to
end on SQLite.

    .venv/bin/python bench/bench_pipeline.py [--messages 1000] [--clients 4] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller
from sqlalchemy import func
from sqlmodel import Session, select

from ats_helpdesk.config import Settings
from ats_helpdesk.content import find_content
from ats_helpdesk.store.db import make_engine
from ats_helpdesk.store.models import Message

INBOX = "ats@set.test"
CLI = [sys.executable, "-c", "from ats_helpdesk.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_mails(count: int) -> list[bytes]:
    examples = []
    for path in sorted((find_content().intents / "test").glob("*/*.yaml")):
        examples += yaml.safe_load(path.read_text(encoding="utf-8")) or []
    mails = []
    for n in range(count):
        item = examples[n % len(examples)]
        mail = EmailMessage(policy=policy.SMTP)
        mail["From"] = item.get("from") or f"Member {n} <member{n}@example.org>"
        mail["To"] = INBOX
        mail["Subject"] = item.get("subject") or ""
        mail["Date"] = datetime.now(UTC)
        mail["Message-ID"] = f"<bench{n}.{time.time_ns()}@example.org>"
        mail.set_content(item["body"])
        mails.append(bytes(mail))
    return mails


def send(port: int, mails: list[bytes], clients: int) -> float:
    """Send every mail over ``clients`` connections; seconds until the last 250."""
    failures: list[str] = []

    def client(chunk: list[bytes]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            for raw in chunk:
                try:
                    smtp.sendmail("member@example.org", [INBOX], raw)
                except smtplib.SMTPException as error:
                    failures.append(str(error))

    threads = [threading.Thread(target=client, args=(mails[n::clients],)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{len(failures)} messages refused, e.g. {failures[0]}")
    return time.perf_counter() - started


class Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def bench_sink(mails: list[bytes], clients: int) -> float:
    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        return send(controller.port, mails, clients)
    finally:
        controller.stop()


def wait_port(port: int, proc: subprocess.Popen) -> None:
    for _ in range(1200):
        if proc.poll() is not None:
            raise SystemExit("serve exited before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("serve did not start")


def wait_triaged(engine: Any, count: int) -> None:
    while True:
        with Session(engine) as session:
            done = session.exec(select(func.count()).select_from(Message).where(
                Message.status.in_(("triaged", "failed")))).one()
        if done >= count:
            return
        time.sleep(0.02)


def bench_pipeline(mails: list[bytes], clients: int, data: Path,
                   workers: int = 1) -> tuple[float, float]:
    port = free_port()
    env = {**os.environ, "ATS_DATA_DIR": str(data), "ATS_INBOX": INBOX}
    env.pop("ATS_DATABASE_URL", None)
    env.pop("ATS_RELAY_HOST", None)  # replies stay queued: the relay is not measured
    proc = subprocess.Popen([*CLI, "serve", "--no-web", "--smtp-port", str(port),
                             "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        engine = make_engine(Settings(data_dir=data, _env_file=None))
        # one warm-up message: the worker process has loaded its model once it is triaged
        send(port, load_mails(1), 1)
        wait_triaged(engine, 1)
        started = time.perf_counter()
        accepted = send(port, mails, clients)
        wait_triaged(engine, len(mails) + 1)
        end_to_end = time.perf_counter() - started
        with Session(engine) as session:
            failed = session.exec(select(func.count()).select_from(Message).where(
                Message.status == "failed")).one()
        if failed:
            print(f"warning: {failed} messages failed triage", file=sys.stderr)
        engine.dispose()
        return accepted, end_to_end
    finally:
        proc.terminate()
        proc.wait(30)


def serve_default_workers() -> int:
    from ats_helpdesk.cli.serve import serve

    option = next(p for p in serve.params if p.name == "workers")
    return int(option.default)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None,
                        help="serve --workers (default: serve's own default)")
    args = parser.parse_args()
    mails = load_mails(args.messages)
    data = Path(tempfile.mkdtemp(prefix="ats-bench-"))
    try:
        models = Path("var/models")  # reuse a trained model if the checkout has one
        if models.is_dir():
            shutil.copytree(models, data / "models")
        sink = bench_sink(mails, args.clients)
        accepted, end_to_end = bench_pipeline(load_mails(args.messages), args.clients, data,
                                              args.workers or serve_default_workers())
    finally:
        shutil.rmtree(data, ignore_errors=True)
    n = args.messages
    print(f"messages: {n}, SMTP connections: {args.clients}, triage workers: "
          f"{args.workers or serve_default_workers()}, store: SQLite (WAL, synchronous=FULL)")
    print(f"bare aiosmtpd sink:        {n / sink:8.1f} msg/s")
    print(f"pipeline, accepted (250):  {n / accepted:8.1f} msg/s  "
          f"ratio to sink {sink / accepted:.3f}")
    print(f"pipeline, end to end:      {n / end_to_end:8.1f} msg/s  "
          f"ratio to sink {sink / end_to_end:.3f}  (target >= 50 msg/s)")


if __name__ == "__main__":
    main()
