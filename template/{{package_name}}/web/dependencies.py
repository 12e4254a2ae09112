"""Route dependencies as `Annotated` aliases, so route signatures read like prose.

None of them holds a database session: use cases open and close their own unit of work, so no
pooled connection waits for a response to finish sending.
"""

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..bootstrap import Container
from ..domain.accounts import Account, require_verified_email
from ..domain.errors import AuthenticationFailed

_bearer = HTTPBearer(auto_error=False, description="The access_token from POST /api/sessions")


async def get_container(request: Request) -> Container:
    """The app's composition root (async: no thread hop for a dictionary lookup)."""
    container: Container = request.app.state.container
    return container


async def get_bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The bearer token of the request; AuthenticationFailed when there is none."""
    if credentials is None:
        raise AuthenticationFailed("This endpoint needs an `Authorization: Bearer <token>` header.")
    return credentials.credentials


ContainerDep = Annotated[Container, Depends(get_container)]
BearerToken = Annotated[str, Depends(get_bearer_token)]


def get_current_account(container: ContainerDep, token: BearerToken) -> Account:
    """The account that holds the request's bearer token; AuthenticationFailed (401) otherwise.

    Every API route that acts for someone takes `account: CurrentAccount` and passes `account.id`
    to the use cases as the owner. The pages have the same from their session cookie (`SignedInAccount`).
    """
    return container.accounts.authenticate(token)


CurrentAccount = Annotated[Account, Depends(get_current_account)]


async def get_verified_account(account: CurrentAccount) -> Account:
    """The current account, if its e-mail address is verified; PermissionDenied (403) otherwise.

    Take `account: VerifiedAccount` instead of `CurrentAccount` on a route that needs a verified address;
    every other route lets an unverified account in. The pages have `VerifiedSignedInAccount`.
    """
    return require_verified_email(account)


VerifiedAccount = Annotated[Account, Depends(get_verified_account)]


async def check_verified_if_required(account: CurrentAccount, container: ContainerDep) -> None:
    """Every resource's API checks this: with VERIFIED_EMAIL_REQUIRED on, an unverified account gets a 403."""
    if container.settings.verified_email_required:
        require_verified_email(account)


# Ids are the database's integer primary keys (32-bit in PostgreSQL): a larger number in a URL is a 422,
# not an overflow error deep in the driver.
MAX_RECORD_ID = 2**31 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
