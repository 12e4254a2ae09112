"""Bring a generated project to a newer template version, keeping the owner's edits (3-way merge).

Refuses (RefusedError, exit 2) anything it could not undo or would not understand; on failure or
interruption it puts the project back exactly at its pre-update commit (it was clean, so nothing of
the owner's is lost).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from mvpscaffold import migrations
from mvpscaffold.conflicts import name_sides_in
from mvpscaffold.errors import (
    Interrupted,
    MigrationHistoryError,
    RefusedError,
    ToolError,
    UserInputError,
)
from mvpscaffold.locations import same_source
from mvpscaffold.presets import check_user_defaults, read_user_defaults
from mvpscaffold.source import is_default_source, newest_for, publish_history
from mvpscaffold.tools import git, git_ok, uv_lock
from mvpscaffold.update_report import UpdateReport
from mvpscaffold.versions import (
    RecordedTemplate,
    available_versions,
    parse_commit,
    parse_version,
    read_answers,
    require_folder,
    unversioned_commit,
)

CONFLICT_MARKER = "<<<<<<< "
RESOURCE_ANSWERS = ".copier-answers.resource-*.yml"
_SCRATCH_IDENTITY = [
    "-c",
    "user.name=mvpscaffold",
    "-c",
    "user.email=mvpscaffold@localhost",
    "-c",
    "commit.gpgsign=false",
]
_UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}


def _status(project: Path) -> list[tuple[str, str]]:
    """(two-letter code, path) of every changed, untracked or unmerged path of the repository."""
    out = git(
        ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"], cwd=project
    )
    return [(record[:2], record[3:]) for record in out.split("\0") if record]


def check_updatable(project: Path, template: str | None) -> RecordedTemplate:
    """Refuse a project we could not update safely; return what its answers file recorded."""
    require_folder(project)
    recorded = read_answers(project)
    if not git_ok(["rev-parse", "--show-toplevel"], cwd=project):
        raise RefusedError(
            f"{project} is not a git repository; updates need git to merge and to undo,"
            " so commit it first (git init && git add -A && git commit)."
        )
    if recorded.version is None:
        raise RefusedError(f"{project}: {unversioned_commit(recorded.commit)}")
    if template is not None and not _same_source(template, recorded.src_path):
        raise RefusedError(
            f"{project} was made from the template {recorded.src_path}, not {template}; update"
            " never moves a project to another template (it updates from the template it recorded)."
        )
    dirty = sorted(path for _code, path in _status(project))
    if dirty:
        raise RefusedError(
            f"{project} has uncommitted changes ({', '.join(dirty)}); "
            "commit or stash them first so the update can be undone."
        )
    return recorded


def _same_source(given: str, recorded: str) -> bool:
    return (is_default_source(given) and is_default_source(recorded)) or same_source(
        given, recorded
    )


def choose_target(recorded: RecordedTemplate, to: str | None) -> tuple[str, str]:
    """Return (version, tag) to update to: `to`, else the newest; refuse unknown or older ones."""
    if is_default_source(recorded.src_path):
        publish_history()
    versions = available_versions(recorded.src_path)
    current = recorded.version
    assert current is not None  # check_updatable refused projects without a version
    if to is None:
        target = newest_for(recorded.src_path, versions)
        if target is None:
            raise RefusedError(
                f"Template {recorded.src_path} has no version tags to update to; tag a release."
            )
    else:
        target = parse_version(to)
        if target is None or target not in versions:
            known = ", ".join(str(v) for v in versions) or "none"
            raise RefusedError(
                f"{to} is not a version of template {recorded.src_path} (known: {known});"
                " pass one of those to --to."
            )
    if target < current:
        raise RefusedError(
            f"The project is on {current}, newer than {target}; downgrades are not supported,"
            f" so pass --to {current} or newer."
        )
    return str(target), versions[target]


def update_project(
    project: Path,
    *,
    to: str | None = None,
    template: str | None = None,
    defaults: bool = False,
    pretend: bool = False,
    trust: bool = False,
) -> UpdateReport:
    """Update a generated project to template version `to` (default newest); report the changes."""
    project = project.resolve()
    recorded = check_updatable(project, template)
    target, tag = choose_target(recorded, to)
    report = UpdateReport(str(project), str(recorded.version), target, pretend=pretend)
    project_behind = parse_version(target) != recorded.version
    if not project_behind and not resources_behind(project, target):
        report.unchanged = _tracked_count(project)
        return report
    ask = not defaults and sys.stdin.isatty()
    unsafe = trust or is_default_source(recorded.src_path)
    user_defaults, notes = _user_defaults_for(recorded.src_path, tag)
    report.notes.extend(notes)
    answer = recorded.answers.get("package_name")
    package = answer if isinstance(answer, str) else None
    known = migrations.known_revision_ids(project, package)
    if pretend:
        # Update a throw-away clone: the real project is never opened for writing.
        top = _top(project)
        with tempfile.TemporaryDirectory(prefix="mvpscaffold-pretend-") as tmp:
            clone = Path(tmp) / top.name
            git(["clone", "--quiet", "--no-hardlinks", str(top), str(clone)], cwd=project)
            copy = clone / project.relative_to(top)
            if project_behind:
                _run_copier(copy, tag, ask=False, unsafe=unsafe, user_defaults=user_defaults)
                report.kept = _restore_edited_removals(copy, recorded, unsafe=unsafe)
            _update_resources(report, copy, tag, unsafe=unsafe)
            _fill_report(report, copy)
            _settle_migrations(report, copy, package, known, write=False)
            _refresh_lock(report, copy, write=False)
        return report
    with _rollback_on_failure(project):
        if project_behind:
            _run_copier(project, tag, ask=ask, unsafe=unsafe, user_defaults=user_defaults)
            report.kept = _restore_edited_removals(project, recorded, unsafe=unsafe)
        _update_resources(report, project, tag, unsafe=unsafe)
        _fill_report(report, project)
        top = _top(project)
        name_sides_in((top / path for path in report.conflicted), report.from_version, target)
        _settle_migrations(report, project, package, known, write=True)
        _refresh_lock(report, project, write=True)
    return report


def _top(project: Path) -> Path:
    """The root of the git repository that holds the project."""
    return Path(git(["rev-parse", "--show-toplevel"], cwd=project).strip())


def _settle_migrations(
    report: UpdateReport, project: Path, package: str | None, known: set[str], *, write: bool
) -> None:
    """List the revisions the update added; join the history's heads with a merge revision.

    A history that cannot be read or joined (a duplicate id) is reported, not raised: the
    update itself stands, and the owner fixes the history it names.
    """
    top = _top(project)
    folders = {folder.resolve() for folder in migrations.version_folders(project, package)}
    for path in report.added:
        full = top / path
        if full.suffix == ".py" and full.parent.resolve() in folders:
            revision = migrations.revision_id(full)
            if revision is not None and revision not in known:
                report.migrations.append(path)
    try:
        plan = migrations.plan_merge(project, package, report.to_version)
    except MigrationHistoryError as error:
        report.migration_problem = error.message
        return
    if plan is None:
        return
    if write:
        plan.path.parent.mkdir(parents=True, exist_ok=True)
        plan.path.write_text(plan.text, encoding="utf-8")
    report.merge_revision = plan.path.resolve().relative_to(top.resolve()).as_posix()


def _refresh_lock(report: UpdateReport, project: Path, *, write: bool) -> None:
    """Run `uv lock` when the update changed pyproject.toml, as the owner's `make lock` would.

    uv keeps the pins pyproject.toml still allows and leaves a lock that still matches alone. A
    lock that cannot be refreshed (a conflict in pyproject.toml, no package index) is left for the
    owner's `make lock`, and the report says so.
    """
    top = _top(project)
    pyproject = (project.resolve().relative_to(top.resolve()) / "pyproject.toml").as_posix()
    lock = project / "uv.lock"
    if pyproject in report.conflicted and lock.is_file():
        report.lock = "stale"
        return
    if pyproject not in report.merged + report.added or not lock.is_file():
        return
    before = lock.read_bytes()
    problem = uv_lock(project)
    if problem is not None:
        report.lock = "stale"
        report.notes.append(problem)
    elif lock.read_bytes() != before:  # with pretend, in a throw-away clone
        report.lock = "refreshed" if write else "to refresh"


def _user_defaults_for(src: str, tag: str) -> tuple[dict[str, object], tuple[str, ...]]:
    """The user's defaults file, checked against the target version, for the questions new in it.

    The project's recorded answers win over it: only a question the project never answered takes it.
    """
    path, raw = read_user_defaults()
    if not raw:
        return {}, ()
    from mvpscaffold.spec import load_spec

    return check_user_defaults(load_spec(src, tag).questions, path, raw, src)


def _run_copier(
    project: Path,
    tag: str,
    *,
    ask: bool,
    unsafe: bool,
    user_defaults: dict[str, object],
    answers_file: str | None = None,
) -> None:
    # Imported here, not at the top: copier takes ~0.5 s to import, and an update that has nothing
    # to do or refuses (a dirty tree, an unknown version) never needs it.
    import copier
    from copier.errors import CopierError

    try:
        copier.run_update(
            project,
            answers_file=Path(answers_file) if answers_file else None,
            vcs_ref=tag,
            user_defaults=user_defaults,
            conflict="inline",
            overwrite=True,
            unsafe=unsafe,
            defaults=not ask,
            skip_answered=True,
            quiet=True,
        )
    except CopierError as error:
        raise ToolError(f"copier could not update {project}: {error}") from error


def resources_behind(project: Path, target: str) -> list[Path]:
    """The answers files of the resources (`mvpscaffold add resource`) older than `target`."""
    wanted = parse_version(target)
    behind = []
    for path in sorted(project.glob(RESOURCE_ANSWERS)):
        try:
            commit = yaml.safe_load(path.read_text(encoding="utf-8")).get("_commit")
        except (OSError, AttributeError, yaml.YAMLError):
            raise RefusedError(
                f"{path.name} is not a readable answers file; restore it from git."
            ) from None
        version = parse_commit(str(commit))
        if version is None or wanted is None:
            raise RefusedError(
                f"{path.name} records no template version (_commit); restore it from git."
            )
        if version < wanted:
            behind.append(path)
    return behind


def _update_resources(report: UpdateReport, project: Path, tag: str, *, unsafe: bool) -> None:
    """Update each resource behind the target after the project, three-way like the project.

    copier updates only a clean tree, so each finished step is kept in a scratch commit that is
    undone at the end (HEAD back where it was, the changes left in the tree, as one update).
    After a step that leaves a conflict the rest wait for the next `update`, once it is resolved.
    """
    behind = resources_behind(project, report.to_version)
    start = git(["rev-parse", "HEAD"], cwd=project).strip()
    try:
        for path in behind:
            name = path.name.removeprefix(".copier-answers.resource-").removesuffix(".yml")
            changed = _status(project)
            top = _top(project)
            if any(code in _UNMERGED or _has_conflict_markers(top / p) for code, p in changed):
                report.resources_waiting.append(name)
                continue
            if changed:
                git(["add", "--all", "--", "."], cwd=project)
                git(
                    [*_SCRATCH_IDENTITY, "commit", "--quiet", "--no-verify", "-m", "scratch"],
                    cwd=project,
                )
            _run_copier(
                project, tag, ask=False, unsafe=unsafe, user_defaults={}, answers_file=path.name
            )
            report.resources.append(name)
    finally:
        if git(["rev-parse", "HEAD"], cwd=project).strip() != start:
            git(["update-ref", "HEAD", start], cwd=project)
            if not any(code in _UNMERGED for code, _path in _status(project)):
                git(["reset", "--quiet"], cwd=project)  # unstaged, as a plain update leaves it


def _restore_edited_removals(
    project: Path, recorded: RecordedTemplate, *, unsafe: bool
) -> list[str]:
    """Put back the files the new version dropped but the owner had edited; return their paths.

    copier deletes every file the template no longer has, edits and all, from the working tree
    only; a deletion already staged was deliberate (a migration's `git mv`) and stays. A file
    counts as the owner's when its committed content differs from what the old version renders
    for it (or the old version cannot be rendered to tell).
    """
    deleted = [path for code, path in _status(project) if code == " D"]
    if not deleted:
        return []
    top = _top(project)
    prefix = project.relative_to(top)
    with tempfile.TemporaryDirectory(prefix="mvpscaffold-old-") as tmp:
        old = Path(tmp) / "old"
        rendered = _render_recorded_version(recorded, old, unsafe=unsafe)
        committed = _committed_blobs(top, deleted)
        template = _blob_ids(top, {path: old / Path(path).relative_to(prefix) for path in deleted})
        kept = [path for path in deleted if not rendered or template.get(path) != committed[path]]
    if kept:
        git(["checkout", "HEAD", "--", *kept], cwd=top)
    return sorted(kept)


def _render_recorded_version(recorded: RecordedTemplate, dest: Path, *, unsafe: bool) -> bool:
    """Render the version and answers the project records into `dest`; False if that fails."""
    from copier import run_copy
    from copier.errors import CopierError

    data = {key: value for key, value in recorded.answers.items() if not key.startswith("_")}
    try:
        run_copy(
            recorded.src_path,
            dest,
            data=data,
            vcs_ref=recorded.commit,
            defaults=True,
            quiet=True,
            unsafe=unsafe,
            skip_tasks=True,
        )
    except (CopierError, OSError, ValueError):
        return False
    return True


def _committed_blobs(top: Path, paths: list[str]) -> dict[str, str]:
    """git's blob id of each path (relative to the repository's top) at HEAD, in one process."""
    out = git(["--literal-pathspecs", "ls-tree", "-z", "HEAD", "--", *paths], cwd=top)
    records = (record.split("\t", 1) for record in out.split("\0") if record)
    return {path: meta.split()[2] for meta, path in records}


def _blob_ids(top: Path, files: dict[str, Path]) -> dict[str, str]:
    """git's blob id of each file that exists (files outside the repository), in one process."""
    present = {key: path for key, path in files.items() if path.is_file()}
    if not present:
        return {}
    ids = git(["hash-object", "--", *(str(path) for path in present.values())], cwd=top).split()
    return dict(zip(present, ids, strict=True))


