"""The `mvpscaffold` command line: typer commands; every error becomes one sentence + exit code."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from mvpscaffold import __version__
from mvpscaffold.answers import defaults_file_hint
from mvpscaffold.errors import Interrupted, MvpScaffoldError, ToolError, UserInputError
from mvpscaffold.tools import signals_interrupt

if TYPE_CHECKING:
    from mvpscaffold.reports import UpdateReport

app = typer.Typer(
    name="mvpscaffold",
    help="Generate and update well-structured Python monoliths from a copier template.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: what a terminal, a pipe and a man page all show
)

# Options shared by every command that reads a template (new, update, check): defined once here.
TemplateOption = Annotated[
    str | None,
    typer.Option(
        "--template",
        metavar="SRC",
        help=(
            "Template to use: a git repository with version tags, as a path, bundle or URL"
            " (file://, git+https://, gh:, gl:) (default: $MVPSCAFFOLD_TEMPLATE, else"
            " _template in your defaults file, else the bundled template)."
        ),
    ),
]
# update and check read the template each project records unless told otherwise.
RecordedTemplateOption = Annotated[
    str | None,
    typer.Option(
        "--template",
        metavar="SRC",
        help=(
            "Template to check against or update from, as a path, bundle or URL (default: the"
            " one each project records in .copier-answers.yml); update takes only that same"
            " template, named in another form."
        ),
    ),
]
RefOption = Annotated[
    str | None,
    typer.Option(
        "--ref", metavar="REF", help="Version tag of the template (default: its newest release)."
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]


@contextmanager
def reported_errors(interrupted: str = "Interrupted; nothing was written.") -> Iterator[None]:
    """Run a command body: SIGTERM acts like Ctrl-C, and any error becomes one line + exit code.

    `interrupted` is said for a bare Ctrl-C; an Interrupted error keeps its own message.
    """
    try:
        with signals_interrupt(signal.SIGTERM):
            yield
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        fail(Interrupted(interrupted))
    except MvpScaffoldError as error:  # Interrupted included: it says what state we left
        fail(error)
    except Exception as error:  # a bug of ours: still one sentence, never a traceback
        fail(ToolError(f"Unexpected {type(error).__name__}: {error}; please report this bug."))


def fail(error: MvpScaffoldError) -> NoReturn:
    """Print the error as one line on stderr and exit with its code."""
    message = " ".join(error.message.split())
    typer.echo(message if isinstance(error, Interrupted) else f"Error: {message}", err=True)
    raise typer.Exit(error.exit_code)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"mvpscaffold {__version__} (copier {version('copier')})")
        raise typer.Exit()


@app.callback(
    epilog=(
        "Example: mvpscaffold new my-app --defaults  |  Exit codes: 0 done; 1 new: created but"
        " --install's checks failed, update: conflicts or migrations to fix, check: a project is"
        " behind; 2 bad input or refused, nothing changed; 3 git or copier failed, nothing"
        " changed; 130 interrupted, nothing changed (see README.md, Exit codes)."
    )
)
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Generate and update well-structured Python monoliths from a copier template."""


NEW_HELP = (
    "Create a new project in DEST: ask the template's questions, render it, commit it.\n\n"
    "The project is named after DEST's folder (my-shop: 'My Shop', slug my-shop, package"
    " my_shop) unless --set, --data-file or your defaults file gives project_name; when the"
    " folder's name makes no valid one (such as 123), the template's default is used.\n\n"
    "Your own defaults, answers your agency always gives (author_name, author_email, license,"
    f" ci, ...), go in {defaults_file_hint()} as a YAML mapping such as 'license: Apache-2.0',"
    " or in the file the MVPSCAFFOLD_CONFIG environment variable names. They are shown as the"
    " defaults of the questions and used by --defaults; --data-file and --set win over them."
    "\n\nExit codes: 0 created; 1 created, but --install's make install or make check failed;"
    " 2 bad input, nothing written; 3 git or copier failed, nothing written; 130 interrupted."
)


