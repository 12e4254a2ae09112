"""Accounts: sign up; read the signed-in account, verify or change its address and password, export or delete it."""

from fastapi import APIRouter, Depends, Response

from ..dependencies import BearerToken, ContainerDep, CurrentAccount, VerifiedAccount
from ..rate_limit import RATE_LIMITED_RESPONSE, rate_limited
from ..schemas import AccountCreate, AccountPublic, CurrentPassword, EmailChange, EmailVerificationUse, PasswordChange

router = APIRouter(prefix="/api/accounts", tags=["accounts"])

VERIFICATION_SENT = "A link to verify the address is on its way to it."
CHANGE_SENT = "A link to confirm the new address is on its way to it; the address changes when it is followed."


@router.post("", status_code=201, dependencies=[Depends(rate_limited("sign-up"))], responses=RATE_LIMITED_RESPONSE)
def sign_up(form: AccountCreate, container: ContainerDep) -> AccountPublic:
    """Create an account; its welcome e-mail is sent in the background. 409 when the address is taken."""
    account = container.accounts.sign_up(form.email, form.password)
    return AccountPublic.model_validate(account)


@router.get("/me")
def read_me(account: CurrentAccount) -> AccountPublic:
    """The account that owns the bearer token."""
    return AccountPublic.model_validate(account)


@router.post(
    "/me/verification",
    status_code=202,
    dependencies=[Depends(rate_limited("email-verification"))],
    responses=RATE_LIMITED_RESPONSE,
)
def request_verification(account: CurrentAccount, container: ContainerDep) -> dict[str, str]:
    """E-mail the address a single-use link (valid 2 days) that verifies it; 409 when it is verified already."""
    container.accounts.request_email_verification(account)
    return {"detail": VERIFICATION_SENT}


@router.post(
    "/email-verification",
    status_code=204,
    dependencies=[Depends(rate_limited("email-verification"))],
    responses=RATE_LIMITED_RESPONSE,
)
def verify_email(form: EmailVerificationUse, container: ContainerDep) -> Response:
    """Follow a verification link with its token: its address becomes the account's, verified.

    No sign-in needed: the link may be opened anywhere. 422 when it is unknown, used already or expired; 409
    when it moves the account to an address another account took in the meantime.
    """
    container.accounts.verify_email(form.token)
    return Response(status_code=204)


@router.put(
    "/me/email",
    status_code=202,
    dependencies=[Depends(rate_limited("current-password"))],
    responses=RATE_LIMITED_RESPONSE,
)
def change_email(form: EmailChange, account: CurrentAccount, container: ContainerDep) -> dict[str, str]:
    """Move the account to a new address: a link goes to it, and following it makes the change (the old one is told).

    422 when the current password is wrong or the address is the same; 409 when another account has it.
    """
    container.accounts.change_email(account, form.current_password, form.new_email)
    return {"detail": CHANGE_SENT}


@router.put(
    "/me/password",
    status_code=204,
    dependencies=[Depends(rate_limited("current-password"))],
    responses=RATE_LIMITED_RESPONSE,
)
def change_password(
    form: PasswordChange, account: CurrentAccount, token: BearerToken, container: ContainerDep
) -> Response:
    """Change the password; every other session and token of the account ends, this one stays.

    422 when the current password is wrong. A "your password was changed" e-mail goes to the address.
    """
    container.accounts.change_password(account, token, form.current_password, form.new_password)
    return Response(status_code=204)


@router.post("/me/export", dependencies=[Depends(rate_limited("current-password"))], responses=RATE_LIMITED_RESPONSE)
def export_data(form: CurrentPassword, account: VerifiedAccount, container: ContainerDep) -> dict[str, object]:
    """Everything the account holds: `{"account": {...}, "records": {"<table>": [{...}, ...]}}`.

    Every table of records the account owns is there, by name, each record with all its columns (times in
    ISO 8601, decimals as strings). 403 until the address is verified; 422 when the current password is wrong.
    """
    return container.accounts.export_data(account, form.current_password)


@router.delete(
    "/me", status_code=204, dependencies=[Depends(rate_limited("current-password"))], responses=RATE_LIMITED_RESPONSE
)
def delete_account(form: CurrentPassword, account: CurrentAccount, container: ContainerDep) -> Response:
    """Delete the account, every record it owns and every session; 422 when the current password is wrong."""
    container.accounts.delete_account(account, form.current_password)
    return Response(status_code=204)
