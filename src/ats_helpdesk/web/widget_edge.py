"""Web edge, the public widget API's front door: CORS, rate limit, body cap, no stack traces.

An ASGI middleware that only acts on the widget's API paths (``/api/ask``,
``/api/feedback``, ``/api/handoff``); every other request passes untouched, so the
staff API never gets a CORS grant. In order, outermost first:

1. CORS (Starlette's ``CORSMiddleware``) for the origins in ``ATS_WIDGET_ORIGINS``
   only: a stranger origin's preflight is refused and its responses carry no
   ``Access-Control-Allow-Origin``, so its page cannot read them. No credentials:
   the widget never sends or needs cookies.
2. The rate limit per client address (``widget_limits``): 429 with ``Retry-After``,
   decided before the body is read or parsed, so a flood costs almost nothing.
   Inside CORS, so an allowed page can read the 429 and tell its visitor to wait.
3. A cap on the body (16 KiB: a 2,000-character question in JSON is at most ~12 KiB
   even if every character is escaped): 413 without reading further.
4. Any exception below becomes a JSON 500 with a fixed message (logged here with its
   trace); nothing about the server reaches a visitor.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ats_helpdesk.web.widget_limits import WidgetLimits

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
HANDOFF_PATH = "/api/handoff"
SERVER_ERROR = "Something went wrong on our side. Please try again, or email the membership team."


async def send_json(
    send: Send, status: int, payload: object, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def client_key(scope: Scope) -> str:
    """The client's address (uvicorn has already applied a trusted proxy's X-Forwarded-For)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class _Guard:
    """Steps 2-4 above, for one of the widget's API paths."""

    def __init__(self, app: ASGIApp, limits: WidgetLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = client_key(scope)
        wait = self.limits.requests.take(key)
        if not wait and scope["path"] == HANDOFF_PATH and scope["method"] == "POST":
            wait = self.limits.handoffs.take(key)
        if wait:
            await send_json(
                send,
                429,
                {"detail": f"Too many requests from this address; try again in {wait} s."},
                [(b"retry-after", str(wait).encode())],
            )
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            await send_json(send, 413, {"detail": f"The body is over {MAX_BODY_BYTES} bytes."})
            return
        body = b""
        while True:  # read the body ourselves, so a chunked upload is capped too
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                await send_json(send, 413, {"detail": f"The body is over {MAX_BODY_BYTES} bytes."})
                return
            if not message.get("more_body", False):
                break
        await self._call_app(scope, body, send)

    async def _call_app(self, scope: Scope, body: bytes, send: Send) -> None:
        delivered = False
        started = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, replay, tracking_send)
        except Exception:
            logger.exception("widget API error on %s", scope.get("path"))
            if not started:
                await send_json(send, 500, {"detail": SERVER_ERROR})


class WidgetEdge:
    """Routes the widget's API paths through CORS and the guard; everything else through."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        paths: frozenset[str],
        origins: list[str],
        limits: WidgetLimits,
    ) -> None:
        self.app = app
        self.paths = paths
        self.guarded = CORSMiddleware(
            _Guard(app, limits),
            allow_origins=origins,
            allow_methods=["POST"],
            allow_headers=["content-type"],
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") in self.paths:
            await self.guarded(scope, receive, send)
        else:
            await self.app(scope, receive, send)
