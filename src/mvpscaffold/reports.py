"""What the commands tell their user: new's layout and next steps, add's files, update's report.

rich is imported inside the printing functions, only when there is something to print: `new
--quiet` never loads it (nor do check --json and update).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from mvpscaffold.projects.add import AddResult
    from mvpscaffold.projects.update import UpdateReport
    from mvpscaffold.templates.render import NewResult

MAKE_STEPS = (
    ("install", "create .venv and install"),
    ("run", "start the app"),
    ("check", "lint, types, tests"),
)


def created_summary(result: NewResult, *, dest_arg: Path, installed: bool) -> str:
    """What was created: a short tree of the top level, the answers chosen, next steps; styled
    for the terminal when stdout is one.

    `dest_arg` is the destination as the user typed it (for the `cd` line).
    """
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    with console.capture() as captured:
        _print_created(console, result, dest_arg, installed)
    return captured.get()


def _print_created(console: Console, result: NewResult, dest_arg: Path, installed: bool) -> None:
    from rich.markup import escape
    from rich.tree import Tree

    committed = ", first commit made" if result.committed else ""
    checked = ", installed and checked" if installed else ""
    console.print(
        f"Created {result.project_name} in {result.destination}"
        f" ({result.files} files{committed}{checked}).",
        markup=False,
    )
    if result.template:
        console.print(f"Template: {result.template}", markup=False)
    project, answers = result.destination, result.answers
    # The top level, folders first; dot-files summed up on one line after the layout.
    entries = sorted(project.iterdir(), key=lambda entry: (not entry.is_dir(), entry.name.lower()))
    names = [escape(entry.name + "/" * entry.is_dir()) for entry in entries if entry.name != ".git"]
    tree = Tree(f"[bold]{escape(project.name)}/[/]")
    for name in names:
        if not name.startswith("."):
            tree.add(f"[blue]{name}[/]" if name.endswith("/") else name)
    if hidden := [name for name in names if name.startswith(".")]:
        tree.add(f"[dim]{', '.join(hidden)}[/]")
    console.print()
    console.print(tree)
    if answers:
        width = max(len(key) for key in answers)
        console.print("\n[bold]Answers:[/]")
        for key, value in answers.items():
            shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            console.print(f"  [cyan]{escape(key.ljust(width))}[/]  {escape(shown)}")
    console.print("\n[bold]Next steps:[/]")
    steps = [(f"cd {shlex.quote(str(dest_arg))}", "")]
    if (project / "Makefile").is_file():
        if result.lock_stale and not installed:  # `make install` refuses a lock that does not match
            steps.append(("make lock", "uv.lock does not match pyproject.toml yet"))
        for make, why in MAKE_STEPS:
            if make == "run":
                steps += _server_steps(project, answers)
            if not installed or make == "run":
                steps.append((f"make {make}", why))
    width = max(len(command) for command, _why in steps)
    for command, why in steps:
        comment = f"  [dim]# {escape(why)}[/]" if why else ""
        console.print(f"  {escape(command.ljust(width) if why else command)}{comment}")


def _server_steps(project: Path, answers: dict[str, object]) -> list[tuple[str, str]]:
    """The servers the answers chose, started with the project's compose file before `make run`."""
    chosen = {
        "postgres": answers.get("database") == "postgresql",
        "redis": answers.get("jobs") == "redis",
    }
    services = [service for service, wanted in chosen.items() if wanted]
    if not services or not (project / "compose.yaml").is_file():
        return []
    steps = [(f"docker compose up -d {' '.join(services)}", "or servers of your own: README.md")]
    if "postgres" in services and (project / ".env.example").is_file():
        steps.append(("cp .env.example .env", "DATABASE_URL of the compose database"))
    return steps


def added_summary(result: AddResult, project_arg: Path) -> str:
    """The files `add resource` wrote, and what to do next."""
    spec, count = result.spec, len(result.written)
    where = "" if project_arg == Path(".") else f"cd {shlex.quote(str(project_arg))} && "
    commit = (
        f"  {where}git add -A && git commit -m 'Add {spec.name}'   # or pass --commit next time"
    )
    unformatted = "ruff was not found, so the new modules are not formatted: run `make format`"
    lines = [
        f"Added the {spec.name} resource ({count} new files, no file of yours changed):",
        *(f"  new      {path}" for path in result.written),
        *([] if result.formatted else [f"{unformatted} once installed."]),
        "\nNext steps:",
        *([] if result.committed else [commit]),
        f"  {where}make migrate    # creates the {spec.name} table",
        f"  {where}make check      # every layer's tests, the authorization walk included",
        f"  API:   {spec.api_url} (create, list), {spec.api_url}/{{{spec.singular}_id}} (read,"
        " update, delete)",
        f"  Pages: {spec.page_url}" + ("" if spec.parent else " (linked from the site header)"),
    ]
    return "\n".join(lines)


