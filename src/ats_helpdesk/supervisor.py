"""The long-running helpdesk: intake, triage worker, reply sender and web app together.

Where it sits: ``ats-helpdesk serve`` builds a ``Supervisor`` and runs it. Each stage
runs in its own thread around the shared engine: the aiosmtpd controller (its own
event loop), the triage worker processes, the outbound sender, the IMAP poller when
``ATS_IMAP_HOST`` is set, and uvicorn serving ``web.app.create_app``. ``stop()``
(on SIGTERM) stops intake first so nothing new is accepted, lets the worker
finish the message in hand, then stops the rest; everything committed stays.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from ats_helpdesk.config import Settings

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Ports:
    smtp: int
    web: int | None


class Supervisor:
    def __init__(
        self,
        *,
        settings: Settings,
        engine: Engine,
        clock: Clock,
        workers: int = 1,
        web: bool = True,
        send_interval: float = 2.0,
    ) -> None:
        self.settings, self.engine, self.clock = settings, engine, clock
        self.workers, self.web, self.send_interval = workers, web, send_interval
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.controller: Any = None
        self.processes: list[Any] = []
        self.process_stop: Any = None
        self.web_server: Any = None

    def start(self) -> Ports:
        from ats_helpdesk.mail.smtp import make_controller

        # Triage runs in worker processes (spawned: no threads are forked), so the
        # CPU-bound classifier never competes with the intake for one interpreter.
        context = multiprocessing.get_context("spawn")
        self.process_stop = context.Event()
        self.context = context
        for n in range(self.workers):
            self.processes.append(self._start_worker(n))
        self._thread("watch-workers", self._watch_workers)
        self._thread("sender", self._send_loop)
        if self.settings.imap_host:
            self._thread("imap", self._imap_loop)
        web_port = self._start_web_safely() if self.web else None
        self.controller = make_controller(
            engine=self.engine, settings=self.settings, clock=self.clock
        )
        self.controller.start()
        logger.info(
            "serving: smtp %s:%s, web %s, %d triage processes", self.controller.hostname,
            self.controller.port, web_port, self.workers,
        )
        return Ports(self.controller.port, web_port)

    def _start_worker(self, n: int) -> Any:
        from ats_helpdesk.worker import worker_process_main

        # SQLite: each worker reads its own share of the pending messages (by id), so
        # one classifies while another holds the write lock; PostgreSQL: SKIP LOCKED.
        shard = (n, self.workers) if self.workers > 1 and self.engine.dialect.name == "sqlite" \
            else None
        process = self.context.Process(target=worker_process_main, name=f"triage-{n}",
                                       args=(self.settings, self.process_stop, os.getpid(),
                                             shard))
        process.start()
        return process

    def _watch_workers(self, interval: float = 2.0, backoff_max: float = 60.0) -> None:
        """Restart a worker process that died (e.g. the model failed to load), with
        backoff; mail keeps being accepted and waits, pending, meanwhile."""
        delay = interval
        while not self.stop_event.wait(delay):
            dead = [n for n, p in enumerate(self.processes) if not p.is_alive()]
            for n in dead:
                logger.error("triage worker %d exited (code %s); restarting it", n,
                             self.processes[n].exitcode)
                self.processes[n] = self._start_worker(n)
            delay = min(delay * 2, backoff_max) if dead else interval

    def _thread(self, name: str, target: Callable[..., None], **kwargs: Any) -> None:
        thread = threading.Thread(target=target, kwargs=kwargs, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _send_loop(self) -> None:
        from ats_helpdesk.mail.outbound import send_due_replies

        while not self.stop_event.is_set():
            try:
                send_due_replies(engine=self.engine, settings=self.settings, now=self.clock())
            except Exception:  # the relay or the store briefly away: try again later
                logger.exception("reply sender error")
            self.stop_event.wait(self.send_interval)

    def _imap_loop(self) -> None:
        from ats_helpdesk.mail.imap import poll_forever

        poll_forever(
            engine=self.engine, settings=self.settings, clock=self.clock, stop=self.stop_event
        )

    def _start_web_safely(self) -> int | None:
        """The web app, or None if it cannot start: mail intake must not depend on it."""
        try:
            return self._start_web()
        except Exception:
            logger.exception("web app failed to start; serving mail without it")
            return None

    def _start_web(self) -> int:
        import uvicorn

        from ats_helpdesk.web.app import create_app

        app = create_app(self.settings, engine=self.engine, clock=self.clock)
        config = uvicorn.Config(
            app,
            host=self.settings.web_host,
            port=self.settings.web_port,
            log_level="warning",
            lifespan="on",
        )
        self.web_server = uvicorn.Server(config)
        self._thread("web", self.web_server.run)  # not the main thread: no signal handlers
        for _ in range(200):
            if self.web_server.started or not self.threads[-1].is_alive():
                break
            self.stop_event.wait(0.05)
        if not self.web_server.started:
            raise RuntimeError(f"web app did not start on port {self.settings.web_port}")
        return self.settings.web_port

    def stop(self, timeout: float = 20.0) -> None:
        """Stop accepting mail, then stop the workers, sender, poller and web app."""
        if self.controller is not None:
            self.controller.stop()
            self.controller.handler.close()  # store what was queued before stopping
        self.stop_event.set()
        if self.process_stop is not None:
            self.process_stop.set()
        if self.web_server is not None:
            self.web_server.should_exit = True
        for process in self.processes:  # each finishes the batch in hand, then exits
            process.join(timeout)
            if process.is_alive():
                logger.warning("worker %s did not stop; terminating it", process.name)
                process.terminate()
                process.join(5)
        for thread in self.threads:
            thread.join(timeout)
        logger.info("stopped")
