"""Intent classification throughput (messages/second, one process) and training time.

Run: ``.venv/bin/python bench/bench_classify.py [--repeat N]``. Uses the real
``intents/`` (test split as the messages). Prints, measured in the same run:
- the baseline: only the text normaliser (quote/signature stripping included),
- ``classify_mails`` in batches (what ``classify --jsonl`` does: guards, model, facts),
- ``model.classify`` one message at a time (what the mail pipeline does),
- training time from scratch and load time of a saved model.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ats_helpdesk.classify import IntentModel, normalise_text
from ats_helpdesk.classify_mail import MailIn, classify_mails, parse_mail_date
from ats_helpdesk.content import find_content
from ats_helpdesk.intents import load_examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the test split")
    args = parser.parse_args()
    content = find_content()
    examples = load_examples(content.intents, "test")
    mails = [
        MailIn(e.id, e.subject, e.body, e.from_addr, parse_mail_date(e.date) if e.date else None)
        for e in examples
    ] * args.repeat
    n = len(mails)

    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        started = time.perf_counter()
        IntentModel.load_or_train(content, models)
        train_s = time.perf_counter() - started
        started = time.perf_counter()
        model = IntentModel.load_or_train(content, models)
        load_s = time.perf_counter() - started

    started = time.perf_counter()
    for mail in mails:
        normalise_text(mail.subject, mail.body)
    base_s = time.perf_counter() - started

    started = time.perf_counter()
    for i in range(0, n, 512):
        classify_mails(model, mails[i : i + 512])
    batch_s = time.perf_counter() - started

    single = mails[: min(n, 600)]
    started = time.perf_counter()
    for mail in single:
        model.classify(mail.subject, mail.body)
    single_s = time.perf_counter() - started

    print(f"messages: {n} ({len(examples)} test emails x {args.repeat})")
    print(f"baseline normalise only : {n / base_s:8.0f} msg/s")
    print(
        f"classify_mails, batches : {n / batch_s:8.0f} msg/s "
        f"({base_s / batch_s:.2f} x the baseline's rate)"
    )
    print(f"model.classify, one each: {len(single) / single_s:8.0f} msg/s")
    print(f"training from scratch   : {train_s:8.2f} s")
    print(f"loading a saved model   : {load_s:8.2f} s")


if __name__ == "__main__":
    main()
