"""Placing, lifting and listing legal holds: the checks and problem documents around
``services.register.retention``. Every call is audited there, in the same transaction."""

from __future__ import annotations

from litestar import Request
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.enums import IdentifierKind
from contracts.retention import HoldScope, LegalHoldIn, LegalHoldLiftIn, LegalHoldView
from services.decisions.identifiers import InvalidIdentifier, normalise_identifier
from services.intake.problems import Problem, invalid_field
from services.register import retention as register

_SCOPES = {
    "request_id": HoldScope.REQUEST,
    "customer_account_id": HoldScope.CUSTOMER_ACCOUNT,
    "case_number": HoldScope.CASE_NUMBER,
}


def _view(row: dict) -> LegalHoldView:
    return LegalHoldView(**{f: row[f] for f in LegalHoldView.__struct_fields__})


class LegalHoldService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def place(self, body: LegalHoldIn, actor: str) -> LegalHoldView:
        given = [name for name in _SCOPES if getattr(body, name) is not None]
        if len(given) != 1:
            raise invalid_field(
                given[1] if len(given) > 1 else "request_id",
                "name exactly one of request_id, customer_account_id or case_number",
            )
        field = given[0]
        scope, value = _SCOPES[field], getattr(body, field).strip()
        if not value:
            raise invalid_field(field, "must not be blank")
        if scope is HoldScope.CUSTOMER_ACCOUNT:
            try:  # as targets are stored, so the hold matches them
                value = normalise_identifier(IdentifierKind.ACCOUNT_ID, value).value
            except InvalidIdentifier as exc:
                raise invalid_field(field, str(exc)) from exc
        if scope is HoldScope.REQUEST and not await register.request_exists(self.engine, value):
            raise invalid_field(field, f"no legal process {value}")
        row = await register.place_hold(
            self.engine, scope=scope, value=value, reason=body.reason.strip(), actor=actor
        )
        return _view(row)

    async def lift(self, hold_id: str, body: LegalHoldLiftIn, actor: str) -> LegalHoldView:
        try:
            row = await register.lift_hold(
                self.engine, hold_id, actor=actor, reason=body.reason.strip()
            )
        except register.HoldAlreadyLifted as exc:
            raise Problem(
                409, "hold-already-lifted", "Already lifted", f"legal hold {hold_id} was lifted"
            ) from exc
        if row is None:
            raise Problem(404, "not-found", "Not found", f"no legal hold {hold_id}")
        return _view(row)

    async def list_holds(self, actor: str, include_lifted: bool) -> list[LegalHoldView]:
        rows = await register.list_holds(self.engine, actor=actor, include_lifted=include_lifted)
        return [_view(r) for r in rows]


def provide_legal_hold_service(request: Request) -> LegalHoldService:
    # The register's engine, shared with the intake service (built at startup).
    return LegalHoldService(request.app.state.intake.register.engine)


legal_hold_service = {"service": Provide(provide_legal_hold_service, sync_to_thread=False)}
