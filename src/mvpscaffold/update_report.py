"""What an update changed, as `update --json` prints it and as a summary with the next steps."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(slots=True)
class UpdateReport:
    """What an update changed (or, with pretend, would change) in the project."""

    project: str
    from_version: str
    to_version: str
    pretend: bool = False
    merged: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    conflicted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # dropped by the template, edited by the owner
    unchanged: int = 0
    migrations: list[str] = field(default_factory=list)  # Alembic revisions the update added
    merge_revision: str | None = None  # written (with pretend: to be written) for one head
    migration_problem: str | None = None  # why the history could not get one head
    resources: list[str] = field(default_factory=list)  # resources updated after the project
    resources_waiting: list[str] = field(default_factory=list)  # left for after a conflict
    notes: list[str] = field(default_factory=list)  # said once, such as defaults left out
    # uv.lock after a change to pyproject.toml: "refreshed", "to refresh" (pretend) or "stale"
    # (not refreshed: a conflict in pyproject.toml, or no package index); None when not touched.
    lock: str | None = None

    @property
    def needs_owner(self) -> bool:
        """Whether the owner must finish the update by hand (conflicts, a broken history)."""
        return bool(self.conflicted) or self.migration_problem is not None

    def as_json(self) -> dict[str, object]:
        """The report in the shape of `mvpscaffold update --json`."""
        data = asdict(self)
        data["from"] = data.pop("from_version")
        data["to"] = data.pop("to_version")
        return data


def render_summary(report: UpdateReport) -> str:
    """A human summary of the update, ending with the steps that finish it."""
    verb = "would update" if report.pretend else "updated"
    if report.from_version == report.to_version and not report.resources:
        if report.resources_waiting:
            waiting = ", ".join(report.resources_waiting)
            return f"{report.project}: resolve the conflicts first; resources {waiting} wait."
        return f"{report.project} is already on template {report.to_version}; nothing to do."
    lines = [f"{report.project}: {verb} template {report.from_version} -> {report.to_version}"]
    for title, paths in (
        ("merged", report.merged),
        ("added", report.added),
        ("deleted", report.deleted),
        ("kept", report.kept),
    ):
        if paths:
            lines.append(f"  {title} ({len(paths)}): " + ", ".join(paths))
    if report.kept:
        lines.append(
            "  (kept: no longer in the template, but edited by you, so left in place;"
            " delete them yourself if you no longer need them)"
        )
    lines.append(f"  unchanged: {report.unchanged} files")
    if report.resources:
        title = "resources to update" if report.pretend else "resources updated"
        lines.append(f"  {title}: " + ", ".join(report.resources))
    if report.resources_waiting:
        lines.append(
            "  resources not updated yet: "
            + ", ".join(report.resources_waiting)
            + " (resolve the conflicts and commit, then run `mvpscaffold update` again)"
        )
    if report.conflicted:
        lines.append(f"  CONFLICTED ({len(report.conflicted)}):")
        lines += [f"    {path}" for path in report.conflicted]
    lines += _migration_lines(report)
    if report.lock is not None:
        lines.append(f"  uv.lock: {LOCK_STATES[report.lock]}")
    lines += [f"Note: {note}" for note in report.notes]
    if report.pretend:
        lines.append("Nothing was written (--pretend).")
    else:
        lines += _next_steps(report)
    return "\n".join(lines)


LOCK_STATES = {
    "refreshed": "refreshed for the changed pyproject.toml (uv lock); commit it with the update",
    "to refresh": "to be refreshed for the changed pyproject.toml (uv lock)",
    "stale": "NOT refreshed for the changed pyproject.toml; run `make lock` before committing",
}


def _migration_lines(report: UpdateReport) -> list[str]:
    lines = []
    if report.migrations:
        lines.append(
            f"  migrations ({len(report.migrations)}), database changes this update brings:"
        )
        lines += [f"    {path}" for path in report.migrations]
    if report.merge_revision:
        written = "to be written" if report.pretend else "written"
        lines.append(
            f"  merge revision ({written}): {report.merge_revision}"
            " (joins the template's migrations and yours into one head)"
        )
    if report.migration_problem:
        lines.append(f"  MIGRATIONS NOT MERGED: {report.migration_problem}")
    return lines


def _next_steps(report: UpdateReport) -> list[str]:
    relock = []
    if report.lock == "stale":
        relock.append("Run `make lock` to refresh uv.lock for the new pyproject.toml.")
    if report.conflicted:
        steps = [
            "Resolve each block from `<<<<<<< before updating` (your version) to `>>>>>>> after"
            " updating` (the template's) in the conflicted files above: keep what both sides"
            " need, delete the marker lines.",
            *relock,
            "Run `make check` (it refuses to run while a conflict marker remains).",
            "`git add` the resolved files, then commit.",
        ]
    else:
        steps = [*relock, "Review with `git diff`, then commit."]
    if report.migration_problem:
        steps.insert(0, "Fix the migration history as said above.")
    if report.migrations or report.merge_revision:
        steps.append(
            "Review the migrations listed above, then run `make migrate` to apply them to"
            " your database."
        )
    if len(steps) == 1:
        return steps
    lines = ["Next steps:", *(f"  {n}. {step}" for n, step in enumerate(steps, start=1))]
    if report.needs_owner:
        lines.append("To abandon the update: `git reset --hard && git clean -fd`.")
    return lines
