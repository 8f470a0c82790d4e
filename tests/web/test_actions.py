"""Case actions from the page: each changes the case and lands in the audit trail."""

from __future__ import annotations

import json
from datetime import date
from email import message_from_bytes, policy

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from ats_helpdesk.store.models import CaseEvent, Outbound

from .conftest import get_case_row


def _events(engine: Engine, case_id: int) -> list[CaseEvent]:
    with Session(engine) as session:
        return list(session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)).all())


def test_reply_preview_then_send_queues_an_outbound(agent, make_case, engine: Engine) -> None:
    client, token = agent
    case_id = make_case(subject="Objection", member_email="ann@example.org", member_name="Ann Lee")
    page = client.get(f"/cases/{case_id}")
    assert "Dear Ann Lee" in page.text  # the staff_reply template, filled in
    form = {
        "csrf_token": token,
        "to": "ann@example.org",
        "subject": "Re: Objection",
        "body": "Dear Ann,\n\nWe have your form & will reply <soon>.\n",
        "template": "staff_reply",
    }
    preview = client.post(f"/cases/{case_id}/reply", data=form | {"action": "preview"})
    assert preview.status_code == 200
    assert "will reply &lt;soon&gt;" in preview.text and 'class="preview"' in preview.text
    with Session(engine) as session:
        assert session.exec(select(Outbound)).all() == []  # a preview sends nothing
    sent = client.post(f"/cases/{case_id}/reply", data=form | {"action": "send"})
    assert sent.status_code == 303
    with Session(engine) as session:
        (row,) = session.exec(select(Outbound)).all()
    assert row.case_id == case_id and row.status == "queued" and row.kind == "staff_reply"
    mail = message_from_bytes(row.raw, policy=policy.default)
    assert mail["To"] == "ann@example.org" and mail["In-Reply-To"]
    assert "will reply <soon>." in mail.get_body(("plain",)).get_content()
    audit = client.get(sent.headers["location"]).text
    assert "Reply queued to ann@example.org" in audit
    assert [e.kind for e in _events(engine, case_id)] == ["opened", "reply"]


def test_reply_needs_a_message(agent, make_case) -> None:
    client, token = agent
    case_id = make_case()
    response = client.post(
        f"/cases/{case_id}/reply",
        data={
            "csrf_token": token,
            "to": "a@example.org",
            "subject": "x",
            "body": "  ",
            "action": "send",
        },
    )
    assert response.status_code == 400


def test_reclassify_records_feedback_for_training(
    agent, make_case, engine: Engine, app: FastAPI
) -> None:
    client, token = agent
    case_id = make_case(
        subject="Question about fees",
        body="How much does ATS cost?",
        intent="objection",
        needs_review=True,
    )
    response = client.post(
        f"/cases/{case_id}/reclassify", data={"csrf_token": token, "intent": "faq"}
    )
    assert response.status_code == 303
    case = get_case_row(engine, case_id)
    assert case.intent == "faq" and case.needs_review is False
    lines = app.state.feedback_file.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[-1])
    assert record["intent"] == "faq" and record["subject"] == "Question about fees"
    assert "How much does ATS cost?" in record["body"] and record["message_id"]
    page = client.get(f"/cases/{case_id}").text
    assert "Intent changed from objection to faq" in page


def test_feedback_file_is_the_one_the_classifier_trains_from(app: FastAPI) -> None:
    from ats_helpdesk.classify import feedback_path, read_feedback

    settings = app.state.settings
    assert app.state.feedback_file == feedback_path(settings.data_dir / "models")
    app.state.feedback_file.parent.mkdir(parents=True, exist_ok=True)
    app.state.feedback_file.write_text(
        json.dumps({"message_id": "<x@y>", "subject": "s", "body": "b", "intent": "faq"}) + "\n"
    )
    assert [t.intent for t in read_feedback(app.state.feedback_file)] == ["faq"]


def test_reclassify_to_an_unknown_intent_is_refused(agent, make_case, engine: Engine) -> None:
    client, token = agent
    case_id = make_case()
    response = client.post(
        f"/cases/{case_id}/reclassify", data={"csrf_token": token, "intent": "nonsense"}
    )
    assert response.status_code == 400
    assert get_case_row(engine, case_id).intent == "objection"


def test_assign_status_and_note(agent, make_case, engine: Engine, accounts) -> None:
    client, token = agent
    case_id = make_case()
    assert (
        client.post(
            f"/cases/{case_id}/assign",
            data={"csrf_token": token, "assignee_id": str(accounts["agent"])},
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/cases/{case_id}/status", data={"csrf_token": token, "status": "in_progress"}
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/cases/{case_id}/note",
            data={"csrf_token": token, "text": "Rang the member <b>today</b>."},
        ).status_code
        == 303
    )
    case = get_case_row(engine, case_id)
    assert case.assignee_id == accounts["agent"] and case.status == "in_progress"
    page = client.get(f"/cases/{case_id}").text
    assert "Assigned to agent@set.test" in page
    assert "Status changed from new to in_progress" in page
    assert "Note: Rang the member &lt;b&gt;today&lt;/b&gt;." in page
    events = _events(engine, case_id)
    assert [e.kind for e in events] == ["opened", "assigned", "status", "note"]
    assert all(e.actor == f"user:{accounts['agent']}" for e in events[1:])


def test_bad_status_is_refused(agent, make_case) -> None:
    client, token = agent
    case_id = make_case()
    assert (
        client.post(
            f"/cases/{case_id}/status", data={"csrf_token": token, "status": "deleted"}
        ).status_code
        == 400
    )


