"""Composition root: the one place that turns settings into real adapters and use cases."""

import importlib
import pkgutil
import sys
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine

from . import services
from .data.engine import build_engine
from .data.records import SqlRecords
from .data.repositories.accounts import SqlAccountRepository
from .data.unit_of_work import SqlUnitOfWorkFactory
from .integrations.email import ConsoleEmailSender, SmtpEmailSender
from .observability.security_log import StructlogSecurityLog
from .services.accounts import AccountService
from .services.passwords import PasswordHasher
from .services.ports import EmailSender, JobQueue
from .services.records import OwnedService
from .settings import Settings

S = TypeVar("S", bound=OwnedService[Any])


@dataclass(frozen=True, slots=True)
class Container:
    """Everything an entry point (web app, worker, script) needs, built once per process."""

    settings: Settings
    engine: Engine
    email_sender: EmailSender
    job_queue: JobQueue
    accounts: AccountService
    resources: dict[type[OwnedService[Any]], OwnedService[Any]]

    def service(self, kind: type[S]) -> S:
        """The use cases of one owned resource: `container.service(NoteService)`."""
        found = self.resources[kind]
        assert isinstance(found, kind)  # noqa: S101 - built from the same class just above
        return found

    def close(self) -> None:
        """Close the pooled database connections."""
        self.engine.dispose()


def build_email_sender(settings: Settings) -> EmailSender:
    """Return the e-mail adapter chosen by EMAIL_BACKEND."""
    if settings.email_backend == "smtp":
        return SmtpEmailSender(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            use_tls=settings.smtp_use_tls,
            sender=settings.email_from,
            timeout=settings.smtp_timeout_seconds,
        )
    return ConsoleEmailSender(stream=sys.stdout, sender=settings.email_from)


def owned_services() -> list[type[OwnedService[Any]]]:
    """The service of every owned resource: each subclass of `OwnedService` in the modules of services/."""
    found = []
    for info in pkgutil.iter_modules(services.__path__):
        module = importlib.import_module(f"{services.__name__}.{info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, OwnedService) and value is not OwnedService
        ]
    return found


def build_container(settings: Settings, job_queue: JobQueue, email_sender: EmailSender | None = None) -> Container:
    """Wire the real adapters for these settings; the job queue comes from the caller (jobs sit above us).

    Tests pass their own `email_sender` to see what would have been sent.
    """
    engine = build_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        slow_query_ms=settings.slow_query_ms,
    )
    hasher = PasswordHasher(
        time_cost=settings.password_hash_time_cost,
        memory_cost_kib=settings.password_hash_memory_cost,
    )
    email_sender = email_sender or build_email_sender(settings)
    token_ttl = timedelta(minutes=settings.token_ttl_minutes)
    return Container(
        settings=settings,
        engine=engine,
        email_sender=email_sender,
        job_queue=job_queue,
        accounts=AccountService(
            SqlUnitOfWorkFactory(engine, SqlAccountRepository),
            hasher,
            job_queue,
            email_sender,
            StructlogSecurityLog(),
            token_ttl,
            idle_timeout=timedelta(minutes=settings.token_idle_minutes),
            app_url=settings.app_url,
        ),
        resources={
            service: service(SqlUnitOfWorkFactory(engine, partial(SqlRecords, record=service.record)))
            for service in owned_services()
        },
    )
