"""Who may see a request: the one authorization check every per-request route makes."""

from __future__ import annotations

from litestar.exceptions import PermissionDeniedException

from contracts.enums import CASE_READING_ROLES
from services.intake.auth.tokens import Principal
from services.intake.problems import Problem
from services.register.case_register import Register
from services.register.legal_processes import LegalProcessRecord


class CaseAccess:
    def __init__(self, register: Register) -> None:
        self.register = register

    async def own_request(self, principal: Principal, request_id: str) -> LegalProcessRecord:
        """The request, if this principal may see it: an agency sees only its own (another
        agency's is a 404, so its existence is not disclosed); staff in a case-reading role
        see every one; any other role is refused before the lookup, for the same reason."""
        if not principal.is_agency and not principal.has(*CASE_READING_ROLES):
            raise PermissionDeniedException("your role cannot read legal processes")
        record = await self.register.legal_processes.get(request_id)
        if record is None or (principal.is_agency and record.agency_id != principal.agency_id):
            raise Problem(404, "not-found", "Not found", f"no legal process {request_id}")
        return record
