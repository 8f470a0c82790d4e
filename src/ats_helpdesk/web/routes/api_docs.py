"""Web edge, ``/docs``: the JSON API's reference, rendered on the server from the OpenAPI schema.

FastAPI's own ``/docs`` page loads Swagger UI's script and CSS from a public CDN. On
the staff network (and under this app's Content-Security-Policy) that page stays
blank, and a page holding members' data should not load third-party script anyway.
So the schema (``/openapi.json``, signed-in only like everything else) is turned
into a plain page here: every operation with its parameters, request body fields
and responses, with references to the schema's models resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.routing import iter_route_contexts

from ats_helpdesk.web.deps import CurrentUser

router = APIRouter(tags=["docs"])

_METHOD_ORDER = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class FieldDoc:
    name: str
    type: str
    required: bool
    description: str = ""
    where: str = ""  # path, query, header, body


@dataclass(frozen=True)
class OperationDoc:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    parameters: list[FieldDoc] = field(default_factory=list)
    body: list[FieldDoc] = field(default_factory=list)
    body_model: str = ""
    responses: list[tuple[str, str, str]] = field(default_factory=list)
    needs_csrf: bool = False
    public: bool = False


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        return spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return schema


def type_label(schema: dict[str, Any], spec: dict[str, Any]) -> str:
    """A short, readable type: ``string``, ``integer | null``, ``list of CaseSummary``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " | ".join(type_label(s, spec) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return "list of " + type_label(schema.get("items", {}), spec)
    if kind == "object" and "additionalProperties" in schema:
        inner = schema["additionalProperties"]
        return "map of " + (type_label(inner, spec) if isinstance(inner, dict) else "any")
    label = str(kind or "any")
    if schema.get("format"):
        label += f" ({schema['format']})"
    return label


def _fields(model: dict[str, Any], spec: dict[str, Any]) -> list[FieldDoc]:
    required = set(model.get("required", ()))
    return [
        FieldDoc(
            name,
            type_label(prop, spec),
            name in required,
            str(prop.get("description", "")),
            "body",
        )
        for name, prop in model.get("properties", {}).items()
    ]


def operations(
    spec: dict[str, Any], public: frozenset[tuple[str, str]] = frozenset()
) -> list[OperationDoc]:
    """Every operation in the schema, in path order, ready for the template.

    ``public`` holds the (path, METHOD) pairs anyone may call (the widget API, sign-in):
    they need neither a session nor a CSRF token, except signing in itself, which
    needs the anonymous session's token (login CSRF)."""
    found: list[OperationDoc] = []
    for path, item in spec.get("paths", {}).items():
        for method in _METHOD_ORDER:
            op = item.get(method)
            if op is None:
                continue
            params = [
                FieldDoc(
                    p["name"],
                    type_label(p.get("schema", {}), spec),
                    bool(p.get("required")),
                    str(p.get("description") or p.get("schema", {}).get("description", "")),
                    p.get("in", ""),
                )
                for p in op.get("parameters", [])
            ]
            body_schema = (
                op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ).get("schema")
            body_model = type_label(body_schema, spec) if body_schema else ""
            body = _fields(_resolve(body_schema, spec), spec) if body_schema else []
            responses = []
            for code, response in op.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                shape = type_label(schema, spec) if schema else ""
                responses.append((code, response.get("description", ""), shape))
            # the docstring's first line reads better than the name-derived summary
            description = str(op.get("description", "")).strip()
            first, _, rest = description.partition("\n")
            summary = first or op.get("summary", "")
            is_public = (path, method.upper()) in public
            found.append(
                OperationDoc(
                    method=method.upper(),
                    path=path,
                    summary=summary,
                    description=rest.strip(),
                    anchor=op.get("operationId", f"{method}{path}"),
                    parameters=params,
                    body=body,
                    body_model=body_model,
                    responses=responses,
                    needs_csrf=method != "get" and (not is_public or path == "/api/session"),
                    public=is_public,
                )
            )
    return found


def models(spec: dict[str, Any]) -> list[tuple[str, list[FieldDoc]]]:
    schemas = spec.get("components", {}).get("schemas", {})
    return [
        (name, _fields(model, spec))
        for name, model in sorted(schemas.items())
        if model.get("properties") and name not in ("HTTPValidationError", "ValidationError")
    ]


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request, user: CurrentUser) -> HTMLResponse:
    spec = request.app.openapi()
    public = frozenset(  # included routers are flattened to their routes
        (context.path, method)
        for route in request.app.router.routes
        if route in request.app.state.public_routes
        for context in iter_route_contexts([route])
        for method in context.methods or ()
    )
    return request.app.state.templates.TemplateResponse(
        request,
        "api_docs.html",
        {
            "active": "docs",
            "spec": spec,
            "operations": operations(spec, public),
            "models": models(spec),
        },
    )
