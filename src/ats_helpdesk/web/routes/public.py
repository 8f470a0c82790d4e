"""Web edge, the public FAQ widget (issue 7): the ask API, ``/widget.js`` and its demo page.

Anyone may call these (no sign-in, no CSRF: they are meant for anonymous visitors
on the SET website); ``create_app`` calls :func:`install`, which adds them with
``include_public_router`` and puts ``widget_edge.WidgetEdge`` in front of the three
API paths (CORS for ``ATS_WIDGET_ORIGINS`` only, a rate limit per client address
with 429 + ``Retry-After``, a body cap, and no stack trace ever reaching a client).

- ``POST /api/ask`` answers from the knowledge base: the same object as
  ``ats-helpdesk ask --json`` plus ``answer_id`` (for the vote). The answerer is built
  once (``widget_answers``), never per request.
- ``POST /api/feedback`` records "was this helpful?" on that answer
  (``answer_feedback``, counted on the staff dashboard per channel).
- ``POST /api/handoff`` opens a case through the mail pipeline and returns its
  reference (``widget_handoff``).
- ``GET /widget.js`` is the widget (``static/widget.js``: no framework, Shadow DOM);
  ``GET /widget-demo`` embeds it on a page with hostile CSS.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ats_helpdesk.answer import AskResult
from ats_helpdesk.config import Settings
from ats_helpdesk.web.security import load_or_create_secret
from ats_helpdesk.web.widget_answers import AnswerUnavailable, WidgetAnswers
from ats_helpdesk.web.widget_edge import WidgetEdge
from ats_helpdesk.web.widget_handoff import HandoffDesk, email_problem, name_problem
from ats_helpdesk.web.widget_limits import WidgetLimits

MAX_QUESTION = 2000  # issue 7: "over 2,000 characters" is refused
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
WIDGET_JS = STATIC_DIR / "widget.js"
API_PATHS = frozenset({"/api/ask", "/api/feedback", "/api/handoff"})
UNAVAILABLE = (
    "The answer service is unavailable just now; please email the membership team."
)


class ErrorDetail(BaseModel):
    """Every refusal: one sentence saying what to do (422 gives FastAPI's field list)."""

    detail: str


class AskRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"question": "How long do I have to submit?"}]}
    )

    question: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_QUESTION,
            description="The visitor's question, as typed (1 to 2,000 characters).",
        ),
    ]


class AskResponse(AskResult):
    """``ats-helpdesk ask --json``'s object, plus the id to vote on it with."""

    answer_id: str | None = Field(
        default=None,
        description="Signed id of this answer, for POST /api/feedback (null if not logged).",
    )


class FeedbackRequest(BaseModel):
    answer_id: Annotated[
        str, Field(min_length=1, max_length=200, description="`answer_id` from /api/ask.")
    ]
    helpful: bool = Field(description="Was the answer helpful?")


class FeedbackResponse(BaseModel):
    recorded: bool
    helpful: bool


class HandoffRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Sam Teacher",
                    "email": "sam@example.org",
                    "question": "Can I change my submission date?",
                }
            ]
        }
    )

    name: Annotated[str, Field(min_length=1, max_length=200, description="The visitor's name.")]
    email: Annotated[
        str,
        Field(min_length=3, max_length=254, description="Where the membership team replies."),
    ]
    question: Annotated[
        str, Field(min_length=1, max_length=MAX_QUESTION, description="What they need help with.")
    ]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        problem = name_problem(value)
        if problem:
            raise ValueError(f"name {problem}")
        return value.strip()

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        problem = email_problem(value)
        if problem:
            raise ValueError(f"email {problem}")
        return value

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question is blank")
        if "\x00" in value:
            raise ValueError("question must be text")
        return value


class HandoffResponse(BaseModel):
    reference: str | None = Field(
        description="The case reference (ATS-000123); null if the message waits for staff."
    )
    outcome: str = Field(description="case, threaded (joined an open case) or failed.")
    message: str = Field(description="What to tell the visitor.")


_LIMITED: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorDetail, "description": "The body is over 16 KiB."},
    429: {
        "model": ErrorDetail,
        "description": "Too many requests from this address; see the Retry-After header.",
    },
    503: {"model": ErrorDetail, "description": "The service cannot answer just now."},
}


def _answers(request: Request) -> WidgetAnswers:
    return request.app.state.widget_answers


@asynccontextmanager
async def _warm_up(app: FastAPI) -> AsyncIterator[None]:
    """Build the answerer in the background as the server starts (the first visitor
    would otherwise wait ~0.5 s); requests that come sooner wait for the same build."""
    answers = getattr(app.state, "widget_answers", None)
    if answers is not None:
        threading.Thread(target=answers.warm, name="widget-warm-up", daemon=True).start()
    yield


router = APIRouter(tags=["widget"], lifespan=_warm_up)


