"""One request-id shape, checked by the API, delivery and collection alike."""

from __future__ import annotations

import pytest

from contracts.legal_process import is_request_id
from services.carrier.collector import collection_prefix
from services.delivery.keys import InvalidRequestId, checked_request_id


@pytest.mark.parametrize(
    "request_id", ["lp_0123456789abcdef01234567", "lp-6f1c2b1e-0d4b-4c63-9a53-7c1d7e1f2a3b", "a"]
)
def test_issued_and_test_ids_are_accepted_everywhere(request_id):
    assert is_request_id(request_id)
    assert checked_request_id(request_id) == request_id
    assert collection_prefix(request_id).startswith(f"collections/{request_id}")


@pytest.mark.parametrize(
    "request_id", ["", "../escape", ".hidden", "_lp", "lp 1", "lp_\x00", "lp.1", "x" * 65]
)
def test_anything_else_is_refused_everywhere(request_id):
    assert not is_request_id(request_id)
    with pytest.raises(InvalidRequestId):
        checked_request_id(request_id)
    with pytest.raises(ValueError):
        collection_prefix(request_id)
