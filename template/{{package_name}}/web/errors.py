"""The one place where errors become HTTP responses: problem details (RFC 9457) with the request id."""

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..data.releases import schema_state
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
# Draws an error page for a browser: (request, the signed-in account if known, status, message).
ErrorPage = Callable[[Request, Any, int, str], Response]
# Paths served to programs (the API, probes, metrics, the API's docs): their errors are problem details.
MACHINE_PATHS = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc")


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


async def _domain_error(page: ErrorPage, request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)  # noqa: S101 - registered for DomainError only
    status = _status_for(error)
    if _is_page(request):  # another account's record, or one still in use: the page that says so
        return page(request, getattr(request.state, "visitor", None), status, error.message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(request, status, error.message, headers=headers)


def _is_page(request: Request) -> bool:
    """Whether a browser asked for a page (which gets an HTML answer) rather than the API or a probe."""
    return not request.url.path.startswith(MACHINE_PATHS)


async def _invalid_request(page: ErrorPage, request: Request, error: Exception) -> Response:
    """422 for a bad body or query value; a bad id in the path names no record, so that is a 404."""
    assert isinstance(error, RequestValidationError)  # noqa: S101
    if any(item["loc"][:1] == ("path",) for item in error.errors()):
        return page(request, None, 404, "") if _is_page(request) else problem(request, 404, "Not found.")
    if _is_page(request):
        return page(request, None, 422, "The form or link is not valid; go back and try again.")
    errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in error.errors()]
    return problem(request, 422, "The request is not valid.", errors=jsonable_encoder(errors))


async def _http_error(page: ErrorPage, request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)  # noqa: S101
    if _is_page(request) and error.status_code in (404, 405):
        return page(request, None, error.status_code, "This page does not take that kind of request.")
    return problem(request, error.status_code, str(error.detail), headers=error.headers)


async def _database_error(page: ErrorPage, request: Request, error: Exception) -> Response:
    """503 for a database that cannot answer now, or whose schema is behind the code; any other error is a 500."""
    cause = getattr(error, "orig", None) or error
    container = request.app.state.container
    if _schema_refused(cause) and await run_in_threadpool(schema_state, container.engine) == "behind":
        # A table or column of this code is missing: a resource added to a running `make run` before
        # `make migrate`, or a release whose release step has not run. Readiness says so too.
        logger.error("database_behind", reason=str(cause).partition("\n")[0], fix="make migrate (the release step)")
        if container.settings.environment != "production":
            return _unavailable(page, request, "The database is behind the code: run `make migrate`, then reload.")
    elif isinstance(error, ProgrammingError):
        raise error  # a statement the database cannot run: a bug, for the 500 handler
    else:
        # Connection refused or lost, pool exhausted, database locked: clients and load balancers retry
        # later. The pool drops its dead connections, so the next request reconnects by itself.
        logger.error("database_unavailable", error_type=type(cause).__name__, reason=str(cause).partition("\n")[0])
    return _unavailable(page, request, "The database is not available right now; try again shortly.")


def _schema_refused(cause: object) -> bool:
    """Whether the database refused a statement over its schema rather than being out of reach.

    PostgreSQL names a missing table or column (SQLSTATE 42P01, 42703); SQLite says only SQLITE_ERROR.
    """
    missing = getattr(cause, "sqlstate", None) in ("42P01", "42703")
    return missing or getattr(cause, "sqlite_errorname", None) == "SQLITE_ERROR"


def _unavailable(page: ErrorPage, request: Request, detail: str) -> Response:
    """A 503 that says when to come back: the error page for a browser, problem details for a program."""
    retry = {"Retry-After": "5"}
    if not _is_page(request):
        return problem(request, 503, detail, headers=retry)
    response = page(request, getattr(request.state, "visitor", None), 503, detail)
    response.headers.update(retry)
    return response


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


def register_error_handlers(app: FastAPI, *, unexpected_error_headers: Mapping[str, str], page: ErrorPage) -> None:
    """Install the mapping on the app; `unexpected_error_headers` go on the 500 answer, `page` draws a page's errors."""
    app.add_exception_handler(DomainError, partial(_domain_error, page))
    app.add_exception_handler(RequestValidationError, partial(_invalid_request, page))
    app.add_exception_handler(StarletteHTTPException, partial(_http_error, page))
    for database_error in (OperationalError, InterfaceError, PoolTimeoutError, ProgrammingError):
        app.add_exception_handler(database_error, partial(_database_error, page))
    app.add_exception_handler(Exception, _unexpected_error_handler(unexpected_error_headers))
