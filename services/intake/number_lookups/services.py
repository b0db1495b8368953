"""Answering a number ownership lookup from the carrier's holdings, the way the decision
engine attributes a target (``services.carrier.facts.target_facts``: the assignment history
clipped to the day, the holders' reseller flag and reseller customer).

Only a registered agency's verified officer may ask (the token's subject on the agency's
roster, at one of its registered email domains). Every answer is audited with the number
masked and hashed; the number itself never reaches a log line or the audit detail.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib

from litestar import Request
from litestar.di import Provide

from contracts.enums import IdentifierKind
from contracts.legal_process import Identifier, Period
from contracts.number_lookup import NumberLookupOut
from services.carrier.facts import target_facts
from services.decisions.identifiers import InvalidIdentifier, normalise_identifier
from services.intake.auth.tokens import Principal
from services.intake.legal_processes.checks import EARLIEST_DATE
from services.intake.problems import Problem, invalid_field
from services.platform.settings import Settings
from services.register.agencies import AgencyRecord
from services.register.case_register import Register


def masked(number: str) -> str:
    """``+19195550101`` -> ``+1********01``: enough to tell two lookups apart by eye."""
    return number[:2] + "*" * max(0, len(number) - 4) + number[-2:]


def number_digest(number: str) -> str:
    """What the audit log keeps of the number: an auditor holding a number can check
    whether it was looked up; the log itself names none."""
    return hashlib.sha256(f"writ-number-lookup:{number}".encode()).hexdigest()


def parse_number(raw: str | None) -> Identifier:
    if raw is None or not raw.strip():
        raise invalid_field("number", "the number to look up is required")
    try:
        return normalise_identifier(IdentifierKind.TELEPHONE_NUMBER, raw)
    except InvalidIdentifier as exc:
        raise invalid_field("number", str(exc)) from exc


def parse_day(raw: str | None, today: dt.date) -> dt.date:
    if raw is None or not raw.strip():
        raise invalid_field("date", "the day to look up is required (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise invalid_field("date", f"{raw!r} is not a day (YYYY-MM-DD)") from exc
    if day < EARLIEST_DATE:
        raise invalid_field("date", f"the day {day} is before {EARLIEST_DATE}")
    if day > today:
        raise invalid_field("date", "the day is in the future: no one can say who will hold it")
    return day


class NumberLookupService:
    def __init__(self, register: Register, settings: Settings) -> None:
        self.register = register
        self.settings = settings

    async def lookup(
        self, principal: Principal, number: str | None, day: str | None
    ) -> NumberLookupOut:
        agency = await self._verified_agency(principal)
        target = parse_number(number)
        when = parse_day(day, dt.datetime.now(dt.UTC).date())
        facts = await asyncio.to_thread(
            target_facts, [target], Period(start=when, end=when), self.settings
        )
        fact = facts.targets.get(target.value)
        held = fact is not None and fact.held_in_period
        resold = held and fact.resold
        answer = NumberLookupOut(
            number=masked(target.value),
            date=when,
            held=held,
            resold=resold,
            reseller_customer=(fact.reseller_customer or None) if resold else None,
        )
        await self.register.audit.record(
            request_id=None,
            actor=principal.subject,
            action="number_lookup",
            detail={
                "agency_id": agency.id,
                "number_masked": answer.number,
                "number_sha256": number_digest(target.value),
                "date": when.isoformat(),
                "held": held,
                "resold": resold,
            },
        )
        return answer

    async def _verified_agency(self, principal: Principal) -> AgencyRecord:
        agency = (
            await self.register.agencies.get(principal.agency_id) if principal.agency_id else None
        )
        if agency is None:
            await self._refused(principal, "agency not registered")
            raise Problem(
                403,
                "agency-not-registered",
                "Agency not registered",
                "number lookups are answered only for registered agencies",
            )
        domain = principal.subject.rsplit("@", 1)[-1] if "@" in principal.subject else ""
        verified = domain in {d.lower() for d in agency.email_domains} and (
            await self.register.agencies.officer_known(agency.id, principal.subject)
        )
        if not verified:
            await self._refused(principal, "officer not verified")
            raise Problem(
                403,
                "requester-not-verified",
                "Requester not verified",
                "number lookups are answered only for an officer on the agency's roster,"
                " at one of its registered email domains",
            )
        return agency

    async def _refused(self, principal: Principal, reason: str) -> None:
        await self.register.audit.record(
            request_id=None,
            actor=principal.subject,
            action="number_lookup_refused",
            detail={"agency_id": principal.agency_id, "reason": reason},
        )


def provide_number_lookup_service(request: Request) -> NumberLookupService:
    intake = request.app.state.intake
    return NumberLookupService(intake.register, intake.settings)


number_lookup_service = {"service": Provide(provide_number_lookup_service, sync_to_thread=False)}
