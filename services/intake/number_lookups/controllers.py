"""``GET /v1/number-lookups`` (issue 11 item 7; docs/policy.md "Number ownership lookups")."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import Parameter

from contracts.number_lookup import NumberLookupOut
from services.intake.auth.guards import agency_only, principal_of
from services.intake.number_lookups.services import NumberLookupService, number_lookup_service
from services.intake.openapi import documented
from services.intake.ratelimits import NUMBER_LOOKUPS, rate_limited


class NumberLookupController(Controller):
    path = "/v1/number-lookups"
    tags = ["number lookups"]
    dependencies = number_lookup_service

    @get(
        "/",
        guards=[agency_only, rate_limited(NUMBER_LOOKUPS)],
        summary="Did the provider hold this number on this day, and whom to serve if resold",
        operation_class=documented(),
    )
    async def lookup(
        self,
        request: Request,
        service: NumberLookupService,
        number: Annotated[
            str | None, Parameter(query="number", description="The telephone number (E.164)")
        ] = None,
        date: Annotated[
            str | None, Parameter(query="date", description="The day, YYYY-MM-DD (UTC)")
        ] = None,
    ) -> NumberLookupOut:
        return await service.lookup(principal_of(request), number, date)
