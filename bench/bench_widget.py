"""Benchmark the public ask API under load, against ``/healthz`` on the same server.

Starts the real server (``ats-helpdesk db upgrade`` then ``ats-helpdesk web`` on a
free loopback port, a fresh ``ATS_DATA_DIR``) and loads it from this process (a
second process: a Python load generator on ``http.client`` keep-alive connections).
The questions are the labelled set's (``tests/data/faq_questions.yaml``, widget
one-liners and emails), cycled, so the answerer does real, varied work; every ask is
also logged (``answer_log``, one SQLite commit), as in production.

1. Sequential: ``POST /api/ask`` and ``GET /healthz`` alternately on one connection
   each, so machine noise hits both alike; p50/p99/max latency of each and the ratio.
2. Concurrent: ``--clients`` threads, each on its own connection, for ``--seconds``
   per endpoint; requests per second and p99 of each, and the ratio.

Issue 7's target: sequential p99 of ``/api/ask`` within 5x that of ``/healthz``.
The rate limit is turned off for the run (``ATS_WIDGET_RATE_PER_MINUTE=0``): it would
otherwise answer 429 to a load generator on one address, which is its job.

    .venv/bin/python bench/bench_widget.py [--requests 1000] [--clients 8] [--seconds 5]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "tests" / "data" / "faq_questions.yaml"
CLI = [sys.executable, "-c", "from ats_helpdesk.cli import main; main()"]
TARGET_RATIO = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_questions() -> list[str]:
    items = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [item["q"] for item in items if 0 < len(item["q"]) <= 2000]


class Client:
    """One keep-alive HTTP/1.1 connection; ``ask`` and ``health`` return seconds taken."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def _request(self, method: str, path: str, body: bytes | None = None) -> float:
        headers = {"content-type": "application/json"} if body is not None else {}
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return elapsed

    def ask(self, question: str) -> float:
        return self._request("POST", "/api/ask", json.dumps({"question": question}).encode())

    def health(self) -> float:
        return self._request("GET", "/healthz")

    def close(self) -> None:
        self.conn.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_server(data: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "ATS_DATA_DIR": str(data),
        "ATS_WIDGET_RATE_PER_MINUTE": "0",
    }
    env.pop("ATS_DATABASE_URL", None)  # the fresh SQLite store in DATA_DIR
    subprocess.run([*CLI, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    proc = subprocess.Popen(
        [*CLI, "web", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            Client(port).health()
            return proc
        except (OSError, RuntimeError, http.client.HTTPException):
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the server did not start within 60 s")


def sequential(port: int, questions: list[str], count: int) -> dict[str, list[float]]:
    ask, health = Client(port), Client(port)
    cycle = itertools.cycle(questions)
    for _ in range(50):  # warm-up: the answerer is built, connections and caches are hot
        ask.ask(next(cycle))
        health.health()
    times: dict[str, list[float]] = {"ask": [], "healthz": []}
    for _ in range(count):
        times["ask"].append(ask.ask(next(cycle)))
        times["healthz"].append(health.health())
    ask.close()
    health.close()
    return times


def concurrent(
    port: int, questions: list[str], clients: int, seconds: float, what: str
) -> tuple[float, list[float]]:
    stop = time.monotonic() + seconds
    times: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []

    def run(slot: int) -> None:
        client = Client(port)
        cycle = itertools.cycle(questions[slot::clients] or questions)
        try:
            while time.monotonic() < stop:
                elapsed = client.ask(next(cycle)) if what == "ask" else client.health()
                times[slot].append(elapsed)
        except BaseException as error:  # reported below; a silent thread would hide it
            errors.append(error)
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    if errors:
        raise SystemExit(f"{what}: {errors[0]}")
    flat = [t for slot in times for t in slot]
    return len(flat) / wall, flat


def ms(value: float) -> str:
    return f"{value * 1000:7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="sequential requests each")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--seconds", type=float, default=5.0, help="concurrent run per endpoint")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args()

    questions = load_questions()
    data = Path(tempfile.mkdtemp(prefix="bench-widget-"))
    port = free_port()
    load_before = os.getloadavg()[0]
    proc = start_server(data, port)
    try:
        seq = sequential(port, questions, args.requests)
        ask_rps, ask_times = concurrent(port, questions, args.clients, args.seconds, "ask")
        health_rps, health_times = concurrent(
            port, questions, args.clients, args.seconds, "healthz"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)

    print(
        f"bench_widget: {len(questions)} distinct questions, server `ats-helpdesk web` on "
        f"127.0.0.1:{port}, load average {load_before:.2f} before, {os.cpu_count()} CPUs"
    )
    print(f"\nsequential, {args.requests} requests each (alternating), ms:")
    print("  endpoint         p50      p99      max     mean")
    for name in ("ask", "healthz"):
        values = seq[name]
        label = "POST /api/ask" if name == "ask" else "GET /healthz"
        print(
            f"  {label:13s} {ms(percentile(values, 0.5))}  {ms(percentile(values, 0.99))}  "
            f"{ms(max(values))}  {ms(statistics.fmean(values))}"
        )
    ratio = percentile(seq["ask"], 0.99) / percentile(seq["healthz"], 0.99)
    print(f"\nconcurrent, {args.clients} connections, {args.seconds:g} s each:")
    print("  endpoint        req/s      p50      p99")
    for label, rps, values in (
        ("POST /api/ask", ask_rps, ask_times),
        ("GET /healthz", health_rps, health_times),
    ):
        print(
            f"  {label:13s} {rps:8.0f}  {ms(percentile(values, 0.5))}  "
            f"{ms(percentile(values, 0.99))}"
        )
    print(f"\nrequests/s ratio ask/healthz (concurrent): {ask_rps / health_rps:.2f}")
    met = ratio <= TARGET_RATIO
    print(
        f"sequential p99 ratio ask/healthz: {ratio:.2f} "
        f"(target <= {TARGET_RATIO:g}: {'met' if met else 'MISSED'})"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.check and not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
