"""Outside test sets (``eval intents --file``, the held-out files) and the classify start-up."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from ats_helpdesk.classify import IntentModel
from ats_helpdesk.cli import main
from ats_helpdesk.cli.classify import content_and_data_dirs
from ats_helpdesk.config import Settings
from ats_helpdesk.content import Content
from ats_helpdesk.intent_eval import evaluate_intents, load_labelled_jsonl
from ats_helpdesk.intents import CASE_INTENTS, INTENTS

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"ATS_DATA_DIR": "/tmp/x/var"},
        {"ATS_CONTENT_DIR": "/tmp/content", "ATS_DATA_DIR": "rel/data"},
        {"ats_data_dir": "/lower/case", "ats_content_dir": "/lower/content"},
    ],
)
def test_classify_reads_the_same_dirs_as_settings(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ATS_DATA_DIR", "ATS_CONTENT_DIR", "ats_data_dir", "ats_content_dir"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert content_and_data_dirs() == (settings.content_dir, settings.data_dir)


@pytest.mark.parametrize("name", ["held_out_intents.jsonl", "held_out_intents_2.jsonl"])
def test_held_out_files_are_valid_and_balanced(name: str) -> None:
    examples = load_labelled_jsonl(DATA / name)
    counts = Counter(e.intent for e in examples)
    assert set(counts) == set(INTENTS)
    assert min(counts.values()) >= 10
    assert len({e.id for e in examples}) == len(examples)


def test_held_out_set_meets_the_acceptance_bar(real_model: IntentModel) -> None:
    """The checker's bar (macro-F1 0.90, case recall 0.95) on the independently written set.

    Not tuned on: training examples were added by error category, in other words.
    """
    report = evaluate_intents(real_model, load_labelled_jsonl(DATA / "held_out_intents.jsonl"))
    assert report.macro_f1 >= 0.90
    assert all(s.recall >= 0.95 for s in report.scores if s.intent in CASE_INTENTS)


def test_eval_intents_file_and_its_errors(
    small_content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATS_CONTENT_DIR", str(small_content.root))
    monkeypatch.setenv("ATS_DATA_DIR", str(tmp_path / "var"))
    good = tmp_path / "set.jsonl"
    lines = [
        {"id": "a", "subject": "appeal", "intent": "appeal",
         "body": "I want to appeal the decision not to award me ATS",
         "date": "Mon, 3 Feb 2025 09:15:27 +0000"},
        {"id": "b", "subject": "cost", "body": "how much does ATS cost", "intent": "faq"},
        {"id": "c", "subject": "x", "body": "out of office", "intent": "other",
         "headers": {"Auto-Submitted": "auto-replied"}},
    ]  # fmt: skip
    good.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "intents", "--file", str(good), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] == 3
    assert report["intents"]["other"]["recall"] == 1.0  # the guard settles auto-replies

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(lines[0]) + "\n" + json.dumps({**lines[1], "intent": "fqa"}) + "\n")
    result = CliRunner().invoke(main, ["eval", "intents", "--file", str(bad)])
    assert result.exit_code == 2
    assert "line 2: field 'intent'" in result.stderr
    bad.write_text('{"id": 1, "intent": "faq"}\n')
    result = CliRunner().invoke(main, ["eval", "intents", "--file", str(bad)])
    assert result.exit_code == 2 and "line 1: field 'body'" in result.stderr
