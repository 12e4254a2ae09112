"""The `mvpscaffold` command line: typer commands; every error becomes one sentence + exit code."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from typer import Argument, Option

from mvpscaffold import __version__
from mvpscaffold.errors import Interrupted, MvpScaffoldError, ToolError, UserInputError
from mvpscaffold.templates.answers import defaults_file_hint
from mvpscaffold.tools import signals_interrupt

if TYPE_CHECKING:
    from mvpscaffold.projects.update import UpdateReport

app = typer.Typer(
    name="mvpscaffold",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: what a terminal, a pipe and a man page all show
)
add_app = typer.Typer(
    name="add",
    help="Grow a generated project: add a resource across every layer.",
    no_args_is_help=True,
)
app.add_typer(add_app)

# Options several commands share, declared once.
TemplateOption = Annotated[
    str | None,
    Option(
        "--template",
        metavar="SRC",
        help="Template: a git repository with version tags, as a path, bundle or URL (file://,"
        " git+https://, gh:, gl:) (default: $MVPSCAFFOLD_TEMPLATE, else _template in your"
        " defaults file, else the bundled template).",
    ),
]
RecordedTemplateOption = Annotated[  # update and check read the template each project records
    str | None,
    Option(
        "--template",
        metavar="SRC",
        help="Template to update from (default: the one each project records in"
        " .copier-answers.yml): that same template, named in another form, unless --move.",
    ),
]
RefOption = Annotated[
    str | None, Option("--ref", metavar="REF", help="Template version tag (default: the newest).")
]
QuietOption = Annotated[bool, Option("--quiet", "-q", help="Print only errors.")]
JsonOption = Annotated[bool, Option("--json", help="Print a JSON report instead of text.")]


@contextmanager
def reported_errors(interrupted: str = "Interrupted; nothing was written.") -> Iterator[None]:
    """Run a command body: SIGTERM acts like Ctrl-C, and any error becomes one line + exit code.

    `interrupted` is said for a bare Ctrl-C; an Interrupted error keeps its own message.
    """
    try:
        with signals_interrupt(signal.SIGTERM):
            yield
    except (typer.Exit, typer.Abort, BrokenPipeError):  # click ends a broken pipe quietly
        raise
    except Exception as error:  # ours say what to do; a bug of ours is still one sentence
        fail(as_reported(error))
    except KeyboardInterrupt:
        fail(Interrupted(interrupted))


def say(text: str, *, err: bool = False) -> None:
    """Print on stdout (stderr with err); a reader who closed the pipe (`| head -1`) ends our
    output, not our work: the rest goes to /dev/null and the command keeps its own exit code."""
    stream = sys.stderr if err else sys.stdout
    try:
        typer.echo(text, file=stream)
        stream.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def as_reported(error: Exception) -> MvpScaffoldError:
    """The error as one of ours: a bug of ours becomes a sentence asking for a report."""
    if isinstance(error, MvpScaffoldError):
        return error
    return ToolError(f"Unexpected {type(error).__name__}: {error}; please report this bug.")


def fail(error: MvpScaffoldError) -> NoReturn:
    """Print the error as one line on stderr and exit with its code."""
    message = " ".join(error.message.split())
    say(message if isinstance(error, Interrupted) else f"Error: {message}", err=True)
    raise typer.Exit(error.exit_code)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"mvpscaffold {__version__} (copier {version('copier')})")
        raise typer.Exit()


@app.callback(
    epilog="Example: mvpscaffold new my-app --defaults  |  Exit codes: 0 done; 1 new: created but"
    " --install's checks failed, update: conflicts or migrations to fix, check: a project is"
    " behind; 2 bad input or refused, nothing changed; 3 git or copier failed, nothing changed;"
    " 130 interrupted, nothing changed (see README.md, Exit codes)."
)
def root(
    version: Annotated[
        bool, Option("--version", callback=_show_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Generate and update well-structured Python monoliths from a copier template."""


