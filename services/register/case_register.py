"""``Register``: the case register as one object, an attribute per aggregate
(``register.legal_processes.get(...)``, ``register.audit.record(...)``), all on one engine.
A new aggregate (billing, reports) is a module of its own and one attribute here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.register import engine as engines
from services.register.agencies import Agencies
from services.register.audit import AuditLog
from services.register.disclosures import Disclosures
from services.register.documents import Documents
from services.register.legal_processes import LegalProcesses
from services.register.outbox import Outbox
from services.register.review_assignments import ReviewAssignments

T = TypeVar("T")


class Register:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.agencies = Agencies(engine)
        self.audit = AuditLog(engine)
        self.disclosures = Disclosures(engine)
        self.documents = Documents(engine)
        self.legal_processes = LegalProcesses(engine)
        self.outbox = Outbox(engine)
        self.review_assignments = ReviewAssignments(engine)

    @classmethod
    def connect(cls, database_url_async: str) -> Register:
        return cls(engines.create_engine(database_url_async))

    async def transaction(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """One unit of work across aggregates (see ``engine.transaction``)."""
        return await engines.transaction(self.engine, work)

    async def ping(self) -> None:
        await engines.ping(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()
