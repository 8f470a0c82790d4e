"""answer.py and retrieval.py on a fixture knowledge base: answers, abstains, never crashes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ats_helpdesk.answer import MAX_CHARS, Answerer, AskResult, clean_input
from ats_helpdesk.calibration import (
    CALIBRATION_FILE,
    FEATURES,
    CalibrationError,
    load_calibration,
)
from ats_helpdesk.question_text import (
    acronym_conflict,
    acronyms,
    answer_kinds,
    normalise_text,
    question_kinds,
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how much is ATS? is there a deposit", "ats-faq-12"),
        (
            "Is it possible to do the viva over video rather than going to London?",
            "terms-viva-video",
        ),
        ("my mum died last month, could I have more time to submit?", "terms-extension-grounds"),
        ("when will my certificate arrive now that I've passed", "terms-certificate"),
    ],
)
def test_retrieval_ranks_the_right_entry_first(
    fixture_answerer: Answerer, question: str, expected: str
) -> None:
    judgement = fixture_answerer.judge(question)
    assert judgement.retrieval is not None
    top = fixture_answerer.knowledge.entries[judgement.retrieval.ranked[0].entry_index]
    assert top.id == expected


def test_a_confident_answer_carries_sources(fixture_answerer: Answerer) -> None:
    result = fixture_answerer.ask("how much does ATS cost, can i pay by direct debit?")
    assert result.answered and result.faq_id == "ats-faq-12"
    assert result.answer is not None and "£760" in result.answer
    assert result.sources == ["ATS terms and conditions (2020), 2.1-2.2"]
    assert 0.0 <= result.confidence <= 1.0
    assert set(result.model_dump()) == {
        "answered",
        "faq_id",
        "answer",
        "confidence",
        "sources",
        "suggestions",
        "reason",
    }


def test_the_question_is_found_inside_a_long_email(fixture_answerer: Answerer) -> None:
    email = (
        "Subject: quick question\n\nHello team,\nI hope you are all well and had a good summer. "
        "I have been teaching motor vehicle for eleven years and my college is very supportive. "
        "I passed my ATS viva in June and was delighted with the feedback from the panel. "
        "When will I receive my certificate? My principal wants to frame it for the staff room.\n"
        "Many thanks,\nKeith Ellis\nLecturer, Motor Vehicle"
    )
    result = fixture_answerer.ask(email)
    assert result.faq_id == "terms-certificate" or (
        not result.answered and result.suggestions[0].faq_id == "terms-certificate"
    )
    judgement = fixture_answerer.judge(email)
    assert judgement.retrieval is not None and "certificate" in judgement.retrieval.segment


def test_unrelated_question_abstains_with_suggestions(fixture_answerer: Answerer) -> None:
    result = fixture_answerer.ask("is there parking for bicycles near the office")
    assert not result.answered
    assert result.faq_id is None and result.answer is None and result.sources == []
    assert result.reason and "not confident" in result.reason
    assert 1 <= len(result.suggestions) <= 3
    assert all(s.faq_id != "ats-faq-15" for s in result.suggestions)


def test_handover_entry_as_top_match_abstains_with_reason(fixture_answerer: Answerer) -> None:
    result = fixture_answerer.ask("I'm a teacher educator, am I eligible to apply for ATS?")
    assert not result.answered and result.faq_id is None
    assert result.reason is not None and "ats-faq-15" in result.reason


def test_ast_question_never_gets_an_ats_answer(fixture_answerer: Answerer) -> None:
    result = fixture_answerer.ask("how much does AST cost")
    assert result.faq_id != "ats-faq-12"
    review = fixture_answerer.ask("how do I ask for a review of my ATS result?")
    assert review.faq_id != "ast-review-request"


def test_acronym_conflict_rules() -> None:
    assert acronyms(normalise_text("Advanced Skills Teachers and QTLS")) == {"ast", "qtls"}
    assert acronym_conflict(frozenset({"ast"}), frozenset({"ats"}))
    assert acronym_conflict(frozenset({"ats"}), frozenset({"ast"}))
    assert acronym_conflict(frozenset({"qts"}), frozenset({"qtls"}))
    # A question that names both schemes of a pair sets them against each other: only
    # an entry about both (ast-vs-ats, untangle-qts-qtls, FAQ 18) may answer it.
    assert acronym_conflict(frozenset({"ats", "ast"}), frozenset({"ast"}))
    assert acronym_conflict(frozenset({"ats", "ast"}), frozenset({"ats"}))
    assert not acronym_conflict(frozenset({"ats", "ast"}), frozenset({"ats", "ast"}))
    assert acronym_conflict(frozenset({"qts", "qtls"}), frozenset({"qtls"}))
    assert acronym_conflict(frozenset({"ats"}), frozenset({"ats", "ast"}))  # ast-vs-ats needs AST
    assert acronym_conflict(frozenset({"ats", "qtls"}), frozenset({"qts", "qtls"}))  # QTS named?
    assert not acronym_conflict(frozenset({"qtls"}), frozenset())
    assert not acronym_conflict(frozenset({"qts"}), frozenset({"qts", "qtls"}))
    assert acronym_conflict(frozenset(), frozenset({"ast"}))  # AST answers need AST named
    assert not acronym_conflict(frozenset({"ast"}), frozenset({"ast"}))
    assert acronym_conflict(frozenset({"qtls"}), frozenset({"ats"}))  # QTLS question, ATS entry
    assert not acronym_conflict(frozenset({"qtls", "ats"}), frozenset({"ats"}))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \n\t ", "blank"),
        ("\x00\x01\x02binary\x00", "binary"),
        (b"\xff\xfe\x00\x81", "binary"),
        ("?!... ---", "no words"),
        (12345, "not text"),
    ],
)
def test_bad_input_abstains_with_a_reason(
    fixture_answerer: Answerer, text: object, reason: str
) -> None:
    result = fixture_answerer.ask(text)  # type: ignore[arg-type]
    assert isinstance(result, AskResult)
    assert not result.answered and result.confidence == 0.0
    assert result.reason is not None and reason in result.reason


def test_over_long_input_uses_the_first_4000_characters(fixture_answerer: Answerer) -> None:
    text = "How much does ATS cost? " + "blah " * 2000
    assert len(text) > MAX_CHARS
    result = fixture_answerer.ask(text)
    assert result.reason is not None and "first 4,000" in result.reason
    tail_only = "blah " * 900 + " How much does ATS cost?"
    late = fixture_answerer.ask(tail_only + " filler" * 200)
    assert late.reason is not None and "4,000" in late.reason


def test_query_vectoriser_matches_scikit_learn(fixture_answerer: Answerer) -> None:
    index = fixture_answerer.index
    texts = [normalise_text(t) for t in ["how much is ats ats", "zzz", "", "viva on zoom please"]]
    for fitted, fast in (
        (index._word, index.word_vectoriser),
        (index._char, index.char_vectoriser),
    ):
        expected = fitted.transform(texts).toarray()
        assert np.allclose(fast.transform_matrix(texts).toarray(), expected, atol=1e-6)


def test_threshold_override(fixture_answerer: Answerer) -> None:
    strict = Answerer(fixture_answerer.knowledge, fixture_answerer.calibration, threshold=1.01)
    assert not strict.ask("how much does ATS cost").answered
    lenient = Answerer(fixture_answerer.knowledge, fixture_answerer.calibration, threshold=0.0)
    assert lenient.ask("how much does ATS cost").faq_id == "ats-faq-12"


def test_a_cost_question_never_gets_an_answer_without_a_sum(fixture_answerer: Answerer) -> None:
    assert question_kinds("how much does the video viva cost") == {"money"}
    assert question_kinds("how much time does my mentor need") == frozenset()
    assert answer_kinds("ATS costs £760 within two weeks") == {"money", "time"}
    lenient = Answerer(fixture_answerer.knowledge, fixture_answerer.calibration, threshold=0.0)
    result = lenient.ask("what is the price of attending the viva on zoom by video call?")
    assert result.faq_id != "terms-viva-video"
    if not result.answered:
        assert result.reason is not None and "cost or fee" in result.reason


def test_stale_calibration_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CalibrationError, match="refit"):
        load_calibration(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CalibrationError, match="cannot read"):
        load_calibration(path)
    assert load_calibration().features == FEATURES


def test_quoted_lines_of_earlier_mail_are_ignored(fixture_answerer: Answerer) -> None:
    email = (
        "Thanks. When will my certificate arrive?\n\n"
        "On 3 May, SET wrote:\n> ATS costs £760 and you can pay by direct debit.\n"
        "> How much is the deposit for ATS? what is the fee for ATS\n"
    )
    judgement = fixture_answerer.judge(clean_input(email)[0] or "")
    assert judgement.retrieval is not None
    top = fixture_answerer.knowledge.entries[judgement.retrieval.ranked[0].entry_index]
    assert top.id == "terms-certificate"
    assert clean_input("> only quoted")[0] == "> only quoted"
