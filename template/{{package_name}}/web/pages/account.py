"""The signed-in account's own page: its address and password, its sessions, export or delete it all."""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from ...bootstrap import Container
from ...domain.accounts import Account, check_password_rules, normalize_email
from ...domain.errors import Conflict, ValidationFailed
from ..dependencies import ContainerDep, RecordId
from .browser_session import (
    CsrfChecked,
    SignedInAccount,
    VerifiedSignedInAccount,
    attempts_limited,
    end_session,
    session_token,
)
from .rendering import field_errors, redirect, render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "password": "Your password is changed. Every other session is signed out; this one stays.",
    "session": "That session is signed out.",
    "others": "Every other session is signed out.",
    "verification": "A link to verify your address is on its way to it.",
    "email": "A link to confirm your new address is on its way to it: the address changes when you follow it.",
}


@router.get("/account")
def account_page(request: Request, account: SignedInAccount, container: ContainerDep) -> Response:
    """The account's page, with a notice of what was just done."""
    notice = NOTICES.get(request.query_params.get("done", ""), "")
    return _render(request, container, account, notice=notice)


def _render(
    request: Request, container: Container, account: Account, status_code: int = 200, **context: object
) -> Response:
    """The account's page, with its sessions, and the notice or the errors of a form in `context`."""
    sessions = container.accounts.sessions(account.id, session_token(request) or "")
    context = {"errors": {}, "notice": "", **context}
    return render(request, "account.html", account=account, status_code=status_code, sessions=sessions, **context)


@router.post("/account/password", dependencies=[CsrfChecked, Depends(attempts_limited("current-password"))])
def change_password(
    request: Request,
    account: SignedInAccount,
    container: ContainerDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
) -> Response:
    """Change the password, knowing the current one; this browser stays signed in, every other session ends."""
    errors = field_errors(new_password=(check_password_rules, new_password))
    if not errors:
        try:
            container.accounts.change_password(account, session_token(request) or "", current_password, new_password)
        except ValidationFailed as error:
            errors = {error.field or "form": error.message}
    if errors:
        return _render(request, container, account, status_code=422, errors=errors)
    return redirect("/account?done=password")


@router.post("/account/verification", dependencies=[CsrfChecked, Depends(attempts_limited("email-verification"))])
def request_verification(account: SignedInAccount, container: ContainerDep) -> Response:
    """E-mail the address a link that verifies it (a 409 page when it is verified already)."""
    container.accounts.request_email_verification(account)
    return redirect("/account?done=verification")


@router.post("/account/email", dependencies=[CsrfChecked, Depends(attempts_limited("current-password"))])
def change_email(
    request: Request,
    account: SignedInAccount,
    container: ContainerDep,
    new_email: Annotated[str, Form()] = "",
    email_password: Annotated[str, Form()] = "",
) -> Response:
    """Send a link to the new address; following it moves the account there."""
    errors = field_errors(new_email=(normalize_email, new_email))
    if not errors:
        try:
            container.accounts.change_email(account, email_password, new_email)
        except ValidationFailed as error:
            field = "email_password" if error.field == "current_password" else error.field
            errors = {field or "form": error.message}
        except Conflict as error:
            errors = {"new_email": error.message}
    if errors:
        return _render(request, container, account, status_code=422, errors=errors, new_email=new_email)
    return redirect("/account?done=email")


@router.post("/account/sessions/others/end", dependencies=[CsrfChecked])
def end_other_sessions(request: Request, account: SignedInAccount, container: ContainerDep) -> Response:
    """Sign out every other browser and API token of the account; this browser stays."""
    container.accounts.end_other_sessions(account.id, session_token(request) or "")
    return redirect("/account?done=others")


@router.post("/account/sessions/{session_id:int}/end", dependencies=[CsrfChecked])
def end_one_session(session_id: RecordId, account: SignedInAccount, container: ContainerDep) -> Response:
    """Sign out one session of the account (a 404 page for any other id)."""
    container.accounts.end_session(account.id, session_id)
    return redirect("/account?done=session")


@router.post("/account/export", dependencies=[CsrfChecked, Depends(attempts_limited("current-password"))])
def export_data(
    request: Request,
    account: VerifiedSignedInAccount,
    container: ContainerDep,
    export_password: Annotated[str, Form()] = "",
) -> Response:
    """Download everything the account holds as one JSON file (the API's export); a verified address only."""
    try:
        data = container.accounts.export_data(account, export_password)
    except ValidationFailed as error:
        return _render(request, container, account, status_code=422, errors={"export_password": error.message})
    return Response(
        json.dumps(data, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


@router.post("/account/delete", dependencies=[CsrfChecked, Depends(attempts_limited("current-password"))])
def delete_account(
    request: Request,
    account: SignedInAccount,
    container: ContainerDep,
    delete_password: Annotated[str, Form()] = "",
) -> Response:
    """Delete the account and everything it owns, then forget the session."""
    try:
        container.accounts.delete_account(account, delete_password)
    except ValidationFailed as error:
        return _render(request, container, account, status_code=422, errors={"delete_password": error.message})
    response = redirect("/?deleted=1")
    end_session(response, container)
    return response
