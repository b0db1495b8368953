"""Running and reading policy simulations: the candidate policy checked field by field,
then ``services.register.policy_simulations`` (which replays, stores and audits)."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.policy_simulation import PolicySimulationIn, PolicySimulationOut
from services.decisions.policy import (
    Policy,
    PolicyError,
    StateProcessRule,
    UsState,
    parse_policy,
)
from services.intake.problems import Problem, invalid_field, msgspec_field
from services.register import policy_simulations as register
from services.register.engine import utcnow

_SOURCE = re.compile(r"^(?P<source>policy[^:\s]*): (?P<message>.*)$", re.DOTALL)
_UNKNOWN = re.compile(r"^unknown setting\(s\) (?P<names>.+)$", re.DOTALL)


def candidate_policy(raw: dict[str, Any]) -> Policy:
    """The candidate as the policy file loader reads it; a 422 naming the setting if not."""
    try:
        return parse_policy(msgspec.json.encode(raw), source="policy")
    except PolicyError as exc:
        text = str(exc)
        located = _SOURCE.match(text)
        source, message = (located["source"], located["message"]) if located else ("policy", text)
        unknown = _UNKNOWN.match(message)
        if unknown:
            raise invalid_field(f"{source}.{unknown['names'].split(', ')[0]}", text) from exc
        _name_the_state_setting(raw.get("state_process"), exc)
        try:
            msgspec.convert(raw, Policy)
        except msgspec.ValidationError as invalid:
            field, detail = msgspec_field(invalid, root="")
            raise invalid_field(f"policy.{field}" if field else "policy", detail) from exc
        raise invalid_field(source, text) from exc


def _name_the_state_setting(state_process: Any, cause: Exception) -> None:
    """msgspec names a bad dict entry ``state_process[...]``; say which state it is."""
    if not isinstance(state_process, dict):
        return
    for state, rule in state_process.items():
        field = f"policy.state_process.{state}"
        try:
            msgspec.convert(state, UsState)
        except msgspec.ValidationError as invalid:
            raise invalid_field(field, f"not a US state code such as US-NC: {invalid}") from cause
        try:
            msgspec.convert(rule, StateProcessRule)
        except msgspec.ValidationError as invalid:
            sub, detail = msgspec_field(invalid, root="")
            raise invalid_field(f"{field}.{sub}" if sub else field, detail) from cause


class PolicySimulationService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def simulate(self, body: PolicySimulationIn, actor: str) -> PolicySimulationOut:
        candidate = candidate_policy(body.policy)
        if body.since is not None and body.since > utcnow().date():
            raise invalid_field("since", "the day is in the future")
        stored = await register.run_simulation(
            self.engine, candidate, since=body.since, actor=actor
        )
        return _out(stored)

    async def get(self, simulation_id: str) -> PolicySimulationOut:
        stored = await register.get_simulation(self.engine, simulation_id)
        if stored is None:
            raise Problem(404, "not-found", "Not found", f"no policy simulation {simulation_id}")
        return _out(stored)


def _out(stored: register.StoredSimulation) -> PolicySimulationOut:
    return PolicySimulationOut(
        id=stored.id,
        requested_by=stored.requested_by,
        created_at=stored.created_at,
        report=stored.report,
    )


def provide_policy_simulation_service(request: Request) -> PolicySimulationService:
    return PolicySimulationService(request.app.state.intake.register.engine)


policy_simulation_service = {
    "service": Provide(provide_policy_simulation_service, sync_to_thread=False)
}
