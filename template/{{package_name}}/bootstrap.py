"""Composition root: the one place that turns settings into real adapters and use cases."""

import sys
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from .data.engine import build_engine
from .data.repositories.accounts import SqlAccountRepository
from .data.repositories.notes import SqlNoteRepository
from .data.unit_of_work import SqlUnitOfWorkFactory
from .integrations.email import ConsoleEmailSender, SmtpEmailSender
from .observability.security_log import StructlogSecurityLog
from .services.accounts import AccountService
from .services.notes import NoteService
from .services.passwords import PasswordHasher
from .services.ports import EmailSender, JobQueue
from .settings import Settings


@dataclass(frozen=True, slots=True)
class Container:
    """Everything an entry point (web app, worker, script) needs, built once per process."""

    settings: Settings
    engine: Engine
    email_sender: EmailSender
    job_queue: JobQueue
    accounts: AccountService
    notes: NoteService

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
            timeout=settings.http_timeout_seconds,
        )
    return ConsoleEmailSender(stream=sys.stdout, sender=settings.email_from)


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
        ),
        notes=NoteService(SqlUnitOfWorkFactory(engine, SqlNoteRepository)),
    )
