"""The JSON API: sign in, CSRF header, the same actions as the pages."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from .conftest import AGENT, PASSWORD, get_case_row


def test_api_sign_in_and_actions(app: FastAPI, make_case, engine: Engine, accounts) -> None:
    case_id = make_case(intent="objection")
    with TestClient(app) as client:
        anonymous = client.get("/api/session").json()
        assert anonymous["signed_in"] is False
        assert (
            client.post("/api/session", json={"email": AGENT, "password": PASSWORD}).status_code
            == 403
        )  # no CSRF header
        info = client.post(
            "/api/session",
            json={"email": AGENT, "password": PASSWORD},
            headers={"X-CSRF-Token": anonymous["csrf_token"]},
        ).json()
        assert info["signed_in"] and info["role"] == "agent"
        h = {"X-CSRF-Token": info["csrf_token"]}
        assert (
            client.post(
                f"/api/cases/{case_id}/status", json={"status": "in_progress"}, headers=h
            ).status_code
            == 200
        )
        assert (
            client.post(
                f"/api/cases/{case_id}/assign", json={"assignee_id": accounts["admin"]}, headers=h
            ).status_code
            == 200
        )
        assert client.put(
            f"/api/cases/{case_id}/facts/outcome_received", json={"value": "2020-12-18"}, headers=h
        ).json()["ok"]
        assert (
            client.post(
                f"/api/cases/{case_id}/reply",
                json={"subject": "Re: x", "body": "Thanks."},
                headers=h,
            ).status_code
            == 200
        )
        assert (
            client.post(
                f"/api/cases/{case_id}/reclassify", json={"intent": "appeal"}, headers=h
            ).status_code
            == 200
        )
        detail = client.get(f"/api/cases/{case_id}").json()
        kinds = [e["kind"] for e in detail["events"]]
        assert set(kinds) == {"opened", "status", "assigned", "fact", "reply", "reclassified"}
        assert detail["thread"][0]["direction"] == "inbound"
        assert client.get("/api/dashboard").status_code == 200
        assert client.delete("/api/session", headers=h).status_code == 204
        assert client.get("/api/cases").status_code == 401
    case = get_case_row(engine, case_id)
    assert case.intent == "appeal" and case.status == "in_progress"


def test_api_validation_errors_after_sign_in(agent, make_case) -> None:
    client, token = agent
    case_id = make_case()
    h = {"X-CSRF-Token": token}
    assert (
        client.post(f"/api/cases/{case_id}/status", json={"status": "gone"}, headers=h).status_code
        == 422
    )
    assert (
        client.put(
            f"/api/cases/{case_id}/facts/nonsense", json={"value": "2020-01-01"}, headers=h
        ).status_code
        == 422
    )
    assert client.get("/api/cases/abc").status_code == 422
