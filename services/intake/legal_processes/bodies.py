"""Reading the agency's request bodies: a submission as multipart (JSON metadata + the
signed PDF) or JSON, a document upload. A body that cannot be read is a 400 naming it, an
unsupported one a 415."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException

from contracts.submission import LegalProcessSubmission
from services.intake.problems import Problem, decode_json, invalid_field


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_submission(request: Request) -> tuple[LegalProcessSubmission, bytes | None]:
    """The submission and, when it came as multipart, the signed document."""
    content_type = _content_type(request)
    if content_type == "multipart/form-data":
        form = await read_form(request)
        metadata = await _read_part(form.get("metadata"), "metadata")
        document = await _read_part(form.get("document"), "document")
        return decode_json(metadata, LegalProcessSubmission, part="metadata"), document
    if content_type == "application/json":
        return decode_json(await request.body(), LegalProcessSubmission), None
    raise Problem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        "send multipart/form-data (metadata + document) or application/json",
        field="Content-Type",
    )


async def read_document(request: Request) -> bytes:
    if _content_type(request) != "multipart/form-data":
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "send multipart/form-data with a `document` part",
            field="Content-Type",
        )
    form = await read_form(request)
    return await _read_part(form.get("document"), "document")


async def read_form(request: Request) -> Any:
    """The multipart body, or a 400 naming the body when it cannot be parsed. Litestar's
    parser raises a bare 400 for a broken body, a validation error for a missing boundary,
    and lets a text part that is not in its declared charset escape as a decoding error."""
    try:
        return await request.form()
    except (ClientException, UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, ClientException) and exc.status_code != 400:
            raise  # a body over the size limit stays a 413
        detail = exc.detail if isinstance(exc, ClientException) else str(exc)
        raise Problem(
            400,
            "malformed-multipart",
            "The multipart body cannot be read",
            f"body: {detail}",
            field="body",
        ) from exc


async def _read_part(part: Any, field_name: str) -> bytes:
    if part is None:
        raise invalid_field(field_name, f"the multipart body has no `{field_name}` part")
    if isinstance(part, UploadFile):
        return await part.read()
    if isinstance(part, str):
        return part.encode()
    return bytes(part)