@router.post(
    "/api/ask",
    response_model=AskResponse,
    summary="Ask the FAQ (public)",
    responses=_LIMITED,
)
def ask(body: AskRequest, request: Request) -> AskResponse:
    """Answer from the knowledge base, or abstain with a reason and up to three
    suggestions. Same fields as ``ats-helpdesk ask --json``, plus ``answer_id``."""
    try:
        result, answer_id = _answers(request).ask(body.question)
    except AnswerUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE) from error
    return AskResponse(**result.model_dump(), answer_id=answer_id)


@router.post(
    "/api/feedback",
    response_model=FeedbackResponse,
    summary="Was this answer helpful? (public)",
    responses={**_LIMITED, 404: {"model": ErrorDetail, "description": "Unknown answer_id."}},
)
def feedback(body: FeedbackRequest, request: Request) -> FeedbackResponse:
    """Record the visitor's vote on one answer (one vote per answer; voting again changes it)."""
    answers = _answers(request)
    log_id = answers.answer_log_id(body.answer_id)
    if log_id is None or not answers.record_feedback(log_id, body.helpful):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "answer_id: not an answer this service gave (or too old)."
        )
    return FeedbackResponse(recorded=True, helpful=body.helpful)


@router.post(
    "/api/handoff",
    response_model=HandoffResponse,
    status_code=status.HTTP_201_CREATED,
    summary="Hand over to the membership team (public)",
    responses=_LIMITED,
)
def handoff(body: HandoffRequest, request: Request) -> HandoffResponse:
    """Open a case from the visitor's name, e-mail and question, through the same
    pipeline as an e-mail (the visitor is e-mailed an acknowledgement too)."""
    desk: HandoffDesk = request.app.state.widget_handoff
    try:
        result = desk.open_case(name=body.name, email=body.email, question=body.question)
    except Exception as error:  # the store is down, say: nothing was kept, say so
        import logging

        logging.getLogger(__name__).exception("hand-over failed")
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "We could not pass your question on just now; please try again or email us.",
        ) from error
    if result.reference:
        message = (
            f"Thank you. Your reference is {result.reference}; the membership team will "
            f"reply to {body.email}."
        )
    else:
        message = "Thank you. The membership team has your question and will reply by e-mail."
    return HandoffResponse(reference=result.reference, outcome=result.outcome, message=message)


class _WidgetScript:
    """``static/widget.js``, read once, with an ETag so browsers revalidate cheaply."""

    def __init__(self, path: Path) -> None:
        self.body = path.read_bytes()
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


@router.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
def widget_js(request: Request) -> Response:
    script: _WidgetScript = request.app.state.widget_script
    headers = {
        "cache-control": "public, max-age=300",
        "etag": script.etag,
        # a page on another site loads it with <script src>: allow that under CORP/COEP
        "cross-origin-resource-policy": "cross-origin",
    }
    if request.headers.get("if-none-match") == script.etag:
        return Response(status_code=304, headers=headers)
    return Response(
        script.body, media_type="application/javascript; charset=utf-8", headers=headers
    )


@router.get("/widget-demo", include_in_schema=False, response_class=HTMLResponse)
def widget_demo(request: Request) -> Response:
    """A page that embeds the widget among hostile CSS, to prove the isolation."""
    return request.app.state.templates.TemplateResponse(
        request, "widget_demo.html", {"title": "Widget demo"}
    )


def _validation_handler(app: FastAPI) -> None:
    """422s on the widget's paths: each problem as ``loc`` + ``msg`` (never echoing the
    input back), and one readable ``message``; other paths keep FastAPI's default."""
    from fastapi.exception_handlers import request_validation_exception_handler
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if request.url.path not in API_PATHS:
            return await request_validation_exception_handler(request, exc)
        problems = [
            {
                "loc": list(error.get("loc", ())),
                "msg": str(error.get("msg", "invalid")).removeprefix("Value error, "),
                "type": str(error.get("type", "value_error")),
            }
            for error in exc.errors()
        ]
        message = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in problems
        )
        return JSONResponse({"detail": problems, "message": message}, status_code=422)

    app.add_exception_handler(RequestValidationError, handler)


def install(app: FastAPI, settings: Settings) -> None:
    """Called by ``create_app``: the widget's state, routes and front door."""
    from ats_helpdesk.web.app import include_public_router

    state = app.state
    secret = settings.secret_key or load_or_create_secret(settings.data_dir)
    state.widget_answers = WidgetAnswers(
        content=state.content,
        threshold=settings.faq_threshold,
        engine=state.engine,
        secret=secret,
        clock=state.clock,
    )
    state.widget_handoff = HandoffDesk(
        settings=settings, engine=state.engine, content=state.content, clock=state.clock
    )
    state.widget_script = _WidgetScript(WIDGET_JS)
    state.widget_limits = WidgetLimits.from_rates(
        per_minute=settings.widget_rate_per_minute,
        burst=settings.widget_burst,
        handoffs_per_hour=settings.widget_handoffs_per_hour,
    )
    include_public_router(app, router)
    _validation_handler(app)
    app.add_middleware(
        WidgetEdge,
        paths=API_PATHS,
        origins=settings.widget_origin_list,
        limits=state.widget_limits,
    )