@app.command(
    help=NEW_HELP,
    epilog=(
        "Examples: mvpscaffold new my-app  |  mvpscaffold new my-app --defaults"
        " --set database=postgresql  |  mvpscaffold new client-x --data-file agency.yml --no-git"
        "  |  mvpscaffold new my-app --defaults --install"
    ),
)
def new(
    dest: Annotated[
        Path,
        typer.Argument(
            metavar="DEST",
            help="Folder to create (new, or existing and empty); the project is named after it.",
        ),
    ],
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults",
            help="Use default answers (yours, the folder name, then the template's); ask nothing.",
        ),
    ] = False,
    data_file: Annotated[
        Path | None,
        typer.Option(
            "--data-file",
            metavar="FILE",
            help="YAML file of answers (key: value); the rest use defaults; ask nothing.",
        ),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="One answer, e.g. --set database=postgresql (repeatable; wins over --data-file).",
        ),
    ] = None,
    template: TemplateOption = None,
    ref: RefOption = None,
    trust: Annotated[
        bool, typer.Option("--trust", help="Allow a --template's tasks (only if you trust it).")
    ] = False,
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Skip git init and the first commit.")
    ] = False,
    install: Annotated[
        bool,
        typer.Option("--install", help="Then run make install and make check in the new project."),
    ] = False,
    quiet: QuietOption = False,
) -> None:
    with reported_errors():
        from mvpscaffold.render import NewRequest, generate

        request = NewRequest(
            dest=dest,
            use_defaults=defaults,
            data_file=data_file,
            assignments=tuple(assignments or ()),
            template=template,
            ref=ref,
            trust=trust,
            init_git=not no_git,
            interactive=sys.stdin.isatty() and sys.stdout.isatty(),
        )
        result = generate(request)
        if not quiet:
            for note in result.notes:
                typer.echo(f"Note: {note}", err=True)
        if install:
            from mvpscaffold.tools import install_and_check

            install_and_check(result.destination, show_progress=not quiet)
        if not quiet:
            from mvpscaffold.reports import print_created

            print_created(result, dest_arg=dest, installed=install)


add_app = typer.Typer(
    name="add",
    help="Grow a generated project: add a resource across every layer.",
    no_args_is_help=True,
)
app.add_typer(add_app)


