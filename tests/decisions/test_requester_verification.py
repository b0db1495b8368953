"""docs/architecture.md §5 step 2: what keeps a request waiting in ``verifying``; a row per
rule (services/decisions/safeguards.py)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from contracts.enums import ProcessType
from contracts.legal_process import Emergency
from services.decisions.safeguards import callback_outstanding, unverified_facts
from tests.factories import VERIFIED, make_process

CALLED_BACK = Emergency(nature_of_danger="kidnapping", callback_verified_by="sgt.k")


@pytest.mark.parametrize(
    ("requester", "unverified"),
    [
        pytest.param({}, [], id="registered agency, known officer, the agency's own domain"),
        pytest.param(
            {"agency_registered": False}, ["agency not in the registry"], id="unregistered agency"
        ),
        pytest.param(
            {"officer_known": False},
            ["officer not known to the registry"],
            id="officer not on the roster",
        ),
        pytest.param(
            {"email_domain_verified": False},
            ["email domain does not match the agency"],
            id="a foreign or look-alike email domain",
        ),
    ],
)
def test_requester_checks(requester: dict[str, Any], unverified: list[str]) -> None:
    assert unverified_facts(msgspec.structs.replace(VERIFIED, **requester)) == unverified


@pytest.mark.parametrize(
    ("process_type", "emergency", "outstanding"),
    [
        pytest.param(ProcessType.SUBPOENA, None, False, id="only emergencies need a call-back"),
        pytest.param(ProcessType.EMERGENCY_REQUEST, None, True, id="emergency without its details"),
        pytest.param(
            ProcessType.EMERGENCY_REQUEST,
            Emergency(nature_of_danger="kidnapping"),
            True,
            id="emergency not yet called back",
        ),
        pytest.param(
            ProcessType.EMERGENCY_REQUEST,
            CALLED_BACK,
            False,
            id="emergency called back at intake",
        ),
    ],
)
def test_callback_outstanding(process_type, emergency, outstanding) -> None:
    process = make_process(process_type=process_type, emergency=emergency)
    assert callback_outstanding(process) is outstanding
