"""The commands: classify (--jsonl and .eml), train, intents check, eval intents."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from ats_helpdesk.cli import main
from ats_helpdesk.content import Content


@pytest.fixture
def run(small_content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ATS_CONTENT_DIR", str(small_content.root))
    monkeypatch.setenv("ATS_DATA_DIR", str(tmp_path / "var"))

    def _run(*args: str, stdin: str | None = None):
        return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)

    return _run


def test_classify_jsonl_answers_good_lines_and_marks_bad_ones(run) -> None:
    lines = [
        json.dumps(
            {
                "id": 1,
                "from": "a@b.org",
                "date": "Wed, 5 Feb 2025 10:00:00 +0000",
                "subject": "Appeal",
                "body": "I want to appeal the decision, I heard yesterday.",
            }
        ),
        "{not json",
        json.dumps({"id": "no-body", "subject": "x"}),
        json.dumps({"id": "bad-date", "subject": "x", "body": "y", "date": "the other day"}),
        json.dumps(["a list"]),
        "",
        json.dumps({"id": 6, "subject": "fees", "body": "how much does ATS cost"}),
    ]
    result = run("classify", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == [1, None, "no-body", "bad-date", None, 6]
    first = out[0]
    assert first["intent"] == "appeal"
    assert set(first) >= {"id", "intent", "confidence", "needs_review", "facts"}
    assert first["facts"]["dates"] == [
        {"date": "2025-02-04", "role": "outcome_received", "text": "yesterday"}
    ]
    assert out[1] == {"id": None, "line": 2, "error": out[1]["error"]}
    assert "not valid JSON" in out[1]["error"]
    assert "field 'body'" in out[2]["error"]
    assert "field 'date'" in out[3]["error"]
    assert out[4]["line"] == 5 and "JSON object" in out[4]["error"]
    assert out[5]["intent"] == "faq"
    assert "4 line(s)" in result.stderr


def test_classify_jsonl_all_good_exits_zero(run, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "subject": "", "body": "change my address"}) + "\n")
    result = run("classify", "--jsonl", str(path))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["intent"] == "other"


def test_auto_reply_is_other_whatever_it_quotes(run) -> None:
    line = json.dumps(
        {
            "id": "ooo",
            "subject": "Automatic reply: Appeal",
            "body": "I want to appeal the decision not to award me ATS",
        }
    )
    out = json.loads(run("classify", "--jsonl", "-", stdin=line).stdout)
    assert out["intent"] == "other" and out["facts"]["automatic"] == "auto-reply"


def test_classify_eml(run, tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = "Jo Bloggs <jo@example.ac.uk>"
    message["To"] = "membership@etfoundation.co.uk"
    message["Subject"] = "Re: your result"
    message["Date"] = "Wed, 05 Feb 2025 10:00:00 +0000"
    message["Message-ID"] = "<abc@example.ac.uk>"
    message.set_content(
        "I want to appeal the decision not to award me ATS.\n\n"
        "On Mon, 3 Feb 2025, SET wrote:\n> how much does ATS cost\n"
    )
    path = tmp_path / "m.eml"
    path.write_bytes(bytes(message))
    as_json = run("classify", str(path), "--json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["intent"] == "appeal"
    text = run("classify", str(path))
    assert text.stdout.startswith("m.eml: appeal")


def test_classify_usage_errors(run, tmp_path: Path) -> None:
    assert run("classify").exit_code == 2
    missing = run("classify", str(tmp_path / "missing.eml"))
    assert missing.exit_code == 2 and "missing.eml" in missing.stderr


def test_train_then_up_to_date(run) -> None:
    first = run("train")
    assert first.exit_code == 0 and "trained in" in first.stdout
    assert "up to date" in run("train").stdout


def test_eval_intents_json(run) -> None:
    result = run("eval", "intents", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["total"] == 12
    assert set(report["intents"]) == {"faq", "appeal", "other"}
    assert len(report["confusion"]) == 3
    assert 0 <= report["macro_f1"] <= 1
    table = run("eval", "intents")
    assert "macro-F1" in table.stdout and "confusion" in table.stdout


def test_intents_check_ok_and_errors(run, small_content: Content) -> None:
    ok = run("intents", "check", "--min-train", "10", "--min-test", "4")
    assert ok.exit_code == 2  # three intents have no examples at all
    assert "intents/train/objection: 0 examples" in ok.stderr

    faq = small_content.intents / "train" / "faq"
    (faq / "zz-bad.yaml").write_text(
        "- id: faq-0\n  subject: dup id\n  body: text\n"
        "- id: faq-x\n  subject: 3\n  body: ''\n  colour: red\n",
        encoding="utf-8",
    )
    test_faq = small_content.intents / "test" / "faq" / "batch01.yaml"
    train_text = (faq / "batch01.yaml").read_text("utf-8")
    test_faq.write_text(train_text.replace("id: faq-", "id: faq-t-"), encoding="utf-8")
    (small_content.intents / "train" / "faqs").mkdir()
    result = run("intents", "check", "--min-train", "1", "--min-test", "1")
    assert result.exit_code == 2
    err = result.stderr
    assert "intents/train/faq/zz-bad.yaml: id faq-0: field 'id': duplicate id" in err
    assert "intents/train/faq/zz-bad.yaml: item 2 (id faq-x): field 'colour': unknown field" in err
    assert "field 'body': missing" in err and "field 'subject'" in err
    assert "intents/test/faq/batch01.yaml: id faq-t-0: field 'body': same text as training" in err
    assert "intents/train/faqs: unknown intent folder" in err


def test_intents_check_on_the_real_content(copy_intents) -> None:
    content = copy_intents()
    runner = CliRunner()
    result = runner.invoke(main, ["intents", "check"], env={"ATS_CONTENT_DIR": str(content.root)})
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("ok")


def test_eval_and_train_report_a_bad_file_with_exit_2(run, small_content: Content) -> None:
    bad = small_content.intents / "train" / "faq" / "zz.yaml"
    bad.write_text("- id: x\n  subject: s\n", encoding="utf-8")
    for command in (["eval", "intents"], ["train"], ["classify", "--jsonl", "-"]):
        result = run(*command, stdin="")
        assert result.exit_code == 2, command
        assert "intents/train/faq/zz.yaml: item 1 (id x): field 'body'" in result.stderr
