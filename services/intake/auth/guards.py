"""Route guards: plain functions that raise ``PermissionDeniedException``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from contracts.enums import CASE_READING_ROLES, DECIDING_ROLES, Role
from services.intake.auth.tokens import Principal

Guard = Callable[[ASGIConnection, BaseRouteHandler], None]


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    return connection.user


def requires(*roles: Role) -> Guard:
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if not principal.roles & allowed:
            raise PermissionDeniedException(
                "this action needs one of the roles: " + ", ".join(sorted(r.value for r in allowed))
            )

    guard.__name__ = "requires_" + "_or_".join(sorted(r.value for r in allowed))
    return guard


agency_only = requires(Role.AGENCY)
case_readers = requires(*CASE_READING_ROLES)
reviewers = requires(*DECIDING_ROLES)
admins = requires(Role.ADMIN)
auditors = requires(Role.AUDITOR, Role.LEGAL, Role.ADMIN)
