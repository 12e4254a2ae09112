"""Accounts, API tokens, password-reset and e-mail verification links in SQL."""

from datetime import date, datetime
from decimal import Decimal
from typing import final

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...domain.accounts import Account, AccountSession
from ...domain.errors import Conflict
from ...services.accounts import AccountRepository
from ..records import owned_by, owned_tables
from ..tables.accounts import AccountRow, ApiTokenRow, EmailVerificationRow, PasswordResetRow


def _plain(value: object) -> object:
    """A column's value as JSON holds it: times and dates in ISO 8601, decimals as exact strings."""
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def to_account(row: AccountRow) -> Account:
    """Copy a row into the domain entity."""
    return Account(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        created_at=row.created_at,
        welcome_email_sent_at=row.welcome_email_sent_at,
        disabled_at=row.disabled_at,
        email_verified_at=row.email_verified_at,
    )


@final
class SqlAccountRepository(AccountRepository):
    """Accounts in `accounts`, API tokens in `api_tokens`, links in `password_resets` and `email_verifications`."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, email: str, password_hash: str, created_at: datetime) -> Account:
        """Insert an account; Conflict when the e-mail address is taken."""
        row = AccountRow(email=email, password_hash=password_hash, created_at=created_at)
        self._session.add(row)
        try:
            self._session.flush()  # the unique index decides, even between concurrent sign-ups
        except IntegrityError as error:
            raise Conflict("An account with this e-mail address already exists.") from error
        return to_account(row)

    def get(self, account_id: int) -> Account | None:
        """Return the account with this id, if any."""
        row = self._session.get(AccountRow, account_id)
        return to_account(row) if row else None

    def get_by_email(self, email: str) -> Account | None:
        """Return the account with this e-mail address, if any."""
        row = self._session.scalars(select(AccountRow).where(AccountRow.email == email)).first()
        return to_account(row) if row else None

    def list_awaiting_welcome_email(self, created_after: datetime, created_before: datetime, limit: int) -> list[int]:
        """Return ids of accounts created in the window whose welcome e-mail is not stamped."""
        query = (
            select(AccountRow.id)
            .where(
                AccountRow.welcome_email_sent_at.is_(None),
                AccountRow.created_at > created_after,
                AccountRow.created_at < created_before,
            )
            .order_by(AccountRow.created_at, AccountRow.id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def list_accounts(self, limit: int) -> list[Account]:
        """The newest accounts, newest first."""
        query = select(AccountRow).order_by(AccountRow.id.desc()).limit(limit)
        return [to_account(row) for row in self._session.scalars(query)]

    def set_disabled(self, account_id: int, disabled_at: datetime | None) -> None:
        """Disable the account from `disabled_at`, or enable it again with None."""
        self._session.execute(update(AccountRow).where(AccountRow.id == account_id).values(disabled_at=disabled_at))

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        """Replace the stored password hash."""
        self._session.execute(update(AccountRow).where(AccountRow.id == account_id).values(password_hash=password_hash))

    def mark_welcome_email_sent(self, account_id: int, sent_at: datetime) -> None:
        """Record when the welcome e-mail went out."""
        self._session.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(welcome_email_sent_at=sent_at)
        )

    def add_token(
        self, account_id: int, token_hash: str, created_at: datetime, expires_at: datetime, client: str | None
    ) -> None:
        """Store a new API token, last used when it was created."""
        self._session.add(
            ApiTokenRow(
                account_id=account_id,
                token_hash=token_hash,
                created_at=created_at,
                expires_at=expires_at,
                last_used_at=created_at,
                client=client,
            )
        )

    def find_by_token(self, token_hash: str, now: datetime, used_since: datetime) -> tuple[Account, datetime] | None:
        """The holder of a token unexpired at `now` and used since `used_since`, and its last use; in one query."""
        query = (
            select(AccountRow, ApiTokenRow.last_used_at)
            .join(ApiTokenRow, ApiTokenRow.account_id == AccountRow.id)
            .where(
                ApiTokenRow.token_hash == token_hash,
                ApiTokenRow.expires_at > now,
                AccountRow.disabled_at.is_(None),
                ApiTokenRow.last_used_at > used_since,
            )
        )
        found = self._session.execute(query).first()
        if found is None:
            return None
        row, last_used_at = found
        return to_account(row), last_used_at or row.created_at

    def mark_token_used(self, token_hash: str, now: datetime, unless_since: datetime) -> None:
        """Write the token's last use, unless it was written since `unless_since` already (by a concurrent request)."""
        self._session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.token_hash == token_hash, ApiTokenRow.last_used_at <= unless_since)
            .values(last_used_at=now)
        )

    def list_sessions(self, account_id: int, current_token_hash: str) -> list[AccountSession]:
        """The account's tokens, last used first."""
        query = (
            select(ApiTokenRow)
            .where(ApiTokenRow.account_id == account_id)
            .order_by(ApiTokenRow.last_used_at.desc(), ApiTokenRow.id.desc())
        )
        return [
            AccountSession(
                id=row.id,
                created_at=row.created_at,
                last_used_at=row.last_used_at or row.created_at,
                expires_at=row.expires_at,
                client=row.client,
                current=row.token_hash == current_token_hash,
            )
            for row in self._session.scalars(query)
        ]

    def delete_session(self, account_id: int, session_id: int) -> bool:
        """Revoke one of the account's tokens; False when it has none with this id."""
        statement = (
            delete(ApiTokenRow)
            .where(ApiTokenRow.account_id == account_id, ApiTokenRow.id == session_id)
            .returning(ApiTokenRow.id)
        )
        return self._session.execute(statement).first() is not None

    def owned_records(self, account_id: int) -> dict[str, list[dict[str, object]]]:
        """Every record the account owns, by table name, oldest first; values as JSON has them (times in ISO 8601).

        The tables are every one with an `owner_id`: a resource added later is exported with no edit here.
        """
        exported = {}
        for table in sorted(owned_tables(), key=lambda table: table.name):
            rows = self._session.execute(select(table).where(owned_by(table, account_id)).order_by(table.c.id))
            exported[table.name] = [{name: _plain(value) for name, value in row._mapping.items()} for row in rows]
        return exported

    def delete(self, account_id: int) -> None:
        """Delete the account; the database's ON DELETE CASCADE removes its rows in every owned table and its tokens."""
        self._session.execute(delete(AccountRow).where(AccountRow.id == account_id))

    def delete_expired(self, now: datetime, used_before: datetime) -> tuple[int, int]:
        """Delete the tokens expired or not used since `used_before`, and the links expired; both counts."""
        connection = self._session.connection()  # its results carry the counts of deleted rows
        tokens = connection.execute(
            delete(ApiTokenRow).where(or_(ApiTokenRow.expires_at <= now, ApiTokenRow.last_used_at <= used_before))
        )
        resets = connection.execute(delete(PasswordResetRow).where(PasswordResetRow.expires_at <= now))
        verifications = connection.execute(delete(EmailVerificationRow).where(EmailVerificationRow.expires_at <= now))
        return tokens.rowcount, resets.rowcount + verifications.rowcount

    def delete_token(self, token_hash: str) -> int | None:
        """Revoke a token; the id of the account it was for, None when it was already gone."""
        statement = delete(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash).returning(ApiTokenRow.account_id)
        return self._session.scalars(statement).first()

    def end_access(self, account_id: int, keep_token_hash: str | None) -> None:
        """Revoke every API token of the account but the kept one, and every reset or verification link it was sent."""
        tokens = delete(ApiTokenRow).where(ApiTokenRow.account_id == account_id)
        if keep_token_hash is not None:
            tokens = tokens.where(ApiTokenRow.token_hash != keep_token_hash)
        self._session.execute(tokens)
        self._session.execute(delete(PasswordResetRow).where(PasswordResetRow.account_id == account_id))
        self._session.execute(delete(EmailVerificationRow).where(EmailVerificationRow.account_id == account_id))

    def add_password_reset(self, account_id: int, token_hash: str, created_at: datetime, expires_at: datetime) -> None:
        """Store a new password-reset link."""
        self._session.add(
            PasswordResetRow(account_id=account_id, token_hash=token_hash, created_at=created_at, expires_at=expires_at)
        )

    def use_password_reset(self, token_hash: str, now: datetime) -> int | None:
        """Delete an unexpired reset link and return its account's id, in one statement: two uses, one winner."""
        statement = (
            delete(PasswordResetRow)
            .where(PasswordResetRow.token_hash == token_hash, PasswordResetRow.expires_at > now)
            .returning(PasswordResetRow.account_id)
        )
        return self._session.scalars(statement).first()

    def add_email_verification(
        self, account_id: int, email: str, token_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        """Store a new link that verifies `email` for the account (by its token's hash)."""
        self._session.add(
            EmailVerificationRow(
                account_id=account_id, email=email, token_hash=token_hash, created_at=created_at, expires_at=expires_at
            )
        )

    def use_email_verification(self, token_hash: str, now: datetime) -> tuple[int, str] | None:
        """Delete an unexpired verification link and return its account's id and address, in one statement."""
        statement = (
            delete(EmailVerificationRow)
            .where(EmailVerificationRow.token_hash == token_hash, EmailVerificationRow.expires_at > now)
            .returning(EmailVerificationRow.account_id, EmailVerificationRow.email)
        )
        found = self._session.execute(statement).first()
        return (found.account_id, found.email) if found else None

    def set_verified_email(self, account_id: int, email: str, verified_at: datetime) -> None:
        """Make `email` the account's address, verified at `verified_at`; Conflict when another account has it.

        The links still out to its former address open nothing any more.
        """
        former = select(AccountRow.email).where(AccountRow.id == account_id).scalar_subquery()
        self._session.execute(
            delete(EmailVerificationRow).where(
                EmailVerificationRow.account_id == account_id, EmailVerificationRow.email == former
            )
        )
        statement = (
            update(AccountRow).where(AccountRow.id == account_id).values(email=email, email_verified_at=verified_at)
        )
        try:
            self._session.execute(statement)  # the unique index decides, even against a sign-up at the same time
        except IntegrityError as error:
            raise Conflict("Another account has this e-mail address now.") from error
