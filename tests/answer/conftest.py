"""Fixtures for the answerer's tests: a small knowledge base written into a tmp dir."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from ats_helpdesk.answer import Answerer
from ats_helpdesk.calibration import load_calibration
from ats_helpdesk.content import Content
from ats_helpdesk.knowledge import load_knowledge

SOURCES = {
    "terms": {"title": "ATS terms and conditions", "date": date(2020, 10, 1)},
    "faq": {"title": "ATS FAQ", "date": date(2016, 1, 1)},
    "ast-booklet": {"title": "AST booklet", "date": date(2006, 5, 25)},
}


def _entry(
    entry_id: str,
    question: str,
    phrasings: list[str],
    answer: str | None,
    sources: list[dict[str, str]],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": entry_id,
        "question": question,
        "phrasings": phrasings,
        "answer": answer,
        "sources": sources,
        "as_of": "2020-10-01",
        "tags": extra.pop("tags", []),
        **extra,
    }


ENTRIES = [
    _entry(
        "ats-faq-12",
        "How much does ATS cost?",
        [
            "what is the fee for ATS",
            "ats price",
            "can I pay for ATS by direct debit",
            "how much is the deposit for ATS",
            "cost of advanced teacher status",
        ],
        "ATS costs £760: £160 on acceptance, then six payments of £100.",
        [{"doc": "terms", "ref": "2.1-2.2"}],
        tags=["fees"],
    ),
    _entry(
        "terms-viva-video",
        "Can I attend the viva by video conference?",
        [
            "can i do the viva on zoom",
            "remote viva",
            "viva by video call instead of London",
            "do I have to travel to London for the viva",
            "online viva possible?",
        ],
        "Only exceptionally: ask the Head of ATS to approve attending by video conference.",
        [{"doc": "terms", "ref": "4.3"}],
    ),
    _entry(
        "terms-extension-grounds",
        "On what grounds can I get an extension?",
        [
            "can i get an extension to my deadline",
            "reasons accepted for an extension",
            "more time to submit my workbook",
            "extension for illness or bereavement",
            "what counts as exceptional circumstances",
        ],
        "Exceptional circumstances out of your control, such as illness or bereavement.",
        [{"doc": "terms", "ref": "5.1-5.2"}],
    ),
    _entry(
        "ast-review-request",
        "How do I ask for my AST assessment to be reviewed?",
        [
            "review of my AST assessment",
            "challenge the advanced skills teacher assessment",
            "AST assessor ignored my evidence",
            "deadline to ask for an AST review",
            "appeal an AST assessment outcome",
        ],
        "Apply for a review within 40 working days of receiving the assessor's decision.",
        [{"doc": "ast-booklet", "ref": "Annex D 2"}],
        tags=["ast"],
    ),
    _entry(
        "ats-faq-15",
        "I am a teacher educator. Am I eligible to apply?",
        [
            "im a teacher educator can i apply",
            "I train teachers, am I eligible",
            "staff trainer eligibility for ATS",
            "does teaching trainee teachers count",
            "ATS for teacher educators",
        ],
        None,
        [{"doc": "faq", "ref": "Q15"}],
        handover=True,
    ),
    _entry(
        "terms-certificate",
        "When will I get my ATS certificate?",
        [
            "how long for my certificate",
            "when does the paper certificate arrive",
            "electronic certificate timing",
            "certificate after being awarded ATS",
            "I passed, where is my certificate",
        ],
        "An electronic copy within two weeks of the award; a hard copy within three months.",
        [{"doc": "terms", "ref": "6.3"}],
    ),
]


def write_kb(
    root: Path, entries: list[dict[str, Any]] | None = None, sources: dict[str, Any] | None = None
) -> Content:
    """A content folder under ``root`` holding the given knowledge base."""
    knowledge = root / "knowledge"
    (knowledge / "entries").mkdir(parents=True, exist_ok=True)
    for folder in ("intents", "templates"):
        (root / folder).mkdir(exist_ok=True)
    (knowledge / "sources.yaml").write_text(
        yaml.safe_dump(SOURCES if sources is None else sources), encoding="utf-8"
    )
    for entry in ENTRIES if entries is None else entries:
        path = knowledge / "entries" / f"{entry['id']}.yaml"
        path.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    return Content(root)


@pytest.fixture
def make_kb(tmp_path: Path) -> Callable[..., Content]:
    def make(entries: list[dict[str, Any]] | None = None, **kwargs: Any) -> Content:
        return write_kb(tmp_path / "content", entries, **kwargs)

    return make


@pytest.fixture
def fixture_content(make_kb: Callable[..., Content]) -> Content:
    return make_kb()


@pytest.fixture
def fixture_answerer(fixture_content: Content) -> Answerer:
    return Answerer(load_knowledge(fixture_content.knowledge), load_calibration())


@pytest.fixture(scope="session")
def real_answerer(content: Content) -> Answerer:
    return Answerer.from_content(content)


REMOVE = object()


def entries_with(entry_id: str, **changes: Any) -> list[dict[str, Any]]:
    """The fixture entries with one entry's fields changed (``REMOVE`` removes the key)."""
    out = []
    for entry in ENTRIES:
        entry = dict(entry)
        if entry["id"] == entry_id:
            for key, value in changes.items():
                if value is REMOVE:
                    entry.pop(key, None)
                else:
                    entry[key] = value
        out.append(entry)
    return out
