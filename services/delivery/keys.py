"""Where a production lives in the productions bucket, and the names of its files.

The layout is deterministic so that a retried build lands on the same keys, and the
request id is checked before it is used in a key so it can never climb out of its prefix.
"""

from __future__ import annotations

import re

from contracts.enums import DataCategory

MANIFEST_NAME = "manifest.json"
RECORDS_NAME = "records.json"
CERTIFICATE_NAME = "certificate.pdf"
ARCHIVE_NAME = "production.zip"

# Letters, digits and ``._-`` only, starting with a letter or digit: safe in an S3 key, a
# Message-ID and a file name, and no ``..`` path segment can be formed from a leading dot.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class InvalidRequestId(ValueError):
    """The request id cannot be used in a key or header; retrying will not help."""


def checked_request_id(request_id: str) -> str:
    if not _REQUEST_ID.fullmatch(request_id):
        raise InvalidRequestId(f"request id {request_id!r} is not a safe identifier")
    return request_id


def production_prefix(request_id: str) -> str:
    return f"productions/{checked_request_id(request_id)}/"


def category_file_name(category: DataCategory) -> str:
    return f"{DataCategory(category).value}.csv"
