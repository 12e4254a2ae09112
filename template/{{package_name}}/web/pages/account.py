"""The signed-in account's own page: change the password."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from ...domain.accounts import check_password_rules
from ...domain.errors import ValidationFailed
from ..dependencies import ContainerDep
from .browser_session import CsrfChecked, SignedInAccount, attempts_limited, session_token
from .rendering import field_errors, redirect, render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "password": "Your password is changed. Every other session is signed out; this one stays.",
}


@router.get("/account")
def account_page(request: Request, account: SignedInAccount) -> Response:
    """The account's page, with a notice of what was just done."""
    notice = NOTICES.get(request.query_params.get("done", ""), "")
    return render(request, "account.html", account=account, errors={}, notice=notice)


@router.post("/account/password", dependencies=[CsrfChecked, Depends(attempts_limited("password-change"))])
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
        return render(request, "account.html", account=account, status_code=422, errors=errors, notice="")
    return redirect("/account?done=password")
