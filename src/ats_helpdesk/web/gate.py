"""Web edge, the sign-in gate: an ASGI middleware in front of every route.

It runs before routing, so an anonymous visitor to a staff route is refused before
FastAPI parses a body or validates a single parameter (issue 6: "checked before any
input validation"). HTML clients are sent to ``/login?next=...`` (303); the JSON API
and non-HTML clients get 401. Routes the app marks public (sign-in, the widget API,
``/healthz``, static files) pass through.

A signed-in request gets ``request.state.user`` (a frozen ``StaffUser``) and
``request.state.session``; a disabled account is treated as signed out at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import quote

from anyio import to_thread
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from ats_helpdesk.web.security import SESSION_COOKIE, SessionData, Sessions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffUser:
    id: int
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


UserLoader = Callable[[int], StaffUser | None]


class PublicRoutes:
    """The routes anyone may call, by identity (Starlette routes are not hashable)."""

    def __init__(self) -> None:
        self._routes: dict[int, BaseRoute] = {}

    def add(self, route: BaseRoute) -> None:
        self._routes[id(route)] = route

    def update(self, routes: Iterable[BaseRoute]) -> None:
        for route in routes:
            self.add(route)

    def __contains__(self, route: object) -> bool:
        return id(route) in self._routes


def wants_json(scope: Scope) -> bool:
    """The JSON API (and any client that does not accept HTML) gets 401, not a redirect."""
    path: str = scope.get("path", "")
    if path.startswith("/api/") or path in ("/openapi.json", "/api"):
        return True
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept", b"").decode("latin-1").lower()
    return bool(accept) and "text/html" not in accept and "*/*" not in accept


def safe_next(target: str | None) -> str:
    """A local path to go to after sign-in; anything else (//host, scheme:) is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


class SignInGate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: Sessions,
        load_user: UserLoader,
        routes: Callable[[], list[BaseRoute]],
        public_routes: PublicRoutes,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.load_user = load_user
        self.routes = routes
        self.public_routes = public_routes

    def is_public(self, scope: Scope) -> bool:
        partial: BaseRoute | None = None
        for route in self.routes():
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return route in self.public_routes
            if match == Match.PARTIAL and partial is None:
                partial = route
        return partial is not None and partial in self.public_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self._read_session(scope)
        user = None
        if session is not None and session.uid is not None:
            user = await to_thread.run_sync(self.load_user, session.uid)
        state = scope.setdefault("state", {})
        state["session"] = session
        state["user"] = user
        if user is None and not self.is_public(scope):
            await self._refuse(scope, send)
            return
        await self.app(scope, receive, send)

    def _read_session(self, scope: Scope) -> SessionData | None:
        for name, value in scope.get("headers") or []:
            if name == b"cookie":
                cookie: SimpleCookie = SimpleCookie()
                try:
                    cookie.load(value.decode("latin-1"))
                except Exception:  # a malformed Cookie header is an anonymous visitor
                    continue
                if SESSION_COOKIE in cookie:
                    return self.sessions.load(cookie[SESSION_COOKIE].value)
        return None

    async def _refuse(self, scope: Scope, send: Send) -> None:
        if wants_json(scope):
            body = json.dumps({"detail": "Sign in required."}).encode()
            headers = [(b"content-type", b"application/json")]
            status = 401
        else:
            target = scope.get("path", "/")
            if scope.get("query_string"):
                target += "?" + scope["query_string"].decode("latin-1")
            location = "/login?next=" + quote(safe_next(target), safe="")
            body = b""
            headers = [(b"location", location.encode("latin-1"))]
            status = 303
        headers += [(b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


# Staff pages load only their own CSS and script; member HTML that slipped past nh3
# still could not run script or load a remote image. Every page has it, /docs too
# (the API reference is rendered here, not by Swagger UI from a CDN).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Adds CSP, nosniff, referrer and framing headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async def send_with_headers(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
                extra.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
