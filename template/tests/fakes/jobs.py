"""A fake job queue."""

from dataclasses import dataclass, field


@dataclass
class FakeJobQueue:
    """Records enqueued jobs; nothing runs unless a test runs it."""

    welcome_emails: list[int] = field(default_factory=list)

    def enqueue_welcome_email(self, account_id: int) -> None:
        """Remember the job."""
        self.welcome_emails.append(account_id)
