"""``ats-helpdesk deadline`` and ``workdays``: the contract of issue 2, through click's
runner and once through the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ats_helpdesk.cli import main


@pytest.fixture
def run():  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)

    return invoke


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- one rule ----------------------------------------------------------------------
def test_text_output(run) -> None:  # type: ignore[no-untyped-def]
    result = run("deadline", "objection", "--outcome-received", "2020-12-18")
    assert result.exit_code == 0
    assert "window_closes: 2021-01-06" in result.stdout
    assert "Christmas Day" in result.stdout


def test_json_output(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "deadline", "extension", "--submission-deadline", "2025-06-30",
        "--requested", "2025-07-02T10:00:00+01:00", "--unforeseen-event", "--json",
    )  # fmt: skip
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["request_by"] == "2025-05-19"
    assert data["late_request_by"] == "2025-07-07"
    assert data["latest_extended_deadline"] == "2025-09-30"
    assert data["in_time"] is True
    assert data["clause"] and data["explanation"]


def test_ast_review_is_spelled_with_a_hyphen(run) -> None:  # type: ignore[no-untyped-def]
    result = run("deadline", "ast-review", "--decision-received", "2025-12-19", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["rule"] == "ast_review"
    assert (data["request_by"], data["in_time"], data["decision_due"]) == ("2026-02-18", None, None)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["deadline", "refund"], "unknown rule 'refund'"),
        (["deadline", "objection"], "--outcome-received"),
        (["deadline", "objection", "--outcome-received", "2025-02-31"], "'2025-02-31'"),
        (["deadline", "appeal", "--panel-meeting", "soon"], "--panel-meeting"),
        (["deadline", "appeal", "--panel-meeting", "2025-01-06", "--requested", "2025-01-06"],
         "--requested"),
        (["deadline", "objection", "--outcome-received", "2025-01-06", "--unforeseen-event"],
         "--unforeseen-event"),
        (["deadline"], "missing RULE"),
        (["deadline", "objection", "--jsonl", "-"], "--jsonl"),
        (["deadline", "--jsonl", "/nonexistent/cases.jsonl"], "--jsonl"),
        (["workdays", "add", "2025-02-31", "3"], "'2025-02-31'"),
        (["workdays", "add", "2025-02-03", "three"], "three"),
        (["workdays", "between", "2025-02-03", "x"], "'x'"),
        (["workdays", "add", "9999-12-30", "5"], "out of the supported range"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_the_field(run, args: list[str], words: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 2
    assert words in result.stderr
    assert "Traceback" not in result.output


# --- JSON lines ----------------------------------------------------------------------
GOOD_AND_BAD = "\n".join(
    [
        '{"id": "a", "rule": "objection", "outcome_received": "2020-12-18"}',
        '{"id": "b", "rule": "extension", "submission_deadline": "2025-06-30",'
        ' "requested": "2025-05-20", "unforeseen_event": true}',
        "this is not json",
        '{"id": "d", "rule": "adjustment", "programme_start": "2025-02-31",'
        ' "requested": "2025-01-01"}',
        '{"id": "e", "rule": "appeal", "panel_meeting": "2025-12-24", "colour": "blue"}',
        '{"id": 6, "rule": "ast_review", "decision_received": "2025-12-19",'
        ' "requested": "2026-02-18T23:30:00Z"}',
        "",
        '{"id": "g", "outcome_received": "2020-12-18"}',
        '{"id": "h", "rule": "refund"}',
        '{"id": "i", "rule": "adjustment", "programme_start": "2025-03-31",'
        ' "requested": "2025-02-28T12:00"}',
        '["objection"]',
        '{"rule": "appeal", "panel_meeting": "2026-12-26"}',
    ]
)


def test_jsonl_answers_every_line_and_flags_bad_ones(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cases.jsonl"
    path.write_text(GOOD_AND_BAD + "\n", encoding="utf-8")
    result = run("deadline", "--jsonl", str(path))
    assert result.exit_code == 2
    out = lines(result.stdout)
    assert [o["id"] for o in out] == ["a", "b", None, "d", "e", 6, "g", "h", "i", None, None]

    a, b, c, d, e, f, g, h, i, j, k = out
    assert a["window_closes"] == "2021-01-06" and a["in_time"] is None
    assert a["response_due"] is None and "error" not in a
    assert b["request_by"] == "2025-05-19" and b["late_request_by"] == "2025-07-07"
    assert b["latest_extended_deadline"] == "2025-09-30" and b["in_time"] is True
    assert "line 3" in str(c["error"])
    assert "line 4" in str(d["error"]) and "programme_start" in str(d["error"])
    assert "line 5" in str(e["error"]) and "colour" in str(e["error"])
    # 23:30 UTC on 18 Feb 2026 is 18 Feb in London (GMT): in time on the last day.
    assert f["request_by"] == "2026-02-18" and f["in_time"] is True
    assert f["decision_due"] == "2026-04-17"  # 8 weeks + Good Friday, Easter Monday
    assert "line 8" in str(g["error"]) and "rule" in str(g["error"])
    assert "line 9" in str(h["error"]) and "refund" in str(h["error"])
    assert i["request_by"] == "2025-02-28" and i["in_time"] is True
    assert "line 11" in str(j["error"])
    assert k["outcome_due"] == "2027-01-04"
    assert "line 3" in result.stderr and "line 5: field 'colour'" in result.stderr


def test_jsonl_from_stdin_all_good_exits_0(run) -> None:  # type: ignore[no-untyped-def]
    stdin = '{"id": 1, "rule": "appeal", "panel_meeting": "2025-04-17"}\n'
    result = run("deadline", "--jsonl", "-", stdin=stdin)
    assert result.exit_code == 0
    assert lines(result.stdout) == [
        {
            "id": 1, "rule": "appeal", "outcome_due": "2025-04-24", "in_time": None,
            "clause": "ATS terms and conditions (2020) 6.8",
            "explanation": lines(result.stdout)[0]["explanation"],
        }
    ]  # fmt: skip


def test_closure_days_from_the_content_folder(run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for folder in ("knowledge", "intents", "templates"):
        (tmp_path / folder).mkdir()
    (tmp_path / "knowledge" / "closure-days.yaml").write_text(
        "closures:\n  - from: 2025-12-29\n    to: 2025-12-31\n    reason: Christmas closure\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ATS_CONTENT_DIR", str(tmp_path))
    result = run("deadline", "appeal", "--panel-meeting", "2025-12-24", "--json")
    assert json.loads(result.stdout)["outcome_due"] == "2026-01-06"
    assert run("workdays", "add", "2025-12-24", "1").stdout.strip() == "2026-01-02"
    assert "Christmas closure" in run("workdays", "holidays", "2025").stdout


# --- workdays ----------------------------------------------------------------------
def test_workdays_commands(run) -> None:  # type: ignore[no-untyped-def]
    assert run("workdays", "add", "2020-12-18", "10").stdout.strip() == "2021-01-06"
    assert run("workdays", "add", "2025-03-31T23:30:00Z", "1").stdout.strip() == "2025-04-02"
    assert run("workdays", "between", "2020-12-18", "2021-01-06").stdout.strip() == "10"
    listing = run("workdays", "holidays", "2022").stdout
    assert "2022-09-19" in listing and "2022-06-03" in listing
    assert run("workdays", "holidays", "12").exit_code == 2


# --- the installed console script ------------------------------------------------------
def test_installed_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("ats-helpdesk")
    exe = str(script) if script.exists() else shutil.which("ats-helpdesk")
    assert exe, "ats-helpdesk console script is not installed (pip install -e .)"
    good = json.dumps(
        {"id": 1, "rule": "objection", "outcome_received": "2020-12-18",
         "form_received": "2021-01-07"}
    )  # fmt: skip
    bad = '{"id": 2, "rule": "objection", "outcome_received": "2025-02-31"}'
    done = subprocess.run(
        [exe, "deadline", "--jsonl", "-"], input=f"{good}\n{bad}\n", capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    first, second = lines(done.stdout)
    assert first["in_time"] is False and first["response_due"] == "2021-01-21"
    assert "line 2" in str(second["error"]) and "outcome_received" in str(second["error"])
    assert "Traceback" not in done.stderr