@contextmanager
def _rollback_on_failure(project: Path) -> Iterator[None]:
    """Undo every change to the (clean) project if the body fails or is interrupted.

    Ctrl-C arrives as KeyboardInterrupt; the CLI turns SIGTERM into one too (cli.reported_errors).
    """
    try:
        yield
    except KeyboardInterrupt as stop:
        restore(project)
        raise Interrupted("Update interrupted; the project is back at its last commit.") from stop
    except BaseException as error:
        restore(project)
        if isinstance(error, (RefusedError, UserInputError, ToolError)):
            raise
        raise ToolError(
            f"Update failed ({type(error).__name__}: {error}); "
            "the project is back at its last commit."
        ) from error


def restore(project: Path) -> None:
    """Put a project that was clean before back at its last commit (ignored files stay)."""
    git(["reset", "--quiet", "--hard", "HEAD"], cwd=project)
    git(["clean", "--quiet", "-fd", "--", "."], cwd=project)


def _tracked_count(project: Path) -> int:
    return len([p for p in git(["ls-files", "-z", "--", "."], cwd=project).split("\0") if p])


def _fill_report(report: UpdateReport, project: Path) -> None:
    top = _top(project)
    for code, path in _status(project):
        if code in _UNMERGED:
            report.conflicted.append(path)
        elif "D" in code:
            report.deleted.append(path)
        elif _has_conflict_markers(top / path):
            report.conflicted.append(path)
        elif code == "??" or "A" in code:
            report.added.append(path)
        else:
            report.merged.append(path)
    for name in ("merged", "added", "deleted", "conflicted"):
        getattr(report, name).sort()
    touched = len(report.merged) + len(report.deleted) + len(report.conflicted)
    report.unchanged = max(_tracked_count(project) - touched, 0)


def _has_conflict_markers(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.startswith(CONFLICT_MARKER) for line in text.splitlines())
