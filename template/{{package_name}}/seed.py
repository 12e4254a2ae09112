"""`python -m <package>.seed --accounts 1000 --notes 100 --tokens-file PATH`: data for load tests.

A development and benchmarking tool that refuses to run with ENVIRONMENT=production. It makes sure
the accounts `loadtest-0000@example.com`, ... exist with at least `--notes` notes each, gives every
one of them a fresh bearer token, and writes one line per account to the tokens file:
`<token> <note id> <note id> ...` (the load test's Lua script reads it). Running it again tops up
what is missing and issues new tokens, so it is cheap to repeat.

Fast on purpose: one Argon2 hash shared by every account (the password is LOADTEST_PASSWORD), rows
inserted in bulk (executemany), tokens written straight to the table instead of logging in through
the rate-limited API.
"""

import argparse
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Insert, func, insert, select

from .data.engine import build_engine
from .data.tables import AccountRow, ApiTokenRow, NoteRow
from .services.accounts import utc_now
from .services.passwords import PasswordHasher
from .services.tokens import hash_token, new_token
from .settings import Settings, load_settings

LOADTEST_PASSWORD = "loadtest-password"  # noqa: S105 - throw-away accounts of a development database
_BATCH = 5_000  # rows per executemany: bounded memory, few round trips


def loadtest_email(index: int) -> str:
    """The e-mail address of the `index`-th load-test account."""
    return f"loadtest-{index:04d}@example.com"


def seed(connection: Connection, settings: Settings, accounts: int, notes: int) -> list[tuple[str, list[int]]]:
    """Ensure the accounts and their notes exist; return (fresh token, note ids) per account."""
    now = utc_now()
    account_ids = _ensure_accounts(connection, settings, accounts, now)
    note_ids = _ensure_notes(connection, account_ids, notes, now)
    tokens = [new_token() for _ in account_ids]
    expires_at = now + timedelta(minutes=settings.token_ttl_minutes)
    rows = [
        {"account_id": account_id, "token_hash": hash_token(token), "created_at": now, "expires_at": expires_at}
        for account_id, token in zip(account_ids, tokens, strict=True)
    ]
    _insert_in_batches(connection, insert(ApiTokenRow), rows)
    return [(token, note_ids[account_id]) for account_id, token in zip(account_ids, tokens, strict=True)]


def _ensure_accounts(connection: Connection, settings: Settings, count: int, now: datetime) -> list[int]:
    emails = [loadtest_email(index) for index in range(count)]
    existing = _account_ids(connection, emails)
    missing = [email for email in emails if email not in existing]
    if missing:
        hasher = PasswordHasher(settings.password_hash_time_cost, settings.password_hash_memory_cost)
        password_hash = hasher.hash(LOADTEST_PASSWORD)  # once: hashing is slow on purpose
        rows = [
            # Stamped as welcomed: these accounts never signed up, so no welcome e-mail is owed.
            {"email": email, "password_hash": password_hash, "created_at": now, "welcome_email_sent_at": now}
            for email in missing
        ]
        _insert_in_batches(connection, insert(AccountRow), rows)
        existing = _account_ids(connection, emails)
    return [existing[email] for email in emails]


def _account_ids(connection: Connection, emails: Sequence[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(emails), 500):  # stay under SQLite's bound-parameter limit
        chunk = emails[start : start + 500]
        query = select(AccountRow.email, AccountRow.id).where(AccountRow.email.in_(chunk))
        for email, account_id in connection.execute(query):
            ids[email] = account_id
    return ids


def _ensure_notes(
    connection: Connection, account_ids: list[int], per_account: int, now: datetime
) -> dict[int, list[int]]:
    counts = _note_ids(connection, account_ids)
    rows = [
        {
            "owner_id": account_id,
            "title": f"Note {number}",
            "body": f"Body of note {number}, written by the load-test seed.",
            # Distinct times, so the newest-first listing has a well-defined order.
            "created_at": now - timedelta(seconds=number),
            "updated_at": now - timedelta(seconds=number),
        }
        for account_id in account_ids
        for number in range(len(counts[account_id]), per_account)
    ]
    if not rows:
        return counts
    _insert_in_batches(connection, insert(NoteRow), rows)
    return _note_ids(connection, account_ids)


def _note_ids(connection: Connection, account_ids: list[int]) -> dict[int, list[int]]:
    ids: dict[int, list[int]] = defaultdict(list)
    if not account_ids:
        return ids
    lowest, highest = min(account_ids), max(account_ids)
    query = (
        select(NoteRow.owner_id, NoteRow.id)
        .where(NoteRow.owner_id.between(lowest, highest))
        .order_by(NoteRow.owner_id, NoteRow.id)
    )
    wanted = set(account_ids)
    for owner_id, note_id in connection.execute(query):
        if owner_id in wanted:
            ids[owner_id].append(note_id)
    return ids


def _insert_in_batches(connection: Connection, statement: Insert, rows: Sequence[Mapping[str, Any]]) -> None:
    for start in range(0, len(rows), _BATCH):
        connection.execute(statement, rows[start : start + _BATCH])


def count_notes(connection: Connection) -> int:
    """The number of notes in the database (for the summary line)."""
    return int(connection.execute(select(func.count()).select_from(NoteRow)).scalar_one())


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the arguments, refuse production, seed, and write the tokens file."""
    parser = argparse.ArgumentParser(prog="seed", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=1000, help="load-test accounts (default 1000)")
    parser.add_argument("--notes", type=int, default=100, help="notes per account (default 100)")
    parser.add_argument("--tokens-file", type=Path, default=Path("data/loadtest-tokens.txt"))
    args = parser.parse_args(argv)
    settings = load_settings()
    if settings.environment == "production":
        raise SystemExit("seed refuses to run with ENVIRONMENT=production: it creates accounts with a known password.")
    engine = build_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        with engine.begin() as connection:
            seeded = seed(connection, settings, args.accounts, args.notes)
            total = count_notes(connection)
    finally:
        engine.dispose()
    args.tokens_file.parent.mkdir(parents=True, exist_ok=True)
    lines = (" ".join([token, *map(str, note_ids)]) for token, note_ids in seeded)
    args.tokens_file.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    print(  # noqa: T201 - a command-line tool's summary
        f"Seeded {len(seeded)} accounts (password {LOADTEST_PASSWORD!r}), {total} notes in the database; "
        f"tokens in {args.tokens_file}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
