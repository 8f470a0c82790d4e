"""Held-out questions through ``POST /api/ask``: the answerer's bars hold at the edge.

The ``test`` split of ``tests/data/faq_questions.yaml`` (never fitted on) goes through
the real app, as the widget sends it; the figures are computed as
``ats-helpdesk eval faq`` computes them (``faq_eval``): precision of the answers given
>= 95%, coverage of the answerable >= 80%, abstention on the unanswerable >= 80%.
A question over the API's 2,000 characters is refused (422) and counts as not answered.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ats_helpdesk.faq_eval import load_labelled

LABELLED = Path(__file__).resolve().parents[1] / "data" / "faq_questions.yaml"


def test_precision_and_coverage_through_the_api(app: FastAPI, client: TestClient) -> None:
    questions = [q for q in load_labelled(LABELLED) if q.split == "test"]
    handover = {e.id for e in app.state.widget_answers.answerer().knowledge.entries if e.handover}
    given = right = answerable = covered = unanswerable = abstained = 0
    for question in questions:
        response = client.post("/api/ask", json={"question": question.text})
        assert response.status_code in (200, 422), response.text
        body = response.json() if response.status_code == 200 else {"answered": False}
        answered = bool(body["answered"])
        is_answerable = bool(question.expect) and not set(question.expect) & handover
        given += answered
        right += answered and body["faq_id"] in question.expect
        if is_answerable:
            answerable += 1
            covered += answered
        else:
            unanswerable += 1
            abstained += not answered
    precision, coverage = right / given, covered / answerable
    abstention = abstained / unanswerable
    report = f"precision {precision:.3f} ({given} given), coverage {coverage:.3f}, " \
        f"abstention {abstention:.3f} on {len(questions)} held-out questions"
    print(report)
    assert len(questions) >= 150
    assert precision >= 0.95, report
    assert coverage >= 0.80, report
    assert abstention >= 0.80, report
