"""Worker entry point: `python -m <package>.jobs.worker` (or `make worker`).

Runs huey's consumer with JOBS_WORKERS threads plus its scheduler (retries and periodic tasks), logging
the same way as the web app. SIGTERM (docker stop, systemd) lets the tasks in progress finish, for at
most SHUTDOWN_TIMEOUT_SECONDS, then exits; SIGINT (Ctrl-C) exits at once. An interrupted task is lost
like one killed with SIGKILL, and recovered the same way: see jobs.queue.
"""

from .. import __version__
from ..bootstrap import build_container
from ..observability.logging import configure_logging
from ..settings import load_settings
from .queue import build_job_queue

# An idle worker checks the embedded (SQLite) queue at least this often; Redis blocks instead of polling.
MAX_POLL_INTERVAL_SECONDS = 1.0
SHUTDOWN_TIMEOUT_SECONDS = 25.0


def main() -> None:
    """Start the consumer and block until a signal stops it."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format, version=__version__, environment=settings.environment)
    job_queue = build_job_queue(settings)
    if job_queue.huey.immediate:
        raise SystemExit("JOBS_IMMEDIATE is true: jobs run inside the web process, no worker is needed.")
    container = build_container(settings, job_queue)
    job_queue.bind_container(container)
    consumer = job_queue.huey.create_consumer(
        workers=settings.jobs_workers,
        worker_type="thread",
        periodic=True,
        max_delay=MAX_POLL_INTERVAL_SECONDS,
        # Orchestrators stop with SIGTERM: let it finish running tasks rather than cut them off.
        graceful_signal="TERM",
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
    )
    try:
        consumer.run()
    finally:
        container.close()


if __name__ == "__main__":
    main()
