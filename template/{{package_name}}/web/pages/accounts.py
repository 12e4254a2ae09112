"""Pages for visitors: home, sign-up, log-in and log-out, a forgotten password, the link that verifies an address."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from ...domain.accounts import check_password_rules, normalize_email
from ...domain.errors import AuthenticationFailed, Conflict, ValidationFailed
from ..dependencies import ContainerDep
from ..log_in_limits import (
    TOO_MANY_FOR_THE_ACCOUNT,
    TOO_MANY_FOR_THE_ADDRESS,
    record_account_attempt,
    record_reset_request,
)
from ..routes.password_resets import RESET_REQUESTED
from .browser_session import (
    DEVICE_COOKIE,
    CsrfChecked,
    PageVisitor,
    TooManyAttempts,
    attempts_limited,
    end_session,
    read_cookie,
    session_token,
    start_session,
)
from .rendering import field_errors, redirect, render

router = APIRouter(include_in_schema=False)

HOME_OF_SIGNED_IN = "/notes"
RESET_DONE_NOTICE = "Your password is changed, and every session signed out. Log in with the new one."


@router.get("/")
def home(request: Request, visitor: PageVisitor) -> Response:
    """The front door: what the app is, and the ways in; signed-in visitors go straight to their notes."""
    if visitor is not None:
        return redirect(HOME_OF_SIGNED_IN)
    notice = "Your account and everything it held are deleted." if request.query_params.get("deleted") else ""
    return render(request, "home.html", description=request.app.description, notice=notice)


@router.get("/signup")
def sign_up_form(request: Request, visitor: PageVisitor) -> Response:
    """The sign-up form."""
    if visitor is not None:
        return redirect(HOME_OF_SIGNED_IN)
    return render(request, "signup.html", email="", errors={})


@router.post("/signup", dependencies=[CsrfChecked, Depends(attempts_limited("sign-up"))])
def sign_up(
    request: Request,
    container: ContainerDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Create the account and sign it in; the form again, with the reasons, when that fails."""
    errors = field_errors(email=(normalize_email, email), password=(check_password_rules, password))
    status_code = 422
    if not errors:
        try:
            container.accounts.sign_up(email, password)
        except Conflict as error:
            errors, status_code = {"email": error.message}, 409
        except ValidationFailed as error:
            errors = {"form": error.message}
    if errors:
        return render(request, "signup.html", status_code=status_code, email=email, errors=errors)
    response = redirect(HOME_OF_SIGNED_IN)
    issued = container.accounts.log_in(email, password, request.headers.get("user-agent"))
    start_session(response, container, issued, email)
    return response


@router.get("/login")
def log_in_form(request: Request, visitor: PageVisitor) -> Response:
    """The log-in form."""
    if visitor is not None:
        return redirect(HOME_OF_SIGNED_IN)
    notice = RESET_DONE_NOTICE if request.query_params.get("reset") == "done" else ""
    return render(request, "login.html", email="", errors={}, notice=notice)


@router.post("/login", dependencies=[CsrfChecked, Depends(attempts_limited("log-in"))])
def log_in(
    request: Request,
    container: ContainerDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Start a session; the form again when the e-mail address or the password is wrong."""
    retry_after = record_account_attempt(request, email, read_cookie(request, DEVICE_COOKIE))
    if retry_after is not None:
        raise TooManyAttempts(retry_after, TOO_MANY_FOR_THE_ACCOUNT)
    try:
        issued = container.accounts.log_in(email, password, request.headers.get("user-agent"))
    except AuthenticationFailed as error:
        # Not 401: that status promises a WWW-Authenticate challenge, which a form is not.
        return render(request, "login.html", status_code=400, email=email, errors={"form": error.message})
    response = redirect(HOME_OF_SIGNED_IN)
    start_session(response, container, issued, email)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def log_out(request: Request, container: ContainerDep) -> Response:
    """Revoke the session's token and forget the cookie (a POST: a link could be followed by any site)."""
    token = session_token(request)
    if token is not None:
        container.accounts.log_out(token)
    response = redirect("/login")
    end_session(response, container)
    return response


@router.get("/forgot-password")
def forgot_password_form(request: Request) -> Response:
    """The form that asks for a reset link; after a request, the same notice for every address."""
    notice = RESET_REQUESTED if request.query_params.get("sent") == "1" else ""
    return render(request, "forgot_password.html", email="", errors={}, notice=notice)


@router.post("/forgot-password", dependencies=[CsrfChecked, Depends(attempts_limited("password-reset"))])
def forgot_password(request: Request, container: ContainerDep, email: Annotated[str, Form()] = "") -> Response:
    """E-mail a reset link if an account has the address; the answer does not say whether one does."""
    errors = field_errors(email=(normalize_email, email))
    if errors:
        return render(request, "forgot_password.html", status_code=422, email=email, errors=errors, notice="")
    retry_after = record_reset_request(request, normalize_email(email))
    if retry_after is not None:
        raise TooManyAttempts(retry_after, TOO_MANY_FOR_THE_ADDRESS)
    container.accounts.request_password_reset(email)
    return redirect("/forgot-password?sent=1")


@router.get("/reset-password")
def reset_password_form(request: Request, token: str = "") -> Response:
    """The form for a new password, reached from the link in the e-mail."""
    return render(request, "reset_password.html", token=token[:64], errors={})


@router.post("/reset-password", dependencies=[CsrfChecked, Depends(attempts_limited("password-reset"))])
def reset_password(
    request: Request,
    container: ContainerDep,
    token: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Set the new password and end every session of the account; the form again for a bad link or password."""
    errors = field_errors(password=(check_password_rules, password))
    if not errors:
        try:
            container.accounts.reset_password(token, password)
        except ValidationFailed as error:
            errors = {"form": error.message}
    if errors:
        return render(request, "reset_password.html", status_code=422, token=token, errors=errors)
    response = redirect("/login?reset=done")
    end_session(response, container)
    return response


@router.get("/verify-email")
def verify_email(request: Request, container: ContainerDep, token: str = "") -> Response:
    """Follow the link e-mailed to an address: it becomes the account's, verified (no sign-in needed)."""
    try:
        account = container.accounts.verify_email(token[:64])
    except (ValidationFailed, Conflict) as error:
        status = 409 if isinstance(error, Conflict) else 422
        return render(request, "verify_email.html", status_code=status, error=error.message, email="")
    return render(request, "verify_email.html", error="", email=account.email)
