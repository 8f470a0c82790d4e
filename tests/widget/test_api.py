"""The public widget API through the real app (TestClient): ask, feedback, hand-over,
validation, size limits, rate limits, CORS, and no stack trace ever reaching a client."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session

from ats_helpdesk.cli import main
from ats_helpdesk.config import Settings
from ats_helpdesk.store.models import AnswerFeedback, AnswerLog, Case, Message, Outbound
from ats_helpdesk.web import widget_answers
from ats_helpdesk.web.dashboard_stats import load_dashboard
from ats_helpdesk.web.widget_edge import MAX_BODY_BYTES
from ats_helpdesk.web.widget_limits import TokenBuckets
from ats_helpdesk.worker import drain

from .conftest import ALLOWED_ORIGIN, NOW, MakeApp

ASK_FIELDS = {"answered", "faq_id", "answer", "confidence", "sources", "suggestions", "reason"}


@pytest.mark.parametrize(
    "question",
    [
        "how much does ATS cost?",
        "where can I park my car at the ceremony",  # nothing covers it: abstains
        "   ",
    ],
)
def test_ask_returns_the_same_object_as_the_cli(client: TestClient, question: str) -> None:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ASK_FIELDS | {"answer_id"}
    cli = CliRunner().invoke(main, ["ask", "--json", question])
    assert cli.exit_code == 0, cli.output
    assert {k: body[k] for k in ASK_FIELDS} == json.loads(cli.output)


def test_an_answer_and_an_abstention_look_right(client: TestClient) -> None:
    answered = client.post("/api/ask", json={"question": "how much does ATS cost?"}).json()
    assert answered["answered"] and answered["faq_id"] and answered["sources"]
    assert "£" in answered["answer"]
    abstained = client.post(
        "/api/ask", json={"question": "is there parking at the SET office"}
    ).json()
    assert not abstained["answered"] and abstained["answer"] is None
    assert abstained["reason"]
    assert 1 <= len(abstained["suggestions"]) <= 3


def test_the_answerer_is_built_once_per_app_not_per_request(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[object] = []
    original = widget_answers.Answerer.from_content

    def counting(*args: object, **kwargs: object) -> object:
        built.append(args)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(widget_answers, "_CACHE", {})
    monkeypatch.setattr(widget_answers.Answerer, "from_content", counting)
    app = make_app()
    with TestClient(app) as client:
        for question in ("how much is ats", "what is ATS", "deadline for portfolio", "x"):
            assert client.post("/api/ask", json={"question": question}).status_code == 200
    assert len(built) == 1


def test_every_ask_is_logged_for_the_dashboard(client: TestClient, engine: Engine) -> None:
    client.post("/api/ask", json={"question": "how much does ATS cost?"})
    client.post("/api/ask", json={"question": "is there parking at the SET office"})
    with Session(engine) as session:
        rows = session.execute(select(AnswerLog)).scalars().all()
    assert [(r.channel, r.answered) for r in rows] == [("widget", True), ("widget", False)]


def test_concurrent_asks_share_commits_and_each_gets_its_own_id(
    app: FastAPI, engine: Engine
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    answers = app.state.widget_answers
    questions = [f"question number {i} about the ATS fee" for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(lambda q: answers.ask(q)[1], questions))
    ids = [answers.answer_log_id(t) for t in tokens]
    assert None not in ids and len(set(ids)) == 40
    with Session(engine) as session:
        rows = {r.id: r.question for r in session.execute(select(AnswerLog)).scalars()}
    assert [rows[i] for i in ids] == questions  # each id names its own question


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "question"),
        ({"question": 12}, "question"),
        ({"question": ""}, "question"),
        ({"question": None}, "question"),
        ({"q": "hello"}, "question"),
        ({"question": "x" * 2001}, "question"),
    ],
)
def test_invalid_ask_bodies_get_422_naming_the_field(
    client: TestClient, body: dict, field: str
) -> None:
    response = client.post("/api/ask", json=body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["message"].startswith(f"{field}:")
    assert payload["detail"][0]["loc"] == ["body", field]
    assert "input" not in payload["detail"][0]  # the question is never echoed back


def test_over_long_question_says_so(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "é" * 2001})
    assert response.status_code == 422
    assert "2000 characters" in response.json()["message"]
    # exactly 2,000 is fine
    assert client.post("/api/ask", json={"question": "é" * 2000}).status_code == 200


def test_not_json_gets_a_clear_422(client: TestClient) -> None:
    response = client.post(
        "/api/ask", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["message"]


def test_a_huge_body_is_refused_with_413_before_parsing(client: TestClient) -> None:
    big = json.dumps({"question": "a" * (MAX_BODY_BYTES + 10)})
    response = client.post("/api/ask", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "bytes" in response.json()["detail"]

    def chunks():  # no Content-Length: a chunked upload is capped too
        for _ in range(40):
            yield b"a" * 1024

    response = client.post(
        "/api/ask", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_rate_limit_answers_429_with_retry_after(make_app: MakeApp) -> None:
    app = make_app(widget_rate_per_minute=6, widget_burst=3)
    with TestClient(app) as client:
        codes = [
            client.post("/api/ask", json={"question": "what is ATS"}).status_code for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        refused = client.post("/api/ask", json={"question": "what is ATS"})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 10
        assert "try again" in refused.json()["detail"]
        # invalid bodies count too (the limit comes before any parsing)
        assert client.post("/api/feedback", content=b"junk").status_code == 429


def test_handoffs_have_their_own_tighter_limit(make_app: MakeApp) -> None:
    app = make_app(widget_rate_per_minute=600, widget_burst=50, widget_handoffs_per_hour=1)
    with TestClient(app) as client:
        bad = {"name": "A", "email": "not-an-address", "question": "help"}
        assert client.post("/api/handoff", json=bad).status_code == 422
        refused = client.post("/api/handoff", json=bad)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 60  # one an hour
        assert client.post("/api/ask", json={"question": "what is ATS"}).status_code == 200


def test_token_bucket_refills_and_is_bounded() -> None:
    now = [0.0]
    buckets = TokenBuckets(capacity=2, per_second=1.0, clock=lambda: now[0], max_clients=100)
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert buckets.take("a") == 1
    now[0] += 1.0
    assert buckets.take("a") == 0
    assert buckets.take("b") == 0  # per client
    for i in range(1000):
        buckets.take(f"spoofed-{i}")
        now[0] += 0.001
    assert len(buckets) <= 100
    assert TokenBuckets(capacity=5, per_second=0).take("x") == 0  # 0 turns it off


def _preflight(client: TestClient, origin: str, path: str = "/api/ask"):
    return client.options(
        path,
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )


def test_cors_grants_only_the_configured_origins(client: TestClient) -> None:
    allowed = _preflight(client, ALLOWED_ORIGIN)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in allowed.headers

    stranger = _preflight(client, "https://evil.example")
    assert stranger.status_code == 400
    assert "access-control-allow-origin" not in stranger.headers

    for path in ("/api/ask", "/api/feedback", "/api/handoff"):
        assert _preflight(client, ALLOWED_ORIGIN, path).status_code == 200
    post = client.post(
        "/api/ask", json={"question": "what is ATS"}, headers={"origin": ALLOWED_ORIGIN}
    )
    assert post.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    post = client.post(
        "/api/ask", json={"question": "what is ATS"}, headers={"origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in post.headers


def test_no_origin_is_granted_when_none_is_configured(make_app: MakeApp) -> None:
    with TestClient(make_app(widget_origins="")) as client:
        response = _preflight(client, ALLOWED_ORIGIN)
        assert "access-control-allow-origin" not in response.headers


def test_the_staff_api_never_gets_a_cors_grant(client: TestClient) -> None:
    for path in ("/api/cases", "/api/session", "/api/dashboard"):
        response = _preflight(client, ALLOWED_ORIGIN, path)
        assert "access-control-allow-origin" not in response.headers, path
        response = client.get(path, headers={"origin": ALLOWED_ORIGIN})
        assert "access-control-allow-origin" not in response.headers, path


def test_no_stack_trace_reaches_a_client(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(question: str) -> object:
        raise RuntimeError("secret /srv/ats/internal.py detail")

    monkeypatch.setattr(app.state.widget_answers, "ask", explode)
    response = client.post("/api/ask", json={"question": "what is ATS"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    text = response.text
    assert "secret" not in text and "Traceback" not in text and ".py" not in text
    assert response.json()["detail"].startswith("Something went wrong")


def test_a_broken_knowledge_base_is_a_503_not_a_crash(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ats_helpdesk.knowledge import KnowledgeError

    def broken(*args: object, **kwargs: object) -> object:
        raise KnowledgeError("knowledge/faq.yaml: entry 3: field 'answer' is missing")

    monkeypatch.setattr(widget_answers, "shared_answerer", broken)
    with TestClient(make_app()) as client:
        response = client.post("/api/ask", json={"question": "what is ATS"})
    assert response.status_code == 503
    assert "faq.yaml" not in response.text
    assert "unavailable" in response.json()["detail"]


def test_a_store_failure_on_handoff_is_a_503(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(**kwargs: object) -> object:
        raise OSError("disk /var/lib/ats full")

    monkeypatch.setattr(app.state.widget_handoff, "open_case", down)
    response = client.post(
        "/api/handoff", json={"name": "Sam", "email": "sam@example.org", "question": "help"}
    )
    assert response.status_code == 503
    assert "disk" not in response.text


def test_feedback_is_stored_and_counted_on_the_dashboard(
    app: FastAPI, client: TestClient, engine: Engine
) -> None:
    answer = client.post("/api/ask", json={"question": "how much does ATS cost?"}).json()
    vote = {"answer_id": answer["answer_id"], "helpful": True}
    response = client.post("/api/feedback", json=vote)
    assert response.status_code == 200
    assert response.json() == {"recorded": True, "helpful": True}
    other = client.post("/api/ask", json={"question": "what is ATS"}).json()
    client.post("/api/feedback", json={"answer_id": other["answer_id"], "helpful": True})
    # voting again on one answer changes the vote, it does not add one
    client.post("/api/feedback", json={"answer_id": other["answer_id"], "helpful": False})
    with Session(engine) as session:
        votes = session.execute(select(AnswerFeedback)).scalars().all()
        assert sorted(v.helpful for v in votes) == [False, True]
        board = load_dashboard(session, today=NOW.date(), calendar=app.state.calendar)
    widget = next(a for a in board.answers if a.channel == "widget")
    assert (widget.given, widget.helpful, widget.not_helpful) == (2, 1, 1)


@pytest.mark.parametrize(
    "answer_id", ["1", "MQ.forged.signature", "x" * 200, "eyJhIjoxfQ.bad.sig"]
)
def test_feedback_on_an_answer_we_never_gave_is_refused(
    client: TestClient, engine: Engine, answer_id: str
) -> None:
    response = client.post("/api/feedback", json={"answer_id": answer_id, "helpful": False})
    assert response.status_code == 404
    assert "answer_id" in response.json()["detail"]
    with Session(engine) as session:
        assert session.execute(select(AnswerFeedback)).first() is None


def test_feedback_needs_a_boolean(client: TestClient) -> None:
    response = client.post("/api/feedback", json={"answer_id": "abc", "helpful": "perhaps"})
    assert response.status_code == 422
    assert response.json()["message"].startswith("helpful:")


def test_handoff_opens_a_case_through_the_pipeline(
    app: FastAPI, client: TestClient, engine: Engine
) -> None:
    response = client.post(
        "/api/handoff",
        json={
            "name": "Sam Teacher",
            "email": "sam.teacher@example.org",
            "question": "My father is in hospital. Can I have an extension to my ATS deadline?",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    reference = body["reference"]
    assert reference and reference.startswith("ATS-") and body["outcome"] == "case"
    assert reference in body["message"]
    with Session(engine) as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert case.member_email == "sam.teacher@example.org"
        assert case.member_name == "Sam Teacher"
        assert case.status == "new"
        message = session.execute(select(Message).where(Message.case_id == case.id)).scalar_one()
        assert message.source == "widget" and message.status == "triaged"
        assert message.outcome == "case"
        assert b"X-ATS-Channel: widget" in message.raw
        assert b"Can I have an extension" in message.raw
        acknowledgement = session.execute(
            select(Outbound).where(Outbound.case_id == case.id)
        ).scalar_one()
        assert acknowledgement.to_addr == "sam.teacher@example.org"
        assert reference.encode() in acknowledgement.raw
    # the worker finds nothing left to do: the message is never triaged twice
    services = app.state.widget_handoff.services()
    assert drain(engine=engine, services=services, clock=lambda: NOW) == 0


def test_a_handoff_whose_triage_fails_is_kept_for_staff(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A triage bug must not lose the visitor's question: the message stays, marked failed."""
    import ats_helpdesk.worker

    def broken(**_: object) -> None:
        raise RuntimeError("triage bug")

    monkeypatch.setattr(ats_helpdesk.worker, "triage_message", broken)
    response = client.post(
        "/api/handoff",
        json={"name": "Lee", "email": "lee@example.org", "question": "Can I defer my viva?"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["reference"] is None and body["outcome"] == "failed"
    assert "will reply" in body["message"] and "Traceback" not in response.text
    with Session(engine) as session:
        message = session.execute(select(Message)).scalar_one()
        assert message.status == "failed" and "triage bug" in (message.error or "")
        assert b"Can I defer my viva?" in message.raw
        assert session.execute(select(Case)).first() is None


def test_a_faq_handoff_still_opens_a_case(client: TestClient, engine: Engine) -> None:
    """The visitor asked for a person: a question the FAQ could answer is not auto-answered."""
    response = client.post(
        "/api/handoff",
        json={"name": "Kim", "email": "kim@example.org", "question": "How much does ATS cost?"},
    )
    assert response.status_code == 201
    assert response.json()["outcome"] == "case"
    with Session(engine) as session:
        assert session.execute(select(Case)).scalar_one().reference == response.json()["reference"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Sam", "email": "not-an-address", "question": "q"}, "email"),
        ({"name": "Sam", "email": "sam@localhost", "question": "q"}, "email"),
        ({"name": "Sam", "email": "a b@example.org", "question": "q"}, "email"),
        ({"name": "Sam", "email": "noreply@example.org", "question": "q"}, "email"),
        ({"name": "Sam\r\nBcc: victim@example.org", "email": "s@example.org", "question": "q"},
         "name"),
        ({"name": "   ", "email": "s@example.org", "question": "q"}, "name"),
        ({"name": "Sam", "email": "s@example.org", "question": "  \n "}, "question"),
        ({"name": "Sam", "email": "s@example.org", "question": "q" * 2001}, "question"),
        ({"name": "Sam", "email": "s@example.org"}, "question"),
    ],
)
def test_invalid_handoffs_get_422_naming_the_field(
    client: TestClient, engine: Engine, body: dict, field: str
) -> None:
    response = client.post("/api/handoff", json=body)
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"{field}:")
    with Session(engine) as session:
        assert session.execute(select(Message)).first() is None


def test_widget_js_is_served_as_javascript_and_small(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert len(response.content) < 30 * 1024
    assert b"attachShadow" in response.content
    again = client.get("/widget.js", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


def test_widget_demo_is_public_and_embeds_the_widget(client: TestClient) -> None:
    response = client.get("/widget-demo", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert '<script src="/widget.js" defer' in response.text
    assert "widget-demo-hostile.css" in response.text
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


def test_the_public_api_is_in_the_openapi_schema(app: FastAPI) -> None:
    schema = app.openapi()
    for path in ("/api/ask", "/api/feedback", "/api/handoff"):
        operation = schema["paths"][path]["post"]
        assert "requestBody" in operation
        assert {"422", "429", "413"} <= set(operation["responses"]), path
    ask = schema["components"]["schemas"]["AskResponse"]["properties"]
    assert ASK_FIELDS | {"answer_id"} <= set(ask)


def test_settings_default_limits_are_on() -> None:
    settings = Settings(_env_file=None)
    assert settings.widget_rate_per_minute > 0 and settings.widget_burst > 0
    assert settings.widget_handoffs_per_hour > 0