def test_edit_fact_recomputes_the_dates(agent, make_case, engine: Engine) -> None:
    client, token = agent
    case_id = make_case(intent="objection", needs_date=True)
    # policy 9.1: outcome received Fri 18 Dec 2020 -> window closes 6 Jan 2021
    response = client.post(
        f"/cases/{case_id}/facts",
        data={"csrf_token": token, "name": "outcome_received", "value": "2020-12-18"},
    )
    assert response.status_code == 303, response.text
    case = get_case_row(engine, case_id)
    assert case.rule == "objection" and case.dates["window_closes"] == "2021-01-06"
    assert case.due_date is not None and case.needs_date is False
    page = client.get(f"/cases/{case_id}").text
    assert "Fact outcome_received changed from None to 2020-12-18" in page
    assert "Wed 06 Jan 2021" in page


def test_edit_fact_with_a_bad_date_names_the_field(agent, make_case, engine: Engine) -> None:
    client, token = agent
    case_id = make_case(intent="objection")
    response = client.post(
        f"/cases/{case_id}/facts",
        data={"csrf_token": token, "name": "outcome_received", "value": "2025-02-31"},
    )
    assert response.status_code == 400 and "outcome_received" in response.text
    assert [e.kind for e in _events(engine, case_id)] == ["opened"]


def test_missing_case_is_404(agent) -> None:
    client, _ = agent
    assert client.get("/cases/999999").status_code == 404
    assert client.get("/api/cases/999999").status_code == 404


def test_case_page_shows_the_decision(agent, make_case) -> None:
    client, _ = agent
    case_id = make_case(
        rule="objection",
        dates={"window_closes": date(2025, 3, 12)},
        due=date(2025, 3, 12),
        in_time=False,
    )
    page = client.get(f"/cases/{case_id}").text
    assert "policy 9.1" in page and "Computed in the test." in page and "late" in page


def test_admin_manages_users(admin_client, app: FastAPI) -> None:
    client, token = admin_client
    assert (
        client.post(
            "/users",
            data={
                "csrf_token": token,
                "email": "new@set.test",
                "password": "long enough pw",
                "role": "agent",
            },
        ).status_code
        == 303
    )
    assert "new@set.test" in client.get("/users").text
    short = client.post(
        "/users",
        data={"csrf_token": token, "email": "x@set.test", "password": "short", "role": "agent"},
    )
    assert short.status_code == 400 and "password" in short.text
    users = client.get("/api/users").json()
    new_id = next(u["id"] for u in users if u["email"] == "new@set.test")
    assert (
        client.post(f"/users/{new_id}", data={"csrf_token": token, "active": "no"}).status_code
        == 303
    )
    with TestClient(app, follow_redirects=False) as other:
        page = other.get("/login")
        from .conftest import csrf_from

        refused = other.post(
            "/login",
            data={
                "email": "new@set.test",
                "password": "long enough pw",
                "csrf_token": csrf_from(page.text),
            },
        )
        assert refused.status_code == 400
    me = next(u["id"] for u in users if u["email"] == "admin@set.test")
    assert (
        client.post(f"/users/{me}", data={"csrf_token": token, "active": "no"}).status_code == 400
    )


def test_facts_as_triage_stores_them_are_shown_and_used(agent, make_case, engine) -> None:
    client, token = agent
    facts = {
        "dates": [{"date": "2020-12-18", "role": "outcome_received", "text": "on 18 December"}],
        "membership_number": "M12345",
        "extension_ground": None,
        "adjustment_need": None,
        "automatic": None,
        "roles": {"outcome_received": "2020-12-18"},
    }
    case_id = make_case(intent="objection", facts=facts)
    page = client.get(f"/cases/{case_id}").text
    assert "M12345" in page and "Fri 18 Dec 2020 (outcome received): “on 18 December”" in page
    # a staff edit of another field recomputes with the role found in the mail
    response = client.post(
        f"/cases/{case_id}/facts",
        data={"csrf_token": token, "name": "form_received", "value": "2021-01-04"},
    )
    assert response.status_code == 303
    case = get_case_row(engine, case_id)
    assert case.dates["window_closes"] == "2021-01-06" and case.in_time is True


@pytest.mark.slow
def test_next_train_learns_from_a_reclassification(
    agent, make_case, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reclassify in the app, then the real ``ats-helpdesk train`` trains on it.

    The feedback line is part of the training set and of the training key, so the
    command trains a new model (it does not report the old one as up to date)."""
    from click.testing import CliRunner

    from ats_helpdesk.classify import TrainingText, training_key, training_texts
    from ats_helpdesk.cli import main

    settings = app.state.settings
    content = app.state.content
    models = settings.data_dir / "models"
    before = training_key(content, models)
    client, token = agent
    case_id = make_case(
        subject="Direct debit date",
        body="Please move my direct debit to the 15th of the month.",
        intent="extension_request",
    )
    client.post(f"/cases/{case_id}/reclassify", data={"csrf_token": token, "intent": "other"})
    after = training_key(content, models)
    assert after != before
    assert (
        TrainingText(
            "Direct debit date", "Please move my direct debit to the 15th of the month.", "other"
        )
        in training_texts(content, models)
    )
    monkeypatch.setenv("ATS_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(main, ["train"])
    assert result.exit_code == 0, result.output
    assert f"intent model {after[:16]}: trained in" in result.output
    assert (models / f"intents-{after[:16]}.npz").is_file()
