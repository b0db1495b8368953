"""What OpenAPI says about every operation beyond what handler signatures can: request-body
examples, and that every 4xx is an RFC 9457 problem document (not Litestar's own
validation-error shape, which this API never sends)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar import Litestar

# Litestar's OpenAPI plugin is not exported; ``document_operations`` extends it (see there).
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.enums import ParamType
from litestar.openapi.spec import (
    Example,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.openapi.spec.enums import OpenAPIType

from services.intake.problems import MEDIA_TYPE

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    title="Problem",
    description="RFC 9457 problem details. `field` names the offending input (`targets[0].value`, "
    "`Idempotency-Key`, `document`), when there is one.",
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, format="uri"),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "field": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "field": Schema(type=OpenAPIType.STRING),
                    "message": Schema(type=OpenAPIType.STRING),
                    "source": Schema(type=OpenAPIType.STRING),
                },
            ),
        ),
    },
    examples=[
        {
            "type": "https://writ.example/problems/invalid-field",
            "title": "A field is invalid",
            "status": 422,
            "detail": "'555-0100' has the wrong number of digits for a telephone number",
            "field": "targets[0].value",
        }
    ],
)

PROBLEM_RESPONSE = OpenAPIResponse(
    description="The request was refused; nothing was written. An RFC 9457 problem document.",
    content={MEDIA_TYPE: OpenAPIMediaType(schema=PROBLEM_SCHEMA)},
)


def examples(**values: tuple[str, Any]) -> dict[str, Example]:
    """``examples(approve=("Approve as determined", {...}))`` -> named OpenAPI examples."""
    return {
        name: Example(summary=summary, value=value) for name, (summary, value) in values.items()
    }


def documented(
    body_examples: dict[str, Example] | None = None,
    *,
    request_body: RequestBody | None = None,
    responses: dict[str, OpenAPIResponse] | None = None,
) -> type[Operation]:
    """An operation class for ``@get``/``@post(operation_class=...)``: adds the request-body
    examples (to every media type), optionally replaces the request body outright (for
    bodies a signature cannot describe), adds ``responses`` beyond the handler's own status,
    and documents 4xx answers as problem documents."""

    @dataclass
    class DocumentedOperation(Operation):
        def __post_init__(self) -> None:
            if request_body is not None:
                self.request_body = request_body
            if body_examples and isinstance(self.request_body, RequestBody):
                for media in (self.request_body.content or {}).values():
                    media.examples = {**body_examples, **(media.examples or {})}
            documented_responses = dict(self.responses or {}) | dict(responses or {})
            documented_responses.pop("400", None)  # Litestar's shape; a problem is documented
            documented_responses["4XX"] = PROBLEM_RESPONSE
            self.responses = documented_responses

    return DocumentedOperation


# --- what every operation says beyond its handler: role, errors, examples ---------------------
#
# ``document_operations(app)`` runs once on the built app (``create_app``) and fills in, from
# each route handler's guards, path and body: the role it needs, every error it can answer
# with (each a problem document with an example), a success example, descriptions written
# for people (not Litestar's "Document created, URL follows"), the production download as
# binary zip, the bearer token's claims and the OpenAPI 3.1 ``webhooks``.

_PROBLEM_EXAMPLES: dict[int, tuple[str, str, str, str | None]] = {
    # status: (slug, title, detail, field)
    400: (
        "bad-request",
        "Bad request",
        "request_id: Expected `str` matching regex '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'",
        "request_id",
    ),
    401: ("unauthenticated", "Unauthenticated", "the token has expired", None),
    403: ("forbidden", "Forbidden", "this action needs one of the roles: admin", None),
    404: ("not-found", "Not found", "no legal process lp_0123456789abcdef0123456789abcdef", None),
    409: (
        "not-allowed-now",
        "Not allowed in the request's current state",
        "the request is delivered; it cannot be withdrawn",
        None,
    ),
    413: ("too-large", "Too large", "the document is larger than 20 MiB", "document"),
    415: (
        "unsupported-media-type",
        "Unsupported media type",
        "the document must be a PDF (application/pdf)",
        "document",
    ),
    422: (
        "invalid-field",
        "A field is invalid",
        "'555-0100' has the wrong number of digits for a telephone number",
        "targets[0].value",
    ),
    429: (
        "rate-limited",
        "Too many requests",
        "this agency's submissions are limited to 60 per 1 minute; try again in 12 s",
        None,
    ),
}
_ERROR_DESCRIPTIONS = {
    400: "Malformed: a path, query or header parameter that does not match its pattern, "
    "or a body that is not valid JSON or multipart; `field` names it. Nothing was written.",
    401: "No token, or one that is expired, forged or for another audience.",
    403: "The token's roles do not allow this operation.",
    404: "No such resource, or one the token may not see (another agency's request answers "
    "404 exactly as one that does not exist).",
    409: "Not allowed in the resource's current state, or it exists already; nothing changed.",
    413: "The body (or the PDF) is larger than the limit.",
    415: "The body's or the document's media type is not accepted.",
    422: "A field, parameter or header is invalid; `field` names it. Nothing was written.",
    429: "The agency's rate limit is reached; `Retry-After` says when to try again.",
}
_SUCCESS_DESCRIPTIONS = {
    "200": "Success",
    "201": "Created",
    "202": "Accepted",
    "204": "Done; no body",
}
_CONFLICT_ALSO = {("POST", "/v1/agencies")}

BEARER_DESCRIPTION = """A JWT in `Authorization: Bearer <token>`. Production verifies RS256/ES256
against the identity provider's JWKS; local mode (`writ up`) also accepts HS256 tokens minted
by `writ token`. Claims:

