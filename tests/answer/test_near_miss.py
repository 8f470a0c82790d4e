"""near_miss.py and the ``not_answered`` field: where an entry's answer stops."""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from ats_helpdesk import faq_eval
from ats_helpdesk.answer import Answerer
from ats_helpdesk.calibration import load_calibration
from ats_helpdesk.content import Content
from ats_helpdesk.knowledge import Entry, check_knowledge, load_knowledge
from ats_helpdesk.near_miss import NearMissIndex

from .conftest import ENTRIES, entries_with

FEE_NEAR_MISSES = [
    "is there a refund of the ats fee if i withdraw",
    "does my college get a discount on the ats fee for a group",
    "can i pay the ats fee with the apprenticeship levy",
]


def _entries(**changes: object) -> list[Entry]:
    return [Entry.model_validate(raw) for raw in entries_with("ats-faq-12", **changes)]


def test_a_question_nearer_a_recorded_near_miss_is_caught() -> None:
    index = NearMissIndex(_entries(not_answered=FEE_NEAR_MISSES))
    assert len(index) == 3
    near = index.check("Can I pay the ATS fee through the apprenticeship levy?")
    assert near is not None
    assert near.entry_id == "ats-faq-12"
    assert near.question == FEE_NEAR_MISSES[2]
    assert near.similarity > near.phrasing_similarity


def test_the_entrys_own_questions_are_not_caught() -> None:
    index = NearMissIndex(_entries(not_answered=FEE_NEAR_MISSES))
    for question in ("How much does ATS cost?", "what is the fee for ATS", "ats price"):
        assert index.check(question) is None, question


def test_no_recorded_near_misses_catches_nothing() -> None:
    index = NearMissIndex([Entry.model_validate(raw) for raw in ENTRIES])
    assert len(index) == 0
    assert index.check("can i pay the ats fee with the apprenticeship levy") is None
    assert index.check("") is None


def test_the_answerer_hands_over_a_near_miss_and_says_which(
    make_kb: Callable[..., Content],
) -> None:
    question = "can i pay the ats fee with the apprenticeship levy?"
    before = Answerer(load_knowledge(make_kb().knowledge), load_calibration(), threshold=0.0)
    assert before.ask(question).faq_id == "ats-faq-12"  # what the entry alone would do
    content = make_kb(entries_with("ats-faq-12", not_answered=FEE_NEAR_MISSES))
    answerer = Answerer(load_knowledge(content.knowledge), load_calibration(), threshold=0.0)
    result = answerer.ask(question)
    assert not result.answered
    assert "apprenticeship levy" in str(result.reason)
    assert "listed under ats-faq-12" in str(result.reason)
    assert [s.faq_id for s in result.suggestions][:1] == ["ats-faq-12"]
    assert answerer.ask("How much does ATS cost?").faq_id == "ats-faq-12"


def test_a_near_miss_copying_a_phrasing_is_an_error(make_kb: Callable[..., Content]) -> None:
    copied = ["what is the fee for ats?", "posted abroad"]
    content = make_kb(entries_with("terms-certificate", not_answered=copied))
    knowledge, problems = check_knowledge(content.knowledge)
    assert knowledge is None
    assert [str(p) for p in problems] == [
        "knowledge/entries/terms-certificate.yaml: not_answered[0]: 'what is the fee for ats' "
        "is 100% like knowledge/entries/ats-faq-12.yaml phrasings[0] 'what is the fee for ats'; "
        "a question cannot be both answered and not answered"
    ]


def test_other_schemes_and_hand_over_phrasings_are_no_copies(
    make_kb: Callable[..., Content],
) -> None:
    # "... AST review" is not "... ATS review" (DOMAIN.md), and a hand-over entry's
    # phrasing (FAQ 15) is a question the knowledge base does not answer either.
    content = make_kb(
        entries_with(
            "ast-review-request",
            not_answered=["review of my ATS assessment", "im a teacher educator can i apply"],
        )
    )
    assert check_knowledge(content.knowledge)[1] == []


def test_near_miss_field_errors_name_file_and_field(make_kb: Callable[..., Content]) -> None:
    blank = make_kb(entries_with("ats-faq-12", not_answered=["fine", "  "]))
    assert any(
        "ats-faq-12.yaml: not_answered: question 2 is blank" in str(p)
        for p in check_knowledge(blank.knowledge)[1]
    )
    handover = make_kb(entries_with("ats-faq-15", not_answered=["is faq 15 ever answered"]))
    assert any(
        "ats-faq-15.yaml: not_answered: a hand-over entry answers nothing" in str(p)
        for p in check_knowledge(handover.knowledge)[1]
    )


def test_the_shortlist_gives_the_decisions_of_scoring_every_text() -> None:
    entries = _entries(not_answered=FEE_NEAR_MISSES)
    exact = NearMissIndex(entries, shortlist=10**9)
    short = NearMissIndex(entries, shortlist=2)  # fewer than either kind: argpartition runs
    questions = [
        "Can I pay the ATS fee through the apprenticeship levy?",
        "is there a refund on the ats fee if i withdraw from the course",
        "how much does ats cost",
        "can i do the viva on zoom",
        "group discount on the fee for my college?",
    ]
    for question in questions:
        a, b = exact.check(question), short.check(question)
        assert (a and a.question) == (b and b.question), question
    with pytest.raises(ValueError, match="shortlist"):
        NearMissIndex(entries, shortlist=0)


def test_concurrent_checks_equal_sequential_ones(real_answerer: Answerer) -> None:
    # The web app answers on a thread pool with one shared answerer.
    index = real_answerer.near_misses
    questions = [
        *(e.question for e in real_answerer.knowledge.entries),
        *(q for e in real_answerer.knowledge.entries for q in e.not_answered[:3]),
    ]
    expected = [index.check(q) for q in questions]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(3):
                assert list(pool.map(index.check, questions)) == expected
    finally:
        sys.setswitchinterval(interval)


def test_an_email_is_checked_on_its_asking_sentence(make_kb: Callable[..., Content]) -> None:
    content = make_kb(entries_with("ats-faq-12", not_answered=FEE_NEAR_MISSES))
    answerer = Answerer(load_knowledge(content.knowledge), load_calibration(), threshold=0.0)
    email = (
        "Subject: ATS fee\n\nDear membership team,\n\nMy college has an apprenticeship levy "
        "budget left this year. Can I pay the ATS fee with the apprenticeship levy?\n\n"
        "Kind regards,\nSam Jones"
    )
    result = answerer.ask(email)
    assert not result.answered
    assert "listed under ats-faq-12" in str(result.reason)


def test_eval_keeps_a_near_miss_unanswered_at_every_threshold(
    make_kb: Callable[..., Content],
) -> None:
    content = make_kb(entries_with("ats-faq-12", not_answered=FEE_NEAR_MISSES))
    answerer = Answerer(load_knowledge(content.knowledge), load_calibration())
    question = faq_eval.LabelledQuestion(
        id="levy", text="can i pay the ats fee with the apprenticeship levy", expect=(), split=None
    )
    outcomes = faq_eval.run(answerer, [question])
    assert outcomes[0].handover_top and not outcomes[0].answered
    assert not faq_eval.redecide(outcomes, 0.0)[0].answered
