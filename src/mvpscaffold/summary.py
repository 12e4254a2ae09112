"""What `mvpscaffold new` tells its user afterwards: the layout, the answers, the next steps.

rich is imported inside the function, only when there is something to print: `new --quiet` never
loads it (nor do check --json and update).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mvpscaffold.add import AddResult
    from mvpscaffold.render import NewResult

MAKE_STEPS = (
    ("install", "create .venv and install"),
    ("run", "start the app"),
    ("check", "lint, types, tests"),
)


def top_level(project: Path) -> tuple[list[str], list[str]]:
    """The project's top-level entries ('name/' for folders, folders first), without .git.

    Returned as (visible, hidden): dot-files are listed on one line, after the layout.
    """
    entries = [entry for entry in project.iterdir() if entry.name != ".git"]
    entries.sort(key=lambda entry: (not entry.is_dir(), entry.name.lower()))
    names = [f"{entry.name}/" if entry.is_dir() else entry.name for entry in entries]
    return [n for n in names if not n.startswith(".")], [n for n in names if n.startswith(".")]


def next_steps(
    dest_arg: Path, project: Path, installed: bool, lock_stale: bool = False
) -> list[tuple[str, str]]:
    """(command, why) lines: cd into the project, then its make targets when it has a Makefile.

    With `lock_stale`, `make lock` comes first: `make install` refuses a lock that does not match.
    """
    steps = [(f"cd {shlex.quote(str(dest_arg))}", "")]
    if (project / "Makefile").is_file():
        if lock_stale and not installed:
            steps.append(("make lock", "uv.lock does not match pyproject.toml yet"))
        steps += [
            (f"make {target}", why)
            for target, why in MAKE_STEPS
            if not (installed and target != "run")
        ]
    return steps


def print_created(result: NewResult, *, dest_arg: Path, installed: bool) -> None:
    """Print what was created: a short tree of the top level, the answers chosen, next steps.

    `dest_arg` is the destination as the user typed it (for the `cd` line).
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.tree import Tree

    console = Console(highlight=False, soft_wrap=True)
    committed = ", first commit made" if result.committed else ""
    checked = ", installed and checked" if installed else ""
    console.print(
        f"Created {result.project_name} in {result.destination}"
        f" ({result.files} files{committed}{checked}).",
        markup=False,
    )
    project, answers = result.destination, result.answers
    visible, hidden = top_level(project)
    tree = Tree(f"[bold]{escape(project.name)}/[/]")
    for entry in visible:
        tree.add(f"[blue]{escape(entry)}[/]" if entry.endswith("/") else escape(entry))
    if hidden:
        tree.add(f"[dim]{escape(', '.join(hidden))}[/]")
    console.print()
    console.print(tree)
    if answers:
        width = max(len(key) for key in answers)
        console.print("\n[bold]Answers:[/]")
        for key, value in answers.items():
            console.print(f"  [cyan]{escape(key.ljust(width))}[/]  {escape(_shown(value))}")
    console.print("\n[bold]Next steps:[/]")
    steps = next_steps(dest_arg, project, installed, result.lock_stale)
    width = max(len(command) for command, _why in steps)
    for command, why in steps:
        comment = f"  [dim]# {escape(why)}[/]" if why else ""
        console.print(f"  {escape(command.ljust(width) if why else command)}{comment}")


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def print_added(result: AddResult, project_arg: Path) -> None:
    """Print the files `add resource` wrote and changed, and what to do next."""
    spec = result.spec
    lines = [
        f"Added the {spec.name} resource"
        f" ({len(result.written)} files written, {len(result.changed)} changed):"
    ]
    lines += [f"  new      {path}" for path in result.written]
    lines += [f"  changed  {path}" for path in result.changed]
    if not result.formatted:
        lines.append(
            "ruff was not found, so the new modules are not formatted:"
            " run `make format` once installed."
        )
    lines.append("\nNext steps:")
    where = "" if project_arg == Path(".") else f"cd {shlex.quote(str(project_arg))} && "
    if not result.committed:
        lines.append(
            f"  {where}git add -A && git commit -m 'Add {spec.name}'   # or pass --commit next time"
        )
    lines.append(f"  {where}make migrate    # creates the {spec.name} table")
    lines.append(f"  {where}make check      # every layer's tests, the authorization walk included")
    lines.append(
        f"  API:   {spec.api_url} (create, list),"
        f" {spec.api_url}/{{{spec.singular}_id}} (read, update, delete)"
    )
    lines.append(
        f"  Pages: {spec.page_url}" + ("" if spec.parent else " (linked from the site header)")
    )
    print("\n".join(lines))