@add_app.command(
    "resource",
    epilog=(
        "Examples: mvpscaffold add resource invoices --field number:str:40"
        " --field 'amount:decimal(min=0)' --field due:date? --field 'customer:ref(customers)'"
        "  |  mvpscaffold add resource invoice_lines --parent invoices --field label:str"
        " --field 'quantity:int(min=1)' --commit"
    ),
)
def add_resource(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="The plural name, snake_case: invoices (entity Invoice)."
        ),
    ],
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            metavar="NAME:TYPE",
            help="A field: str[:LENGTH], text, int, decimal, bool, date, datetime, or ref(RESOURCE)"
            " for one of the owner's records of another resource; int(min=..,max=..) and"
            " decimal(min=..,max=..) bound a number; a ? suffix makes it optional (repeatable;"
            " none given in a terminal: asked one by one).",
        ),
    ] = None,
    parent: Annotated[
        str | None,
        typer.Option(
            "--parent",
            metavar="RESOURCE",
            help="The resource whose records these belong to, deleted with them (invoice lines"
            " under invoices); any owned resource of the project, the example notes included.",
        ),
    ] = None,
    project: Annotated[
        Path, typer.Option("--project", help="The generated project (a clean git repository).")
    ] = Path("."),
    commit: Annotated[
        bool, typer.Option("--commit", help="Commit the new and changed files.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Add an owned resource: record, table, migration, service, API, pages and tests.

    It is rendered from the project's template, with its own answers file
    (.copier-answers.resource-NAME.yml), so `mvpscaffold update` updates it with the project.
    It changes no file of yours: the app finds the new modules by themselves.

    Exit codes: 0 added; 2 bad input or refused (nothing written); 3 git or copier failed (nothing
    written); 130 interrupted (nothing written).
    """
    with reported_errors():
        from mvpscaffold.add import add_resource as add
        from mvpscaffold.resource_spec import parse_field

        given = list(fields or ())
        if not given and sys.stdin.isatty() and sys.stdout.isatty():
            from mvpscaffold.prompts import ask_fields

            given = ask_fields(parse_field)
        result = add(project, name, [parse_field(text) for text in given], parent, commit=commit)
        if not quiet:
            from mvpscaffold.reports import print_added

            print_added(result, project)


JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON report instead of text.")]


@app.command(
    epilog=(
        "Examples: mvpscaffold update  |  mvpscaffold update my-app --pretend  |"
        "  mvpscaffold update my-app --to 0.2.0 --defaults --json  |  mvpscaffold update --all"
        " clients/"
    ),
)
def update(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH...",
            help="Generated projects, each a clean git repository (default: the current folder).",
        ),
    ] = None,
    every: Annotated[
        Path | None,
        typer.Option(
            "--all",
            metavar="DIR",
            help="Update every project in DIR's folders (those with a .copier-answers.yml).",
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="VERSION",
            help=(
                "Template version to update to (default: the newest release of the project's"
                " template; for the bundled template, this mvpscaffold's own version; never older)."
            ),
        ),
    ] = None,
    template: RecordedTemplateOption = None,
    ref: Annotated[
        str | None, typer.Option("--ref", metavar="REF", help="The same as --to.")
    ] = None,
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults", help="Answer new questions with their defaults (also when no terminal)."
        ),
    ] = False,
    pretend: Annotated[
        bool, typer.Option("--pretend", help="Report what would change; write nothing.")
    ] = False,
    trust: Annotated[
        bool, typer.Option("--trust", help="Allow a --template's tasks and migrations.")
    ] = False,
    move: Annotated[
        bool,
        typer.Option(
            "--move",
            help="Move the project onto --template (another template, or the same one elsewhere):"
            " recorded at the version the project is on, then updated from there.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Bring generated projects to a newer template version, keeping your edits (3-way merge).

    Recorded answers are reused; only questions new in the target version are asked (in a
    terminal; otherwise, or with --defaults, they take their defaults: yours from the defaults
    file first, then the template's). A file the template dropped stays if you edited it.
    The part of the template's upgrading guide that the update crosses is printed.

    Lists the Alembic revisions the update brings; when they and yours leave two heads, writes a
    merge revision into your versions/ folder so `make migrate` applies everything.

    With several projects (PATH... or --all DIR), each is updated on its own, one line each, and
    a project that fails or refuses does not stop the others.

    Exit codes: 0 the merge is clean; 1 conflicts (marked inline in the files) or steps listed
    under BY HAND need you, or the migration history needs fixing (a revision id in two files);
    2 refused (not a project, not git, uncommitted changes, unknown or older version), nothing
    changed; 3 git or copier failed, project back at its last commit; 130 interrupted, project
    back at its last commit. With several projects: the highest of these.
    """
    with reported_errors("Update interrupted; the project is back at its last commit."):
        from mvpscaffold.reports import render_summary
        from mvpscaffold.update import update_project

        if to is not None and ref is not None and to != ref:
            raise UserInputError(f"--to {to} and --ref {ref} disagree; give only one of them.")
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
        if move and template is None:
            raise UserInputError("--move needs --template SRC, the template to move onto.")
        one = partial(
            update_project,
            to=to or ref,
            template=template,
            defaults=defaults,
            pretend=pretend,
            trust=trust,
            move=move,
        )
        if len(projects) <= 1 and every is None:
            report = one(projects[0] if projects else Path("."))
            if as_json:
                import json

                typer.echo(json.dumps(report.as_json(), indent=2))
            else:
                typer.echo(render_summary(report))
            if report.needs_owner:  # with --pretend: conflicts or a broken history to fix
                raise typer.Exit(1)
            return
        raise typer.Exit(_update_many(projects, one, as_json=as_json))


def _update_many(
    projects: list[Path], one: Callable[[Path], UpdateReport], *, as_json: bool
) -> int:
    """Update each project on its own, one line each, going on past a failure; the exit code."""
    import json

    from mvpscaffold.reports import render_line

    worst, current = 0, 0
    reports: list[dict[str, object]] = []
    for project in projects:
        try:
            report = one(project)
        except Exception as error:  # one project's failure never stops the others
            if not isinstance(error, MvpScaffoldError):
                error = ToolError(f"Unexpected {type(error).__name__}: {error}; please report it.")
            worst = max(worst, error.exit_code)
            message = " ".join(error.message.split())
            reports.append({"project": str(project), "error": message})
            if not as_json:
                typer.echo(f"{project}: not updated: {message}")
            continue
        worst = max(worst, 1 if report.needs_owner else 0)
        current += not report.changed
        reports.append(report.as_json())
        if not as_json:
            typer.echo(render_line(report))
    failed = sum("error" in report for report in reports)
    if as_json:
        typer.echo(json.dumps(reports, indent=2))
    else:
        counts = [f"{len(projects) - failed - current} updated"]
        counts += [f"{current} already current"] if current else []
        typer.echo(f"{len(projects)} projects: {', '.join(counts)}, {failed} failed")
    return worst


@app.command(
    epilog="Examples: mvpscaffold check clients/*  |  mvpscaffold check . --json",
)
def check(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH...", help="Generated projects to check.")
    ],
    template: RecordedTemplateOption = None,
    ref: RefOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show each project's template version and the newest; exit 1 if any is behind, 2 on error.

    A table (project, version, newest, state, path) and a summary line on stdout, one line per
    path that could not be checked on stderr; --json prints the same as JSON for dashboards.

    Exit codes: 0 every project is current; 1 at least one is behind; 2 at least one path could
    not be checked (missing, not a project, corrupt answers, unknown --ref); 130 interrupted.
    """
    with reported_errors():
        from mvpscaffold.check import check_projects, exit_code, render_table

        statuses = check_projects(paths, template=template, ref=ref)
        if as_json:
            import json

            typer.echo(json.dumps([status.as_json() for status in statuses], indent=2))
        else:
            typer.echo(render_table(statuses, color=sys.stdout.isatty()))
            for status in statuses:
                if status.error is not None:  # the why, one line per project, on stderr
                    where = "" if status.error.startswith(status.path) else f"{status.path}: "
                    typer.echo(f"Error: {where}{status.error}", err=True)
    raise typer.Exit(exit_code(statuses))


def main() -> None:
    """Console entry point: run the app; nothing escapes as a traceback."""
    try:
        app(prog_name="mvpscaffold")
    except KeyboardInterrupt:  # Ctrl-C outside a command body (while parsing options)
        typer.echo("Interrupted; nothing was written.", err=True)
        sys.exit(Interrupted.exit_code)
