"""What OpenAPI shows of the agency-side endpoints beyond their signatures: the submission's
two encodings, and an example for every request body."""

from __future__ import annotations

from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Reference, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType

from services.intake.openapi import examples

SUBMISSION_EXAMPLE = {
    "process_type": "subpoena",
    "issuer": {"kind": "state", "name": "Wake County Superior Court", "jurisdiction": "US-NC"},
    "issued_on": "2026-11-02",
    "officer": {"name": "Jordan Doe", "email": "j.doe@raleighpd.gov", "badge": "4411"},
    "case_number": "2026-CR-004211",
    "targets": [{"kind": "telephone_number", "value": "(919) 555-0100"}],
    "categories": ["subscriber_info", "toll_records"],
    "date_range": {"start": "2026-08-01", "end": "2026-10-31"},
    "return_date": "2026-12-01",
}
WARRANT_EXAMPLE = SUBMISSION_EXAMPLE | {
    "process_type": "search_warrant",
    "issuer": {"kind": "federal", "name": "U.S. District Court, E.D.N.C.", "jurisdiction": "US-NC"},
    "case_number": "5:26-mj-01187",
    "targets": [
        {"kind": "telephone_number", "value": "+1 919 555 0100"},
        {"kind": "email", "value": "J.Smith@Example.com"},
    ],
    "categories": ["subscriber_info", "detail_records", "content"],
    "non_disclosure_order": {"authority": "U.S. District Court, E.D.N.C.", "ends_on": "2027-05-01"},
}
PDF_EXAMPLE = "%PDF-1.7 … %%EOF (the signed document, as uploaded)"

SUBMISSION_BODY = RequestBody(
    required=True,
    description="Multipart: a `metadata` part (JSON, the submission) and a `document` part "
    "(the signed PDF). Or JSON: the submission with `document_id` of a PDF uploaded "
    "to `POST /v1/documents`.",
    content={
        "multipart/form-data": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                required=["metadata", "document"],
                properties={
                    "metadata": Reference(ref="#/components/schemas/LegalProcessSubmission"),
                    "document": Schema(
                        type=OpenAPIType.STRING, format="binary", description="The signed PDF"
                    ),
                },
            ),
            examples=examples(
                subpoena=(
                    "A state subpoena for basic subscriber information, with its PDF",
                    {"metadata": SUBMISSION_EXAMPLE, "document": PDF_EXAMPLE},
                ),
                warrant=(
                    "A federal search warrant with a non-disclosure order, with its PDF",
                    {"metadata": WARRANT_EXAMPLE, "document": PDF_EXAMPLE},
                ),
            ),
        ),
        "application/json": OpenAPIMediaType(
            schema=Reference(ref="#/components/schemas/LegalProcessSubmission"),
            examples=examples(
                subpoena=(
                    "A state subpoena for basic subscriber information, its PDF uploaded before",
                    SUBMISSION_EXAMPLE | {"document_id": "doc_3f2a9c1e0b7d4e6f8a1b2c3d"},
                ),
            ),
        ),
    },
)

DOCUMENT_BODY = RequestBody(
    required=True,
    description="Multipart with one `document` part: the signed PDF, at most the configured size.",
    content={
        "multipart/form-data": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                required=["document"],
                properties={"document": Schema(type=OpenAPIType.STRING, format="binary")},
            ),
            examples=examples(pdf=("A signed subpoena", {"document": PDF_EXAMPLE})),
        )
    },
)

ALREADY_RECEIVED = {
    "200": OpenAPIResponse(
        description="Nothing new was created: a retry with the same `Idempotency-Key`, or a "
        "duplicate "
        "(same case, no target not already asked for). The request already in hand; `message` "
        "says which.",
        content={
            "application/json": OpenAPIMediaType(
                schema=Reference(ref="#/components/schemas/LegalProcessView")
            )
        },
    )
}

CLARIFICATION_EXAMPLES = examples(
    answer=(
        "Answer the reviewer's question",
        {
            "text": "The number is (919) 555-0100 for the whole period; the account holder is "
            "unknown to us."
        },
    ),
)
WITHDRAWAL_EXAMPLES = examples(
    dismissed=(
        "Withdraw because the case ended",
        {"reason": "The charges were dismissed on 2026-11-20."},
    ),
)
