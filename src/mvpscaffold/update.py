"""Bring a generated project to a newer template version, keeping the owner's edits (3-way merge).

copier merges (`run_update`, conflicts marked inline with its own markers). Around it: refuse
(RefusedError, exit 2) anything we could not undo or would not understand; update the resources
`add resource` wrote; keep the files the template dropped but the owner edited; list the Alembic
revisions the update brings and join the history's heads; refresh uv.lock with uv. On failure or
interruption the project goes back exactly to its pre-update commit (it was clean, so nothing of the
owner's is lost). With `pretend`, all of it runs on a throw-away clone.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import yaml

from mvpscaffold import migrations
from mvpscaffold.answers import chosen_template, read_user_defaults, user_defaults_for
from mvpscaffold.errors import (
    Interrupted,
    MigrationHistoryError,
    RefusedError,
    ToolError,
    UserInputError,
)
from mvpscaffold.reports import UpdateReport
from mvpscaffold.source import (
    cache_dir,
    copier_source,
    is_default_source,
    newest_for,
    publish_history,
    same_source,
)
from mvpscaffold.tools import git, git_ok, uv_lock
from mvpscaffold.versions import (
    ANSWERS_FILE,
    RecordedTemplate,
    available_versions,
    declared_identity,
    guide_sections,
    parse_version,
    read_answers,
    require_folder,
    template_file,
    template_questions,
    unversioned_commit,
)

RESOURCE_ANSWERS = ".copier-answers.resource-*.yml"
GUIDE = "template/.upgrade/UPGRADING.md"  # a `## VERSION: title` section per release
_SCRATCH = [
    "-c",
    "user.name=mvpscaffold",
    "-c",
    "user.email=mvpscaffold@localhost",
    "-c",
    "commit.gpgsign=false",
]
_UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}


def update_project(
    project: Path,
    *,
    to: str | None = None,
    template: str | None = None,
    defaults: bool = False,
    pretend: bool = False,
    trust: bool = False,
    move: bool = False,
) -> UpdateReport:
    """Update a generated project to template version `to` (default newest); report the changes.

    With `move`, a `template` other than the recorded one is recorded first, at the project's
    own version (and each resource's), so the update is three-way from that template's render.
    A template that declares the identity the project records (`_template_id`) is the same
    template at another place: it is recorded there without `move`.
    """
    project = project.resolve()
    recorded = check_updatable(project, template, move=move)
    moves: dict[str, str] = {}
    if template is not None and not same_source(template, recorded.src_path):
        before = recorded.src_path
        recorded, moves = _moved(project, recorded, copier_source(template))
        moved = f"Moved from template {before} to {recorded.src_path}, recorded at its tag"
        moved += f" {recorded.commit}, the version the project was on."
    target, tag = choose_target(recorded, to)
    report = UpdateReport(str(project), str(recorded.version), target, pretend=pretend)
    report.notes.extend([moved] if moves else [])
    project_behind = parse_version(target) != recorded.version
    if project_behind:
        report.guide = _porting_guide(recorded, tag)
    if not project_behind and not resources_behind(project, target) and not moves:
        report.unchanged = _tracked_count(project)
        return report
    # The bundled template, and the one the user set as their default, are theirs to trust.
    default, _why = chosen_template(None)
    unsafe = trust or is_default_source(recorded.src_path)
    unsafe = unsafe or (default is not None and same_source(default, recorded.src_path))
    user_defaults, notes = _user_defaults_for(recorded.src_path, tag)
    report.notes.extend(notes)
    package = recorded.answers.get("package_name")
    package = package if isinstance(package, str) else None
    known = migrations.known_revision_ids(project, package)
    with tempfile.TemporaryDirectory(prefix="mvpscaffold-pretend-") as scratch:
        top = _top(project)
        where = project
        if pretend:  # the real project is never opened for writing
            git(["clone", "--quiet", "--no-hardlinks", str(top), str(Path(scratch) / top.name)])
            where = Path(scratch) / top.name / project.relative_to(top)
        with _rollback_on_failure(where):
            start = git(["rev-parse", "HEAD"], cwd=where).strip()
            if moves:
                _record_move(where, recorded.src_path, moves)
            with _step_notes(report, Path(scratch) / "notes.jsonl"):
                if project_behind:
                    ask = not defaults and not pretend and sys.stdin.isatty()
                    _run_copier(where, tag, ask=ask, unsafe=unsafe, user_defaults=user_defaults)
                    report.kept = _restore_edited_removals(where, recorded, unsafe=unsafe)
                _update_resources(report, where, tag, unsafe=unsafe)
            if moves:  # the move's scratch commit undone: it is part of the update's changes
                git(["update-ref", "HEAD", start], cwd=where)
                if not any(code in _UNMERGED for code, _path in _status(where)):
                    git(["reset", "--quiet"], cwd=where)
            _fill_report(report, where)
            _settle_migrations(report, where, package, known, write=not pretend)
            _refresh_lock(report, where, write=not pretend)
    return report


def _moved(
    project: Path, recorded: RecordedTemplate, src: str
) -> tuple[RecordedTemplate, dict[str, str]]:
    """The project as recorded on template `src` at its own version, and the tag of `src` for
    each answers file (the project's and each resource's); refuse when `src` has no such tag.

    The tag is the version itself, else the oldest tag of it with a local label (a fork's
    0.3.0+acme.1 for 0.3.0, stock's 0.3.0 for 0.3.0+acme.2).
    """
    if is_default_source(src):
        publish_history()
    versions = available_versions(src)
    moves = {}
    for name in [ANSWERS_FILE, *(path.name for path in sorted(project.glob(RESOURCE_ANSWERS)))]:
        version = read_answers(project, name).version
        same = sorted(v for v in versions if version is not None and v.public == version.public)
        exact = [v for v in same if v == version]
        if not same:
            known = ", ".join(tag for tag in versions.values()) or "none"
            raise RefusedError(
                f"Template {src} has no version {version}, the one {name} records (its versions:"
                f" {known}); tag its commit that matches {version} as {version} (a fork: as"
                f" {version}+yourname.0), then move again."
            )
        moves[name] = versions[(exact or same)[0]]
    return RecordedTemplate(src, moves[ANSWERS_FILE], recorded.answers), moves


def _record_move(project: Path, src: str, moves: dict[str, str]) -> None:
    """Record `src` and its tag in each answers file, in a scratch commit (copier needs a clean
    tree); the update's end takes the commit back, leaving the change for the owner to commit."""
    for name, tag in moves.items():
        path = project / name
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^_src_path:.*$", f"_src_path: {json.dumps(src)}", text)
        text = re.sub(r"(?m)^_commit:.*$", f"_commit: {json.dumps(tag)}", text)
        path.write_text(text, encoding="utf-8")
    git(["add", "--", *moves], cwd=project)
    git([*_SCRATCH, "commit", "--quiet", "--no-verify", "-m", "scratch: move"], cwd=project)


def check_updatable(project: Path, template: str | None, *, move: bool = False) -> RecordedTemplate:
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
    elsewhere = template is not None and not same_source(template, recorded.src_path)
    identity = recorded.answers.get("_template_id")
    if (
        elsewhere
        and not move
        and (identity is None or declared_identity(str(template)) != identity)
    ):
        raise RefusedError(
            f"{project} was made from the template {recorded.src_path}, not {template}; to move"
            f" it onto {template} at the version it is on, pass --move as well."
        )
    dirty = sorted(path for _code, path in _status(project))
    if dirty:
        raise RefusedError(
            f"{project} has uncommitted changes ({', '.join(dirty)}); "
            "commit or stash them first so the update can be undone."
        )
    return recorded


def choose_target(recorded: RecordedTemplate, to: str | None) -> tuple[str, str]:
    """Return (version, tag) to update to: `to`, else the newest; refuse unknown or older ones."""
    if is_default_source(recorded.src_path):
        publish_history()
    versions = available_versions(recorded.src_path)
    target = newest_for(recorded.src_path, versions) if to is None else parse_version(to)
    if to is None and target is None:
        raise RefusedError(
            f"Template {recorded.src_path} has no version tags to update to; tag a release."
        )
    if target is None or target not in versions:
        known = ", ".join(str(v) for v in versions) or "none"
        raise RefusedError(
            f"{to} is not a version of template {recorded.src_path} (known: {known});"
            " pass one of those to --to."
        )
    current = recorded.version
    if current is not None and target < current:
        raise RefusedError(
            f"The project is on {current}, newer than {target}; downgrades are not supported,"
            f" so pass --to {current} or newer."
        )
    return str(target), versions[target]


def resources_behind(project: Path, target: str) -> list[Path]:
    """The answers files of the resources (`mvpscaffold add resource`) older than `target`."""
    behind = []
    for path in sorted(project.glob(RESOURCE_ANSWERS)):
        version = read_answers(project, path.name).version
        if version is None:
            raise RefusedError(
                f"{path.name} records no template version (_commit); restore it from git."
            )
        if version < parse_version(target):  # type: ignore[operator]
            behind.append(path)
    return behind


def _porting_guide(recorded: RecordedTemplate, tag: str) -> list[str]:
    """The sections of the target version's upgrading guide (template/.upgrade/UPGRADING.md)
    for the releases this update crosses; none when the template has no guide."""
    src = recorded.src_path
    where = str(cache_dir() / "history.git") if is_default_source(src) else src
    guide = template_file(where, tag, GUIDE)
    upto = parse_version(tag)
    if guide is None or upto is None or recorded.version is None:
        return []
    return guide_sections(guide, recorded.version, upto)


def _user_defaults_for(src: str, tag: str) -> tuple[dict[str, object], tuple[str, ...]]:
    """The user's defaults file, checked against the target version, for the questions new in it.

    The project's recorded answers win over it: only a question the project never answered takes it.
    """
    path, raw = read_user_defaults()
    if not raw:
        return {}, ()
    return user_defaults_for(template_questions(src, tag)[0], path, raw, src)


@contextmanager
def _step_notes(report: UpdateReport, path: Path) -> Iterator[None]:
    """Collect what the template's upgrade steps did, and what they leave to the owner.

    The steps (template/.upgrade, run by copier) append one JSON line per note to the file that
    MVPSCAFFOLD_UPGRADE_NOTES names; the update shows them in its summary.
    """
    previous = os.environ.get("MVPSCAFFOLD_UPGRADE_NOTES")
    os.environ["MVPSCAFFOLD_UPGRADE_NOTES"] = str(path)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["MVPSCAFFOLD_UPGRADE_NOTES"]
        else:
            os.environ["MVPSCAFFOLD_UPGRADE_NOTES"] = previous
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        for note in map(json.loads, lines):
            found = report.by_hand if note["kind"] == "by hand" else report.done
            found.append(f"{note['path']}: {note['what']}")


def _run_copier(
    project: Path,
    tag: str,
    *,
    ask: bool,
    unsafe: bool,
    user_defaults: dict[str, object],
    answers_file: str | None = None,
) -> None:
    # Imported here: copier takes a third of a second to import, and an update that has nothing
    # to do or refuses (a dirty tree, an unknown version) never needs it.
    import copier
    from copier.errors import CopierError, TaskError

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
    except TaskError as error:  # the step said why on stderr, in one line of its own
        raise ToolError(
            f"An upgrade step of the template failed ({shlex.join(map(str, error.cmd))});"
            " nothing was half-written: the project is back at its last commit."
        ) from error
    except CopierError as error:
        raise ToolError(f"copier could not update {project}: {error}") from error


def _update_resources(report: UpdateReport, project: Path, tag: str, *, unsafe: bool) -> None:
    """Update each resource behind the target after the project, three-way like the project.

    copier updates only a clean tree, so each finished step is kept in a scratch commit that is
    undone at the end (HEAD back where it was, the changes left in the tree, as one update). A
    conflict of the project's is committed with its markers too, so the resources update in the
    same run; the markers stay in the files for the owner, and the report lists them.
    """
    start = git(["rev-parse", "HEAD"], cwd=project).strip()
    try:
        for path in resources_behind(project, report.to_version):
            name = path.name.removeprefix(".copier-answers.resource-").removesuffix(".yml")
            before = _recorded_resource(path)
            if before is not None:
                _as_rendered(project, before, unsafe=unsafe)
            if _status(project):
                git(["add", "--all", "--", "."], cwd=project)
                git([*_SCRATCH, "commit", "--quiet", "--no-verify", "-m", "scratch"], cwd=project)
            _run_copier(
                project, tag, ask=False, unsafe=unsafe, user_defaults={}, answers_file=path.name
            )
            if before is not None:
                report.kept += _restore_edited_removals(project, before, unsafe=unsafe)
            report.resources.append(name)
    finally:
        if git(["rev-parse", "HEAD"], cwd=project).strip() != start:
            git(["update-ref", "HEAD", start], cwd=project)
            if not any(code in _UNMERGED for code, _path in _status(project)):
                git(["reset", "--quiet"], cwd=project)  # unstaged, as a plain update leaves it


def _as_rendered(project: Path, recorded: RecordedTemplate, *, unsafe: bool) -> None:
    """Put back, as rendered, each file of a resource that `add resource` only formatted with ruff.

    copier merges against the plain render of the old version, so formatting alone would count as
    an edit of the owner's, and clash with the newer version's change of the same lines. A file
    the owner did edit is left as it is.
    """
    from mvpscaffold.add import format_python

    with tempfile.TemporaryDirectory(prefix="mvpscaffold-resource-") as tmp:
        rendered, formatted = Path(tmp) / "rendered", Path(tmp) / "formatted"
        if not _render_recorded_version(recorded, rendered, unsafe=unsafe):
            return
        shutil.copytree(rendered, formatted)
        format_python(project, sorted(formatted.rglob("*.py")))
        for plain in sorted(path for path in rendered.rglob("*.py") if path.is_file()):
            relative = plain.relative_to(rendered)
            target, tidy = project / relative, (formatted / relative).read_bytes()
            if target.is_file() and target.read_bytes() == tidy != plain.read_bytes():
                target.write_bytes(plain.read_bytes())


def _recorded_resource(answers: Path) -> RecordedTemplate | None:
    """What a resource's answers file records (template, version, answers), if it can be read."""
    try:
        data = yaml.safe_load(answers.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not data.get("_src_path") or not data.get("_commit"):
        return None
    answers_only = {key: value for key, value in data.items() if not key.startswith("_")}
    return RecordedTemplate(str(data["_src_path"]), str(data["_commit"]), answers_only)


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


def _fill_report(report: UpdateReport, project: Path) -> None:
    """Sort every path the update touched into the report: merged, added, deleted, conflicted."""
    top = _top(project)
    for code, path in _status(project):
        if code in _UNMERGED or ("D" not in code and _has_conflict_markers(top / path)):
            report.conflicted.append(path)
        elif "D" in code:
            report.deleted.append(path)
        elif code == "??" or "A" in code:
            report.added.append(path)
        else:
            report.merged.append(path)
    for name in ("merged", "added", "deleted", "conflicted"):
        getattr(report, name).sort()
    touched = len(report.merged) + len(report.deleted) + len(report.conflicted)
    report.unchanged = max(_tracked_count(project) - touched, 0)


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
        in_folders = full.suffix == ".py" and full.parent.resolve() in folders
        if in_folders and migrations.revision_id(full) not in {None, *known}:
            report.migrations.append(path)
    try:
        # Dated at the commit the update starts from: --pretend names the file the real run writes.
        started = int(git(["log", "-1", "--format=%ct", "HEAD"], cwd=project).strip())
        moment = datetime.fromtimestamp(started, UTC)
        plan = migrations.plan_merge(project, package, report.to_version, moment)
    except MigrationHistoryError as error:
        report.migration_problem = error.message
        return
    if plan is not None:
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
    pyproject = (project.relative_to(_top(project)) / "pyproject.toml").as_posix()
    lock = project / "uv.lock"
    if not lock.is_file() or pyproject not in report.merged + report.added + report.conflicted:
        return
    if pyproject in report.conflicted:
        report.lock = "stale"
        return
    before = lock.read_bytes()
    if problem := uv_lock(project):
        report.lock = "stale"
        report.notes.append(problem)
    elif lock.read_bytes() != before:  # with pretend, in the throw-away clone
        report.lock = "refreshed" if write else "to refresh"


@contextmanager
def _rollback_on_failure(project: Path) -> Iterator[None]:
    """Undo every change to the (clean) project if the body fails or is interrupted.

    Ctrl-C arrives as KeyboardInterrupt; the CLI turns SIGTERM into one too.
    """
    start = git(["rev-parse", "HEAD"], cwd=project).strip()
    try:
        yield
    except BaseException as error:
        git(["reset", "--quiet", "--hard", start], cwd=project)
        git(["clean", "--quiet", "-fd", "--", "."], cwd=project)
        if isinstance(error, KeyboardInterrupt):
            raise Interrupted(
                "Update interrupted; the project is back at its last commit."
            ) from error
        if isinstance(error, RefusedError | UserInputError | ToolError):
            raise
        raise ToolError(
            f"Update failed ({type(error).__name__}: {error}); the project is back at its last"
            " commit."
        ) from error


def _status(project: Path) -> list[tuple[str, str]]:
    """(two-letter code, path) of every changed, untracked or unmerged path of the repository."""
    out = git(
        ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"], cwd=project
    )
    return [(record[:2], record[3:]) for record in out.split("\0") if record]


def _top(project: Path) -> Path:
    """The root of the git repository that holds the project."""
    return Path(git(["rev-parse", "--show-toplevel"], cwd=project).strip())


def _tracked_count(project: Path) -> int:
    return len([p for p in git(["ls-files", "-z", "--", "."], cwd=project).split("\0") if p])


def _has_conflict_markers(path: Path) -> bool:
    try:
        return any(
            line.startswith("<<<<<<< ") for line in path.read_text(encoding="utf-8").splitlines()
        )
    except (OSError, UnicodeDecodeError):
        return False
