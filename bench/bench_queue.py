"""Benchmark: the staff queue page and the case page with 20,000 cases in a SQLite store.

Builds a fresh store (migrated by Alembic) with N cases, each with one member message
(real RFC 5322 bytes) and its search text, then drives the app in-process through
Starlette's TestClient as a signed-in agent and times each request (server time:
routing, the gate, SQL, Jinja; no network). Prints p50/p99 per page, and beside them
baselines measured in the same run: ``/healthz`` (the framework and gate alone) and
the default queue page on a store of ``--small`` cases (how time grows with size).

Issue 6 asks for a queue page p99 under 200 ms at 20,000 cases.
Run: ``.venv/bin/python bench/bench_queue.py [--cases 20000] [--requests 200]``.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from sqlmodel import Session

from ats_helpdesk.config import Settings
from ats_helpdesk.store.accounts import create_user
from ats_helpdesk.store.db import make_engine, upgrade_database
from ats_helpdesk.store.models import Case, CaseEvent, Message
from ats_helpdesk.store.search_text import index_messages
from ats_helpdesk.web.app import create_app
from ats_helpdesk.web.case_view import search_text_of
from ats_helpdesk.web.queue_query import DUE_STATES
from ats_helpdesk.web.security import hash_password

NOW = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)
INTENTS = ("faq", "extension_request", "reasonable_adjustment", "objection", "appeal", "other")
STATUSES = ("new", "in_progress", "awaiting_member", "resolved", "closed")
WORDS = (
    "portfolio", "deadline", "mentor", "viva", "extension", "objection", "support", "panel",
    "appeal", "evidence", "workbook", "cohort", "membership", "payment", "adjustment",
    "dyslexia", "illness", "bereavement",
)


def _raw(rng: random.Random, i: int, subject: str, sender: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "membership@etfoundation.co.uk"
    message["Subject"] = subject
    message["Date"] = format_datetime(NOW - timedelta(days=rng.randrange(120)))
    message["Message-ID"] = f"<bench-{i}@example.org>"
    words = " ".join(rng.choice(WORDS) for _ in range(60))
    message.set_content(f"Dear SET,\n\n{words}\n\nKind regards,\nMember {i}\n")
    return message.as_bytes()


def build_store(folder: Path, cases: int, seed: int = 6) -> tuple[Settings, Engine]:
    settings = Settings(data_dir=folder, secret_key="bench-" + "x" * 40, _env_file=None)
    engine = make_engine(settings)
    upgrade_database(engine=engine)
    rng = random.Random(seed)
    with Session(engine) as session:
        create_user(
            session=session,
            email="agent@set.test",
            password_hash=hash_password("bench pw 123"),
            role="agent",
            now=NOW,
        )
        session.commit()
    case_rows, message_rows, event_rows = [], [], []
    for i in range(1, cases + 1):
        subject = f"{rng.choice(WORDS).capitalize()} question {i}"
        email = f"member{i}@example.org"
        due = (
            date(2025, 3, 10) + timedelta(days=rng.randrange(-60, 90))
            if rng.random() < 0.8
            else None
        )
        created = NOW - timedelta(days=rng.randrange(120), minutes=rng.randrange(1440))
        case_rows.append(
            {
                "id": i,
                "reference": f"ATS-{i:06d}",
                "intent": rng.choice(INTENTS),
                "status": rng.choices(STATUSES, weights=(4, 3, 1, 1, 1))[0],
                "member_email": email,
                "member_name": f"Member {i}",
                "subject": subject,
                "dates": {},
                "due_date": due,
                "in_time": rng.choice((True, False, None)),
                "needs_review": rng.random() < 0.1,
                "needs_date": due is None,
                "facts": {},
                "created_at": created,
                "updated_at": created,
            }
        )
        raw = _raw(rng, i, subject, f"Member {i} <{email}>")
        message_rows.append(
            {
                "id": i,
                "message_id": f"<bench-{i}@example.org>",
                "source": "cli",
                "received_at": created,
                "raw": raw,
                "size": len(raw),
                "sha256": "0" * 64,
                "envelope_to": [],
                "references": [],
                "headers": [],
                "subject": subject,
                "from_addr": email,
                "from_name": f"Member {i}",
                "status": "triaged",
                "outcome": "case",
                "case_id": i,
            }
        )
        event_rows.append(
            {
                "case_id": i,
                "at": created,
                "actor": "system",
                "kind": "opened",
                "detail": {"intent": case_rows[-1]["intent"]},
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Case), case_rows)
        conn.execute(insert(Message), message_rows)
        conn.execute(insert(CaseEvent), event_rows)
    return settings, engine


def signed_in_client(settings: Settings, engine: Engine) -> TestClient:
    client = TestClient(create_app(settings, engine=engine, clock=lambda: NOW))
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={"email": "agent@set.test", "password": "bench pw 123", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def timed(client: TestClient, urls: Callable[[int], str], requests: int) -> tuple[float, float]:
    for i in range(5):  # warm up caches and the connection pool
        client.get(urls(i))
    times = []
    for i in range(requests):
        start = time.perf_counter()
        response = client.get(urls(i))
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (urls(i), response.status_code)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        settings, engine = build_store(Path(tmp) / "big", args.cases)
        built = time.perf_counter() - start
        start = time.perf_counter()
        with Session(engine) as session:
            while index_messages(session=session, extract_text=search_text_of, limit=5000):
                pass
        indexed = time.perf_counter() - start
        print(
            f"store: {args.cases} cases built in {built:.1f} s, search text indexed in "
            f"{indexed:.1f} s"
        )
        client = signed_in_client(settings, engine)
        rng = random.Random(1)
        pages = max(1, args.cases * 7 // 10 // 50)
        rows = [
            ("/healthz (baseline)", lambda i: "/healthz"),
            ("queue, default page", lambda i: "/queue"),
            ("queue, random page", lambda i: f"/queue?page={rng.randrange(1, pages)}"),
            ("queue, intent filter", lambda i: f"/queue?intent={INTENTS[i % 6]}"),
            ("queue, late + review", lambda i: "/queue?late=1&needs_review=1"),
            ("queue, deadline filter", lambda i: f"/queue?due={DUE_STATES[i % 5]}"),
            ("queue, search text", lambda i: f"/queue?q={rng.choice(WORDS)}+{rng.choice(WORDS)}"),
            ("queue, search member", lambda i: f"/queue?q=member{rng.randrange(1, args.cases)}%40"),
            ("case page", lambda i: f"/cases/{rng.randrange(1, args.cases)}"),
            ("api: queue JSON", lambda i: "/api/cases"),
        ]
        results = {}
        print(f"\n{'request':<24}{'p50 ms':>10}{'p99 ms':>10}   ({args.requests} requests each)")
        for name, url in rows:
            p50, p99 = timed(client, url, args.requests)
            results[name] = (p50, p99)
            print(f"{name:<24}{p50:>10.1f}{p99:>10.1f}")
        client.close()
        engine.dispose()

        small_settings, small_engine = build_store(Path(tmp) / "small", args.small)
        small = signed_in_client(small_settings, small_engine)
        s50, s99 = timed(small, lambda i: "/queue", args.requests)
        small.close()
        small_engine.dispose()
    q50, q99 = results["queue, default page"]
    h50, _ = results["/healthz (baseline)"]
    print(f"\nqueue default page with {args.small} cases: p50 {s50:.1f} ms, p99 {s99:.1f} ms")
    print(
        f"ratio {args.cases} vs {args.small} cases (p50): {q50 / s50:.2f}x; "
        f"queue vs /healthz (p50): {q50 / h50:.1f}x"
    )
    verdict = "meets" if q99 < 200 else "MISSES"
    print(f"queue page p99 {q99:.1f} ms at {args.cases} cases: {verdict} the 200 ms target")


if __name__ == "__main__":
    main()
