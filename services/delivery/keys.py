"""Where a production lives in the productions bucket, and the names of its files.

The layout is deterministic so that a retried build lands on the same keys, and the
request id is checked before it is used in a key so it can never climb out of its prefix.
"""

from __future__ import annotations

from contracts.enums import DataCategory
from contracts.legal_process import is_request_id

MANIFEST_NAME = "manifest.json"
RECORDS_NAME = "records.json"
CERTIFICATE_NAME = "certificate.pdf"
ARCHIVE_NAME = "production.zip"


class InvalidRequestId(ValueError):
    """The request id cannot be used in a key or header; retrying will not help."""


def checked_request_id(request_id: str) -> str:
    # contracts.legal_process.REQUEST_ID: safe in an S3 key, a Message-ID and a file name.
    if not is_request_id(request_id):
        raise InvalidRequestId(f"request id {request_id!r} is not a safe identifier")
    return request_id


def production_prefix(request_id: str) -> str:
    return f"productions/{checked_request_id(request_id)}/"


def category_file_name(category: DataCategory) -> str:
    return f"{DataCategory(category).value}.csv"
