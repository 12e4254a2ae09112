"""Health probes: `/healthz` says the process is alive, `/readyz` that it can reach its database."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ... import __version__
from ...data.engine import database_is_reachable
from ..dependencies import ContainerDep
from ..errors import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def alive() -> dict[str, Any]:
    """Liveness: answers without touching anything else, so a slow database never restarts the app."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", response_model=None)
def ready(request: Request, container: ContainerDep) -> dict[str, Any] | JSONResponse:
    """Readiness: 200 when `SELECT 1` succeeds, 503 otherwise (take this instance out of rotation)."""
    if not database_is_reachable(container.engine):
        return problem(request, 503, "The database is not reachable.")
    return {"status": "ok", "version": __version__, "database": "ok"}
