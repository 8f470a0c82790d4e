"""Schemathesis against the app's own OpenAPI schema for the public widget API.

The schema comes from the app (``app.openapi()``: ``/openapi.json`` itself is for
signed-in staff), restricted to the three public operations, and the cases run
in-process against the ASGI app. Both valid (positive) and invalid (negative) bodies;
none may produce a server error or leak a trace. Bounded: ~60 examples per mode.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

pytestmark = pytest.mark.slow

PUBLIC = r"^/api/(ask|feedback|handoff)$"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_for_any_generated_request(app: FastAPI, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_dict(app.openapi()).include(path_regex=PUBLIC)
    schema.app = app
    operations = {op.ok().label for op in schema.get_all_operations()}
    assert operations == {"POST /api/ask", "POST /api/feedback", "POST /api/handoff"}
    seen: dict[int, int] = {}

    @given(case=schema.as_strategy(generation_mode=mode))
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call()
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code < 500, (case.path, case.body, response.text)
        assert "Traceback" not in response.text
        content_type = response.headers.get("content-type") or [""]
        assert content_type[0].startswith("application/json"), content_type

    run()
    if mode is GenerationMode.POSITIVE:
        assert 200 in seen or 201 in seen, seen
    else:
        assert 422 in seen, seen