- `iss` — the identity provider (must equal `WRIT_JWT_ISSUER`);
- `aud` — this API (must equal `WRIT_JWT_AUDIENCE`);
- `exp` — expiry, required;
- `sub` — the person the token speaks for (for an agency: the officer's email); compared
  case-insensitively;
- `roles` — `agency` for an agency's integrator or officer; staff carry `reviewer`, `legal`,
  `billing`, `auditor` or `admin`;
- `agency_id` — on agency tokens: the registered agency's id; it scopes every read to that
  agency's own requests.

Each operation states the role it needs ("Required role")."""

SIGNATURE_HEADER_DESCRIPTION = (
    "`t=<unix seconds>,v1=<hex HMAC-SHA256>` — the MAC of the ASCII string `<t>.` followed "
    "by the raw request body, keyed with the webhook secret's UTF-8 bytes exactly as "
    "registered (the secret is not base64-decoded). During a secret rotation's overlap there "
    "is one `v1` per secret; accept the delivery if any matches. Refuse a `t` more than 300 s "
    "from your clock."
)


def _example_problem(status: int) -> dict[str, Any]:
    slug, title, detail, field = _PROBLEM_EXAMPLES[status]
    body: dict[str, Any] = {
        "type": f"https://writ.example/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field:
        body["field"] = field
    if status == 429:
        body["retry_after"] = 12
    return body


def problem_response(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=_ERROR_DESCRIPTIONS[status],
        content={
            MEDIA_TYPE: OpenAPIMediaType(
                schema=PROBLEM_SCHEMA,
                examples={
                    _PROBLEM_EXAMPLES[status][0]: Example(
                        summary=_PROBLEM_EXAMPLES[status][1], value=_example_problem(status)
                    )
                },
            )
        },
    )


def required_roles(guards: list[Any]) -> list[str]:
    """The roles a handler's ``requires(...)`` guards name (``requires_admin_or_agency``)."""
    roles: list[str] = []
    for guard in guards:
        name = getattr(getattr(guard, "func", guard), "__name__", "")
        if name.startswith("requires_"):
            roles += name.removeprefix("requires_").split("_or_")
    return sorted(set(roles))


def error_statuses(method: str, path: str, guards: list[Any], operation: Operation) -> list[int]:
    names = {getattr(getattr(g, "func", g), "__name__", "") for g in guards}
    # 403: a guard refuses the role, or (unguarded handlers) the handler's own access check.
    statuses = {400, 401, 403, 422}
    if "{" in path:
        statuses.add(404)
    if (method != "GET" and "{" in path) or (method, path) in _CONFLICT_ALSO:
        statuses.add(409)
    body = operation.request_body
    if isinstance(body, RequestBody):
        statuses.add(413)
        if {"multipart/form-data", "application/pdf"} & set(body.content or {}):
            statuses.add(415)
    if any(n.startswith("rate_limited") for n in names):
        statuses.add(429)
    return sorted(statuses)


def sample_value(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """An example value built from a JSON Schema: its own example when it has one, else a
    value of the right shape (first enum member, every property, one array item)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return sample_value(components.get(name, {}), components, depth + 1)
    if schema.get("examples"):
        examples = schema["examples"]
        return examples[0] if isinstance(examples, list) else next(iter(examples.values()))
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return sample_value(options[0], components, depth + 1)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if depth > 8:
        return None
    if kind == "object":
        return {
            name: sample_value(prop, components, depth + 1)
            for name, prop in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        return [sample_value(schema.get("items") or {}, components, depth + 1)]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return {
        "date-time": "2026-11-02T14:30:00Z",
        "date": "2026-11-02",
        "email": "j.doe@raleighpd.gov",
        "uri": "https://writ.example/",
        "uuid": "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    }.get(schema.get("format", ""), "text")


def webhook_items() -> dict[str, PathItem]:
    from services.delivery.webhook import (
        DELIVERY_ID_HEADER,
        EVENT_PRODUCTION_READY,
        SIGNATURE_HEADER,
    )

    sha = Schema(type=OpenAPIType.STRING, pattern="^[0-9a-f]{64}$")
    payload = Schema(
        type=OpenAPIType.OBJECT,
        title="ProductionReady",
        description="Sent once per request when its production is ready (retried until "
        "acknowledged; see docs/agencies.md). No records and no targets travel in it.",
        required=[
            "event",
            "request_id",
            "download_url",
            "download_expires_at",
            "archive_sha256",
            "manifest_sha256",
            "total_records",
        ],
        properties={
            "event": Schema(const=EVENT_PRODUCTION_READY, description="The event's name"),
            "request_id": Schema(type=OpenAPIType.STRING, description="The request, lp_..."),
            "download_url": Schema(
                type=OpenAPIType.STRING,
                format="uri",
                description="A presigned GET URL for production.zip; it is the credential, "
                "valid until download_expires_at (15 minutes). "
                "GET /v1/legal-processes/{id}/production works at any time with your token.",
            ),
            "download_expires_at": Schema(type=OpenAPIType.STRING, format="date-time"),
            "archive_sha256": sha,
            "manifest_sha256": sha,
            "total_records": Schema(type=OpenAPIType.INTEGER, minimum=0),
        },
    )
    example = {
        "event": EVENT_PRODUCTION_READY,
        "request_id": "lp_0123456789abcdef0123456789abcdef",
        "download_url": "https://s3.writ.example/productions/lp_0123/production.zip?X-Amz-...",
        "download_expires_at": "2026-11-02T14:45:00+00:00",
        "archive_sha256": "9f" * 32,
        "manifest_sha256": "3c" * 32,
        "total_records": 14,
    }
    operation = Operation(
        summary="A production is ready to download",
        description="POSTed to the agency's registered webhook URL, signed with its secret. "
        "Answer any 2xx to acknowledge; anything else (or no answer in 20 s) is retried "
        "with the same Writ-Delivery-Id.",
        operation_id="webhookProductionReady",
        parameters=[
            Parameter(
                name=SIGNATURE_HEADER,
                param_in=ParamType.HEADER,
                required=True,
                description=SIGNATURE_HEADER_DESCRIPTION,
                schema=Schema(type=OpenAPIType.STRING, examples=["t=1762094700,v1=5d1c…,v1=a04e…"]),
            ),
            Parameter(
                name=DELIVERY_ID_HEADER,
                param_in=ParamType.HEADER,
                required=True,
                description="The same on every attempt for a request: deduplicate on it.",
                schema=Schema(type=OpenAPIType.STRING, format="uuid"),
            ),
        ],
        request_body=RequestBody(
            required=True,
            content={
                "application/json": OpenAPIMediaType(
                    schema=payload,
                    examples={"production_ready": Example(summary="Ready", value=example)},
                )
            },
        ),
        responses={
            "2XX": OpenAPIResponse(description="Acknowledged; no further attempts."),
            "default": OpenAPIResponse(description="Not acknowledged: retried with backoff."),
        },
        security=[],
    )
    return {EVENT_PRODUCTION_READY: PathItem(post=operation)}


class _DocumentedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's own plugin, which also runs ``fill_in_operations`` on the document the
    first time it is built (lazily, as Litestar builds it: most apps in the tests never
    serve it)."""

    __slots__ = ()

    def provide_openapi(self) -> OpenAPI:
        if not self._openapi:
            self._openapi = self._build_openapi()
            fill_in_operations(self.app, self._openapi)
        return self._openapi


def document_operations(app: Litestar) -> None:
    """Have ``app``'s OpenAPI document filled in by ``fill_in_operations`` when it is built.
    Litestar creates its OpenAPI plugin itself; its class is swapped for the subclass above
    (same slots, one method more)."""
    app.plugins.get(OpenAPIPlugin).__class__ = _DocumentedOpenAPIPlugin


def fill_in_operations(app: Litestar, openapi: OpenAPI) -> None:
    """Fill in what ``documented`` cannot see from inside one operation (see above)."""
    components = {
        name: schema.to_schema() for name, schema in (openapi.components.schemas or {}).items()
    }
    public = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            path = route.path_format or "/"
            item = (openapi.paths or {}).get(path)
            if item is None:
                continue
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                if operation is None:
                    continue
                if handler.resolve_security() == [{}] or _public(path):
                    public.add(f"{method} {path}")
                    operation.description = _with_role(operation.description, None)
                    _describe_success(operation, components, path)
                    continue
                guards = handler.resolve_guards()
                roles = required_roles(guards)
                operation.description = _with_role(operation.description, roles or _implicit(path))
                responses = dict(operation.responses or {})
                responses.pop("4XX", None)
                for status in error_statuses(method, path, guards, operation):
                    responses[str(status)] = problem_response(status)
                operation.responses = responses
                _describe_success(operation, components, path)
    scheme = (openapi.components.security_schemes or {}).get("bearer")
    if isinstance(scheme, SecurityScheme):
        scheme.description = BEARER_DESCRIPTION
    openapi.webhooks = webhook_items()


def _public(path: str) -> bool:
    from services.intake.auth.middleware import PUBLIC_PATHS

    return any(re.match(pattern, path) for pattern in PUBLIC_PATHS)


def _implicit(path: str) -> list[str]:
    """Handlers without a role guard check access themselves: an agency sees its own
    requests, staff need a case-reading role."""
    return ["agency (own requests only)", "reviewer", "legal", "auditor", "admin"]


def _with_role(description: str | None, roles: list[str] | None) -> str:
    text = (description or "").strip()
    if "Required role" in text:
        return text
    line = (
        "Required role: none (no token needed)."
        if roles is None
        else "Required role: " + " or ".join(f"`{r}`" for r in roles) + "."
    )
    return f"{text}\n\n{line}" if text else line


def _describe_success(operation: Operation, components: dict[str, Any], path: str) -> None:
    for status, response in (operation.responses or {}).items():
        if not status.startswith("2") or not isinstance(response, OpenAPIResponse):
            continue
        if response.description in _LITESTAR_DEFAULTS or not response.description:
            response.description = f"{_SUCCESS_DESCRIPTIONS.get(status, 'Success')}: " + (
                operation.summary or "done"
            )
        for media_type, media in (response.content or {}).items():
            if media_type == "application/zip" or path.endswith("/production"):
                continue
            if media.examples or not isinstance(media.schema, Schema | Reference):
                continue
            value = sample_value(media.schema.to_schema(), components)
            media.examples = {"example": Example(summary="An example", value=value)}
        if path.endswith("/production") and status == "200":
            response.description = (
                "production.zip: one CSV per data category, records.json, certificate.pdf "
                "(FRE 902(11)) and manifest.json (SHA-256 of every file), with the "
                "signature files; `writ agency download` verifies it."
            )
            response.content = {
                "application/zip": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format="binary")
                )
            }


_LITESTAR_DEFAULTS = {
    "Request fulfilled, document follows",
    "Document created, URL follows",
    "Stream Response",
    "File Download",
    "Redirect Response",
    "Request accepted, processing continues off-line",
    "Request fulfilled, nothing follows",
}