@app.command(
    help="Create a new project in DEST: ask the template's questions, render it, commit it.\n\n"
    "The project is named after DEST's folder (my-shop: 'My Shop', slug my-shop, package my_shop)"
    " unless an answer gives project_name (a folder name that makes none, such as 123, gives the"
    " template's default). Answers your agency always gives (author_name, license,"
    f" ci, ...) can live in {defaults_file_hint()} (or the file MVPSCAFFOLD_CONFIG names) as YAML"
    " such as 'license: Apache-2.0': they become the questions' defaults; --data-file and --set"
    " win over them.\n\nExit codes: 0 created; 1 created, but --install's make install or make"
    " check failed; 2 bad input, 3 git or copier failed, 130 interrupted: nothing written.",
    epilog="Examples: mvpscaffold new my-app  |  mvpscaffold new my-app --defaults --set"
    " database=postgresql  |  mvpscaffold new client-x --data-file agency.yml --no-git  |"
    "  mvpscaffold new my-app --defaults --install",
)
def new(
    dest: Annotated[
        Path, Argument(metavar="DEST", help="New or empty folder; it names the project.")
    ],
    defaults: Annotated[
        bool, Option("--defaults", help="Use defaults (yours first); ask nothing.")
    ] = False,
    data_file: Annotated[
        Path | None,
        Option(
            "--data-file",
            metavar="FILE",
            help="YAML file of answers; the rest take defaults; ask nothing.",
        ),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        Option(
            "--set", metavar="KEY=VALUE", help="One answer (repeatable; wins over --data-file)."
        ),
    ] = None,
    template: TemplateOption = None,
    ref: RefOption = None,
    trust: Annotated[
        bool, Option("--trust", help="Run a --template's tasks (if you trust it).")
    ] = False,
    no_git: Annotated[bool, Option("--no-git", help="Skip git init and the first commit.")] = False,
    install: Annotated[
        bool, Option("--install", help="Then run make install and make check.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    with reported_errors():
        from mvpscaffold.templates.render import generate

        result = generate(
            dest,
            use_defaults=defaults,
            data_file=data_file,
            assignments=tuple(assignments or ()),
            template=template,
            ref=ref,
            trust=trust,
            init_git=not no_git,
            interactive=sys.stdin.isatty() and sys.stdout.isatty(),
        )
        for note in () if quiet else result.notes:
            say(f"Note: {note}", err=True)
        if install:
            from mvpscaffold.tools import install_and_check

            install_and_check(result.destination, show_progress=not quiet)
        if not quiet:
            from mvpscaffold.reports import created_summary

            say(created_summary(result, dest_arg=dest, installed=install).rstrip("\n"))


@add_app.command(
    "resource",
    epilog="Examples: mvpscaffold add resource invoices --field number:str:40 --field"
    " 'amount:decimal(min=0)' --field due:date? --field 'customer:ref(customers)'  |  mvpscaffold"
    " add resource invoice_lines --parent invoices --field 'quantity:int(min=1)' --commit",
)
def add_resource(
    name: Annotated[
        str, Argument(metavar="NAME", help="Plural snake_case: invoices (entity Invoice).")
    ],
    fields: Annotated[
        list[str] | None,
        Option(
            "--field",
            metavar="NAME:TYPE",
            help="A field: str[:LENGTH], text, int, decimal, bool, date, datetime, or ref(RESOURCE)"
            " (one of the owner's records of another resource); int(min=..,max=..) and"
            " decimal(min=..,max=..) bound a number; a ? suffix makes it optional (repeatable;"
            " none given in a terminal: asked one by one).",
        ),
    ] = None,
    parent: Annotated[
        str | None,
        Option(
            "--parent",
            metavar="RESOURCE",
            help="The owned resource whose records these belong to, deleted with them (invoice"
            " lines under invoices; the example notes too).",
        ),
    ] = None,
    singular: Annotated[
        str | None,
        Option(
            "--singular",
            metavar="NAME",
            help="The records' singular name where the usual rule misses it: people --singular"
            " person (entity Person), statuses --singular status (default: NAME less its plural"
            " ending).",
        ),
    ] = None,
    project: Annotated[
        Path, Option("--project", help="The generated project (a clean git repository).")
    ] = Path("."),
    commit: Annotated[bool, Option("--commit", help="Commit the new and changed files.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Add an owned resource: record, table, migration, service, API, pages and tests.

    Rendered from the project's template with its own answers file
    (.copier-answers.resource-NAME.yml), so `mvpscaffold update` updates it with the project.
    No file of yours changes: the app finds the new modules by itself.

    Exit codes: 0 added; 2 bad input or refused, 3 git or copier failed, 130 interrupted: nothing
    written.
    """
    with reported_errors():
        from mvpscaffold.projects.add import add_resource as add
        from mvpscaffold.projects.resource_spec import parse_field

        given = list(fields or ())
        if not given and sys.stdin.isatty() and sys.stdout.isatty():
            from mvpscaffold.prompts import ask_fields

            given = ask_fields(parse_field)
        parsed = [parse_field(text) for text in given]
        result = add(project, name, parsed, parent, commit=commit, singular=singular)
        if not quiet:
            from mvpscaffold.reports import added_summary

            say(added_summary(result, project))


@app.command(
    epilog="Examples: mvpscaffold update  |  mvpscaffold update my-app --pretend  |  mvpscaffold"
    " update my-app --to 0.2.0 --defaults --json  |  mvpscaffold update --all clients/  |"
    "  mvpscaffold update --set database=postgresql --set jobs=redis"
)
def update(
    paths: Annotated[
        list[Path] | None,
        Argument(metavar="PATH...", help="Projects (clean git repositories; default: .)."),
    ] = None,
    every: Annotated[
        Path | None,
        Option("--all", metavar="DIR", help="Each folder in DIR with a .copier-answers.yml."),
    ] = None,
    to: Annotated[
        str | None,
        Option(
            "--to",
            metavar="VERSION",
            help="Template version to update to (default: the newest release; for the bundled"
            " template, this mvpscaffold's own version; never older).",
        ),
    ] = None,
    template: RecordedTemplateOption = None,
    ref: Annotated[str | None, Option("--ref", metavar="REF", help="The same as --to.")] = None,
    defaults: Annotated[
        bool,
        Option(
            "--defaults", help="Answer new questions with their defaults (also with no terminal)."
        ),
    ] = False,
    pretend: Annotated[
        bool, Option("--pretend", help="Report what would change; write nothing.")
    ] = False,
    trust: Annotated[
        bool, Option("--trust", help="Allow a --template's tasks and migrations.")
    ] = False,
    move: Annotated[
        bool,
        Option(
            "--move",
            help="Move the project onto --template (another template, or the same one elsewhere):"
            " recorded at its current version, then updated from there.",
        ),
    ] = False,
    assignments: Annotated[
        list[str] | None,
        Option(
            "--set",
            metavar="KEY=VALUE",
            help="Change an answer, such as database=postgresql (repeatable): the project is"
            " rendered again with it and merged like an update, at its own version too.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Bring generated projects to a newer template version, keeping your edits (3-way merge).

    Recorded answers are kept; questions new in the target version are asked in a terminal, else
    (or with --defaults) take their defaults, yours first. A dropped file you edited stays. Prints
    the part of the template's upgrading guide crossed and the Alembic revisions the update
    brings; when they and yours leave two heads, writes a merge revision into your versions/, so
    `make migrate` applies everything.
    Several projects (PATH... or --all DIR) are updated each on its own, one line each; one that
    fails does not stop the others.

    Exit codes: 0 merged cleanly; 1 conflicts (marked inline), steps under BY HAND, or a migration
    history to fix; 2 refused (not a project, not git, uncommitted changes, unknown or older
    version), nothing changed; 3 git or copier failed, 130 interrupted: project
    back at its last commit. With several projects: the highest of these.
    """
    with reported_errors("Update interrupted; the project is back at its last commit."):
        from mvpscaffold.projects.update import update_project
        from mvpscaffold.reports import render_summary

        if to is not None and ref is not None and to != ref:
            raise UserInputError(f"--to {to} and --ref {ref} disagree; give only one of them.")
        if move and template is None:
            raise UserInputError("--move needs --template SRC, the template to move onto.")
        projects = list(paths or ())
        if every is not None:
            if not every.is_dir():
                raise UserInputError(f"--all {every}: not a folder; give the folder of projects.")
            found = sorted(p for p in every.iterdir() if (p / ".copier-answers.yml").is_file())
            if not found:
                raise UserInputError(
                    f"--all {every}: none of its folders holds a .copier-answers.yml; give the"
                    " folder that holds your projects."
                )
            projects += found
        one = partial(
            update_project,
            to=to or ref,
            template=template,
            defaults=defaults,
            pretend=pretend,
            trust=trust,
            move=move,
            assignments=tuple(assignments or ()),
        )
        if len(projects) > 1 or every is not None:
            raise typer.Exit(_update_many(projects, one, as_json=as_json))
        report = one(projects[0] if projects else Path("."))
        say(json.dumps(report.as_json(), indent=2) if as_json else render_summary(report))
        if report.needs_owner:  # with --pretend: conflicts or a broken history to fix
            raise typer.Exit(1)


def _update_many(
    projects: list[Path], one: Callable[[Path], UpdateReport], *, as_json: bool
) -> int:
    """Update each project on its own, one line each, going on past a failure; the exit code."""
    from mvpscaffold.reports import render_line

    worst, current, reports = 0, 0, list[dict[str, object]]()
    for project in projects:
        try:
            report = one(project)
        except Exception as error:  # one project's failure never stops the others
            known = as_reported(error)
            message = " ".join(known.message.split())
            worst = max(worst, known.exit_code)
            reports.append({"project": str(project), "error": message})
            line = f"{project}: not updated: {message}"
        else:
            worst = max(worst, int(report.needs_owner))
            current += not report.changed
            reports.append(report.as_json())
            line = render_line(report)
        if not as_json:
            say(line)
    failed = sum("error" in report for report in reports)
    counts = [f"{len(projects) - failed - current} updated"]
    counts += [f"{current} already current"] if current else []
    noun = "project" if len(projects) == 1 else "projects"
    summary = f"{len(projects)} {noun}: {', '.join(counts)}, {failed} failed"
    say(json.dumps(reports, indent=2) if as_json else summary)
    return worst


@app.command(epilog="Examples: mvpscaffold check clients/*  |  mvpscaffold check . --json")
def check(
    paths: Annotated[list[Path], Argument(metavar="PATH...", help="Generated projects to check.")],
    template: Annotated[
        str | None,
        Option(
            "--template",
            metavar="SRC",
            help="Template to check against (default: the one each project records).",
        ),
    ] = None,
    ref: RefOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show each project's template version and the newest; exit 1 if any is behind, 2 on error.

    A table and a summary on stdout (--json: the same as JSON); why a path failed, on stderr.

    Exit codes: 0 every project is current; 1 at least one is behind; 2 at least one path could
    not be checked (missing, not a project, corrupt answers, unknown --ref); 130 interrupted.
    """
    with reported_errors():
        from mvpscaffold.projects.check import check_projects, exit_code, render_table

        statuses = check_projects(paths, template=template, ref=ref)
        if as_json:
            say(json.dumps([status.as_json() for status in statuses], indent=2))
        else:
            say(render_table(statuses, color=sys.stdout.isatty()))
            for status in statuses:
                if status.error is not None:  # the why, one line per project, on stderr
                    where = "" if status.error.startswith(status.path) else f"{status.path}: "
                    say(f"Error: {where}{status.error}", err=True)
    raise typer.Exit(exit_code(statuses))


def main() -> None:
    """Console entry point: run the app; nothing escapes as a traceback."""
    try:
        app(prog_name="mvpscaffold")
    except (KeyboardInterrupt, SystemExit) as stop:
        # typer turns a Ctrl-C outside a command body (parsing options) into a silent exit 130
        cause = getattr(stop.__context__, "__cause__", None)
        if isinstance(stop, SystemExit) and not isinstance(cause, KeyboardInterrupt):
            raise
        say("Interrupted; nothing was written.", err=True)
        sys.exit(Interrupted.exit_code)
