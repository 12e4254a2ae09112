"""Sessions: log in for a bearer token, log out to revoke it, see the account's sessions and end them."""

import math

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from ...domain.accounts import normalize_email
from ..dependencies import BearerToken, ContainerDep, CurrentAccount, RecordId
from ..log_in_limits import TOO_MANY_FOR_THE_ACCOUNT, device_token, record_account_attempt
from ..rate_limit import RATE_LIMITED_RESPONSE, rate_limited
from ..schemas import ActiveSessionPublic, SessionCreate, SessionPublic

router = APIRouter(prefix="/api/sessions", tags=["sessions"])


@router.post("", status_code=201, dependencies=[Depends(rate_limited("log-in"))], responses=RATE_LIMITED_RESPONSE)
def log_in(form: SessionCreate, request: Request, container: ContainerDep) -> SessionPublic:
    """Exchange e-mail and password for a bearer token; 401 when they do not match.

    429 when the client, or the account (unless `device_token` is this device's), used up its attempts.
    """
    retry_after = record_account_attempt(request, form.email, form.device_token)
    if retry_after is not None:
        raise HTTPException(429, TOO_MANY_FOR_THE_ACCOUNT, headers={"Retry-After": str(max(1, math.ceil(retry_after)))})
    issued = container.accounts.log_in(form.email, form.password, request.headers.get("user-agent"))
    return SessionPublic(
        access_token=issued.token,
        expires_at=issued.expires_at,
        device_token=device_token(container, normalize_email(form.email)),
    )


@router.delete("/current", status_code=204)
def log_out(token: BearerToken, container: ContainerDep) -> Response:
    """Revoke the token this request was made with."""
    container.accounts.authenticate(token)  # 401 for a token that is already unknown or expired
    container.accounts.log_out(token)
    return Response(status_code=204)


@router.get("")
def list_sessions(account: CurrentAccount, token: BearerToken, container: ContainerDep) -> list[ActiveSessionPublic]:
    """The account's sessions and API tokens, last used first; `current` marks the one of this request."""
    return [ActiveSessionPublic.model_validate(session) for session in container.accounts.sessions(account.id, token)]


@router.delete("/others", status_code=204)
def end_other_sessions(account: CurrentAccount, token: BearerToken, container: ContainerDep) -> Response:
    """End every session and token of the account but this one."""
    container.accounts.end_other_sessions(account.id, token)
    return Response(status_code=204)


@router.delete("/{session_id:int}", status_code=204)
def end_session(session_id: RecordId, account: CurrentAccount, container: ContainerDep) -> Response:
    """End one of the account's sessions (this one too, if it is this one's id); 404 for any other id."""
    container.accounts.end_session(account.id, session_id)
    return Response(status_code=204)
