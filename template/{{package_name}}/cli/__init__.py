"""Operator commands, run where the app runs (its container, its server): `python -m <package>.cli COMMAND`.

`python -m <package>.cli --help` lists them. A module of this package adds its commands by listing
them in its `COMMANDS`; each gets the settings, with logging set up as in the app and the worker.
"""

import argparse
import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import __version__
from ..observability.logging import configure_logging
from ..settings import Settings, load_settings


def _no_options(_parser: argparse.ArgumentParser) -> None:
    """A command without options of its own."""


@dataclass(frozen=True, slots=True)
class Command:
    """One operator command: its name, one line of help, its options, and what it does (the exit code)."""

    name: str
    help: str
    run: Callable[[argparse.Namespace, Settings], int]
    options: Callable[[argparse.ArgumentParser], None] = _no_options


def all_commands() -> list[Command]:
    """The commands of every module in this package, in the order of the modules' names."""
    found: list[Command] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):  # __main__ runs the commands; it adds none
            found += getattr(importlib.import_module(f"{__name__}.{info.name}"), "COMMANDS", [])
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, then run the command it names and return its exit code."""
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = {}
    for command in all_commands():
        command.options(subparsers.add_parser(command.name, help=command.help, description=command.help))
        commands[command.name] = command
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(
        settings.log_level,
        settings.log_format,
        version=__version__,
        commit=settings.app_commit,
        environment=settings.environment,
    )
    return commands[args.command].run(args, settings)
