"""Browser sessions for the pages: the API's opaque token in a cookie, and CSRF tokens for every form.

The session cookie is HttpOnly (scripts cannot read it), SameSite=Lax (other sites cannot send it
with their POSTs) and, in production, Secure and named `__Host-session`: browsers then take it only
from this host over HTTPS, so neither a sibling subdomain nor a plain-HTTP page can plant or replace
it (the CSRF cookie likewise). CSRF uses signed double-submit: a random browser id lives in its own
cookie, and each form carries HMAC(SECRET_KEY, browser id, session), so a form is good for one
browser and one session: a forged form has no way to learn the id, a planted cookie cannot be
signed without the key, and a form from before a log-in or log-out no longer counts after it.
"""

import hashlib
import hmac
import math
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from typing import Annotated

from fastapi import Depends, Form, Request
from starlette.responses import Response

from ...bootstrap import Container
from ...domain.accounts import Account, normalize_email, require_verified_email
from ...domain.errors import AuthenticationFailed
from ...services.accounts import IssuedToken
from ..dependencies import ContainerDep
from ..log_in_limits import device_token
from ..rate_limit import hashing_slot, record_attempt

SESSION_COOKIE = "session"
CSRF_COOKIE = "csrf"
DEVICE_COOKIE = "device"  # a device that logged in before: exempt from the account's log-in limit
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
CSRF_FIELD = "csrf_token"
SECURE_COOKIE_PREFIX = "__Host-"


class LoginRequired(Exception):
    """The page needs a signed-in account; answered with a redirect to the log-in page."""


class CsrfRefused(Exception):
    """A form arrived without this browser's CSRF token; answered with a 403 page."""


class TooManyAttempts(Exception):
    """The client, or the account, used up its log-in or sign-up attempts; answered with a 429 page."""

    def __init__(self, retry_after_seconds: float, reason: str = "Too many attempts from your address.") -> None:
        super().__init__(retry_after_seconds)
        self.retry_after_seconds = max(1, math.ceil(retry_after_seconds))
        self.reason = reason


def cookies_are_secure(container: Container) -> bool:
    """Secure cookies in production only: development and tests run over plain HTTP."""
    return container.settings.environment == "production"


def cookie_name(container: Container, name: str) -> str:
    """The cookie's name: with the `__Host-` prefix in production, where cookies are Secure."""
    return SECURE_COOKIE_PREFIX + name if cookies_are_secure(container) else name


def read_cookie(request: Request, name: str) -> str | None:
    """The value of one of our cookies (SESSION_COOKIE, CSRF_COOKIE, DEVICE_COOKIE), if the browser sent it."""
    return request.cookies.get(cookie_name(request.app.state.container, name)) or None


def sign_browser_id(container: Container, browser_id: str, session: str | None) -> str:
    """The CSRF token forms carry for this browser id and session (None before log-in)."""
    key = container.settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"csrf:{browser_id}:{session or ''}".encode(), hashlib.sha256).hexdigest()


def new_browser_id() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(32)


def set_browser_id_cookie(response: Response, container: Container, browser_id: str) -> None:
    """Give the browser its CSRF id (a session cookie: it ends when the browser closes)."""
    response.set_cookie(
        cookie_name(container, CSRF_COOKIE),
        browser_id,
        httponly=True,
        samesite="lax",
        secure=cookies_are_secure(container),
    )


async def require_csrf_token(
    request: Request, container: ContainerDep, csrf_token: Annotated[str, Form()] = ""
) -> None:
    """Refuse a form POST whose hidden token does not match this browser's CSRF cookie and session."""
    browser_id = read_cookie(request, CSRF_COOKIE)
    expected = sign_browser_id(container, browser_id, session_token(request)) if browser_id else ""
    # Compared as bytes: compare_digest refuses str with non-ASCII characters, which a forged form may hold.
    if not browser_id or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        raise CsrfRefused


CsrfChecked = Depends(require_csrf_token)


def attempts_limited(action: str) -> Callable[[Request], AsyncIterator[None]]:
    """A dependency: the attempt counted in the API's budget for `action`, then a hashing slot while the page runs.

    The pages' side of `rate_limited`: the same budget, and a 429 page instead of a problem.
    """

    async def count_attempt(request: Request) -> AsyncIterator[None]:
        retry_after = await record_attempt(request, action)
        if retry_after is not None:
            raise TooManyAttempts(retry_after)
        async with hashing_slot(request):
            yield

    return count_attempt


def start_session(response: Response, container: Container, issued: IssuedToken, email: str) -> None:
    """Hand the browser its session token, for as long as the token lives, and the account's device token."""
    for name, value, max_age in [
        (SESSION_COOKIE, issued.token, container.settings.token_ttl_minutes * 60),
        (DEVICE_COOKIE, device_token(container, normalize_email(email)), DEVICE_COOKIE_MAX_AGE),
    ]:
        response.set_cookie(
            cookie_name(container, name),
            value,
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=cookies_are_secure(container),
        )


def end_session(response: Response, container: Container) -> None:
    """Tell the browser to forget its session token."""
    response.delete_cookie(
        cookie_name(container, SESSION_COOKIE), httponly=True, samesite="lax", secure=cookies_are_secure(container)
    )


def session_token(request: Request) -> str | None:
    """The session token the browser sent, if any."""
    return read_cookie(request, SESSION_COOKIE)


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


async def require_verified_email_page(account: SignedInAccount) -> Account:
    """The signed-in account, if its e-mail address is verified; PermissionDenied (a 403 page) otherwise."""
    return require_verified_email(account)


VerifiedSignedInAccount = Annotated[Account, Depends(require_verified_email_page)]


async def check_verified_page_if_required(account: SignedInAccount, container: ContainerDep) -> None:
    """Every resource's pages check this: with VERIFIED_EMAIL_REQUIRED on, an unverified account gets a 403 page."""
    if container.settings.verified_email_required:
        require_verified_email(account)
