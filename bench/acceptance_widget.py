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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_widget import free_port, start_server

from ats_helpdesk.answer import Answerer
from ats_helpdesk.content import find_content
from ats_helpdesk.faq_eval import LabelledSetError, Outcome, figures, is_answerable, load_labelled

BARS = {"precision": 0.95, "coverage": 0.80, "abstention": 0.80}


def post(port: int, question: str) -> dict[str, Any]:
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
    try:
        questions = load_labelled(args.file)
    except LabelledSetError as error:
        raise SystemExit(str(error)) from error
    chosen = [q for q in questions if args.all or q.channel != "email"]
    chosen = [q for q in chosen if 0 < len(q.text) <= 2000]  # the API's limit (413 above)
    local = Answerer.from_content(find_content())
    handover = {e.id for e in local.knowledge.entries if e.handover}
    outcomes: list[Outcome] = []
    disagree = 0
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        server = start_server(Path(data), port)
        try:
            for question in chosen:
                result = post(port, question.text)
                disagree += result["faq_id"] != local.ask(question.text).faq_id
                faq_id = result["faq_id"] if isinstance(result["faq_id"], str) else None
                outcomes.append(
                    Outcome(
                        question=question,
                        answerable=is_answerable(question, handover),
                        answered=bool(result["answered"]),
                        faq_id=faq_id,
                        top_id=faq_id,
                        handover_top=False,
                        confidence=float(result["confidence"]),
                    )
                )
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
    counts = figures(outcomes)
    answerable = sum(o.answerable for o in outcomes)
    print(
        f"{args.file.name}: {len(chosen)} questions through POST /api/ask "
        f"({answerable} answerable, {len(outcomes) - answerable} unanswerable; "
        f"{counts['answered']} answered)"
    )
    for name, bar in BARS.items():
        value = counts[name] or 0.0
        verdict = "ok" if value >= bar else "BELOW"
        print(f"  {name:<11} {value * 100:5.1f}%  (bar {bar * 100:.0f}%)  {verdict}")
    for o in outcomes:
        if o.answered and not o.right:
            expected = list(o.question.expect) or None
            print(f"  wrong: {o.question.id} -> {o.faq_id} (expected {expected})")
    print(f"  API and `ask` disagree on {disagree} question(s)")
    print(f"  /widget.js served as JavaScript: {'ok' if widget_js else 'NO'}")
    print(f"  stranger origin gets no CORS grant: {'ok' if no_grant else 'NO'}")
    passed = all((counts[n] or 0.0) >= bar for n, bar in BARS.items()) and widget_js and no_grant
    return 0 if passed and not disagree else 1


if __name__ == "__main__":
    sys.exit(main())
