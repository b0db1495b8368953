"""RFC 9457 problem documents for every error the API returns.

A ``Problem`` names the offending field (a JSON-pointer-like path such as
``targets[2].value``) so a client can show the error next to the input.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsException

PROBLEM_BASE = "https://writ.example/problems/"
MEDIA_TYPE = "application/problem+json"

log = structlog.get_logger(__name__)


class Problem(ProblemDetailsException):
    def __init__(
        self,
        status_code: int,
        slug: str,
        title: str,
        detail: str,
        *,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body: dict[str, Any] = dict(extra or {})
        if field is not None:
            body["field"] = field
        super().__init__(
            detail=detail,
            status_code=status_code,
            type_=PROBLEM_BASE + slug,
            title=title,
            extra=body or None,
            headers=headers,
        )


def invalid_field(field: str, detail: str, status_code: int = 422) -> Problem:
    return Problem(status_code, "invalid-field", "A field is invalid", detail, field=field)


_AT_PATH = re.compile(r" - at `\$(?P<path>.*)`$", re.DOTALL)
_NAMED_FIELD = re.compile(
    r"^Object (?:contains unknown|missing required) field `(?P<name>.*)`$", re.DOTALL
)


def msgspec_field(error: msgspec.ValidationError, root: str = "body") -> tuple[str, str]:
    """Split msgspec's "Expected `int`, got `str` - at `$.targets[0].kind`" into (field, message).

    Paths are relative to the decoded document (``targets[0].kind``), whichever transport
    carried it; an unknown or missing field is named itself (``non_disclosure_order.ends_On``),
    not its parent. ``root`` names the document when the error is about all of it.
    """
    text = str(error)
    match = _AT_PATH.search(text)
    path, message = (
        (match.group("path").lstrip("."), text[: match.start()]) if match else ("", text)
    )
    named = _NAMED_FIELD.match(message)
    if named:
        path = _child(path, named.group("name"))
    return path.replace(".[", "[") or root, message


_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _child(path: str, name: str) -> str:
    """``officer`` + ``name`` -> ``officer.name``; a key that is no plain name is quoted:
    ``officer[""]``."""
    if _PLAIN_NAME.match(name):
        return f"{path}.{name}" if path else name
    return f"{path}[{json.dumps(name)}]"


def decode_json(raw: bytes, type_: Any, *, part: str = "body") -> Any:
    """Decode and validate a JSON document, turning any failure into a 4xx naming the field.

    ``part`` names where the document came from (the body, or a multipart part): it is the
    field of a syntax error, and of a validation error about the document as a whole.
    """
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        field, message = msgspec_field(exc, root=part)
        raise invalid_field(field, message) from exc
    except msgspec.DecodeError as exc:
        raise Problem(
            400, "malformed-json", "The body is not valid JSON", f"{part}: {exc}", field=part
        ) from exc


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + _slug(status),
        "title": _title(status),
        "status": status,
        "detail": exc.detail,
    }
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        errors = [_field_error(request, e) for e in exc.extra if isinstance(e, dict)]
        if errors:
            body["field"] = errors[0]["field"]
            body["detail"] = f"{errors[0]['field']}: {errors[0]['message']}"
            body["errors"] = errors
            # Well-formed but invalid input is unprocessable; bad parameters stay a 400.
            status = body["status"] = 422 if errors[0]["source"] == "body" else 400
            body["type"] = PROBLEM_BASE + _slug(status)
            body["title"] = _title(status)
    elif isinstance(exc.__cause__, SerializationException):
        # Litestar could not decode the body at all (it re-raises this as a plain 400).
        body.update(
            type=PROBLEM_BASE + "malformed-json",
            title="The body is not valid JSON",
            detail=f"body: {exc.detail}",
            field="body",
        )
    elif status == 413:
        # Litestar stops reading a body over the route's limit before any handler runs.
        body["field"] = "body"
        limit = _body_limit(request)
        body["detail"] = "the request body is too large" + (
            f"; at most {limit} bytes are accepted" if limit else ""
        )
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=exc.headers)


def _body_limit(request: Request) -> int | None:
    handler = request.scope.get("route_handler")
    return handler.resolve_request_max_body_size() if handler is not None else None


def _field_error(request: Request, error: dict[str, Any]) -> dict[str, Any]:
    """Name the field as the client wrote it: Litestar names the whole body ``data`` for
    object-level errors, and parameters by their Python name rather than their header."""
    message = str(error.get("message", "invalid"))
    field = str(error.get("key") or "body")
    source = error.get("source", "body")
    source = str(getattr(source, "value", source))
    named = _NAMED_FIELD.match(message)
    if named:
        field = _child("" if field in ("data", "body") else field, named.group("name"))
    elif field == "data":
        field = "body"
    elif source != "body":
        field = _wire_name(request, field)
    return {"field": field, "message": message, "source": source}


def _wire_name(request: Request, parameter: str) -> str:
    """``idempotency_key`` -> ``Idempotency-Key``: the name the parameter has on the wire."""
    try:
        kwarg = request.route_handler.parsed_fn_signature.parameters[parameter].kwarg_definition
    except (AttributeError, KeyError):
        return parameter
    return (
        getattr(kwarg, "header", None)
        or getattr(kwarg, "query", None)
        or getattr(kwarg, "cookie", None)
        or parameter
    )


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", path=request.url.path, error_type=type(exc).__name__)
    return Response(
        {
            "type": PROBLEM_BASE + "internal-error",
            "title": "Internal error",
            "status": 500,
            "detail": "The request could not be completed; nothing was changed. Try again later.",
        },
        status_code=500,
        media_type=MEDIA_TYPE,
    )


def _slug(status: int) -> str:
    return {
        400: "bad-request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        409: "conflict",
        413: "too-large",
        415: "unsupported-media-type",
        422: "invalid-field",
        429: "too-many-requests",
        503: "unavailable",
    }.get(status, "http-error")


def _title(status: int) -> str:
    return _slug(status).replace("-", " ").capitalize()
