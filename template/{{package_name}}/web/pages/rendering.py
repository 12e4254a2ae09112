"""HTML responses for the pages: templates, redirects, form errors, and the pages' own error answers."""

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from ... import __version__
from ...bootstrap import Container
from ...domain.accounts import Account
from ...domain.errors import ValidationFailed
from .browser_session import (
    CSRF_COOKIE,
    CSRF_FIELD,
    TooManyAttempts,
    end_session,
    new_browser_id,
    read_cookie,
    session_token,
    set_browser_id_cookie,
    sign_browser_id,
)

WEB_DIRECTORY = Path(__file__).resolve().parent.parent
TEMPLATES = Jinja2Templates(directory=WEB_DIRECTORY / "templates")
STATIC_DIRECTORY = WEB_DIRECTORY / "static"


@dataclass(frozen=True, slots=True)
class NavLink:
    """A link in the site header to a feature's pages, shown to signed-in visitors."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class RecordLink:
    """A link on each record of another feature's list page, to the records inside it (an invoice's lines)."""

    feature: str  # the list it is shown in: "invoices"
    label: str
    url: str  # `{id}` is the record's id: "/invoices/{id}/lines"


def render(
    request: Request,
    template: str,
    *,
    account: Account | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a page with what every page needs: the account, the app's name and this browser's CSRF token."""
    container: Container = request.app.state.container
    browser_id = read_cookie(request, CSRF_COOKIE) or ""
    first_visit = not browser_id
    if first_visit:
        browser_id = new_browser_id()
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            **context,
            "account": account,
            "app_title": request.app.title,
            "version": __version__,
            "csrf_field": CSRF_FIELD,
            "csrf_token": sign_browser_id(container, browser_id, session_token(request)),
        },
        status_code=status_code,
    )
    if first_visit:
        set_browser_id_cookie(response, container, browser_id)
    return response


def redirect(url: str) -> RedirectResponse:
    """POST-redirect-GET: 303 makes the browser follow with a GET, so a reload never re-submits a form."""
    return RedirectResponse(url, status_code=303)


def field_errors(**checks: tuple[Callable[[str], object], str]) -> dict[str, str]:
    """Run each field's domain rule on its value and return the messages by field name.

    The use case checks the same rules again; this only tells the form which field to point at.
    """
    errors: dict[str, str] = {}
    for field, (check, value) in checks.items():
        try:
            check(value)
        except ValidationFailed as error:
            errors[field] = error.message
    return errors


async def redirect_to_log_in(request: Request, _error: Exception) -> Response:
    """Answer LoginRequired: to the log-in page, forgetting a session cookie that no longer works."""
    response = redirect("/login")
    if session_token(request) is not None:
        end_session(response, request.app.state.container)
    return response


async def refuse_forged_form(request: Request, _error: Exception) -> Response:
    """Answer CsrfRefused with a page that says what to do (and a fresh CSRF cookie if there was none)."""
    return render(
        request,
        "error.html",
        status_code=403,
        heading="This form has expired",
        message="The form was not sent from this site, or it is too old. Go back, reload the page and try again.",
    )


async def refuse_too_many_attempts(request: Request, error: Exception) -> Response:
    """Answer TooManyAttempts with a 429 page and Retry-After."""
    assert isinstance(error, TooManyAttempts)  # noqa: S101 - registered for TooManyAttempts only
    response = render(
        request,
        "error.html",
        status_code=429,
        heading="Too many attempts",
        message=f"{error.reason} Wait {error.retry_after_seconds} seconds, then try again.",
    )
    response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def error_page(request: Request, account: Account | None, status_code: int = 404, message: str = "") -> Response:
    """An error page: 404 when the record does not exist or is someone else's (we never reveal which)."""
    if status_code == 404:
        heading, message = "Not found", "There is nothing here. It may have been deleted already."
    else:
        heading = HTTPStatus(status_code).phrase
    return render(request, "error.html", account=account, status_code=status_code, heading=heading, message=message)
