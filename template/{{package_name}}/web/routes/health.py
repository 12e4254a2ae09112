"""Health probes: `/healthz` says the process is alive, `/readyz` that it should receive requests."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ... import __version__
from ...data.releases import schema_state
from ..dependencies import ContainerDep
from ..errors import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def alive(container: ContainerDep) -> dict[str, Any]:
    """Liveness and the running release; touches nothing else, so a slow database never restarts the app."""
    return {"status": "ok", "version": __version__, "commit": container.settings.app_commit}


@router.get("/readyz", response_model=None)
def ready(request: Request, container: ContainerDep) -> dict[str, Any] | JSONResponse:
    """Readiness: 503 (take this instance out of rotation) while it drains or its database is unreachable or behind.

    Behind means a migration of this code is not applied yet: its release step has not run. A database
    ahead of the code, migrated by a newer release's expand step, is ready: the old code still works with it.
    """
    if request.app.state.draining.started:
        return problem(request, 503, "This instance is shutting down.")
    state = schema_state(container.engine)
    if state is None:
        return problem(request, 503, "The database is not reachable.")
    if state == "behind":
        return problem(request, 503, "The database is behind this release: run the release step.")
    return {"status": "ok", "version": __version__, "commit": container.settings.app_commit, "database": state}
