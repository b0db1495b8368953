"""The real worker records what its determination was made from: a request submitted through
the API and assessed by ``LegalProcessWorkflow`` replays to the very determination the
register kept (issue 11 item 6: the simulator's replay is exact)."""

from __future__ import annotations

from services.decisions.determine import determine
from services.decisions.policy import load_policy
from services.register.determination_inputs import determination_inputs, recorded_cases
from tests.e2e.conftest import lake, worker  # noqa: F401  (fixtures: the e2e lake and worker)
from tests.support import submission, submit, wait_for_status


async def test_an_assessed_request_replays_to_its_recorded_determination(
    api,
    agency,
    worker,  # noqa: F811
    lake,  # noqa: F811
    register,
    service_settings,
):
    body = submission(
        process_type="court_order_2703d",
        categories=["detail_records"],
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        return_date=None,
    )
    request_id = (await submit(api, agency["headers"], body)).json()["id"]
    await wait_for_status(api, agency["headers"], request_id, {"in_review"})

    cases, _ = await recorded_cases(register.engine)
    case = next(c for c in cases if c.request_id == request_id)
    assert case.policy == load_policy(service_settings.policy_file or None)
    assert case.facts.targets[lake.number].held_in_period is True
    assert case.recorded is not None
    assert determine(case.process, case.policy, case.now, case.facts) == case.recorded

    # The row holds no identifier: facts are keyed by the target's index in the process.
    async with register.engine.connect() as conn:
        row = (
            await conn.execute(
                determination_inputs.select().where(determination_inputs.c.request_id == request_id)
            )
        ).one()
    assert lake.number not in str(row._mapping)
    assert row.facts[0]["target_index"] == 0
