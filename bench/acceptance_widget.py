"""Issue 7's check: held-out widget questions through the real ``POST /api/ask``.

Starts ``ats-helpdesk web`` on a free loopback port with a fresh ``ATS_DATA_DIR``
(bench_widget.start_server), posts every question of a labelled file (items with
``channel: email`` are left out unless ``--all``), and scores the JSON answers with the
same three figures as ``ats-helpdesk eval faq``: precision of answers given, coverage
of answerable questions, abstention on unanswerable ones (bars 95 / 80 / 80). It also
checks that the API and ``ask --json`` agree on every question, and that
``/widget.js`` is served as JavaScript and a stranger origin gets no CORS grant.

    .venv/bin/python bench/acceptance_widget.py tests/data/faq_held_out_7.yaml [--all]
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_widget import free_port, start_server

from ats_helpdesk.answer import Answerer
from ats_helpdesk.content import find_content

BARS = {"precision": 0.95, "coverage": 0.80, "abstention": 0.80}


def post(port: int, question: str) -> dict[str, object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST", "/api/ask", json.dumps({"question": question}), {"Content-Type": "application/json"}
    )
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"POST /api/ask gave {response.status}: {body[:200]!r}")
    return json.loads(body)


def fetch(
    port: int, method: str, path: str, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--all", action="store_true", help="include emails too")
    args = parser.parse_args()
    items = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    chosen = [i for i in items if args.all or i.get("channel", "widget") != "email"]
    chosen = [i for i in chosen if 0 < len(i["q"]) <= 2000]  # the API's limit (413 above)
    local = Answerer.from_content(find_content())
    handover = {e.id for e in local.knowledge.entries if e.handover}
    given = right = answerable = covered = unanswerable = held = disagree = 0
    wrong: list[str] = []
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        server = start_server(Path(data), port)
        try:
            for item in chosen:
                expect = item["expect"]
                ids = set([expect] if isinstance(expect, str) else expect or [])
                result = post(port, item["q"])
                disagree += result["faq_id"] != local.ask(item["q"]).faq_id
                can = bool(ids) and not ids & handover
                if result["answered"]:
                    given += 1
                    if result["faq_id"] in ids:
                        right += 1
                    else:
                        wrong.append(f"{item['id']} -> {result['faq_id']} (expected {expect})")
                if can:
                    answerable += 1
                    covered += bool(result["answered"])
                else:
                    unanswerable += 1
                    held += not result["answered"]
            script = fetch(port, "GET", "/widget.js")
            stranger = fetch(
                port,
                "OPTIONS",
                "/api/ask",
                {
                    "Origin": "https://stranger.example",
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type",
                },
            )
            widget_js = script.status == 200 and "javascript" in (
                script.getheader("Content-Type") or ""
            )
            no_grant = stranger.getheader("Access-Control-Allow-Origin") is None
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    figures = {
        "precision": right / given if given else 0.0,
        "coverage": covered / answerable if answerable else 0.0,
        "abstention": held / unanswerable if unanswerable else 0.0,
    }
    print(
        f"{args.file.name}: {len(chosen)} questions through POST /api/ask "
        f"({answerable} answerable, {unanswerable} unanswerable; {given} answered)"
    )
    for name, value in figures.items():
        verdict = "ok" if value >= BARS[name] else "BELOW"
        print(f"  {name:<11} {value * 100:5.1f}%  (bar {BARS[name] * 100:.0f}%)  {verdict}")
    for line in wrong:
        print(f"  wrong: {line}")
    print(f"  API and `ask` disagree on {disagree} question(s)")
    print(f"  /widget.js served as JavaScript: {'ok' if widget_js else 'NO'}")
    print(f"  stranger origin gets no CORS grant: {'ok' if no_grant else 'NO'}")
    passed = all(figures[n] >= BARS[n] for n in BARS) and widget_js and no_grant
    return 0 if passed and not disagree else 1


if __name__ == "__main__":
    sys.exit(main())
