"""Password resets: ask for a link by e-mail, then use it to set a new password."""

import math

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from ..dependencies import ContainerDep
from ..log_in_limits import TOO_MANY_FOR_THE_ADDRESS, record_reset_request
from ..rate_limit import RATE_LIMITED_RESPONSE, rate_limited
from ..schemas import PasswordResetCreate, PasswordResetUse

router = APIRouter(prefix="/api/password-resets", tags=["accounts"])

RESET_REQUESTED = "If an account has this address, a link to reset its password is on its way."


@router.post(
    "", status_code=202, dependencies=[Depends(rate_limited("password-reset"))], responses=RATE_LIMITED_RESPONSE
)
def request_reset(form: PasswordResetCreate, request: Request, container: ContainerDep) -> dict[str, str]:
    """E-mail a single-use link to set a new password; the answer is the same whether or not the address has an account.

    429 when the client, or the address, asked too often.
    """
    retry_after = record_reset_request(request, form.email)
    if retry_after is not None:
        raise HTTPException(429, TOO_MANY_FOR_THE_ADDRESS, headers={"Retry-After": str(max(1, math.ceil(retry_after)))})
    container.accounts.request_password_reset(form.email)
    return {"detail": RESET_REQUESTED}


@router.post(
    "/use", status_code=204, dependencies=[Depends(rate_limited("password-reset"))], responses=RATE_LIMITED_RESPONSE
)
def use_reset(form: PasswordResetUse, container: ContainerDep) -> Response:
    """Set a new password with the link's token; every session and token of the account ends.

    422 when the link is unknown, used already or expired.
    """
    container.accounts.reset_password(form.token, form.new_password)
    return Response(status_code=204)
