"""Web edge: ``create_app(settings, *, engine=None)`` builds the staff app (and the widget API).

Nothing is created at import time (no engine, no settings, no secret): the factory
takes them, so each test builds its own app on its own store. Routes live in
``routes/<thing>.py``; every router except the public ones is behind the sign-in
gate (``gate.py``) and the CSRF check (``deps.check_csrf``).

Public routes are added with ``include_public_router(app, router)``; the widget's
``routes/public.py`` (when present) is included that way automatically.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from starlette.exceptions import HTTPException as StarletteHTTPException

from ats_helpdesk.cohorts import load_cohorts
from ats_helpdesk.config import Settings
from ats_helpdesk.content import Content, find_content
from ats_helpdesk.mail.outbound import ReplyRenderer
from ats_helpdesk.web.deps import check_csrf
from ats_helpdesk.web.gate import (
    PublicRoutes,
    SecurityHeaders,
    SignInGate,
    StaffUser,
    wants_json,
)
from ats_helpdesk.web.render import make_templates
from ats_helpdesk.web.security import LoginLimiter, Sessions, load_or_create_secret
from ats_helpdesk.workdays import load_calendar

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def include_public_router(app: FastAPI, router: APIRouter, **kwargs: object) -> None:
    """Include routes anyone may call (no sign-in, no CSRF): the widget API and the like."""
    before = {id(r) for r in app.router.routes}
    app.include_router(router, **kwargs)  # type: ignore[arg-type]
    app.state.public_routes.update(r for r in app.router.routes if id(r) not in before)


def _user_loader(engine: Engine) -> Callable[[int], StaffUser | None]:
    """Looks the session's user up on every request, so disabling an account signs it out."""
    from sqlmodel import Session

    from ats_helpdesk.store.accounts import get_user

    def load(uid: int) -> StaffUser | None:
        with Session(engine) as session:
            user = get_user(session=session, user_id=uid)
            if user is None or not user.active or user.id is None:
                return None
            return StaffUser(id=user.id, email=user.email, role=user.role)

    return load


def _add_staff_routers(app: FastAPI) -> None:
    from ats_helpdesk.web.routes import api, api_docs, auth, cases, dashboard, queue, users

    include_public_router(app, auth.public_router)
    csrf = [Depends(check_csrf)]
    for module in (auth, queue, cases, dashboard, users, api_docs):
        app.include_router(module.router, dependencies=csrf)
    app.include_router(api.router, prefix="/api", dependencies=csrf)


def _add_widget_routes(app: FastAPI, settings: Settings) -> None:
    """The public widget routes, written separately, join the app when present."""
    name = "ats_helpdesk.web.routes.public"
    if importlib.util.find_spec(name) is None:
        return
    module = importlib.import_module(name)
    install = getattr(module, "install", None)
    if callable(install):  # lets the widget add its own CORS handling etc.
        install(app, settings)
    else:
        include_public_router(app, module.router)


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_json(request.scope) or request.state.user is None:
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return request.app.state.templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "detail": exc.detail},
            status_code=exc.status_code,
        )


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    content: Content | None = None,
    clock: Clock | None = None,
    login_limiter: LoginLimiter | None = None,
) -> FastAPI:
    """The web app. ``engine`` defaults to the store's; ``clock`` to UTC now (tests fix it)."""
    if engine is None:
        from ats_helpdesk.store.db import make_engine

        engine = make_engine(settings)
    content = content or find_content(settings.content_dir)
    secret = settings.secret_key or load_or_create_secret(settings.data_dir)

    app = FastAPI(
        title="ATS helpdesk — staff",
        summary="Staff case queue for the SET ATS membership inbox (issue 6).",
        version="1",
        # /docs is our own page (routes/api_docs.py): Swagger UI would load from a CDN
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.content = content
    app.state.clock = clock or _utc_now
    app.state.sessions = Sessions(secret)
    app.state.login_limiter = login_limiter or LoginLimiter()
    app.state.templates = make_templates(content.templates / "web")
    app.state.calendar = load_calendar(content)
    app.state.cohorts = load_cohorts(content.knowledge)
    app.state.renderer = ReplyRenderer(content.templates)
    # where reclassifications go; the classifier's train reads the same file
    app.state.feedback_file = settings.data_dir / "feedback" / "reclassified.jsonl"
    app.state.public_routes = PublicRoutes()

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/queue", status_code=303)

    app.state.public_routes.update(
        r for r in app.router.routes if getattr(r, "path", "") == "/healthz"
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.public_routes.add(app.router.routes[-1])
    _add_staff_routers(app)
    _add_widget_routes(app, settings)
    _add_error_pages(app)
    app.add_middleware(
        SignInGate,
        sessions=app.state.sessions,
        load_user=_user_loader(engine),
        routes=lambda: app.router.routes,
        public_routes=app.state.public_routes,
    )
    app.add_middleware(SecurityHeaders)
    return app
