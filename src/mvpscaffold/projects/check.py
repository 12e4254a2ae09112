"""Which template version each project (and each resource it added) is on, and the newest one."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.version import Version

from mvpscaffold.errors import MvpScaffoldError, RefusedError
from mvpscaffold.templates import source, versions

STYLES = {"current": "32", "behind": "33", "error": "1;31"}  # ANSI colours: green, yellow, red


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
        keys = ["path", "name", "template", "current", "newest", "state", "error"]
        keys += ["resource"] if self.resource is not None else []
        return {key: getattr(self, key) for key in keys}


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
                version = versions.read_answers(path, answers.name).version
            except RefusedError:
                version = None
            missing = f"{answers.name} records no template version; restore it from git."
            name = f"{project.name or path.name} / {resource}"
            row = ProjectStatus(str(path), project.template, name, error=missing, resource=resource)
            if version:
                row = replace(row, current=str(version), newest=project.newest, error=None)
            statuses.append(row)
    return statuses


def _check_one(
    path: Path, template: str | None, ref: str | None, offers: dict[str, dict[Version, str]]
) -> ProjectStatus:
    versions.require_folder(path)
    recorded = versions.read_answers(path)
    if recorded.version is None:
        raise RefusedError(versions.unversioned_commit(recorded.commit))
    src = template or recorded.src_path
    default = source.is_default_source(src)
    if src not in offers:  # the default template: what this installation knows, cache untouched
        offers[src] = versions.available_versions(str(source.packaged_bundle()) if default else src)
    newest = (
        source.newest_for(src, offers[src], recorded.version)
        if ref is None
        else versions.parse_version(ref)
    )
    if ref is not None and newest not in offers[src]:
        raise RefusedError(
            f"{ref} is not a version of template {src}; give one of its tags to --ref."
        )
    if newest is None:
        raise RefusedError(f"template {src} has no version tags; tag a release of it.")
    name = recorded.answers.get("project_name")
    name = name if isinstance(name, str) else None
    shown = source.BUNDLE_LITERAL if default else src
    return ProjectStatus(str(path), shown, name, str(recorded.version), str(newest))


def exit_code(statuses: list[ProjectStatus]) -> int:
    """2 if any project could not be checked, else 1 if any is behind, else 0."""
    states = {status.state for status in statuses}
    return 2 if "error" in states else 1 if "behind" in states else 0


def summary_line(statuses: list[ProjectStatus]) -> str:
    """One line such as '3 projects: 2 current, 1 behind'."""
    projects = sum(status.resource is None for status in statuses)
    resources = len(statuses) - projects
    noun = "project" if projects == 1 else "projects"
    noun += f" and {resources} resource{'s' * (resources > 1)}" if resources else ""
    counts = {state: [s.state for s in statuses].count(state) for state in STYLES}
    parts = [f"{n} {state}{'s' * (state == 'error' and n > 1)}" for state, n in counts.items() if n]
    return f"{projects} {noun}: {', '.join(parts)}"


def render_table(statuses: list[ProjectStatus], *, color: bool = False) -> str:
    """A table (project, template version, newest, state, path) and the summary line.

    Rows are never wrapped (a pipe or a CI log gets them whole); a terminal gets colours too.
    """
    from rich.cells import cell_len  # a wide character takes two columns

    rows = [("PROJECT", "VERSION", "NEWEST", "STATE", "PATH")]
    rows += [
        (s.name or Path(s.path).name or s.path, s.current or "-", s.newest or "-", s.state, s.path)
        for s in statuses
    ]
    widths = [max(cell_len(row[n]) for row in rows) for n in range(5)]
    color = color and not os.environ.get("NO_COLOR")  # https://no-color.org
    lines = []
    for row in rows:
        styles = ["1"] * 5 if row is rows[0] else ["", "", "", STYLES[row[3]], ""]
        cells = [
            (f"\x1b[{style}m{cell}\x1b[0m" if style and color else cell)
            + " " * (w - cell_len(cell))
            for cell, style, w in zip(row, styles, widths, strict=True)
        ]
        lines.append("   ".join(cells).rstrip())
    lines.insert(1, "─" * (sum(widths) + 12))
    return "\n".join([*lines, summary_line(statuses)])
