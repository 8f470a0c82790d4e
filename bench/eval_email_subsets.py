"""FAQ answerer figures on the email-only subset of each labelled set, beside the whole set.

Issue 3: ``ask`` takes whole member emails (subject and body) as well as widget
one-liners, and emails did much worse on a blind set. This reports precision of answers
given, coverage of the answerable and abstention on the unanswerable for each set, for
all its questions, its emails and its one-liners, so a change to how the question is
read out of an email can be judged on emails without hiding harm to the widget.

An item is an email when its text has a "Subject:" line or more than one non-blank
line. The tune split is for choices; test and held-out sets 1-4 are for checking.
Held-out set 5 is the lead's blind judge and is never read here.

    .venv/bin/python bench/eval_email_subsets.py [--wrong] [--refit] [--json]

``--refit`` refits the ranker, confidence and threshold on the tune split in memory
(nothing is saved), to judge a code change with the calibration it would ship with.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ats_helpdesk.answer import Answerer
from ats_helpdesk.calibration import load_calibration, neutral_calibration
from ats_helpdesk.config import Settings
from ats_helpdesk.content import find_content
from ats_helpdesk.faq_eval import LabelledQuestion, Outcome, figures, load_labelled, refit, run
from ats_helpdesk.knowledge import load_knowledge

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
# (name, file, split); faq_held_out_5.yaml is deliberately absent (blind judge).
SETS = (
    ("tune", "faq_questions.yaml", "tune"),
    ("test", "faq_questions.yaml", "test"),
    ("held-out 1", "faq_held_out.yaml", None),
    ("held-out 2", "faq_held_out_2.yaml", None),
    ("held-out 3", "faq_held_out_3.yaml", None),
    ("held-out 4", "faq_held_out_4.yaml", None),
)


def is_email(question: LabelledQuestion) -> bool:
    """A "Subject:" line, or more than one non-blank line: an email, not a widget one-liner."""
    lines = [line for line in question.text.splitlines() if line.strip()]
    return len(lines) > 1 or any(line.lower().startswith("subject:") for line in lines)


def _row(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    return {"n": len(outcomes), **figures(outcomes)}


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value * 100:5.1f}%"


def _fmt(row: dict[str, Any]) -> str:
    return (
        f"n={row['n']:3d}  {_pct(row['precision'])} ({row['answered']:3d})  "
        f"{_pct(row['coverage'])}  {_pct(row['abstention'])}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrong", action="store_true", help="list the emails' wrong outcomes")
    parser.add_argument("--refit", action="store_true", help="refit on tune in memory first")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    content = find_content(Settings().content_dir)
    if args.refit:
        answerer = Answerer(load_knowledge(content.knowledge), neutral_calibration())
        tune = [q for q in load_labelled(DATA / "faq_questions.yaml") if q.split == "tune"]
        answerer = Answerer(answerer.knowledge, refit(answerer, tune, fitted_on="in memory"))
    else:
        answerer = Answerer(load_knowledge(content.knowledge), load_calibration())
    results: dict[str, Any] = {"threshold": answerer.threshold, "sets": {}}
    pooled: dict[bool, list[Outcome]] = {True: [], False: []}
    for name, file, split in SETS:
        questions = [q for q in load_labelled(DATA / file) if split is None or q.split == split]
        outcomes = run(answerer, questions)
        emails = [o for o in outcomes if is_email(o.question)]
        widget = [o for o in outcomes if not is_email(o.question)]
        if name != "tune":
            pooled[True] += emails
            pooled[False] += widget
        results["sets"][name] = {
            "all": _row(outcomes),
            "email": _row(emails),
            "widget": _row(widget),
            "email_errors": [
                {
                    "id": o.question.id,
                    "expect": list(o.question.expect) or None,
                    "answered": o.faq_id,
                    "top": o.top_id,
                    "confidence": round(o.confidence, 3),
                    "kind": "wrong answer" if o.answered else "missed",
                }
                for o in emails
                if (o.answered and not o.right) or (o.answerable and not o.answered)
            ],
        }
    results["pooled_email"] = _row(pooled[True])
    results["pooled_widget"] = _row(pooled[False])
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
        return 0
    print(f"threshold {answerer.threshold:.3f}   precision (given) / coverage / abstention")
    print(f"checking sets pooled (test, held-out 1-4) email {_fmt(results['pooled_email'])}")
    print(f"checking sets pooled (test, held-out 1-4) widget {_fmt(results['pooled_widget'])}")
    for name, data in results["sets"].items():
        for part in ("all", "email", "widget"):
            print(f"{name:11s} {part:6s} {_fmt(data[part])}")
        if args.wrong:
            for error in data["email_errors"]:
                print(f"    {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
