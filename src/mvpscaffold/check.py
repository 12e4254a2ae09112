"""Which template version each project is on, and whether a newer one is available."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from mvpscaffold.errors import MvpScaffoldError, RefusedError
from mvpscaffold.source import BUNDLE_LITERAL, is_default_source, packaged_bundle
from mvpscaffold.versions import available_versions, newest_version, parse_version, read_answers


@dataclass(frozen=True, slots=True)
class ProjectStatus:
    """One project's template version against the newest available (or an error in reading it)."""

    path: str
    template: str | None = None
    current: str | None = None
    newest: str | None = None
    error: str | None = None

    @property
    def state(self) -> str:
        """ "current", "behind" or "error"."""
        if self.error is not None or self.current is None or self.newest is None:
            return "error"
        return "behind" if Version(self.current) < Version(self.newest) else "current"

    def as_json(self) -> dict[str, str | None]:
        """The status in the shape of `mvpscaffold check --json`."""
        return {
            "path": self.path,
            "template": self.template,
            "current": self.current,
            "newest": self.newest,
            "state": self.state,
            "error": self.error,
        }


def check_projects(
    paths: list[Path], template: str | None = None, ref: str | None = None
) -> list[ProjectStatus]:
    """Compare each project's template version with the newest (or `ref`) of its template."""
    offers: dict[str, dict[Version, str]] = {}
    statuses = []
    for path in paths:
        try:
            statuses.append(_check_one(path, template, ref, offers))
        except MvpScaffoldError as error:
            statuses.append(ProjectStatus(str(path), error=error.message))
    return statuses


def _check_one(
    path: Path, template: str | None, ref: str | None, offers: dict[str, dict[Version, str]]
) -> ProjectStatus:
    if not path.is_dir():
        raise RefusedError(f"{path} does not exist or is not a directory.")
    recorded = read_answers(path)
    if recorded.version is None:
        raise RefusedError(f"the recorded _commit {recorded.commit!r} is not a template version.")
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
            raise RefusedError(f"{ref} is not a version of template {source}.")
        newest: Version | None = wanted
    else:
        newest = newest_version(versions)
    if newest is None:
        raise RefusedError(f"template {source} has no version tags.")
    shown = BUNDLE_LITERAL if is_default_source(source) else source
    return ProjectStatus(str(path), shown, str(recorded.version), str(newest))


def exit_code(statuses: list[ProjectStatus]) -> int:
    """2 if any project could not be checked, else 1 if any is behind, else 0."""
    states = {status.state for status in statuses}
    return 2 if "error" in states else 1 if "behind" in states else 0


def render_table(statuses: list[ProjectStatus]) -> str:
    """A plain-text table: project, template version, newest, state."""
    rows = [("PROJECT", "VERSION", "NEWEST", "STATE")]
    for status in statuses:
        state = status.state if status.error is None else f"error: {status.error}"
        rows.append((status.path, status.current or "-", status.newest or "-", state))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        for row in rows
    )
