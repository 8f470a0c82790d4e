"""The kb, ask and eval faq commands: thin, exit 2 on bad input, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ats_helpdesk.cli import main
from ats_helpdesk.content import Content

from .conftest import entries_with


def _run(content: Content, *args: str, stdin: str | None = None):
    runner = CliRunner()
    return runner.invoke(main, list(args), input=stdin, env={"ATS_CONTENT_DIR": str(content.root)})


def test_kb_check_passes_and_summarises(fixture_content: Content) -> None:
    result = _run(fixture_content, "kb", "check")
    assert result.exit_code == 0, result.output
    assert "ok: 6 entries (2 FAQ, 1 hand-over)" in result.stdout


def test_kb_check_fails_with_exit_2_naming_file_and_field(make_kb: Callable[..., Content]) -> None:
    content = make_kb(entries_with("terms-certificate", phrasings=["only one"]))
    result = _run(content, "kb", "check")
    assert result.exit_code == 2
    assert "knowledge/entries/terms-certificate.yaml: phrasings:" in result.stderr
    assert "Traceback" not in result.output


def test_kb_check_on_a_missing_folder(tmp_path: Path, fixture_content: Content) -> None:
    result = _run(fixture_content, "kb", "check", "--knowledge-dir", str(tmp_path / "nope"))
    assert result.exit_code == 2 and "is not a folder" in result.stderr


def test_ask_one_question_as_json(fixture_content: Content) -> None:
    result = _run(fixture_content, "ask", "how much does ATS cost?", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answered"] is True and data["faq_id"] == "ats-faq-12"
    assert data["sources"] == ["ATS terms and conditions (2020), 2.1-2.2"]


def test_ask_jsonl_answers_every_good_line_and_flags_bad_ones(fixture_content: Content) -> None:
    lines = "\n".join(
        [
            json.dumps({"id": "a", "q": "can I do the viva by video call?"}),
            "{not json",
            json.dumps({"id": "c", "question": "wrong field"}),
            "",
            json.dumps({"id": "d", "q": "   "}),
            json.dumps({"id": "e", "q": "is there bicycle parking"}),
        ]
    )
    result = _run(fixture_content, "ask", "--jsonl", "-", stdin=lines + "\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", None, "c", "d", "e"]
    assert rows[0]["answered"] and rows[0]["faq_id"] == "terms-viva-video"
    assert set(rows[0]) == {
        "id",
        "answered",
        "faq_id",
        "answer",
        "confidence",
        "sources",
        "suggestions",
        "reason",
    }
    assert "line 2" in rows[1]["error"] and "field 'q'" in rows[2]["error"]
    assert rows[3]["answered"] is False and "blank" in rows[3]["reason"]
    assert rows[4]["answered"] is False and rows[4]["faq_id"] is None
    assert "2 line(s) could not be read" in result.stderr


def test_ask_jsonl_from_a_file(fixture_content: Content, tmp_path: Path) -> None:
    path = tmp_path / "qs.jsonl"
    path.write_text(json.dumps({"id": 1, "q": "when does my certificate come"}) + "\n", "utf-8")
    result = _run(fixture_content, "ask", "--jsonl", str(path))
    assert json.loads(result.stdout)["faq_id"] == "terms-certificate"


def test_ask_needs_a_question_or_jsonl(fixture_content: Content) -> None:
    result = _run(fixture_content, "ask")
    assert result.exit_code == 2 and "QUESTION or --jsonl" in result.output


def test_ask_with_a_broken_kb_exits_2(make_kb: Callable[..., Content]) -> None:
    content = make_kb(entries_with("ats-faq-12", as_of="whenever"))
    result = _run(content, "ask", "how much is ATS")
    assert result.exit_code == 2 and "ats-faq-12.yaml: as_of" in result.stderr


def test_eval_faq_reports_figures(fixture_content: Content, tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(item)
            for item in [
                {"id": "1", "q": "what's the price of ATS", "faq_id": "ats-faq-12"},
                {"id": "2", "q": "viva over zoom?", "faq_id": "terms-viva-video"},
                {"id": "3", "q": "is there bicycle parking", "faq_id": None},
                {"id": "4", "q": "I train teachers, can I apply", "faq_id": "ats-faq-15"},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = _run(fixture_content, "eval", "faq", str(labelled), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["split"] == "all" and data["questions"] == 4
    assert data["answerable"] == 2 and data["unanswerable"] == 2
    assert data["precision"] == 1.0 and data["coverage"] == 1.0 and data["abstention"] == 1.0
    assert sum(row["n"] for row in data["reliability"]) == 4
    text = _run(fixture_content, "eval", "faq", str(labelled))
    assert "precision of answers given" in text.stdout and "reliability" in text.stdout


@pytest.mark.parametrize(
    ("content_text", "message"),
    [
        ('{"id": "1", "q": "x", "faq_id": "no-such-entry"}\n', "no-such-entry"),
        ('{"id": "1", "q": 5}\n', "field 'q'"),
        ("not json\n", "line 1"),
        ('{"id": "1", "q": "x", "channel": "phone"}\n', "field 'channel'"),
    ],
)
def test_eval_faq_rejects_a_bad_labelled_file(
    fixture_content: Content, tmp_path: Path, content_text: str, message: str
) -> None:
    labelled = tmp_path / "bad.jsonl"
    labelled.write_text(content_text, encoding="utf-8")
    result = _run(fixture_content, "eval", "faq", str(labelled))
    assert result.exit_code == 2 and message in result.output
