"""The one place where errors become HTTP responses: problem details (RFC 9457) with the request id."""

from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from ..observability.logging import get_logger, mark_logged
from ..observability.request_id import current_request_id

STATUS_BY_DOMAIN_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    Conflict: 409,
    ValidationFailed: 422,
    AuthenticationFailed: 401,
}

logger = get_logger("web.errors")


class Problem(BaseModel):
    """The body of every error answer (RFC 9457 problem details), as documented in the OpenAPI schema."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None
    errors: list[dict[str, Any]] | None = None  # 422: which fields are wrong (loc, msg, type)


# Documents every error status of every route at once (and replaces FastAPI's default 422 schema,
# which is not what `_invalid_request` answers). Inline, so it needs no entry in the components.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "default": {
        "description": "An error, as problem details (RFC 9457) naming the request id",
        "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    }
}


def problem(
    request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """Build an `application/problem+json` response that names the request it answers."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": current_request_id(),
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")


def _status_for(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_BY_DOMAIN_ERROR:
            return STATUS_BY_DOMAIN_ERROR[kind]
    return 400


async def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)  # noqa: S101 - registered for DomainError only
    status = _status_for(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(request, status, error.message, headers=headers)


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)  # noqa: S101
    errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in error.errors()]
    return problem(request, 422, "The request is not valid.", errors=jsonable_encoder(errors))


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)  # noqa: S101
    return problem(request, error.status_code, str(error.detail), headers=error.headers)


async def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    # Connection refused or lost, pool exhausted, database locked: a 503 tells clients and load balancers
    # to retry later. The pool drops its dead connections, so the next request reconnects by itself.
    cause = getattr(error, "orig", None) or error
    logger.error("database_unavailable", error_type=type(cause).__name__, reason=str(cause).partition("\n")[0])
    return problem(
        request, 503, "The database is not available right now; try again shortly.", headers={"Retry-After": "5"}
    )


def _unexpected_error_handler(
    headers: Mapping[str, str],
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """The 500 handler. Starlette runs it outside all of our middleware, so it adds their headers itself.

    Starlette re-raises the error to the server after this answer, and the server then closes the
    connection: `Connection: close` says so, or a proxy that keeps connections open (nginx) would send
    its next request, another user's, down the closed connection and count the instance as failed.
    """
    closing = {**headers, "Connection": "close"}

    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled_error", error_type=type(error).__name__)
        mark_logged(error)  # Starlette re-raises it to the server, which would log it again
        request_id = current_request_id()
        return problem(
            request,
            500,
            "Something went wrong on our side; the request id helps us find it.",
            headers={**closing, "X-Request-ID": request_id} if request_id else closing,
        )

    return unexpected_error


def register_error_handlers(app: FastAPI, *, unexpected_error_headers: Mapping[str, str]) -> None:
    """Install the mapping on the app; `unexpected_error_headers` go on the 500 answer."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for database_error in (OperationalError, InterfaceError, PoolTimeoutError):
        app.add_exception_handler(database_error, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected_error_handler(unexpected_error_headers))