def render_summary(report: UpdateReport) -> str:
    """A human summary of the update, ending with the steps that finish it."""
    if not report.changed:
        return f"{report.project} is already on template {report.to_version}; nothing to do."
    verb = "would update" if report.pretend else "updated"
    lines = [f"{report.project}: {verb} template {report.from_version} -> {report.to_version}"]
    for title in ("merged", "added", "deleted", "kept"):
        paths = getattr(report, title)
        lines += [f"  {title} ({len(paths)}): " + ", ".join(paths)] if paths else []
    if report.kept:
        lines.append(
            "  (kept: no longer in the template, but edited by you, so left in place;"
            " delete them yourself if you no longer need them)"
        )
    lines.append(f"  unchanged: {report.unchanged} files")
    if report.resources:
        title = "resources to update" if report.pretend else "resources updated"
        lines.append(f"  {title}: " + ", ".join(report.resources))
    lines += _block("CONFLICTED ({}):", report.conflicted)
    lines += _block("migrations ({}), database changes this update brings:", report.migrations)
    if report.merge_revision:
        lines.append(
            f"  merge revision ({'to be written' if report.pretend else 'written'}):"
            f" {report.merge_revision} (joins the template's migrations and yours into one head)"
        )
    if report.migration_problem:
        lines.append(f"  MIGRATIONS NOT MERGED: {report.migration_problem}")
    lines += _block("upgrade steps ({}):", report.done) + _block("BY HAND ({}):", report.by_hand)
    if report.lock is not None:
        lines.append(f"  uv.lock: {LOCK_STATES[report.lock]}")
    lines += [f"Note: {note}" for note in report.notes]
    if report.guide:
        lines.append("\nWhat this update asks of you, from the template's upgrading guide:\n")
        lines += [f"{section}\n" for section in report.guide]
    last = ["Nothing was written (--pretend)."] if report.pretend else _next_steps(report)
    return "\n".join(lines + last)


def _block(title: str, items: list[str]) -> list[str]:
    """A titled list, its count in the title's {}; nothing when empty."""
    return [f"  {title.format(len(items))}", *(f"    {item}" for item in items)] if items else []


def render_line(report: UpdateReport) -> str:
    """The update of one of several projects, in one line: versions, and what is left to do."""
    if not report.changed:
        return f"{report.project}: already on template {report.to_version}"
    verb = "would update" if report.pretend else "updated"
    line = f"{report.project}: {verb} template {report.from_version} -> {report.to_version}"
    left = [
        f"{what} ({', '.join(paths)})"
        for what, paths in (
            ("conflicted", report.conflicted),
            ("by hand", [note.split(": ", 1)[0] for note in report.by_hand]),
            ("migration history", [report.migration_problem] if report.migration_problem else []),
        )
        if paths
    ]
    return line + (f"; left to you: {'; '.join(left)}" if left else "")


LOCK_STATES = {
    "refreshed": "refreshed for the changed pyproject.toml (uv lock); commit it with the update",
    "to refresh": "to be refreshed for the changed pyproject.toml (uv lock)",
    "stale": "NOT refreshed for the changed pyproject.toml; run `make lock` before committing",
}


def _next_steps(report: UpdateReport) -> list[str]:
    relock = []
    if report.lock == "stale":
        relock.append("Run `make lock` to refresh uv.lock for the new pyproject.toml.")
    if report.lock in {"stale", "refreshed"}:
        relock.append(
            "Run `make install`: uv.lock pins other packages now, and `make check` needs them."
        )
    by_hand = ["Do what BY HAND says above"] if report.by_hand else []
    if report.conflicted:
        steps = [
            "Resolve each block from `<<<<<<< before updating` (your version) to `>>>>>>> after"
            " updating` (the template's) in the conflicted files above: keep what both sides"
            " need, delete the marker lines.",
            *relock,
            *(f"{step}, once the conflicts are resolved." for step in by_hand),
            "Run `make check` (it refuses to run while a conflict marker remains).",
            "`git add` the resolved files, then commit.",
        ]
    else:
        steps = [*(f"{step}." for step in by_hand), *relock, "Review with `git diff`, then commit."]
    if report.migration_problem:
        steps.insert(0, "Fix the migration history as said above.")
    if report.guide:
        steps.insert(-1 if report.conflicted else 0, "Port what the upgrading guide above says.")
    if report.migrations or report.merge_revision:
        steps.append(
            "Review the migrations listed above, then run `make migrate` to apply them to"
            " your database."
        )
    if len(steps) == 1:
        return steps
    lines = ["Next steps:", *(f"  {n}. {step}" for n, step in enumerate(steps, start=1))]
    if report.needs_owner:
        lines.append(
            "To abandon the update: `git reset --hard && git clean -fd` (back to the commit you"
            " updated from), or `git stash --include-untracked` to keep it aside."
        )
    return lines
