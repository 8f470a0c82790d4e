"""The real knowledge base through the labelled set: issue 3's bars on the held-out test split."""

from __future__ import annotations

from pathlib import Path

import pytest

from ats_helpdesk import faq_eval
from ats_helpdesk.answer import Answerer

LABELLED = Path(__file__).resolve().parents[1] / "data" / "faq_questions.yaml"


@pytest.fixture(scope="module")
def questions() -> list[faq_eval.LabelledQuestion]:
    return faq_eval.load_labelled(LABELLED)


def test_labelled_set_shape(questions: list[faq_eval.LabelledQuestion]) -> None:
    assert len(questions) >= 260
    assert len({q.id for q in questions}) == len(questions)
    assert sum(not q.expect for q in questions) >= 50
    assert sum(q.expect == ("ats-faq-15",) for q in questions) >= 3
    assert {q.split for q in questions} == {"tune", "test"}
    assert sum("\n" in q.text.strip() for q in questions) >= 40  # emails, not only one-liners


def test_every_label_names_a_knowledge_entry(
    questions: list[faq_eval.LabelledQuestion], real_answerer: Answerer
) -> None:
    assert faq_eval.unknown_labels(questions, real_answerer) == []


def test_bars_on_the_test_split(
    questions: list[faq_eval.LabelledQuestion], real_answerer: Answerer
) -> None:
    test = [q for q in questions if q.split == "test"]
    data = faq_eval.report(faq_eval.run(real_answerer, test), real_answerer.threshold)
    summary = {k: data[k] for k in ("precision", "coverage", "abstention", "answered")}
    assert data["precision"] >= 0.95, summary
    assert data["coverage"] >= 0.80, summary
    assert data["abstention"] >= 0.80, summary


@pytest.mark.parametrize(
    ("question", "never"),
    [
        (
            "how do i appeal against my AST assessment result",
            ("terms-appeal", "terms-disagree-decision"),
        ),
        ("how much does AST cost", ("ats-faq-12",)),
        ("how do I appeal the decision not to award me ATS", ("ast-review-request",)),
        ("how much do you get paid with ATS", ("ast-pay",)),
        ("I have QTS, what is professional formation", ("policy-qtls-professional-formation",)),
    ],
)
def test_scheme_mix_ups_never_get_the_other_schemes_answer(
    real_answerer: Answerer, question: str, never: tuple[str, ...]
) -> None:
    result = real_answerer.ask(question)
    assert result.faq_id not in never, result.model_dump()


def test_faq_15_hands_over(real_answerer: Answerer) -> None:
    result = real_answerer.ask("I mostly deliver staff training - am I eligible for ATS?")
    assert not result.answered
    assert result.reason is not None and "ats-faq-15" in result.reason
