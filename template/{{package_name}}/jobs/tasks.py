"""Task functions: thin entry points that take ids and call idempotent use cases.

The activity report runs every day at ACTIVITY_REPORT_HOUR (UTC): one log line per resource with the
records added in the day before and how many accounts added them (data/reports.py reads them).

Retry policy of the welcome e-mail: 4 retries after 10 s, 20 s, 40 s, 80 s (about 2.5 minutes in all),
then the periodic reconciliation takes over: every 5 minutes it re-enqueues the welcome e-mails of
accounts created more than 10 minutes ago (longer than the whole retry chain, so it never races a
chain still in progress) and less than a day ago (so an address that always bounces stops costing
work), whose `welcome_email_sent_at` is still empty. See jobs.queue for the delivery guarantee.

Every hour, `purge_expired_access` deletes the API tokens that expired or went idle
(TOKEN_IDLE_MINUTES) and the password-reset and verification links that expired: they open nothing any more.

A password-reset or e-mail verification link gets 2 retries after 10 s and 20 s, and the "password
changed" and "address changed" notices the same retries as the welcome e-mail. None is reconciled:
nothing in the database owes them, and a link is only worth sending while its reader waits for it (they
ask again); a notice whose enqueue failed is not sent.

Adding a job: a method on services.ports.JobQueue, a function registered in `register_tasks` (and a
field on JobTasks), and the HueyJobQueue method that calls it. The task name is part of the messages
already waiting in the queue: rename a task only once its queue is empty.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from huey import Huey, crontab

from ..bootstrap import Container
from ..data.reports import activity_since
from ..observability.logging import get_logger

WELCOME_EMAIL_RETRIES = 4
WELCOME_EMAIL_RETRY_DELAY_SECONDS = 10
WELCOME_EMAIL_RETRY_BACKOFF = 2.0
PASSWORD_RESET_RETRIES = 2
RECONCILE_EVERY_MINUTES = 5
RECONCILE_GRACE = timedelta(minutes=10)
RECONCILE_WINDOW = timedelta(days=1)
RECONCILE_BATCH_SIZE = 500
ACTIVITY_REPORT_HOUR = 6
PURGE_MINUTE = 17  # of every hour: away from the top of the hour, when other periodic work piles up

logger = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class JobTasks:
    """The task wrappers registered on one huey instance (call one to enqueue it)."""

    send_welcome_email: Any
    enqueue_missed_welcome_emails: Any
    report_activity: Any
    send_password_reset: Any
    send_password_changed_notice: Any
    purge_expired_access: Any
    send_email_verification: Any
    send_email_changed_notice: Any


def run_welcome_email_job(container: Container, account_id: int) -> bool:
    """Send the welcome e-mail of `account_id` unless already sent; True when a message went out."""
    sent = container.accounts.send_welcome_email(account_id)
    logger.info("welcome_email.sent" if sent else "welcome_email.skipped", account_id=account_id)
    return sent


def enqueue_missed_welcome_emails(
    container: Container,
    enqueue: Callable[[int], object],
    now: datetime | None = None,
    grace: timedelta = RECONCILE_GRACE,
) -> list[int]:
    """Enqueue again the welcome e-mails that were never stamped as sent; returns the account ids."""
    now = now or datetime.now(UTC)
    account_ids = container.accounts.awaiting_welcome_email(
        created_after=now - RECONCILE_WINDOW,
        created_before=now - grace,
        limit=RECONCILE_BATCH_SIZE,
    )
    for account_id in account_ids:
        enqueue(account_id)
    if account_ids:
        logger.warning("welcome_email.reenqueued", count=len(account_ids), account_ids=account_ids)
    return account_ids


def report_activity(container: Container, now: datetime | None = None) -> None:
    """Log what every resource gained in the last day, across all accounts (counts only, no record)."""
    now = now or datetime.now(UTC)
    for activity in activity_since(container.engine, now - timedelta(days=1)):
        logger.info("activity.report", resource=activity.resource, records=activity.records, accounts=activity.accounts)


def purge_expired_access(container: Container) -> None:
    """Delete the tokens and links that open nothing any more, and log how many."""
    tokens, links = container.accounts.purge_expired_access()
    logger.info("access.purged", tokens=tokens, links=links)


def register_tasks(huey: Huey, container: Callable[[], Container]) -> JobTasks:
    """Register this application's tasks on `huey`; `container` is looked up when a task runs."""

    def send_welcome_email(account_id: int) -> None:
        """Background job: the welcome e-mail of one account (idempotent)."""
        run_welcome_email_job(container(), account_id)

    welcome_task = huey.task(
        retries=WELCOME_EMAIL_RETRIES,
        retry_delay=WELCOME_EMAIL_RETRY_DELAY_SECONDS,
        retry_backoff=WELCOME_EMAIL_RETRY_BACKOFF,
        name="send_welcome_email",
    )(send_welcome_email)

    def reconcile_welcome_emails() -> None:
        """Periodic job: re-enqueue welcome e-mails lost with a killed worker."""
        enqueue_missed_welcome_emails(container(), welcome_task)

    reconcile_task = huey.periodic_task(
        crontab(minute=f"*/{RECONCILE_EVERY_MINUTES}"), name="enqueue_missed_welcome_emails"
    )(reconcile_welcome_emails)

    def daily_activity_report() -> None:
        """Periodic job: the day's new records per resource, in the log."""
        report_activity(container())

    def send_password_reset(account_id: int | None) -> None:
        """Background job: a reset link for one account (None: an address with no account, nothing to send)."""
        container().accounts.send_password_reset(account_id)

    reset_task = huey.task(
        retries=PASSWORD_RESET_RETRIES,
        retry_delay=WELCOME_EMAIL_RETRY_DELAY_SECONDS,
        retry_backoff=WELCOME_EMAIL_RETRY_BACKOFF,
        name="send_password_reset",
    )(send_password_reset)

    def send_password_changed_notice(account_id: int) -> None:
        """Background job: tell an account's address that its password changed."""
        container().accounts.send_password_changed_notice(account_id)

    notice_task = huey.task(
        retries=WELCOME_EMAIL_RETRIES,
        retry_delay=WELCOME_EMAIL_RETRY_DELAY_SECONDS,
        retry_backoff=WELCOME_EMAIL_RETRY_BACKOFF,
        name="send_password_changed_notice",
    )(send_password_changed_notice)

    def send_email_verification(account_id: int, email: str) -> None:
        """Background job: a link that verifies `email` for one account."""
        container().accounts.send_email_verification(account_id, email)

    verification_task = huey.task(
        retries=PASSWORD_RESET_RETRIES,
        retry_delay=WELCOME_EMAIL_RETRY_DELAY_SECONDS,
        retry_backoff=WELCOME_EMAIL_RETRY_BACKOFF,
        name="send_email_verification",
    )(send_email_verification)

    def send_email_changed_notice(account_id: int, old_email: str) -> None:
        """Background job: tell an account's former address that it moved."""
        container().accounts.send_email_changed_notice(account_id, old_email)

    email_notice_task = huey.task(
        retries=WELCOME_EMAIL_RETRIES,
        retry_delay=WELCOME_EMAIL_RETRY_DELAY_SECONDS,
        retry_backoff=WELCOME_EMAIL_RETRY_BACKOFF,
        name="send_email_changed_notice",
    )(send_email_changed_notice)

    report_task = huey.periodic_task(crontab(hour=str(ACTIVITY_REPORT_HOUR), minute="0"), name="report_activity")(
        daily_activity_report
    )

    def hourly_purge() -> None:
        """Periodic job: expired and idle tokens, expired reset links."""
        purge_expired_access(container())

    purge_task = huey.periodic_task(crontab(minute=str(PURGE_MINUTE)), name="purge_expired_access")(hourly_purge)
    return JobTasks(
        send_welcome_email=welcome_task,
        enqueue_missed_welcome_emails=reconcile_task,
        report_activity=report_task,
        send_password_reset=reset_task,
        send_password_changed_notice=notice_task,
        purge_expired_access=purge_task,
        send_email_verification=verification_task,
        send_email_changed_notice=email_notice_task,
    )
