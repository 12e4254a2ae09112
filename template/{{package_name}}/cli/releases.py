"""The release step (`release`) and the release history (`releases`)."""

import argparse
import sys

from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from .. import __version__
from ..data.engine import build_engine
from ..data.releases import ReleaseLocked, recent_releases, release
from ..data.revisions import RevisionsBroken
from ..settings import Settings
from . import Command


def _release_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for another release step to finish (default: 600)",
    )


def run_release(args: argparse.Namespace, settings: Settings) -> int:
    """Apply the pending migrations, once per deploy, and record the release."""
    try:
        recorded = release(settings.database_url, __version__, settings.app_commit, lock_timeout=args.lock_timeout)
    except (ReleaseLocked, RevisionsBroken, CommandError, SQLAlchemyError) as error:
        # The first line only: a database error's later lines hold the statement and its parameters.
        print(f"Release step failed: {str(error).splitlines()[0]}", file=sys.stderr)  # noqa: T201 - CLI output
        return 1
    if recorded is None:
        print(f"Release {settings.release} was already out; no migration to apply.")  # noqa: T201
    elif recorded.migrations:
        print(f"Released {settings.release}: applied {', '.join(recorded.migrations)}.")  # noqa: T201
    else:
        print(f"Released {settings.release}: no migration to apply.")  # noqa: T201
    return 0


def _releases_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=10, help="how many releases to list (default: 10)")


def list_releases(args: argparse.Namespace, settings: Settings) -> int:
    """Print the newest releases, newest first: when, version, commit and the migrations each applied."""
    engine = build_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        releases = recent_releases(engine, args.limit)
    except SQLAlchemyError as error:
        print(f"Could not read the releases: {str(error).splitlines()[0]}", file=sys.stderr)  # noqa: T201
        return 1
    finally:
        engine.dispose()
    if not releases:
        command = f"python -m {__name__.rsplit('.', 1)[0]} release"
        print(f"No release recorded yet: the release step ({command}) records one.")  # noqa: T201
    for item in releases:
        when = item.released_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        migrations = ", ".join(item.migrations) or "none"
        print(f"{when}  {item.version}  {item.git_commit[:12]}  migrations: {migrations}")  # noqa: T201
    return 0


COMMANDS = [
    Command(
        "release",
        "Apply the pending migrations once per deploy, under a lock, and record the release.",
        run_release,
        _release_options,
    ),
    Command("releases", "List the recent releases with the migrations each applied.", list_releases, _releases_options),
]
