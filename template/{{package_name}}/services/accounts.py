"""Account use cases: sign up, log in and out, authenticate a token, passwords and addresses, and their e-mails.

A token ends when it expires (`token_ttl`), or when it was not used for `idle_timeout`. Its last use is
written at most every LAST_USED_RESOLUTION, not on every request: a request costs no write, and the idle
timeout is kept to within that much.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from ..domain.accounts import Account, AccountSession, check_password_rules, normalize_email
from ..domain.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from .passwords import PasswordHasher
from .ports import Clock, EmailMessage, EmailSender, JobQueue, SecurityLog, UnitOfWorkFactory, utc_now
from .tokens import hash_token, new_token

PASSWORD_RESET_TTL = timedelta(minutes=30)
EMAIL_VERIFICATION_TTL = timedelta(days=2)
LAST_USED_RESOLUTION = timedelta(minutes=5)
MAX_CLIENT_LENGTH = 200


class AccountRepository(Protocol):
    """Stores accounts and their API tokens (kept by SHA-256 hash, never in clear)."""

    def add(self, email: str, password_hash: str, created_at: datetime) -> Account:
        """Insert an account; raise Conflict when the e-mail address is taken."""

    def get(self, account_id: int) -> Account | None:
        """Return the account with this id, if any."""

    def get_by_email(self, email: str) -> Account | None:
        """Return the account with this (normalized) e-mail address, if any."""

    def list_awaiting_welcome_email(self, created_after: datetime, created_before: datetime, limit: int) -> list[int]:
        """Return ids of accounts created in the window whose welcome e-mail is not stamped."""

    def list_accounts(self, limit: int) -> list[Account]:
        """The newest accounts, newest first."""

    def set_disabled(self, account_id: int, disabled_at: datetime | None) -> None:
        """Disable the account from `disabled_at`, or enable it again with None."""

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        """Replace the stored password hash (after a cost upgrade)."""

    def mark_welcome_email_sent(self, account_id: int, sent_at: datetime) -> None:
        """Record that the welcome e-mail went out."""

    def add_token(
        self, account_id: int, token_hash: str, created_at: datetime, expires_at: datetime, client: str | None
    ) -> None:
        """Store a new API token, last used when it was created."""

    def find_by_token(self, token_hash: str, now: datetime, used_since: datetime) -> tuple[Account, datetime] | None:
        """The holder of a token unexpired at `now` and used since `used_since`, and its last use; in one query."""

    def mark_token_used(self, token_hash: str, now: datetime, unless_since: datetime) -> None:
        """Write the token's last use, unless it was written since `unless_since` already."""

    def list_sessions(self, account_id: int, current_token_hash: str) -> list[AccountSession]:
        """The account's tokens, last used first."""

    def delete_session(self, account_id: int, session_id: int) -> bool:
        """Revoke one of the account's tokens; False when it has none with this id."""

    def owned_records(self, account_id: int) -> dict[str, list[dict[str, object]]]:
        """Every record the account owns, by table name, oldest first; values as JSON has them (times in ISO 8601)."""

    def delete(self, account_id: int) -> None:
        """Delete the account, and with it (the database's cascade) everything it owns and every token it has."""

    def delete_expired(self, now: datetime, used_before: datetime) -> tuple[int, int]:
        """Delete the tokens expired or not used since `used_before`, and the links expired; both counts."""

    def delete_token(self, token_hash: str) -> int | None:
        """Revoke a token; the id of the account it was for, None when it was already gone."""

    def end_access(self, account_id: int, keep_token_hash: str | None) -> None:
        """Revoke every API token of the account but the kept one, and every reset or verification link it was sent."""

    def add_password_reset(self, account_id: int, token_hash: str, created_at: datetime, expires_at: datetime) -> None:
        """Store a new password-reset link (by its token's hash)."""

    def use_password_reset(self, token_hash: str, now: datetime) -> int | None:
        """Delete an unexpired reset link and return its account's id; None when unknown, used or expired."""

    def add_email_verification(
        self, account_id: int, email: str, token_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        """Store a new link that verifies `email` for the account (by its token's hash)."""

    def use_email_verification(self, token_hash: str, now: datetime) -> tuple[int, str] | None:
        """Delete an unexpired verification link; its account's id and address, None when unknown, used or expired."""

    def set_verified_email(self, account_id: int, email: str, verified_at: datetime) -> None:
        """Make `email` the account's address, verified at `verified_at`; Conflict when another account has it.

        The links still out to its former address open nothing any more.
        """


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A bearer token as handed to the client, with its expiry."""

    token: str
    expires_at: datetime


class AccountService:
    """An account's whole life: sign-up, log-in, sessions, passwords, export and deletion, the operator's actions.

    Each method opens and closes its own unit of work.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[AccountRepository],
        hasher: PasswordHasher,
        job_queue: JobQueue,
        email_sender: EmailSender,
        security_log: SecurityLog,
        token_ttl: timedelta,
        clock: Clock = utc_now,
        *,
        idle_timeout: timedelta,
        app_url: str,
    ) -> None:
        """`app_url` is where people reach the app (`https://app.example.com`): the links in e-mails start with it."""
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._job_queue = job_queue
        self._email_sender = email_sender
        self._security_log = security_log
        self._token_ttl = token_ttl
        self._idle_timeout = idle_timeout
        self._clock = clock
        self._app_url = app_url.rstrip("/")

    def sign_up(self, email: str, password: str) -> Account:
        """Create an account and schedule its welcome e-mail (with a verification link); Conflict when taken."""
        email = normalize_email(email)
        check_password_rules(password)
        password_hash = self._hasher.hash(password)  # slow on purpose: outside the transaction
        with self._uow_factory() as uow:
            account = uow.repository.add(email, password_hash, self._clock())
            uow.commit()
        self._security_log.record("signed_up", account_id=account.id)
        # Enqueued after the commit so the job always finds the account.
        self._job_queue.enqueue_welcome_email(account.id)
        return account

    def log_in(self, email: str, password: str, client: str | None = None) -> IssuedToken:
        """Check the credentials and issue a new token; AuthenticationFailed otherwise.

        `client` names the device or program (its User-Agent) in the owner's list of sessions.
        """
        account = self._account_by_email(email)
        if not self._hasher.verify(account.password_hash if account else None, password):
            self._security_log.record("log_in_failed", account_id=account.id if account else None)
            raise AuthenticationFailed("The e-mail address or the password is wrong.")
        assert account is not None  # noqa: S101 - verify() says no without an account
        if account.disabled_at is not None:
            self._security_log.record("log_in_failed", account_id=account.id, reason="disabled")
            raise AuthenticationFailed("This account is disabled.")
        token = new_token()
        now = self._clock()
        expires_at = now + self._token_ttl
        # After a cost change, upgrade the stored hash while we know the password (hashed outside
        # the transaction: it is slow on purpose).
        new_hash = self._hasher.hash(password) if self._hasher.needs_rehash(account.password_hash) else None
        with self._uow_factory() as uow:
            uow.repository.add_token(
                account.id, hash_token(token), now, expires_at, client[:MAX_CLIENT_LENGTH] if client else None
            )
            if new_hash is not None:
                uow.repository.set_password_hash(account.id, new_hash)
            uow.commit()
        self._security_log.record("logged_in", account_id=account.id)
        return IssuedToken(token=token, expires_at=expires_at)

    def _account_by_email(self, email: str) -> Account | None:
        """The account with this address, if any; a malformed address cannot have one, so it is not looked up."""
        try:
            normalized = normalize_email(email)
        except ValidationFailed:
            return None
        with self._uow_factory(read_only=True) as uow:
            return uow.repository.get_by_email(normalized)

    def authenticate(self, token: str) -> Account:
        """Return the holder of a valid token; AuthenticationFailed when unknown, expired or idle too long."""
        now = self._clock()
        token_hash = hash_token(token)
        with self._uow_factory(read_only=True) as uow:
            found = uow.repository.find_by_token(token_hash, now, used_since=now - self._idle_timeout)
        if found is None:
            raise AuthenticationFailed("The token is missing, unknown or expired.")
        account, last_used_at = found
        if last_used_at <= now - LAST_USED_RESOLUTION:
            with self._uow_factory() as uow:
                uow.repository.mark_token_used(token_hash, now, unless_since=now - LAST_USED_RESOLUTION)
                uow.commit()
        return account

    def sessions(self, account_id: int, current_token: str) -> list[AccountSession]:
        """The account's sessions and API tokens, last used first; the one of `current_token` is marked current."""
        with self._uow_factory(read_only=True) as uow:
            return uow.repository.list_sessions(account_id, hash_token(current_token))

    def end_session(self, account_id: int, session_id: int) -> None:
        """End one of the account's sessions; NotFound when it has none with this id (or it ended already)."""
        with self._uow_factory() as uow:
            if not uow.repository.delete_session(account_id, session_id):
                raise NotFound("There is no such session.")
            uow.commit()
        self._security_log.record("session_ended", account_id=account_id, session_id=session_id)

    def end_other_sessions(self, account_id: int, current_token: str) -> None:
        """End every session and token of the account but the current one (and the reset links it was sent)."""
        with self._uow_factory() as uow:
            uow.repository.end_access(account_id, keep_token_hash=hash_token(current_token))
            uow.commit()
        self._security_log.record("other_sessions_ended", account_id=account_id)

    def purge_expired_access(self) -> tuple[int, int]:
        """Delete the tokens expired or idle too long, and the reset links expired; how many of each."""
        now = self._clock()
        with self._uow_factory() as uow:
            counts = uow.repository.delete_expired(now, used_before=now - self._idle_timeout)
            uow.commit()
        return counts

    def log_out(self, token: str) -> None:
        """Revoke the token; later requests with it get AuthenticationFailed."""
        with self._uow_factory() as uow:
            account_id = uow.repository.delete_token(hash_token(token))
            uow.commit()
        if account_id is not None:
            self._security_log.record("logged_out", account_id=account_id)

    def change_password(self, account: Account, current_token: str, current_password: str, new_password: str) -> None:
        """Replace the password, knowing the current one; every other session and token of the account ends.

        The session of `current_token` stays signed in; a "your password was changed" e-mail follows.
        ValidationFailed when the current password is wrong or the new one breaks the rules.
        """
        check_password_rules(new_password)
        self._check_current_password(account, current_password, "change_password")
        password_hash = self._hasher.hash(new_password)
        with self._uow_factory() as uow:
            uow.repository.set_password_hash(account.id, password_hash)
            uow.repository.end_access(account.id, keep_token_hash=hash_token(current_token))
            uow.commit()
        self._security_log.record("password_changed", account_id=account.id)
        self._job_queue.enqueue_password_changed_notice(account.id)

    def export_data(self, account: Account, current_password: str) -> dict[str, object]:
        """Everything the account holds, as JSON data: its address, and each owned table's records.

        `{"account": {"id", "email", "created_at"}, "records": {"<table>": [{"<column>": value, ...}, ...]}}`
        ValidationFailed when the current password is wrong.
        """
        self._check_current_password(account, current_password, "export_data")
        with self._uow_factory(read_only=True) as uow:
            records = uow.repository.owned_records(account.id)
        self._security_log.record("data_exported", account_id=account.id)
        profile = {"id": account.id, "email": account.email, "created_at": account.created_at.isoformat()}
        return {"account": profile, "records": records}

    def delete_account(self, account: Account, current_password: str) -> None:
        """Delete the account and every record it owns in every owned table; its sessions end with it.

        ValidationFailed when the current password is wrong.
        """
        self._check_current_password(account, current_password, "delete_account")
        with self._uow_factory() as uow:
            uow.repository.delete(account.id)
            uow.commit()
        self._security_log.record("account_deleted", account_id=account.id)

    def _check_current_password(self, account: Account, password: str, action: str) -> None:
        """ValidationFailed on `current_password` (and a security event) when it is not the account's password."""
        if not self._hasher.verify(account.password_hash, password):
            self._security_log.record("current_password_refused", account_id=account.id, action=action)
            raise ValidationFailed("The current password is wrong.", "current_password")

    def request_password_reset(self, email: str) -> None:
        """Have a reset link sent to the address if an account has it; nothing tells the caller whether one does.

        Both paths do the same work (one look-up, one job enqueued), so neither the answer nor its time differs.
        """
        account = self._account_by_email(email)
        account_id = account.id if account else None
        self._security_log.record("password_reset_requested", account_id=account_id)
        self._job_queue.enqueue_password_reset(account_id)

    def send_password_reset(self, account_id: int | None) -> bool:
        """Mint a single-use reset link and e-mail it; False (nothing sent) with no account or one that is gone.

        The token exists only in the e-mail: the database keeps its hash, and the job queue never sees it.
        """
        if account_id is None:
            return False
        token = new_token()
        now = self._clock()
        with self._uow_factory() as uow:
            account = uow.repository.get(account_id)
            if account is None or account.disabled_at is not None:
                return False
            uow.repository.add_password_reset(account_id, hash_token(token), now, now + PASSWORD_RESET_TTL)
            minutes = int(PASSWORD_RESET_TTL.total_seconds() // 60)
            self._email_sender.send(
                EmailMessage(
                    to=account.email,
                    subject="Reset your password",
                    body=(
                        "Someone, hopefully you, asked to reset the password of your account. Choose a new one "
                        f"within {minutes} minutes at\n\n{self._app_url}/reset-password?token={token}\n\n"
                        "The link works once. If you did not ask for it, ignore this e-mail: your password stays."
                    ),
                )
            )
            uow.commit()
        return True

    def reset_password(self, token: str, new_password: str) -> None:
        """Set a new password with a reset link; the link is used up and every session and token of the account ends.

        ValidationFailed when the link is unknown, used already or expired, or the password breaks the rules.
        """
        check_password_rules(new_password)
        password_hash = self._hasher.hash(new_password)  # slow on purpose: outside the transaction
        with self._uow_factory() as uow:
            account_id = uow.repository.use_password_reset(hash_token(token), self._clock())
            if account_id is None:
                raise ValidationFailed("This reset link is unknown, used already or expired; ask for a new one.")
            uow.repository.set_password_hash(account_id, password_hash)
            uow.repository.end_access(account_id, keep_token_hash=None)
            uow.commit()
        self._security_log.record("password_reset", account_id=account_id)
        self._job_queue.enqueue_password_changed_notice(account_id)

    def send_password_changed_notice(self, account_id: int) -> bool:
        """Tell the account's address that its password was changed; False when the account is gone."""
        with self._uow_factory(read_only=True) as uow:
            account = uow.repository.get(account_id)
        if account is None:
            return False
        self._email_sender.send(
            EmailMessage(
                to=account.email,
                subject="Your password was changed",
                body=(
                    "The password of your account was just changed, and every other session signed out. "
                    f"If it was not you, reset it now at {self._app_url}/forgot-password."
                ),
            )
        )
        return True

    def request_email_verification(self, account: Account) -> None:
        """Have a link that verifies the account's address e-mailed to it; Conflict when it is verified already."""
        if account.email_verified:
            raise Conflict("This e-mail address is verified already.")
        self._security_log.record("email_verification_requested", account_id=account.id)
        self._job_queue.enqueue_email_verification(account.id, account.email)

    def change_email(self, account: Account, current_password: str, new_email: str) -> None:
        """Move the account to a new address, knowing the password: a link goes to the new address to confirm it.

        The address stays until the link is followed. ValidationFailed when the password is wrong or the address
        malformed or unchanged; Conflict when another account has it.
        """
        try:
            new_email = normalize_email(new_email)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, "new_email") from error
        self._check_current_password(account, current_password, "change_email")
        if new_email == account.email:
            raise ValidationFailed("This is the account's address already.", "new_email")
        with self._uow_factory(read_only=True) as uow:
            taken = uow.repository.get_by_email(new_email) is not None
        if taken:
            raise Conflict("Another account has this e-mail address.")
        self._security_log.record("email_change_requested", account_id=account.id)
        self._job_queue.enqueue_email_verification(account.id, new_email)

    def send_email_verification(self, account_id: int, email: str) -> bool:
        """Mint a single-use link that verifies `email` for the account, and e-mail it to `email`.

        `email` is the account's address, or the one it asked to move to. False (nothing sent) when the account
        is gone or disabled, or its address is `email` and verified already. The token exists only in the e-mail.
        """
        token = new_token()
        now = self._clock()
        with self._uow_factory() as uow:
            account = uow.repository.get(account_id)
            if account is None or account.disabled_at is not None:
                return False
            if email == account.email and account.email_verified:
                return False
            uow.repository.add_email_verification(
                account_id, email, hash_token(token), now, now + EMAIL_VERIFICATION_TTL
            )
            if email == account.email:
                subject = "Verify your e-mail address"
                body = self._verification_text(token)
            else:
                subject = "Confirm your new e-mail address"
                body = (
                    f"Someone, hopefully you, asked to move the account of {account.email} to this address. "
                    f"{self._verification_text(token)} If you did not ask for it, ignore this e-mail: nothing changes."
                )
            self._email_sender.send(EmailMessage(to=email, subject=subject, body=body))
            uow.commit()
        return True

    def _verification_text(self, token: str) -> str:
        """The sentences of an e-mail that carry its verification link."""
        days = EMAIL_VERIFICATION_TTL.days
        link = f"{self._app_url}/verify-email?token={token}"
        return f"Confirm that this address is yours within {days} days at\n\n{link}\n\nThe link works once."

    def verify_email(self, token: str) -> Account:
        """Follow a verification link: its address becomes the account's, verified; the link is used up.

        On a change of address the old address is told by e-mail. ValidationFailed when the link is unknown,
        used already or expired; Conflict when another account took the new address in the meantime.
        """
        now = self._clock()
        with self._uow_factory() as uow:
            found = uow.repository.use_email_verification(hash_token(token), now)
            account = uow.repository.get(found[0]) if found else None
            if found is None or account is None:
                raise ValidationFailed("This link is unknown, used already or expired; ask for a new one.")
            email = found[1]
            uow.repository.set_verified_email(account.id, email, now)
            uow.commit()
        if email == account.email:
            self._security_log.record("email_verified", account_id=account.id)
        else:
            self._security_log.record("email_changed", account_id=account.id)
            self._job_queue.enqueue_email_changed_notice(account.id, account.email)
        return replace(account, email=email, email_verified_at=now)

    def send_email_changed_notice(self, account_id: int, old_email: str) -> bool:
        """Tell the account's former address that the account moved; False when the account is gone."""
        with self._uow_factory(read_only=True) as uow:
            account = uow.repository.get(account_id)
        if account is None:
            return False
        self._email_sender.send(
            EmailMessage(
                to=old_email,
                subject="Your e-mail address was changed",
                body=(
                    f"Your account's e-mail address is now {account.email}; this one no longer signs in. "
                    "If you did not change it, contact us right away: whoever did knows your password."
                ),
            )
        )
        return True

    def find_account(self, email: str) -> Account | None:
        """The account with this e-mail address, if any (for operators)."""
        return self._account_by_email(email)

    def list_accounts(self, limit: int) -> list[Account]:
        """The newest accounts, newest first (an operator's look, written to the security log)."""
        with self._uow_factory(read_only=True) as uow:
            accounts = uow.repository.list_accounts(limit)
        self._security_log.record("accounts_listed", by="operator", count=len(accounts))
        return accounts

    def disable(self, account_id: int) -> None:
        """An operator's stop: the account can no longer log in, and its sessions and reset links end."""
        with self._uow_factory() as uow:
            uow.repository.set_disabled(account_id, self._clock())
            uow.repository.end_access(account_id, keep_token_hash=None)
            uow.commit()
        self._security_log.record("account_disabled", account_id=account_id, by="operator")

    def enable(self, account_id: int) -> None:
        """An operator lets a disabled account log in again."""
        with self._uow_factory() as uow:
            uow.repository.set_disabled(account_id, None)
            uow.commit()
        self._security_log.record("account_enabled", account_id=account_id, by="operator")

    def end_all_sessions(self, account_id: int) -> None:
        """An operator signs the account out everywhere: every session and token, every reset link."""
        with self._uow_factory() as uow:
            uow.repository.end_access(account_id, keep_token_hash=None)
            uow.commit()
        self._security_log.record("all_sessions_ended", account_id=account_id, by="operator")

    def send_reset_link(self, account_id: int) -> bool:
        """An operator e-mails the account a reset link now; False when it is gone or disabled."""
        sent = self.send_password_reset(account_id)
        if sent:
            self._security_log.record("reset_link_sent", account_id=account_id, by="operator")
        return sent

    def send_welcome_email(self, account_id: int) -> bool:
        """Send the welcome e-mail once, with a link that verifies the address (unless it is verified already).

        False (and nothing sent) when the account is gone or already welcomed.
        """
        token = new_token()
        now = self._clock()
        with self._uow_factory() as uow:
            account = uow.repository.get(account_id)
            if account is None or account.welcome_email_sent_at is not None:
                return False
            body = "Your account is ready. Sign in any time with this e-mail address."
            if not account.email_verified:
                uow.repository.add_email_verification(
                    account_id, account.email, hash_token(token), now, now + EMAIL_VERIFICATION_TTL
                )
                body += f"\n\n{self._verification_text(token)}"
            self._email_sender.send(EmailMessage(to=account.email, subject="Welcome!", body=body))
            uow.repository.mark_welcome_email_sent(account_id, now)
            uow.commit()
        return True

    def awaiting_welcome_email(self, created_after: datetime, created_before: datetime, limit: int) -> list[int]:
        """Return ids of accounts created in the window that never got their welcome e-mail, oldest first."""
        with self._uow_factory(read_only=True) as uow:
            return uow.repository.list_awaiting_welcome_email(created_after, created_before, limit)
