"""A triage worker process for the concurrency tests: drains the queue in batches, prints
the ids of the messages it triaged as JSON.
Usage: worker_process.py URL DATA_DIR INBOX FROM GO_FILE [BATCH]
(waits until GO_FILE exists, so that every worker starts at the same moment)."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ats_helpdesk.config import Settings
from ats_helpdesk.services import load_services
from ats_helpdesk.store.db import make_engine
from ats_helpdesk.worker import BATCH, triage_batch


def main() -> None:
    url, data_dir, inbox, from_address, go_file = sys.argv[1:6]
    settings = Settings(data_dir=Path(data_dir), database_url=url, inbox=inbox,
                        from_address=from_address, _env_file=None)
    services = load_services(settings)
    engine = make_engine(settings)
    print("ready", file=sys.stderr, flush=True)
    while not Path(go_file).exists():
        time.sleep(0.01)
    done: list[int] = []
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else BATCH
    while True:  # the path serve's workers take: batches of claims in one transaction
        results = triage_batch(engine=engine, services=services,
                               clock=lambda: datetime.now(UTC), batch=batch)
        if not results:
            break
        if any(result is True or result is False for result in results):
            raise SystemExit("a triage failed")
        done += [result.message for result in results]
    engine.dispose()
    print(json.dumps(done))


if __name__ == "__main__":
    main()
