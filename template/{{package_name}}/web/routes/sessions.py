"""Sessions: log in for a bearer token, log out to revoke it."""

from fastapi import APIRouter, Depends, Response

from ..dependencies import BearerToken, ContainerDep
from ..rate_limit import RATE_LIMITED_RESPONSE, rate_limited
from ..schemas import SessionCreate, SessionPublic

router = APIRouter(prefix="/api/sessions", tags=["sessions"])


@router.post("", status_code=201, dependencies=[Depends(rate_limited("log-in"))], responses=RATE_LIMITED_RESPONSE)
def log_in(form: SessionCreate, container: ContainerDep) -> SessionPublic:
    """Exchange e-mail and password for a bearer token; 401 when they do not match."""
    issued = container.accounts.log_in(form.email, form.password)
    return SessionPublic(access_token=issued.token, expires_at=issued.expires_at)


@router.delete("/current", status_code=204)
def log_out(token: BearerToken, container: ContainerDep) -> Response:
    """Revoke the token this request was made with."""
    container.accounts.authenticate(token)  # 401 for a token that is already unknown or expired
    container.accounts.log_out(token)
    return Response(status_code=204)
