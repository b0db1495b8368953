"""RFC 9457 problem documents for every error the API returns.

A ``Problem`` names the offending field (a JSON-pointer-like path such as
``targets[2].value``) so a client can show the error next to the input.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
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


_MSGSPEC_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")


def msgspec_field(error: msgspec.ValidationError | msgspec.DecodeError, prefix: str = "") -> tuple[str, str]:
    """Split msgspec's "Expected `int`, got `str` - at `$.targets[0].kind`" into (field, message)."""
    text = str(error)
    match = _MSGSPEC_PATH.search(text)
    if not match:
        return prefix or "body", text
    path = match.group("path").lstrip(".")
    message = text[: match.start()]
    field = ".".join(p for p in (prefix, path) if p).replace(".[", "[")
    if message.startswith("Object contains unknown field"):
        unknown = re.search(r"`([^`]+)`", message)
        if unknown:
            field = ".".join(p for p in (field, unknown.group(1)) if p)
    return field or "body", message


def decode_json(raw: bytes, type_: Any, *, prefix: str = "") -> Any:
    """Decode and validate a JSON body, turning any failure into a 4xx naming the field."""
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        field, message = msgspec_field(exc, prefix)
        raise invalid_field(field, message) from exc
    except msgspec.DecodeError as exc:
        raise Problem(400, "malformed-json", "The body is not valid JSON", str(exc), field=prefix or "body") from exc


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + _slug(status),
        "title": _title(status),
        "status": status,
        "detail": exc.detail,
    }
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        errors = [_field_error(e) for e in exc.extra if isinstance(e, dict)]
        if errors:
            body["field"] = errors[0]["field"]
            body["detail"] = f"{errors[0]['field']}: {errors[0]['message']}"
            body["errors"] = errors
            # Well-formed but invalid input is unprocessable; malformed JSON stays a 400.
            status = body["status"] = 422 if errors[0]["source"] == "body" else 400
            body["type"] = PROBLEM_BASE + _slug(status)
            body["title"] = _title(status)
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=exc.headers)


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    """Litestar names the whole body ``data`` for object-level errors; name the field."""
    message = str(error.get("message", "invalid"))
    field = str(error.get("key") or "body")
    named = re.search(r"(?:unknown|required) field `([^`]+)`", message)
    if named:
        field = named.group(1) if field in ("data", "body") else f"{field}.{named.group(1)}"
    elif field == "data":
        field = "body"
    return {"field": field, "message": message, "source": str(error.get("source", "body"))}


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
