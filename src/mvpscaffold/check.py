"""Which template version each project (and each resource it added) is on, and the newest one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from mvpscaffold import source
from mvpscaffold.errors import MvpScaffoldError, RefusedError
from mvpscaffold.source import BUNDLE_LITERAL, is_default_source, newest_for
from mvpscaffold.versions import (
    available_versions,
    parse_version,
    read_answers,
    require_folder,
    unversioned_commit,
)


@dataclass(frozen=True, slots=True)
class ProjectStatus:
    """One project's template version against the newest available (or an error in reading it)."""

    path: str
    template: str | None = None
    name: str | None = None
    current: str | None = None
    newest: str | None = None
    error: str | None = None
    resource: str | None = None  # a resource of the project (`add resource`), not the project

    @property
    def state(self) -> str:
        """ "current", "behind" or "error"."""
        if self.error is not None or self.current is None or self.newest is None:
            return "error"
        return "behind" if Version(self.current) < Version(self.newest) else "current"

    def as_json(self) -> dict[str, str | None]:
        """The status as `mvpscaffold check --json` prints it (a resource's row names it)."""
        data = {
            "path": self.path,
            "name": self.name,
            "template": self.template,
            "current": self.current,
            "newest": self.newest,
            "state": self.state,
            "error": self.error,
        }
        return data | ({"resource": self.resource} if self.resource is not None else {})


def check_projects(
    paths: list[Path], template: str | None = None, ref: str | None = None
) -> list[ProjectStatus]:
    """Compare each project's template version with the newest (or `ref`) of its template."""
    offers: dict[str, dict[Version, str]] = {}
    statuses = []
    # A project named twice (`check a ./a`, or by two shell globs) is listed once.
    unique = {path.resolve(): path for path in reversed(paths)}
    for path in sorted(unique.values(), key=paths.index):
        try:
            project = _check_one(path, template, ref, offers)
        except MvpScaffoldError as error:
            statuses.append(ProjectStatus(str(path), error=error.message))
            continue
        statuses.append(project)
        for answers in sorted(path.glob(".copier-answers.resource-*.yml")):
            resource = answers.name.removeprefix(".copier-answers.resource-").removesuffix(".yml")
            try:
                version = read_answers(path, answers.name).version
            except RefusedError:
                version = None
            missing = f"{answers.name} records no template version; restore it from git."
            statuses.append(
                ProjectStatus(
                    str(path),
                    project.template,
                    f"{project.name or path.name} / {resource}",
                    current=str(version) if version else None,
                    newest=project.newest if version else None,
                    error=None if version else missing,
                    resource=resource,
                )
            )
    return statuses


def _check_one(
    path: Path, template: str | None, ref: str | None, offers: dict[str, dict[Version, str]]
) -> ProjectStatus:
    require_folder(path)
    recorded = read_answers(path)
    if recorded.version is None:
        raise RefusedError(unversioned_commit(recorded.commit))
    src = template or recorded.src_path
    if src not in offers:
        # The default template: the newest this installation knows, without touching the cache.
        default = is_default_source(src)
        offers[src] = available_versions(str(source.packaged_bundle()) if default else src)
    versions = offers[src]
    newest = newest_for(src, versions) if ref is None else parse_version(ref)
    if ref is not None and newest not in versions:
        raise RefusedError(
            f"{ref} is not a version of template {src}; give one of its tags to --ref."
        )
    if newest is None:
        raise RefusedError(f"template {src} has no version tags; tag a release of it.")
    name = recorded.answers.get("project_name")
    return ProjectStatus(
        str(path),
        BUNDLE_LITERAL if is_default_source(src) else src,
        name=name if isinstance(name, str) else None,
        current=str(recorded.version),
        newest=str(newest),
    )


def exit_code(statuses: list[ProjectStatus]) -> int:
    """2 if any project could not be checked, else 1 if any is behind, else 0."""
    states = {status.state for status in statuses}
    return 2 if "error" in states else 1 if "behind" in states else 0


def summary_line(statuses: list[ProjectStatus]) -> str:
    """One line such as '3 projects: 2 current, 1 behind'."""
    counts = {
        state: sum(s.state == state for s in statuses) for state in ("current", "behind", "error")
    }
    projects = sum(1 for status in statuses if status.resource is None)
    resources = len(statuses) - projects
    noun = "project" if projects == 1 else "projects"
    if resources:
        noun += f" and {resources} resource" + ("" if resources == 1 else "s")
    parts = [
        f"{n} {state if state != 'error' or n == 1 else 'errors'}"
        for state, n in counts.items()
        if n
    ]
    return f"{projects} {noun}: {', '.join(parts)}"


def render_table(statuses: list[ProjectStatus], *, color: bool = False) -> str:
    """A table (project, template version, newest, state, path) and the summary line."""
    import io

    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    styles = {"current": "green", "behind": "yellow", "error": "bold red"}
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for header in ("PROJECT", "VERSION", "NEWEST", "STATE", "PATH"):
        table.add_column(header, no_wrap=True)
    for status in statuses:
        table.add_row(
            escape(status.name or Path(status.path).name or status.path),
            status.current or "-",
            status.newest or "-",
            f"[{styles[status.state]}]{status.state}[/]",
            escape(status.path),
        )
    # Never wrap: a pipe or a CI log must get whole rows (a terminal gets rich's colours too).
    out = io.StringIO()
    Console(file=out, width=100_000, color_system="standard" if color else None).print(table)
    return "\n".join(
        [*(line.rstrip() for line in out.getvalue().splitlines()), summary_line(statuses)]
    )
