"""Benchmark: ``ats-helpdesk deadline --jsonl`` over 10,000 lines, through the real
console script in a subprocess (issue 2 asks for under 2 seconds).

Prints lines per second, and beside it baselines measured in the same run on the
same file: ``cat`` (reading the file) and ``python -c pass`` (interpreter start-up),
as ratios. Run: ``.venv/bin/python bench/bench_deadline.py [--lines N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def make_lines(count: int, seed: int = 2) -> list[str]:
    """A mix of all five rules, dates 2018-2028, some as late-evening UTC date-times."""
    rng = random.Random(seed)

    def when() -> str:
        day = date(2018, 1, 1) + timedelta(days=rng.randrange(365 * 11 - 120))
        if rng.random() < 0.3:
            return f"{day.isoformat()}T23:{rng.randrange(60):02d}:00Z"
        return day.isoformat()

    cases = [
        lambda: {"rule": "objection", "outcome_received": when(), "form_received": when()},
        lambda: {"rule": "objection", "outcome_received": when()},
        lambda: {"rule": "extension", "submission_deadline": when(), "requested": when(),
                 "unforeseen_event": rng.random() < 0.5},
        lambda: {"rule": "adjustment", "programme_start": when(), "requested": when()},
        lambda: {"rule": "appeal", "panel_meeting": when()},
        lambda: {"rule": "ast_review", "decision_received": when(), "requested": when()},
    ]  # fmt: skip
    return [json.dumps({"id": i, **rng.choice(cases)()}) for i in range(count)]


def timed(command: list[str], repeat: int) -> float:
    """Median wall-clock seconds of ``command`` (output discarded, must succeed)."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    script = Path(sys.executable).with_name("ats-helpdesk")
    exe = str(script) if script.exists() else shutil.which("ats-helpdesk")
    if exe is None:
        sys.exit("ats-helpdesk is not installed: pip install -e .")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cases.jsonl"
        path.write_text("\n".join(make_lines(args.lines)) + "\n", encoding="utf-8")
        # One checked run first: every line answered, none an error.
        done = subprocess.run([exe, "deadline", "--jsonl", str(path)], capture_output=True,
                              text=True, check=True)  # fmt: skip
        answers = done.stdout.splitlines()
        assert len(answers) == args.lines and '"error"' not in done.stdout
        seconds = timed([exe, "deadline", "--jsonl", str(path)], args.repeat)
        python = timed([sys.executable, "-c", "pass"], args.repeat)
        cat = timed(["cat", str(path)], args.repeat)
        empty = Path(folder) / "empty.jsonl"
        empty.write_text("", encoding="utf-8")
        startup = timed([exe, "deadline", "--jsonl", str(empty)], args.repeat)
        one = Path(folder) / "one.jsonl"
        one.write_text(make_lines(1)[0] + "\n", encoding="utf-8")
        first_line = timed([exe, "deadline", "--jsonl", str(one)], args.repeat)

    print(f"deadline --jsonl: {args.lines} lines in {seconds:.3f} s (median of {args.repeat}) "
          f"= {args.lines / seconds:,.0f} lines/s; limit 2 s")  # fmt: skip
    print(
        f"  start-up alone (empty file): {startup:.3f} s; one line (builds the calendar): "
        f"{first_line:.3f} s; each further line: "
        f"{(seconds - first_line) / (args.lines - 1) * 1e6:.1f} µs"
    )
    print(f"  baseline python -c pass: {python:.3f} s; ratio {seconds / python:.1f}x")
    print(f"  baseline cat same file:  {cat:.3f} s; ratio {seconds / cat:.0f}x")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the box is shared)")


if __name__ == "__main__":
    main()
