"""Errors the generator reports to its user, each with the exit code the CLI returns for it."""

from __future__ import annotations


class MvpScaffoldError(Exception):
    """Base of every error mvpscaffold reports as one sentence instead of a traceback."""

    exit_code = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserInputError(MvpScaffoldError):
    """The user gave an answer, file, option or destination we cannot use; nothing was written."""

    exit_code = 2


class RefusedError(MvpScaffoldError):
    """The project is in a state we will not touch (dirty tree, not generated, corrupt answers)."""

    exit_code = 2


class ToolError(MvpScaffoldError):
    """An external tool (git, copier) failed while doing what the user asked."""

    exit_code = 3


class Interrupted(MvpScaffoldError):
    """The user pressed Ctrl-C or the process got SIGTERM; partial work was removed."""

    exit_code = 130


class ChecksFailed(MvpScaffoldError):
    """The project was created completely, but its own `make install` or `make check` failed."""

    exit_code = 1


class MigrationHistoryError(MvpScaffoldError):
    """The project's Alembic revisions cannot be joined into one head; the update itself stands."""

    exit_code = 1


def first_line(error: object) -> str:
    """The first line of an error's text without its full stop; its type's name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0].rstrip(".") if text else type(error).__name__
