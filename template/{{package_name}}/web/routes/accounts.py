"""Accounts: sign up, read the signed-in account, change its password, export its data, delete it."""

from fastapi import APIRouter, Depends, Response

from ..dependencies import BearerToken, ContainerDep, CurrentAccount
from ..rate_limit import RATE_LIMITED_RESPONSE, rate_limited
from ..schemas import AccountCreate, AccountPublic, CurrentPassword, PasswordChange

router = APIRouter(prefix="/api/accounts", tags=["accounts"])


@router.post("", status_code=201, dependencies=[Depends(rate_limited("sign-up"))], responses=RATE_LIMITED_RESPONSE)
def sign_up(form: AccountCreate, container: ContainerDep) -> AccountPublic:
    """Create an account; its welcome e-mail is sent in the background. 409 when the address is taken."""
    account = container.accounts.sign_up(form.email, form.password)
    return AccountPublic.model_validate(account)


@router.get("/me")
def read_me(account: CurrentAccount) -> AccountPublic:
    """The account that owns the bearer token."""
    return AccountPublic.model_validate(account)


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
def export_data(form: CurrentPassword, account: CurrentAccount, container: ContainerDep) -> dict[str, object]:
    """Everything the account holds: `{"account": {...}, "records": {"<table>": [{...}, ...]}}`.

    Every table of records the account owns is there, by name, each record with all its columns (times in
    ISO 8601, decimals as strings). 422 when the current password is wrong.
    """
    return container.accounts.export_data(account, form.current_password)


@router.delete(
    "/me", status_code=204, dependencies=[Depends(rate_limited("current-password"))], responses=RATE_LIMITED_RESPONSE
)
def delete_account(form: CurrentPassword, account: CurrentAccount, container: ContainerDep) -> Response:
    """Delete the account, every record it owns and every session; 422 when the current password is wrong."""
    container.accounts.delete_account(account, form.current_password)
    return Response(status_code=204)
