"""Browser sessions for the pages: the API's opaque token in a cookie, and CSRF tokens for every form.

The session cookie is HttpOnly (scripts cannot read it), SameSite=Lax (other sites cannot send it
with their POSTs) and Secure in production. CSRF uses signed double-submit: a random browser id
lives in its own cookie, and each form carries HMAC(SECRET_KEY, browser id). A forged form has no
way to learn the id, and a cookie planted by a sibling subdomain cannot be signed without the key.
"""

import hashlib
import hmac
import math
import secrets
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Annotated

from fastapi import Depends, Form, Request
from starlette.responses import Response

from ...bootstrap import Container
from ...domain.accounts import Account
from ...domain.errors import AuthenticationFailed
from ...services.accounts import IssuedToken
from ..dependencies import ContainerDep
from ..rate_limit import record_attempt

SESSION_COOKIE = "session"
CSRF_COOKIE = "csrf"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """The page needs a signed-in account; answered with a redirect to the log-in page."""


class CsrfRefused(Exception):
    """A form arrived without this browser's CSRF token; answered with a 403 page."""


class TooManyAttempts(Exception):
    """The client used up its log-in or sign-up attempts; answered with a 429 page."""

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(retry_after_seconds)
        self.retry_after_seconds = max(1, math.ceil(retry_after_seconds))


def cookies_are_secure(container: Container) -> bool:
    """Secure cookies in production only: development and tests run over plain HTTP."""
    return container.settings.environment == "production"


def sign_browser_id(container: Container, browser_id: str) -> str:
    """The CSRF token forms carry for this browser id."""
    key = container.settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"csrf:{browser_id}".encode(), hashlib.sha256).hexdigest()


def new_browser_id() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(32)


def set_browser_id_cookie(response: Response, container: Container, browser_id: str) -> None:
    """Give the browser its CSRF id (a session cookie: it ends when the browser closes)."""
    response.set_cookie(CSRF_COOKIE, browser_id, httponly=True, samesite="lax", secure=cookies_are_secure(container))


async def require_csrf_token(
    request: Request, container: ContainerDep, csrf_token: Annotated[str, Form()] = ""
) -> None:
    """Refuse a form POST whose hidden token does not match this browser's CSRF cookie."""
    browser_id = request.cookies.get(CSRF_COOKIE)
    if not browser_id or not hmac.compare_digest(sign_browser_id(container, browser_id), csrf_token):
        raise CsrfRefused


CsrfChecked = Depends(require_csrf_token)


def attempts_limited(action: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency counting the attempt against the same budget as the API's `action` (log-in, sign-up)."""

    async def count_attempt(request: Request) -> None:
        retry_after = await record_attempt(request, action)
        if retry_after is not None:
            raise TooManyAttempts(retry_after)

    return count_attempt


def start_session(response: Response, container: Container, issued: IssuedToken) -> None:
    """Hand the browser its session token, for as long as the token lives."""
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=container.settings.token_ttl_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=cookies_are_secure(container),
    )


def end_session(response: Response, container: Container) -> None:
    """Tell the browser to forget its session token."""
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=cookies_are_secure(container))


def session_token(request: Request) -> str | None:
    """The session token the browser sent, if any."""
    return request.cookies.get(SESSION_COOKIE) or None


def get_page_visitor(request: Request, container: ContainerDep) -> Account | None:
    """The signed-in account, or None for a visitor without a valid session (sync: it queries the database).

    It is kept on `request.state.visitor`, so an error page can still show whose page it is.
    """
    token = session_token(request)
    request.state.visitor = None
    if token is not None:
        with suppress(AuthenticationFailed):
            request.state.visitor = container.accounts.authenticate(token)
    visitor: Account | None = request.state.visitor
    return visitor


PageVisitor = Annotated[Account | None, Depends(get_page_visitor)]


async def require_signed_in(visitor: PageVisitor) -> Account:
    """The signed-in account; LoginRequired (a redirect to /login) otherwise."""
    if visitor is None:
        raise LoginRequired
    return visitor


SignedInAccount = Annotated[Account, Depends(require_signed_in)]
