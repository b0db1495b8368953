"""``/v1/policy/simulations`` (docs/policy.md): replay the register with a candidate policy."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED

from contracts.enums import Role
from contracts.policy_simulation import PolicySimulationIn, PolicySimulationOut
from services.intake.auth.guards import principal_of, requires
from services.intake.openapi import documented, examples
from services.intake.policy.services import PolicySimulationService, policy_simulation_service
from services.register.policy_simulations import SIMULATION_ID

SimulationId = Annotated[
    str, Parameter(pattern=SIMULATION_ID, description="A policy simulation id, ps_...")
]

SIMULATE_EXAMPLES = examples(
    domicile=("Move the domicile to North Carolina", {"policy": {"domicile_state": "US-NC"}}),
    auto_approval=(
        "Auto-approve only federal subpoenas for one target, since June",
        {
            "policy": {"auto_approval": [{"issuer_kinds": ["federal"], "max_targets": 1}]},
            "since": "2026-06-01",
        },
    ),
)

legal_or_admin = requires(Role.LEGAL, Role.ADMIN)


class PolicySimulationController(Controller):
    path = "/v1/policy/simulations"
    tags = ["policy"]
    dependencies = policy_simulation_service

    @post(
        "/",
        guards=[legal_or_admin],
        status_code=HTTP_201_CREATED,
        summary="Replay every recorded request with a candidate policy; report what changes",
        operation_class=documented(SIMULATE_EXAMPLES),
    )
    async def simulate(
        self, request: Request, service: PolicySimulationService, data: PolicySimulationIn
    ) -> PolicySimulationOut:
        return await service.simulate(data, principal_of(request).subject)

    @get(
        "/{simulation_id:str}",
        guards=[legal_or_admin],
        summary="A stored simulation report",
        operation_class=documented(),
    )
    async def get_simulation(
        self, service: PolicySimulationService, simulation_id: SimulationId
    ) -> PolicySimulationOut:
        return await service.get(simulation_id)
