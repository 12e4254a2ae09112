"""Which template version each project is on, and whether a newer one is available."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from packaging.version import Version

from mvpscaffold.errors import MvpScaffoldError, RefusedError
from mvpscaffold.source import bundle_literal, is_default_source, newest_for, packaged_bundle
from mvpscaffold.versions import (
    available_versions,
    parse_commit,
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
        if self.resource is not None:
            data["resource"] = self.resource
        return data


def check_projects(
    paths: list[Path], template: str | None = None, ref: str | None = None
) -> list[ProjectStatus]:
    """Compare each project's template version with the newest (or `ref`) of its template."""
    offers: dict[str, dict[Version, str]] = {}
    statuses = []
    for path in paths:
        try:
            status = _check_one(path, template, ref, offers)
            statuses += [status, *_resource_statuses(path, status)]
        except MvpScaffoldError as error:
            statuses.append(ProjectStatus(str(path), error=error.message))
    return statuses


def _check_one(
    path: Path, template: str | None, ref: str | None, offers: dict[str, dict[Version, str]]
) -> ProjectStatus:
    require_folder(path)
    recorded = read_answers(path)
    if recorded.version is None:
        raise RefusedError(unversioned_commit(recorded.commit))
    source = template or recorded.src_path
    if source not in offers:
        if is_default_source(source):
            # The newest this installation knows, without touching the shared cache.
            offers[source] = available_versions(str(packaged_bundle()[0]))
        else:
            offers[source] = available_versions(source)
    versions = offers[source]
    if ref is not None:
        wanted = parse_version(ref)
        if wanted is None or wanted not in versions:
            raise RefusedError(
                f"{ref} is not a version of template {source}; give one of its tags to --ref."
            )
        newest: Version | None = wanted
    else:
        newest = newest_for(source, versions)
    if newest is None:
        raise RefusedError(f"template {source} has no version tags; tag a release of it.")
    shown = bundle_literal() if is_default_source(source) else source
    name = recorded.answers.get("project_name")
    return ProjectStatus(
        str(path),
        shown,
        name=name if isinstance(name, str) else None,
        current=str(recorded.version),
        newest=str(newest),
    )


def _resource_statuses(path: Path, project: ProjectStatus) -> list[ProjectStatus]:
    """One status per resource of the project, against the project's newest version."""
    statuses = []
    for answers in sorted(path.glob(".copier-answers.resource-*.yml")):
        name = answers.name.removeprefix(".copier-answers.resource-").removesuffix(".yml")
        try:
            commit = yaml.safe_load(answers.read_text(encoding="utf-8")).get("_commit")
        except (OSError, AttributeError, yaml.YAMLError):
            commit = None
        version = parse_commit(str(commit)) if commit is not None else None
        shown = f"{project.name or path.name} / {name}"
        if version is None:
            error = f"{answers.name} records no template version; restore it from git."
            statuses.append(
                ProjectStatus(str(path), project.template, shown, error=error, resource=name)
            )
            continue
        statuses.append(
            ProjectStatus(
                str(path),
                project.template,
                shown,
                current=str(version),
                newest=project.newest,
                resource=name,
            )
        )
    return statuses


def exit_code(statuses: list[ProjectStatus]) -> int:
    """2 if any project could not be checked, else 1 if any is behind, else 0."""
    states = {status.state for status in statuses}
    return 2 if "error" in states else 1 if "behind" in states else 0


def summary_line(statuses: list[ProjectStatus]) -> str:
    """One line such as '3 projects: 2 current, 1 behind'."""
    counts = {state: 0 for state in ("current", "behind", "error")}
    for status in statuses:
        counts[status.state] += 1
    projects = sum(1 for status in statuses if status.resource is None)
    noun = "project" if projects == 1 else "projects"
    resources = len(statuses) - projects
    if resources:
        noun += f" and {resources} resource" + ("" if resources == 1 else "s")
    parts = [
        f"{count} {state if state != 'error' or count == 1 else 'errors'}"
        for state, count in counts.items()
        if count
    ]
    return f"{projects} {noun}: {', '.join(parts)}"


def render_table(statuses: list[ProjectStatus], *, color: bool = False) -> str:
    """A table (project, template version, newest, state, path) and the summary line."""
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table

    styles = {"current": "green", "behind": "yellow", "error": "bold red"}
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for header in ("PROJECT", "VERSION", "NEWEST", "STATE", "PATH"):
        table.add_column(header, no_wrap=True)
    for status in statuses:
        state = f"[{styles[status.state]}]{status.state}[/]"
        table.add_row(
            _escape(status.name or Path(status.path).name or status.path),
            status.current or "-",
            status.newest or "-",
            state,
            _escape(status.path),
        )
    # Never wrap: a pipe or a CI log must get whole rows (a terminal gets rich's colours too).
    out = io.StringIO()
    console = Console(file=out, width=100_000, color_system="standard" if color else None)
    console.print(table)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    return "\n".join([*lines, summary_line(statuses)])


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
