"""Triage end to end on a real store with the real trained model and knowledge base:
answers, cases, dates from cohort data, threading, and loop protection."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from ats_helpdesk.cohorts import Cohort
from ats_helpdesk.intake import accept_message
from ats_helpdesk.store.db import session_scope
from ats_helpdesk.store.members import MemberRow, upsert_members
from ats_helpdesk.store.models import AnswerLog, Attachment, Case, CaseEvent, Message, Outbound
from ats_helpdesk.store.stats import count_stats
from ats_helpdesk.triage import TriageResult, TriageServices
from ats_helpdesk.worker import drain, triage_batch

from .conftest import NOW, build_mail

FAQ = ("How much does ATS cost?", "Hello, how much is the fee for ATS and can I pay in "
       "instalments? Thanks, Ann")
EXTENSION = ("Extension request", "Dear SET, I am writing to ask for an extension to my ATS "
             "portfolio submission deadline. I was in hospital for three weeks and could not "
             "work on it. Please could I have more time? Kind regards, Ann Teacher")


def deliver(engine: Engine, raw: bytes, envelope_from: str | None = "ann@example.org") -> int:
    return accept_message(engine=engine, raw=raw, source="smtp", received_at=NOW,
                          envelope_from=envelope_from, envelope_to=["ats@set.test"]).id


def run(engine: Engine, services: TriageServices) -> None:
    assert drain(engine=engine, services=services, clock=lambda: NOW) >= 1


def message(engine: Engine, pk: int) -> Message:
    with Session(engine) as session:
        return session.get(Message, pk)


def replies(engine: Engine) -> list[Outbound]:
    with Session(engine) as session:
        return list(session.exec(select(Outbound).order_by(Outbound.id)).all())


def test_confident_faq_is_answered_with_no_case(engine: Engine,
                                                services: TriageServices) -> None:
    pk = deliver(engine, build_mail(*FAQ, message_id="<faq1@example.org>"))
    run(engine, services)
    row = message(engine, pk)
    assert (row.status, row.outcome, row.case_id) == ("triaged", "auto_answered", None)
    (reply,) = replies(engine)
    sent = message_from_bytes(reply.raw, policy=policy.default)
    assert sent["In-Reply-To"] == "<faq1@example.org>" and sent["Auto-Submitted"] == "auto-replied"
    assert sent["To"].addresses[0].addr_spec == "ann@example.org"
    text = sent.get_body(("plain",)).get_content()
    assert "£760" in text  # the fee from the 2020 terms, via the knowledge base
    assert sent.get_body(("html",)) is not None
    with Session(engine) as session:
        log = session.exec(select(AnswerLog)).one()
        assert (log.channel, log.answered, log.message_id) == ("email", True, pk)
        assert session.exec(select(Case)).all() == []


def test_request_opens_a_case_and_acknowledges_with_reference(
        engine: Engine, services: TriageServices) -> None:
    pk = deliver(engine, build_mail(*EXTENSION, message_id="<ext1@example.org>"))
    run(engine, services)
    row = message(engine, pk)
    assert row.outcome == "case" and row.intent == "extension_request"
    with Session(engine) as session:
        case = session.get(Case, row.case_id)
        kinds = [e.kind for e in session.exec(select(CaseEvent).order_by(CaseEvent.id)).all()]
    assert case.reference == f"ATS-{case.id:06d}" and case.status == "new"
    assert case.member_email == "ann@example.org" and case.member_name == "Ann Teacher"
    assert case.needs_date is True and case.due_date is None  # no deadline known anywhere
    assert kinds == ["opened", "reply_queued"]
    (reply,) = replies(engine)
    sent = message_from_bytes(reply.raw, policy=policy.default)
    assert case.reference in sent["Subject"]
    assert "submission deadline" in sent.get_body(("plain",)).get_content()


def test_member_cohort_supplies_the_deadline(engine: Engine, services: TriageServices) -> None:
    deadline = date(2026, 2, 27)
    with session_scope(engine) as session:
        upsert_members(session=session, rows=[MemberRow("ann@example.org", "Ann T", "SET42", 7)])
    with_cohort = dataclasses.replace(services, cohorts={7: Cohort(7, date(2025, 10, 1),
                                                                    deadline)})
    pk = deliver(engine, build_mail(*EXTENSION, message_id="<ext2@example.org>"))
    run(engine, with_cohort)
    with Session(engine) as session:
        case = session.get(Case, message(engine, pk).case_id)
    # terms 5.6: request_by = deadline - 6 weeks = 16 Jan 2026; asked 12 Jan: in time
    assert case.rule == "extension" and case.needs_date is False
    assert case.dates["request_by"] == "2026-01-16" and case.in_time is True
    # staff must decide before the portfolio is due: the case is due on the deadline
    assert case.due_date == deadline and case.membership_number == "SET42"
    assert "5.6" in case.clause


def test_late_request_gets_the_late_notice_citing_the_clause(
        engine: Engine, services: TriageServices) -> None:
    with session_scope(engine) as session:
        upsert_members(session=session, rows=[MemberRow("ann@example.org", "Ann", None, 7)])
    late = dataclasses.replace(services, cohorts={7: Cohort(7, None, NOW.date() + timedelta(10))})
    pk = deliver(engine, build_mail(*EXTENSION, message_id="<ext3@example.org>"))
    run(engine, late)
    with Session(engine) as session:
        case = session.get(Case, message(engine, pk).case_id)
    assert case.in_time is False
    (reply,) = replies(engine)
    assert reply.kind == "late_request" and reply.status == "queued"
    text = message_from_bytes(reply.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert case.clause in text and "after the time allowed" in text


@pytest.mark.parametrize("how", ["in-reply-to", "our-reply", "references", "subject"])
def test_replies_thread_onto_the_case(engine: Engine, services: TriageServices,
                                      how: str) -> None:
    first = deliver(engine, build_mail(*EXTENSION, message_id="<t0@example.org>"))
    run(engine, services)
    case_id = message(engine, first).case_id
    ack = replies(engine)[0]
    with Session(engine) as session:
        reference = session.get(Case, case_id).reference
    headers = {
        "in-reply-to": {"In_Reply_To": "<t0@example.org>"},
        "our-reply": {"In_Reply_To": ack.rfc_message_id},
        "references": {"References": "<unknown@x> <t0@example.org> <other@x>"},
        "subject": {},
    }[how]
    subject = f"Re: Extension [{reference}]" if how == "subject" else "Re: Extension request"
    pk = deliver(engine, build_mail(subject, "Thank you. I attach my doctor's letter as you "
                                    "asked.", message_id="<t1@example.org>", **headers))
    run(engine, services)
    row = message(engine, pk)
    assert (row.outcome, row.case_id) == ("threaded", case_id)
    with Session(engine) as session:
        events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()
        assert [e.kind for e in events][-1] == "message"
        assert session.exec(select(Case)).all() == [session.get(Case, case_id)]  # one case
    assert len(replies(engine)) == 1  # no second acknowledgement
    with Session(engine) as session:
        stats = count_stats(session=session)
    assert (stats.cases, stats.threaded) == (1, 1)


@pytest.mark.parametrize("headers, envelope_from", [
    ({"Auto_Submitted": "auto-replied"}, "ann@example.org"),
    ({"X_Autoreply": "yes"}, "ann@example.org"),
    ({"X_Autorespond": "on holiday"}, "ann@example.org"),
    ({}, ""),  # null return path: a bounce (RFC 5321 4.5.5)
])
def test_automatic_mail_is_stored_and_ignored(engine: Engine, services: TriageServices,
                                              headers: dict[str, str],
                                              envelope_from: str) -> None:
    pk = deliver(engine, build_mail(*EXTENSION, message_id="<auto@example.org>", **headers),
                 envelope_from=envelope_from)
    run(engine, services)
    row = message(engine, pk)
    assert (row.status, row.outcome) == ("triaged", "ignored") and row.outcome_reason
    assert replies(engine) == []


@pytest.mark.parametrize("headers", [
    {"Precedence": "bulk"},
    {"List_Id": "<teachers.lists.example.org>", "List_Unsubscribe": "<mailto:u@lists.org>"},
    {"X_Auto_Response_Suppress": "All"},
])
def test_list_and_bulk_mail_is_triaged_but_never_answered(engine: Engine,
                                                          services: TriageServices,
                                                          headers: dict[str, str]) -> None:
    """A member's request sent through a list is still a case for staff (issue 5: only
    automatic replies and bounces are ignored), but gets no automatic reply (RFC 3834)."""
    pk = deliver(engine, build_mail(*EXTENSION, message_id="<list@example.org>", **headers))
    (result,) = triage_batch(engine=engine, services=services, clock=lambda: NOW)
    assert message(engine, pk).outcome == "case"
    assert result.reply is None and result.reply_withheld.startswith("automatic message")
    assert replies(engine) == []


@pytest.mark.parametrize("sender", ["No Reply <noreply@example.org>",
                                    "Us <membership@set.test>", "Inbox <ats@set.test>"])
def test_no_auto_reply_to_noreply_or_our_own_addresses(engine: Engine, services: TriageServices,
                                                       sender: str) -> None:
    pk = deliver(engine, build_mail(*EXTENSION, sender=sender, message_id="<nr@example.org>"))
    run(engine, services)
    assert message(engine, pk).outcome == "case"  # still a case for staff
    assert replies(engine) == []


def test_at_most_n_auto_replies_per_sender_per_day(engine: Engine,
                                                   services: TriageServices) -> None:
    capped = dataclasses.replace(services, settings=services.settings.model_copy(
        update={"auto_replies_per_sender_per_day": 2}))
    for n in range(4):
        deliver(engine, build_mail(f"{EXTENSION[0]} {n}", EXTENSION[1],
                                   message_id=f"<cap{n}@example.org>"))
    assert drain(engine=engine, services=capped, clock=lambda: NOW) == 4
    assert len(replies(engine)) == 2
    with Session(engine) as session:
        assert len(session.exec(select(Case)).all()) == 4


def test_attachments_are_kept_with_hash_and_size_limit(engine: Engine,
                                                       services: TriageServices) -> None:
    small = dataclasses.replace(services, settings=services.settings.model_copy(
        update={"max_attachment_bytes": 100}))
    from email.message import EmailMessage
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ann@example.org", "ats@set.test", EXTENSION[0]
    mail["Message-ID"] = "<att@example.org>"
    mail.set_content(EXTENSION[1])
    mail.add_attachment(b"%PDF small", maintype="application", subtype="pdf",
                        filename="letter.pdf")
    mail.add_attachment(b"x" * 500, maintype="image", subtype="png", filename="scan.png")
    deliver(engine, bytes(mail))
    run(engine, small)
    with Session(engine) as session:
        rows = session.exec(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.filename, a.size, a.too_large, a.data) for a in rows] == [
        ("letter.pdf", 10, False, b"%PDF small"), ("scan.png", 500, True, None)]


def test_result_is_json_ready(engine: Engine, services: TriageServices) -> None:
    from ats_helpdesk.store.messages import claim_next_message
    from ats_helpdesk.triage import triage_message

    deliver(engine, build_mail(*EXTENSION, message_id="<json@example.org>"))
    with session_scope(engine) as session:
        result = triage_message(session=session, message=claim_next_message(session=session),
                                services=services, now=NOW)
    assert isinstance(result, TriageResult)
    data = result.as_json()
    assert data["outcome"] == "case" and data["case_reference"].startswith("ATS-")
    assert data["reply"] == "acknowledgement_extension_request"


OBJECTION = ("Objection to the support I received", "Dear SET, I wish to object to the "
             "sufficiency of the support I received during ATS. My mentor sessions were "
             "cancelled repeatedly and I had no feedback. I received my outcome on 5 January "
             "2026. Please send me the objection form. Ann Teacher")


def test_dates_from_the_message_facts(engine: Engine, services: TriageServices) -> None:
    if services.extract_facts is None:
        pytest.fail("ats_helpdesk.facts.extract_facts should be available")
    pk = deliver(engine, build_mail(*OBJECTION, message_id="<obj1@example.org>"))
    run(engine, services)
    with Session(engine) as session:
        case = session.get(Case, message(engine, pk).case_id)
    assert case.intent == "objection" and case.rule == "objection"
    # policy 9.1: outcome Mon 5 Jan 2026 + 10 working days = Mon 19 Jan; the form (this
    # message, Mon 12 Jan) is in time; the response is due 10 working days later, 26 Jan
    assert case.dates["window_closes"] == "2026-01-19" and case.in_time is True
    assert case.dates["response_due"] == "2026-01-26" and case.due_date == date(2026, 1, 26)
    assert case.facts["roles"]["outcome_received"] == "2026-01-05"
    text = message_from_bytes(replies(engine)[0].raw, policy=policy.default).get_body(
        ("plain",)).get_content()
    assert "Monday 26 January 2026" in text


def test_a_reply_with_the_missing_date_completes_the_case(engine: Engine,
                                                          services: TriageServices) -> None:
    body = OBJECTION[1].replace(" I received my outcome on 5 January 2026.", "")
    first = deliver(engine, build_mail(OBJECTION[0], body, message_id="<obj2@example.org>"))
    run(engine, services)
    case_id = message(engine, first).case_id
    with Session(engine) as session:
        assert session.get(Case, case_id).needs_date is True
    deliver(engine, build_mail("Re: Objection", "I received my outcome on 5 January 2026.",
                               message_id="<obj3@example.org>", In_Reply_To="<obj2@example.org>"))
    run(engine, services)
    with Session(engine) as session:
        case = session.get(Case, case_id)
        kinds = [e.kind for e in session.exec(select(CaseEvent).where(
            CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()]
    assert case.needs_date is False and case.dates["window_closes"] == "2026-01-19"
    assert kinds[0] == "opened" and kinds.index("message") < kinds.index("dates")


def test_a_question_on_an_open_case_becomes_a_note_for_staff(
        engine: Engine, services: TriageServices) -> None:
    first = deliver(engine, build_mail(*EXTENSION, message_id="<n0@example.org>"))
    run(engine, services)
    case_id = message(engine, first).case_id
    pk = deliver(engine, build_mail(f"Re: {FAQ[0]}", FAQ[1], message_id="<n1@example.org>",
                                    In_Reply_To="<n0@example.org>"))
    run(engine, services)
    assert message(engine, pk).outcome == "threaded"
    with Session(engine) as session:
        notes = session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                     CaseEvent.kind == "note")).all()
    (note,) = notes
    assert note.detail["message"] == pk and "£760" in note.detail["answer"]
    assert len(replies(engine)) == 1  # only the first acknowledgement went to the member


def test_membership_number_in_the_signature_reaches_the_case(engine: Engine,
                                                              services: TriageServices) -> None:
    body = (EXTENSION[1].removesuffix("Kind regards, Ann Teacher")
            + "\n\nKind regards\n\nAnn Teacher\nLecturer in Health and Social Care\n"
            "Membership no. 104233\n")
    pk = deliver(engine, build_mail(EXTENSION[0], body, message_id="<ext-sig@example.org>"))
    run(engine, services)
    with Session(engine) as session:
        case = session.get(Case, message(engine, pk).case_id)
    assert case.intent == "extension_request" and case.membership_number == "104233"
