"""What OpenAPI says about every operation beyond what handler signatures can: request-body
examples, and that every 4xx is an RFC 9457 problem document (not Litestar's own
validation-error shape, which this API never sends)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.openapi.spec import (
    Example,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    RequestBody,
    Schema,
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
            documented_responses.pop("400", None)
            documented_responses["4XX"] = PROBLEM_RESPONSE
            self.responses = documented_responses

    return DocumentedOperation
