"""Accounts: sign up, and read the signed-in account."""

from fastapi import APIRouter, Depends

from ..dependencies import ContainerDep, CurrentAccount
from ..rate_limit import RATE_LIMITED_RESPONSE, rate_limited
from ..schemas import AccountCreate, AccountPublic

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
