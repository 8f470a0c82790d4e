"""A triage worker process for the concurrency tests: drains the queue, prints the ids
of the messages it triaged as JSON. Usage: worker_process.py URL DATA_DIR INBOX FROM GO_FILE
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
from ats_helpdesk.worker import triage_next


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
    while True:
        result = triage_next(engine=engine, services=services, clock=lambda: datetime.now(UTC))
        if result is False:
            break
        if result is True:
            raise SystemExit("a triage failed")
        done.append(result.message)
    engine.dispose()
    print(json.dumps(done))


if __name__ == "__main__":
    main()
