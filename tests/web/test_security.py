"""Security: the sign-in gate, CSRF, session cookies, login limits, member content inert."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Engine, inspect
from sqlmodel import Session

from ats_helpdesk.store.accounts import set_active
from ats_helpdesk.web.security import SESSION_COOKIE

from .conftest import AGENT, PASSWORD, csrf_from, sign_in

PUBLIC = {
    ("/login", "GET"),
    ("/login", "POST"),
    ("/api/session", "GET"),
    ("/api/session", "POST"),
    ("/healthz", "GET"),
}


WIDGET_MODULE = "ats_helpdesk.web.routes.public"  # the public widget API, when present


def _staff_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):  # flattens included routers
        path = route.path
        if getattr(route.endpoint, "__module__", "") == WIDGET_MODULE:
            continue
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD" or (path, method) in PUBLIC or path.startswith("/static"):
                continue
            found.append((path, method))
    return found


def _bad_params(path: str) -> str:
    """Fill every path parameter with a value that would fail validation."""
    return re.sub(r"\{[^}]+\}", "not-a-number", path)


def test_every_route_is_listed(app: FastAPI) -> None:
    routes = _staff_routes(app)
    paths = {p for p, _ in routes}
    # the enumeration really covers the app (pages, API, docs)
    assert {
        "/queue",
        "/cases/{case_id}",
        "/dashboard",
        "/users",
        "/api/cases",
        "/docs",
        "/openapi.json",
    } <= paths
    assert len(routes) >= 25


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_anonymous_is_refused_everywhere_before_validation(app: FastAPI, accept: str) -> None:
    with TestClient(app, follow_redirects=False) as client:
        for path, method in _staff_routes(app):
            url = _bad_params(path) + "?page=-5&assignee=%27%3B--"
            response = client.request(
                method,
                url,
                headers={"accept": accept},
                content=b"{not json",
            )
            wants_json = (
                accept == "application/json"
                or path.startswith("/api/")
                or (path == "/openapi.json")
            )
            if wants_json:
                assert response.status_code == 401, (method, path, response.status_code)
                assert response.json() == {"detail": "Sign in required."}
            else:
                assert response.status_code == 303, (method, path, response.status_code)
                assert response.headers["location"].startswith("/login?next=")


def test_unknown_paths_do_not_reveal_anything_to_anonymous(client: TestClient) -> None:
    response = client.get("/no-such-page", headers={"accept": "text/html"})
    assert response.status_code == 303


def test_every_api_route_is_in_the_openapi_schema(agent) -> None:
    client, _ = agent
    schema = client.get("/openapi.json").json()
    for path in (
        "/api/cases",
        "/api/cases/{case_id}",
        "/api/cases/{case_id}/reply",
        "/api/cases/{case_id}/reclassify",
        "/api/cases/{case_id}/assign",
        "/api/cases/{case_id}/status",
        "/api/cases/{case_id}/notes",
        "/api/cases/{case_id}/facts/{name}",
        "/api/dashboard",
        "/api/users",
        "/api/session",
    ):
        assert path in schema["paths"], path


def test_signed_in_pages_work_and_static_is_public(agent, client: TestClient) -> None:
    anonymous = TestClient(client.app)
    assert anonymous.get("/static/staff.css").status_code == 200
    agent_client, _ = agent
    assert agent_client.get("/queue").status_code == 200


def test_post_without_csrf_token_is_refused(agent, make_case) -> None:
    client, token = agent
    case_id = make_case()
    assert client.post(f"/cases/{case_id}/note", data={"text": "hi"}).status_code == 403
    assert (
        client.post(
            f"/cases/{case_id}/note", data={"text": "hi", "csrf_token": "0" * 64}
        ).status_code
        == 403
    )
    assert client.post(f"/api/cases/{case_id}/notes", json={"text": "hi"}).status_code == 403
    assert (
        client.post(
            f"/api/cases/{case_id}/notes", json={"text": "hi"}, headers={"X-CSRF-Token": token}
        ).status_code
        == 200
    )
    assert (
        client.post(f"/cases/{case_id}/note", data={"text": "hi", "csrf_token": token}).status_code
        == 303
    )


def test_csrf_token_of_another_session_is_refused(app: FastAPI, agent, make_case) -> None:
    client, _ = agent
    case_id = make_case()
    with TestClient(app, follow_redirects=False) as other:
        other_token = sign_in(other)
    response = client.post(f"/cases/{case_id}/note", data={"text": "x", "csrf_token": other_token})
    assert response.status_code == 403


def test_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": AGENT, "password": PASSWORD})
    assert response.status_code == 403


def test_session_cookie_flags(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": AGENT, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_session_cookie_is_secure_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"email": AGENT, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        )
        assert "secure" in response.headers["set-cookie"].lower()


def test_session_id_changes_at_sign_in(client: TestClient) -> None:
    client.get("/login")
    before = client.cookies[SESSION_COOKIE]
    sign_in(client)
    assert client.cookies[SESSION_COOKIE] != before


def test_cookie_signed_with_another_secret_is_refused(client: TestClient, accounts) -> None:
    forged = URLSafeTimedSerializer("another-secret", salt="ats-session").dumps(
        {"sid": "abc", "uid": accounts["admin"]}
    )
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, forged)
    response = client.get("/queue")
    assert response.status_code == 303
    assert client.get("/api/cases").status_code == 401


def test_tampered_cookie_is_refused(agent) -> None:
    client, _ = agent
    value = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    assert client.get("/queue").status_code == 303
    client.cookies.set(SESSION_COOKIE, value)
    assert client.get("/queue").status_code == 200  # the untouched cookie still works
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, value[:3] + ("A" if value[3] != "A" else "B") + value[4:])
    assert client.get("/queue").status_code == 303


def test_sign_out_ends_the_session(agent) -> None:
    client, token = agent
    copy = client.cookies[SESSION_COOKIE]  # e.g. another tab, or a cookie someone copied
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/queue").status_code == 303
    client.cookies.set(SESSION_COOKIE, copy)
    assert client.get("/queue").status_code == 303  # the session itself has ended
    assert client.get("/api/cases").status_code == 401


def test_api_sign_out_ends_the_session(agent) -> None:
    client, token = agent
    copy = client.cookies[SESSION_COOKIE]
    assert client.delete("/api/session").status_code == 403  # needs its CSRF token too
    assert client.delete("/api/session", headers={"X-CSRF-Token": token}).status_code == 204
    client.cookies.set(SESSION_COOKIE, copy)
    assert client.get("/api/cases").status_code == 401


def test_disabled_account_is_signed_out_at_once(agent, engine: Engine) -> None:
    client, _ = agent
    with Session(engine) as session:
        set_active(session=session, email=AGENT, active=False)
    assert client.get("/queue").status_code == 303


def test_login_rate_limit(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    for _ in range(5):
        bad = client.post(
            "/login", data={"email": AGENT, "password": "wrong password!", "csrf_token": token}
        )
        assert bad.status_code == 400
    blocked = client.post(
        "/login", data={"email": AGENT, "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in blocked.headers.get("set-cookie", "")


def test_login_limit_per_client_address_across_accounts(client: TestClient) -> None:
    """One address trying many accounts is stopped, even at a right password."""
    token = csrf_from(client.get("/login").text)
    for i in range(5):
        bad = client.post(
            "/login",
            data={"email": f"guess{i}@set.test", "password": "x" * 12, "csrf_token": token},
        )
        assert bad.status_code == 400
    blocked = client.post(
        "/login", data={"email": AGENT, "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429


def test_api_sign_in_is_rate_limited_too(client: TestClient) -> None:
    token = client.get("/api/session").json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    for _ in range(5):
        response = client.post(
            "/api/session", json={"email": AGENT, "password": "wrong!"}, headers=headers
        )
        assert response.status_code == 401
    response = client.post(
        "/api/session", json={"email": AGENT, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0


def test_unknown_and_wrong_password_look_the_same(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    a = client.post(
        "/login", data={"email": "nobody@set.test", "password": "x" * 12, "csrf_token": token}
    )
    b = client.post("/login", data={"email": AGENT, "password": "x" * 12, "csrf_token": token})
    assert a.status_code == b.status_code == 400
    assert "do not match" in a.text and "do not match" in b.text


def test_next_cannot_leave_the_site(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "email": AGENT,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/queue"


def test_agents_cannot_manage_users(agent) -> None:
    client, token = agent
    assert client.get("/users").status_code == 403
    response = client.post(
        "/api/users",
        json={"email": "x@set.test", "password": "y" * 12},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 403


SCRIPT = "<script>alert('x')</script>"


def test_script_from_a_member_is_inert(agent, make_case) -> None:
    client, _ = agent
    case_id = make_case(
        subject=f"Help {SCRIPT}",
        body=f"Body {SCRIPT} <img src=x onerror=alert(1)>",
        html=f"<p>Hello</p>{SCRIPT}<img src=x onerror=alert(2)><a href='javascript:alert(3)'>x</a>"
        "<div onclick='alert(4)'>click</div>",
        attachment=('"><img src=x onerror=alert(5)>.pdf', b"%PDF-1.4"),
        member_name=f"Eve {SCRIPT}",
    )
    for url in (f"/cases/{case_id}", "/queue", "/queue?q=Help"):
        page = client.get(url).text
        assert "<script>alert" not in page
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", page), "an event handler attribute"
        assert "<img" not in page
        assert "javascript:" not in page
        assert "onclick" not in page
    case_page = client.get(f"/cases/{case_id}")
    assert "&lt;script&gt;alert(" in case_page.text
    assert "&lt;img src=x onerror=alert(5)&gt;.pdf" in case_page.text
    csp = case_page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


@pytest.mark.parametrize(
    "query",
    [
        "' OR 1=1 --",
        "%",
        "_",
        "\\",
        '"; DROP TABLE "case"; --',
        "1; DELETE FROM user",
        "%' UNION SELECT password_hash FROM user --",
    ],
)
def test_sql_like_search_strings_are_just_text(agent, make_case, engine: Engine, query) -> None:
    client, _ = agent
    make_case(subject="Extension please", body="My deadline is near.")
    page = client.get("/queue", params={"q": query})
    assert page.status_code == 200
    assert "No cases match" in page.text  # wildcards and quotes match literally: nothing
    api = client.get("/api/cases", params={"q": query}).json()
    assert api["total"] == 0
    assert {"case", "user", "message"} <= set(inspect(engine).get_table_names())
    assert client.get("/api/cases").json()["total"] == 1


def test_literal_percent_is_found_when_present(agent, make_case) -> None:
    client, _ = agent
    make_case(subject="Fee 100% refund?", due=date(2025, 3, 20))
    make_case(subject="Other thing")
    assert client.get("/api/cases", params={"q": "100%"}).json()["total"] == 1


def test_a_crafted_link_cannot_put_words_on_the_page(agent, make_case) -> None:
    client, _ = agent
    case_id = make_case()
    page = client.get(f"/cases/{case_id}", params={"done": "Your password expired; call 0900"})
    assert "password expired" not in page.text
    assert "Note added." in client.get(f"/cases/{case_id}", params={"done": "note"}).text


def test_routes_included_as_public_are_open_and_others_stay_gated(app: FastAPI) -> None:
    from fastapi import APIRouter

    from ats_helpdesk.web.app import include_public_router

    public = APIRouter()

    @public.get("/api/public/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    staff = APIRouter()

    @staff.get("/api/private/ping")
    def private_ping() -> dict[str, str]:
        return {"pong": "no"}

    include_public_router(app, public)
    app.include_router(staff)
    with TestClient(app, follow_redirects=False) as client:
        assert client.get("/api/public/ping").json() == {"pong": "yes"}
        assert client.post("/api/public/ping").status_code == 405  # public path, wrong method
        assert client.get("/api/private/ping").status_code == 401
