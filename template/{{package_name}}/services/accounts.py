"""Account use cases: sign up, log in and out, authenticate a token, send the welcome e-mail."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..domain.accounts import Account, check_password_rules, normalize_email
from ..domain.errors import AuthenticationFailed, ValidationFailed
from .passwords import PasswordHasher
from .ports import Clock, EmailMessage, EmailSender, JobQueue, TokenHolder, UnitOfWork, UnitOfWorkFactory
from .tokens import hash_token, new_token


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def account_for_token(uow: UnitOfWork, token: str, now: datetime) -> Account:
    """Return the owner of a valid token within the caller's unit of work; AuthenticationFailed otherwise."""
    return account_of_holder(uow, TokenHolder(hash_token(token), now))


def account_of_holder(uow: UnitOfWork, holder: TokenHolder) -> Account:
    """Return the account holding the token at `holder.now`; AuthenticationFailed when there is none."""
    account = uow.tokens.find_account(holder.token_hash, holder.now)
    if account is None:
        raise AuthenticationFailed("The token is missing, unknown or expired.")
    return account


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A bearer token as handed to the client, with its expiry."""

    token: str
    expires_at: datetime


class AccountService:
    """Sign-up, log-in and token checks; each method opens and closes its own unit of work."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        job_queue: JobQueue,
        token_ttl: timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._job_queue = job_queue
        self._token_ttl = token_ttl
        self._clock = clock

    def sign_up(self, email: str, password: str) -> Account:
        """Create an account and schedule its welcome e-mail; Conflict when the address is taken."""
        email = normalize_email(email)
        check_password_rules(password)
        password_hash = self._hasher.hash(password)  # slow on purpose: outside the transaction
        with self._uow_factory() as uow:
            account = uow.accounts.add(email, password_hash, self._clock())
            uow.commit()
        # Enqueued after the commit so the job always finds the account.
        self._job_queue.enqueue_welcome_email(account.id)
        return account

    def log_in(self, email: str, password: str) -> IssuedToken:
        """Check the credentials and issue a new token; AuthenticationFailed otherwise."""
        try:
            email = normalize_email(email)
        except ValidationFailed:  # a malformed address cannot have an account
            email = ""
        with self._uow_factory(read_only=True) as uow:
            account = uow.accounts.get_by_email(email) if email else None
        if not self._hasher.verify(account.password_hash if account else None, password):
            raise AuthenticationFailed("The e-mail address or the password is wrong.")
        assert account is not None  # noqa: S101 - verify() says no without an account
        token = new_token()
        now = self._clock()
        expires_at = now + self._token_ttl
        # After a cost change, upgrade the stored hash while we know the password (hashed outside
        # the transaction: it is slow on purpose).
        new_hash = self._hasher.hash(password) if self._hasher.needs_rehash(account.password_hash) else None
        with self._uow_factory() as uow:
            uow.tokens.add(account.id, hash_token(token), now, expires_at)
            if new_hash is not None:
                uow.accounts.set_password_hash(account.id, new_hash)
            uow.commit()
        return IssuedToken(token=token, expires_at=expires_at)

    def authenticate(self, token: str) -> Account:
        """Return the owner of a valid token; AuthenticationFailed when unknown or expired."""
        with self._uow_factory(read_only=True) as uow:
            return account_for_token(uow, token, self._clock())

    def log_out(self, token: str) -> None:
        """Revoke the token; later requests with it get AuthenticationFailed."""
        with self._uow_factory() as uow:
            uow.tokens.delete(hash_token(token))
            uow.commit()


def send_welcome_email(
    uow_factory: UnitOfWorkFactory, email_sender: EmailSender, account_id: int, clock: Clock = utc_now
) -> bool:
    """Send the welcome e-mail once; False (and nothing sent) when the account is gone or already welcomed."""
    with uow_factory() as uow:
        account = uow.accounts.get(account_id)
        if account is None or account.welcome_email_sent_at is not None:
            return False
        email_sender.send(
            EmailMessage(
                to=account.email,
                subject="Welcome!",
                body="Your account is ready. Sign in any time with this e-mail address.",
            )
        )
        uow.accounts.mark_welcome_email_sent(account_id, clock())
        uow.commit()
    return True


def list_accounts_awaiting_welcome_email(
    uow_factory: UnitOfWorkFactory, created_after: datetime, created_before: datetime, limit: int
) -> list[int]:
    """Return ids of accounts created in the window that never got their welcome e-mail, oldest first."""
    with uow_factory(read_only=True) as uow:
        return uow.accounts.list_awaiting_welcome_email(created_after, created_before, limit)
