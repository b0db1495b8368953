"""The requests the simulator tests record: taken in, assessed by the real ``assess``
activity (Temporal's ActivityEnvironment, so the determination inputs are recorded as in
production) over the planted lake, with the determination recorded by a status change."""

from __future__ import annotations

import dataclasses
import datetime as dt

import msgspec
from temporalio.testing import ActivityEnvironment

from contracts.enums import DataCategory, IssuerKind, ProcessType, Status
from contracts.legal_process import LegalProcess, Period
from contracts.workflow import LegalProcessInput, StatusChange
from services.decisions.policy import Policy
from services.platform.settings import Settings
from services.register.agencies import AgencyRecord
from services.register.case_register import Register
from services.register.legal_processes import LegalProcessRecord
from services.workflows.legal_process.activities import LegalProcessActivities
from tests.carrier.planted import NEVER_OURS, PORTED_OUT, REASSIGNED
from tests.factories import received_process

NOW = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
RECORDED_POLICY = Policy(domicile_state="US-DE")
BSI = (DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS)


def _process(name: str, **kwargs) -> LegalProcess:
    process = received_process(NOW, targets=kwargs.pop("targets", (REASSIGNED,)), **kwargs)
    return msgspec.structs.replace(process, case_number=f"SIM-{name}")


def _requests() -> dict[str, LegalProcess]:
    return {
        "nc_criminal": _process("nc_criminal", categories=BSI),
        # Civil process is a private party's (18 U.S.C. §2702(c)(6)); UIDDA domestication.
        "nc_civil": _process(
            "nc_civil",
            process_type=ProcessType.CIVIL_SUBPOENA,
            issuer_kind=IssuerKind.PRIVATE_PARTY,
            categories=BSI,
        ),
        "de_subpoena": _process("de_subpoena", categories=BSI, jurisdiction="US-DE"),
        "federal": _process(
            "federal", categories=BSI, issuer_kind=IssuerKind.FEDERAL, jurisdiction="US"
        ),
        # Two numbers both held in January 2025 (the planted lake's Alice).
        "federal_two": msgspec.structs.replace(
            _process(
                "federal_two",
                categories=BSI,
                issuer_kind=IssuerKind.FEDERAL,
                jurisdiction="US",
                targets=(REASSIGNED, PORTED_OUT),
            ),
            period=Period(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)),
        ),
        "nc_warrant": _process(
            "nc_warrant",
            process_type=ProcessType.SEARCH_WARRANT,
            targets=(REASSIGNED, NEVER_OURS),
            categories=(DataCategory.SUBSCRIBER_INFO, DataCategory.CONTENT),
        ),
    }


async def record_requests(register: Register, lake_settings: Settings) -> dict[str, str]:
    """name -> request id, each taken in, assessed (inputs recorded) and its determination
    recorded; plus one request taken in but never assessed."""
    await register.agencies.create(
        AgencyRecord(
            id="raleigh-pd",
            name="Raleigh PD",
            jurisdiction="US-NC",
            email_domains=["raleighpd.gov"],
            callback_number="+19195550199",
        ),
        [],
        actor="tester",
    )
    activities = LegalProcessActivities(lake_settings, register, s3=None, policy=RECORDED_POLICY)
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, current_attempt_scheduled_time=NOW)
    ids: dict[str, str] = {}
    processes = _requests()
    processes["never_assessed"] = _process("never_assessed", categories=BSI)
    for name, process in processes.items():
        await register.legal_processes.insert(
            LegalProcessRecord(
                id=process.request_id,
                agency_id="raleigh-pd",
                process_type=process.process_type,
                case_number=process.case_number,
                status=Status.RECEIVED,
                received_at=process.received_at,
                submission={},
                process=process,
                document_key="documents/sim.pdf",
                document_sha256="0" * 64,
            ),
            actor="tester",
        )
        ids[name] = process.request_id
        if name == "never_assessed":
            continue
        assessment = await env.run(activities.assess, LegalProcessInput(process=process))
        await register.legal_processes.apply_status_change(
            StatusChange(
                request_id=process.request_id,
                status=Status.IN_REVIEW,
                actor="writ",
                determination=assessment.determination,
            )
        )
    return ids
