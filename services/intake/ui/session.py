"""The UI's browser session: the staff bearer token in an HttpOnly cookie, a double-submit
CSRF token in a second cookie, and one-shot flash messages.

The UI cannot use the Authorization header (a browser does not send one), so the token the
IdP issued travels in a cookie scoped to ``/ui``: HttpOnly (no script reads it), SameSite=Strict
(no other site's page makes the browser send it) and Secure whenever the UI is served over
https. Forms also carry the CSRF token, compared in constant time with its cookie."""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import secrets
from typing import Any

import jwt
import msgspec
from litestar import Request
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException

from contracts.enums import CASE_READING_ROLES, DECIDING_ROLES
from services.intake.auth.tokens import InvalidToken, Principal, verify_token

SESSION_COOKIE = "writ_session"
CSRF_COOKIE = "writ_csrf"
FLASH_COOKIE = "writ_flash"
CSRF_FIELD = "csrf_token"
UI_PATH = "/ui"


class LoginRequired(Exception):
    """No valid session cookie: the UI answers with a redirect to the login form."""


def _cookie(request: Request, key: str, value: str, *, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path=UI_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=max_age,
    )


def expired(request: Request, key: str) -> Cookie:
    return _cookie(request, key, "", max_age=0)


def staff_principal(request: Request, token: str) -> Principal:
    """The token's principal, if it is a staff member who may read requests."""
    principal = verify_token(request.app.state.settings, token)
    if principal.is_agency:
        raise InvalidToken("agency tokens cannot sign in to the review UI")
    if not principal.has(*CASE_READING_ROLES):
        raise InvalidToken("this role cannot read legal processes")
    return principal


def session_principal(request: Request) -> Principal:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise LoginRequired
    try:
        return staff_principal(request, token)
    except InvalidToken as exc:
        raise LoginRequired from exc


def session_cookie(request: Request, token: str) -> Cookie:
    return _cookie(request, SESSION_COOKIE, token)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(request: Request) -> tuple[str, Cookie | None]:
    """The session's CSRF token, and the cookie to set when it had none yet."""
    current = request.cookies.get(CSRF_COOKIE, "")
    if len(current) >= 32:
        return current, None
    token = new_csrf_token()
    return token, csrf_cookie(request, token)


def csrf_cookie(request: Request, token: str) -> Cookie:
    return _cookie(request, CSRF_COOKIE, token)


def check_csrf(request: Request, form: Any) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    field = form.get(CSRF_FIELD) if form is not None else None
    if not cookie or not isinstance(field, str) or not field:
        raise PermissionDeniedException(
            "the form's CSRF token is missing; reload the page and try again"
        )
    if not hmac.compare_digest(cookie.encode(), field.encode()):
        raise PermissionDeniedException(
            "the form's CSRF token does not match; reload the page and try again"
        )


def may_decide(principal: Principal) -> bool:
    return principal.has(*DECIDING_ROLES)


class Flash(msgspec.Struct, frozen=True):
    kind: str  # "ok" or "error"
    text: str


def flash_cookie(request: Request, kind: str, text: str) -> Cookie:
    value = base64.urlsafe_b64encode(msgspec.json.encode(Flash(kind, text[:1000]))).decode()
    return _cookie(request, FLASH_COOKIE, value, max_age=120)


def read_flash(request: Request) -> Flash | None:
    raw = request.cookies.get(FLASH_COOKIE, "")
    if not raw:
        return None
    try:
        return msgspec.json.decode(base64.urlsafe_b64decode(raw.encode()), type=Flash)
    except (ValueError, msgspec.DecodeError):
        return None


def return_path(request: Request) -> str:
    """Where a re-sign-in should come back to: the page itself, or for a form's POST the
    page the form is on (its path without the action's last segment)."""
    path = request.url.path
    if request.method != "GET":
        path = path.rsplit("/", 1)[0] if path.count("/") > 3 else "/ui/"
    elif request.url.query:
        path = f"{path}?{request.url.query}"
    return safe_next(path)


def safe_next(value: str | None) -> str:
    """Only a path inside the UI (never another site, never the sign-in form itself)."""
    if (
        not value
        or not value.startswith(UI_PATH + "/")
        or value.startswith("//")
        or "\\" in value
        or value.startswith(UI_PATH + "/login")
    ):
        return UI_PATH + "/"
    return value


# What the identity provider's token failures mean to the person signing in.
EXPLANATIONS = {
    "token expired": "this token has expired; ask your identity provider for a new one",
}


def explain(exc: InvalidToken) -> str:
    text = str(exc)
    return EXPLANATIONS.get(text, text)


def expires_at(request: Request) -> str | None:
    """When the session's token expires (ISO 8601), for the expiry warning; the token was
    verified before this is asked, so its claims are read without verifying them again."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return None
    if not isinstance(exp, int | float):
        return None
    return dt.datetime.fromtimestamp(exp, dt.UTC).isoformat().replace("+00:00", "Z")
