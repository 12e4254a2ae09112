"""Structured logging: JSON lines in production, readable lines in development, one setup for all loggers."""

import contextlib
import logging
import sys
from typing import Any, Literal

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict

LogFormat = Literal["console", "json"]


def configure_logging(
    level: str = "INFO", log_format: LogFormat = "console", *, cache_loggers: bool = True, **static: Any
) -> None:
    """Set up structlog and the standard library (uvicorn, SQLAlchemy, huey) to share one format.

    `static` fields (such as `version`) are added to every line. Our own loggers filter by level
    before any work is done and write straight to stdout, so a suppressed debug call costs
    almost nothing and an emitted line costs one dict and one write. Every line goes to the
    stdout of the moment: tests pass `cache_loggers=False`, and pytest swaps stdout per test.
    """
    numeric_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        # Plain tracebacks: structlog's default uses rich when it is installed (pip-audit brings it),
        # which prints every frame's local variables and takes seconds.
        else structlog.dev.ConsoleRenderer(
            colors=sys.stdout.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )

    def add_static_fields(_logger: Any, _method: str, event: EventDict) -> EventDict:
        for key, value in static.items():
            event.setdefault(key, value)
        return event

    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,  # the request id, bound once per request
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_static_fields,
    ]
    # Tracebacks never carry the frames' local variables: they hold passwords and tokens.
    exception_formatter: list[structlog.types.Processor] = (
        [structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))]
        if log_format == "json"
        else []
    )
    structlog.configure(
        processors=[*shared, structlog.processors.StackInfoRenderer(), *exception_formatter, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.WriteLoggerFactory(),  # sys.stdout when each logger is made
        cache_logger_on_first_use=cache_loggers,
    )

    handler = _StdoutHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, _add_stdlib_logger_name],
            # Library loggers (huey, uvicorn, SQLAlchemy) log exceptions too: same traceback format as ours.
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *exception_formatter, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    # Our middleware writes the access log; uvicorn's own would duplicate every line.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.error").addFilter(_skip_logged_errors)


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record to sys.stdout as it is then, not to the one there at set-up."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


_LOGGED = "_traceback_logged"


def mark_logged(error: BaseException) -> None:
    """Note that `error` is in the log with its traceback, so the server does not log it a second time."""
    with contextlib.suppress(AttributeError):  # a frozen exception (dataclass, attrs) is logged twice
        setattr(error, _LOGGED, True)


def _skip_logged_errors(record: logging.LogRecord) -> bool:
    """Drop uvicorn's second log of an exception that `mark_logged` says is in the log already.

    uvicorn logs "Exception in ASGI application" for every exception an app lets out; Starlette lets
    out each one after our 500 handler has logged it with the request id. Unmarked ones still pass.
    """
    error = record.exc_info[1] if record.exc_info else None
    return not getattr(error, _LOGGED, False)


def _add_stdlib_logger_name(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """Name the standard-library logger under the same key as ours (`logger_name`)."""
    record = event.get("_record")
    if record is not None:
        event["logger_name"] = record.name
    return event


def get_logger(name: str) -> Any:
    """Return a structlog logger tagged with the component name."""
    # Lazy: the logger is assembled at first use, after configure_logging() has run.
    return structlog.get_logger(logger_name=name)
