"""Accounts, for the operator: list them, disable and enable one, sign one out everywhere, send a reset link.

Each action is written to the security log (`by=operator`), like the account's own.
"""

import argparse
import sys
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from ..bootstrap import Container, build_container
from ..domain.accounts import Account
from ..jobs.queue import build_job_queue
from ..settings import Settings
from . import Command

AccountAction = Callable[[Container, Account], str]
"""What a command does to one account; the line to print (CommandRefused for one that cannot be done)."""


class CommandRefused(Exception):
    """The action cannot be done to this account; its message says why."""


def _email_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email", help="the account's e-mail address")


def _list_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=50, help="how many accounts to list, newest first (default: 50)")


def _container(settings: Settings) -> Container:
    """The app's use cases on the configured database; jobs the commands cause go to the app's queue."""
    job_queue = build_job_queue(settings)
    container = build_container(settings, job_queue)
    job_queue.bind_container(container)
    return container


def _with_account(settings: Settings, email: str, act: AccountAction) -> int:
    """Find the account by its address and act on it; one clear sentence and exit code 1 when that fails."""
    container = _container(settings)
    try:
        account = container.accounts.find_account(email)
        if account is None:
            print(f"No account has the address {email!r}.", file=sys.stderr)  # noqa: T201 - CLI output
            return 1
        print(act(container, account))  # noqa: T201
        return 0
    except CommandRefused as refused:
        print(refused, file=sys.stderr)  # noqa: T201
        return 1
    except SQLAlchemyError as error:
        print(f"The database refused: {str(error).splitlines()[0]}", file=sys.stderr)  # noqa: T201
        return 1
    except OSError as error:  # the mail server refused or did not answer (smtplib's errors are OSErrors)
        print(f"The e-mail could not be sent: {error}", file=sys.stderr)  # noqa: T201
        return 1
    finally:
        container.close()


def list_accounts(args: argparse.Namespace, settings: Settings) -> int:
    """Print the newest accounts: id, address, when each signed up, and whether it is disabled."""
    if args.limit < 1:
        print("--limit must be at least 1.", file=sys.stderr)  # noqa: T201
        return 1
    container = _container(settings)
    try:
        accounts = container.accounts.list_accounts(args.limit)
    except SQLAlchemyError as error:
        print(f"Could not read the accounts: {str(error).splitlines()[0]}", file=sys.stderr)  # noqa: T201
        return 1
    finally:
        container.close()
    if not accounts:
        print("No account yet.")  # noqa: T201
    for account in accounts:
        state = f"disabled {account.disabled_at:%Y-%m-%d %H:%M UTC}" if account.disabled_at else "active"
        print(f"{account.id}  {account.email}  signed up {account.created_at:%Y-%m-%d %H:%M UTC}  {state}")  # noqa: T201
    return 0


def disable(args: argparse.Namespace, settings: Settings) -> int:
    """Disable an account: it cannot log in, and its sessions end."""

    def act(container: Container, account: Account) -> str:
        container.accounts.disable(account.id)
        return f"Disabled {account.email}: it cannot log in, and every session of it has ended."

    return _with_account(settings, args.email, act)


def enable(args: argparse.Namespace, settings: Settings) -> int:
    """Let a disabled account log in again."""

    def act(container: Container, account: Account) -> str:
        container.accounts.enable(account.id)
        return f"Enabled {account.email}: it can log in again."

    return _with_account(settings, args.email, act)


def end_sessions(args: argparse.Namespace, settings: Settings) -> int:
    """Sign an account out everywhere."""

    def act(container: Container, account: Account) -> str:
        container.accounts.end_all_sessions(account.id)
        return f"Ended every session and API token of {account.email}."

    return _with_account(settings, args.email, act)


def send_reset_link(args: argparse.Namespace, settings: Settings) -> int:
    """E-mail an account a password-reset link now."""

    def act(container: Container, account: Account) -> str:
        if not container.accounts.send_reset_link(account.id):
            raise CommandRefused(f"No link sent: {account.email} is disabled; enable it first.")
        return f"Sent a password-reset link to {account.email}."

    return _with_account(settings, args.email, act)


COMMANDS = [
    Command("accounts", "List the newest accounts, and which are disabled.", list_accounts, _list_options),
    Command("disable-account", "Stop an account from logging in and end its sessions.", disable, _email_option),
    Command("enable-account", "Let a disabled account log in again.", enable, _email_option),
    Command("end-sessions", "Sign an account out everywhere: sessions, API tokens.", end_sessions, _email_option),
    Command("send-reset-link", "E-mail an account a password-reset link now.", send_reset_link, _email_option),
]
