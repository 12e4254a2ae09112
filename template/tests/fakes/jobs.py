"""A fake job queue."""

from dataclasses import dataclass, field


@dataclass
class FakeJobQueue:
    """Records enqueued jobs; nothing runs unless a test runs it."""

    welcome_emails: list[int] = field(default_factory=list)
    password_resets: list[int | None] = field(default_factory=list)
    password_changed_notices: list[int] = field(default_factory=list)
    email_verifications: list[tuple[int, str]] = field(default_factory=list)
    email_changed_notices: list[tuple[int, str]] = field(default_factory=list)

    def enqueue_welcome_email(self, account_id: int) -> None:
        """Remember the job."""
        self.welcome_emails.append(account_id)

    def enqueue_password_reset(self, account_id: int | None) -> None:
        """Remember the job."""
        self.password_resets.append(account_id)

    def enqueue_password_changed_notice(self, account_id: int) -> None:
        """Remember the job."""
        self.password_changed_notices.append(account_id)

    def enqueue_email_verification(self, account_id: int, email: str) -> None:
        """Remember the job."""
        self.email_verifications.append((account_id, email))

    def enqueue_email_changed_notice(self, account_id: int, old_email: str) -> None:
        """Remember the job."""
        self.email_changed_notices.append((account_id, old_email))
