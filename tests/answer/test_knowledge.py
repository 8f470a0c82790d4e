"""knowledge.py: a broken knowledge base is reported loudly, naming the file and the field."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ats_helpdesk.content import Content
from ats_helpdesk.knowledge import KnowledgeError, check_knowledge, load_knowledge

from .conftest import ENTRIES, REMOVE, entries_with


def _problems(content: Content) -> list[str]:
    knowledge, problems = check_knowledge(content.knowledge)
    assert knowledge is None
    return [str(p) for p in problems]


def test_fixture_kb_loads_with_citations(fixture_content: Content) -> None:
    knowledge = load_knowledge(fixture_content.knowledge)
    assert [e.id for e in knowledge.entries] == sorted(e["id"] for e in ENTRIES)
    fee = knowledge.by_id("ats-faq-12")
    assert knowledge.cite(fee.sources[0]) == "ATS terms and conditions (2020), 2.1-2.2"
    assert check_knowledge(fixture_content.knowledge)[1] == []


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"phrasings": ["one", "two"]}, "phrasings", "at least 5"),
        ({"sources": [{"doc": "pamphlet", "ref": "1"}]}, "sources[0].doc", "unknown document"),
        ({"answer": "word " * 130}, "answer", "130 words"),
        ({"answer": None}, "answer", "handover"),
        ({"as_of": "last year"}, "as_of", "date"),
        ({"anwser": "typo"}, "anwser", "not a field"),
        ({"question": REMOVE}, "question", "required"),
        ({"sources": []}, "sources", "at least 1"),
        ({"supersedes": [{"doc": "faq", "ref": "Q12"}]}, "supersedes[0].note", "required"),
    ],
)
def test_a_broken_entry_names_file_and_field(
    make_kb: Callable[..., Content], changes: dict, field: str, words: str
) -> None:
    content = make_kb(entries_with("ats-faq-12", **changes))
    problems = _problems(content)
    assert any(
        p.startswith(f"knowledge/entries/ats-faq-12.yaml: {field}:") and words in p
        for p in problems
    ), problems


def test_unknown_superseded_document_is_named(make_kb: Callable[..., Content]) -> None:
    changes = {"supersedes": [{"doc": "leaflet", "ref": "p2", "note": "old fee"}]}
    problems = _problems(make_kb(entries_with("ats-faq-12", **changes)))
    assert any(
        "ats-faq-12.yaml: supersedes[0].doc: unknown document 'leaflet'" in p for p in problems
    )


def test_duplicate_ids_and_file_name_mismatch(make_kb: Callable[..., Content]) -> None:
    content = make_kb()
    twin = content.knowledge / "entries" / "copy-of-fee.yaml"
    twin.write_text(
        (content.knowledge / "entries" / "ats-faq-12.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    problems = _problems(content)
    assert any("copy-of-fee.yaml: id: duplicate id 'ats-faq-12'" in p for p in problems)
    assert any("copy-of-fee.yaml: id: is 'ats-faq-12' but the file is named" in p for p in problems)


def test_faq_ids_are_two_digits(make_kb: Callable[..., Content]) -> None:
    entries = entries_with("ats-faq-12", id="ats-faq-7")
    content = make_kb(entries)
    assert any("ats-faq-7.yaml: id: FAQ ids are ats-faq-NN" in p for p in _problems(content))


def test_invalid_yaml_names_the_line(make_kb: Callable[..., Content]) -> None:
    content = make_kb()
    (content.knowledge / "entries" / "broken.yaml").write_text(
        "id: broken\nquestion: [unclosed\n", encoding="utf-8"
    )
    assert any(p.startswith("knowledge/entries/broken.yaml: line ") for p in _problems(content))


def test_a_key_given_twice_names_the_line(make_kb: Callable[..., Content]) -> None:
    # PyYAML would keep the second block and drop the first without a word.
    content = make_kb()
    path = content.knowledge / "entries" / "terms-certificate.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, "phrasings:", "- only this one"]) + "\n", encoding="utf-8")
    problems = _problems(content)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"knowledge/entries/terms-certificate.yaml: line {len(lines) + 1}: is not valid YAML: "
        "the key 'phrasings' is given twice"
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("sources:\n  - {doc: terms, doc: faq, ref: '1'}\n", "the key 'doc' is given twice"),
        ("? [a, b]\n: 1\n", "unhashable"),
    ],
)
def test_odd_yaml_keys_are_reported_not_raised(
    make_kb: Callable[..., Content], text: str, words: str
) -> None:
    content = make_kb()
    (content.knowledge / "entries" / "odd.yaml").write_text(text, encoding="utf-8")
    assert any(
        p.startswith("knowledge/entries/odd.yaml: line ") and words in p
        for p in _problems(content)
    ), _problems(content)


def test_yaml_merge_keys_still_work(make_kb: Callable[..., Content]) -> None:
    content = make_kb()
    (content.knowledge / "sources.yaml").write_text(
        "base: &base {title: Shared title, date: 2020-10-01}\n"
        "terms: {<<: *base, title: ATS terms and conditions}\n"
        "faq: {title: ATS FAQ, date: 2016-01-01}\n"
        "ast-booklet: {<<: *base, title: AST booklet}\n",
        encoding="utf-8",
    )
    knowledge = load_knowledge(content.knowledge)
    assert knowledge.sources["terms"].title == "ATS terms and conditions"


def test_colliding_phrasings_across_entries(make_kb: Callable[..., Content]) -> None:
    viva = next(e for e in ENTRIES if e["id"] == "terms-viva-video")
    phrasings = [*viva["phrasings"], "What is the fee for ATS?"]
    problems = _problems(make_kb(entries_with("terms-viva-video", phrasings=phrasings)))
    assert any("phrasings[5]" in p and "ats-faq-12.yaml" in p for p in problems), problems


def test_missing_sources_file(make_kb: Callable[..., Content]) -> None:
    content = make_kb()
    (content.knowledge / "sources.yaml").unlink()
    assert any(
        p.startswith("knowledge/sources.yaml: (file): is missing") for p in _problems(content)
    )


def test_load_raises_with_every_problem(make_kb: Callable[..., Content]) -> None:
    entries = entries_with("ats-faq-12", phrasings=["one"])
    entries = [e if e["id"] != "terms-certificate" else {**e, "as_of": "soon"} for e in entries]
    content = make_kb(entries)
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(content.knowledge)
    message = str(raised.value)
    assert "ats-faq-12.yaml: phrasings" in message
    assert "terms-certificate.yaml: as_of" in message
    assert len(raised.value.problems) == 2


def test_real_knowledge_base_is_valid(content: Content) -> None:
    knowledge, problems = check_knowledge(content.knowledge)
    assert problems == []
    assert knowledge is not None
    ids = {e.id for e in knowledge.entries}
    assert {f"ats-faq-{n:02d}" for n in range(1, 36)} <= ids
    assert knowledge.by_id("ats-faq-15").handover and knowledge.by_id("ats-faq-15").answer is None
