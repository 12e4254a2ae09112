"""Bring a generated project to a newer template version, keeping the owner's edits (3-way merge).

copier merges (`run_update`, conflicts marked inline with its own markers). Around it: refuse
(RefusedError, exit 2) anything we could not undo or would not understand; update the resources
`add resource` wrote; keep the files the template dropped but the owner edited; list the Alembic
revisions the update brings and join the history's heads; refresh uv.lock with uv. On failure or
interruption the project goes back exactly to its pre-update commit (it was clean, so nothing of the
owner's is lost). With `pretend`, all of it runs on a throw-away clone.

copier updates only a clean tree, so each finished step (a move, the project's update, a resource's)
is kept in a scratch commit; at the end HEAD goes back to where it was and the changes stay in the
tree, as one update. A conflict's markers are committed too, so the next step still runs; they stay
in the files for the owner, and the report lists them.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mvpscaffold.errors import (
    Interrupted,
    MigrationHistoryError,
    RefusedError,
    ToolError,
    UserInputError,
)
from mvpscaffold.projects import migrations
from mvpscaffold.templates import source, versions
from mvpscaffold.templates.answers import (
    Question,
    check_given,
    chosen_template,
    parse_assignment,
    read_user_defaults,
    user_defaults_for,
)
from mvpscaffold.templates.versions import RecordedTemplate, parse_version, read_answers
from mvpscaffold.tools import git, git_ok, run_git, uv_lock

RESOURCE_ANSWERS = ".copier-answers.resource-*.yml"
GUIDE = "template/.upgrade/UPGRADING.md"  # a `## VERSION: title` section per release
NOTES = "MVPSCAFFOLD_UPGRADE_NOTES"  # the file the upgrade steps append their notes to, as JSON
_UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}


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
    notes: list[str] = field(default_factory=list)  # said once, such as defaults left out
    done: list[str] = field(default_factory=list)  # "path: what" the upgrade steps changed
    by_hand: list[str] = field(default_factory=list)  # "path: what" they leave to the owner
    guide: list[str] = field(default_factory=list)  # the upgrading guide's sections crossed
    # uv.lock after a change to pyproject.toml: "refreshed", "to refresh" (pretend) or "stale"
    # (not refreshed: a conflict in pyproject.toml, or no package index); None when not touched.
    lock: str | None = None

    @property
    def changed(self) -> bool:
        """Whether the update changed (or, with pretend, would change) anything."""
        paths = self.merged + self.added + self.deleted + self.conflicted
        return self.from_version != self.to_version or bool(self.resources or paths)

    @property
    def needs_owner(self) -> bool:
        """Whether the owner must finish the update by hand (conflicts, a broken history)."""
        return bool(self.conflicted or self.by_hand) or self.migration_problem is not None

    def as_json(self) -> dict[str, object]:
        """The report in the shape of `mvpscaffold update --json`."""
        data = asdict(self)
        data["from"] = data.pop("from_version")
        data["to"] = data.pop("to_version")
        return data


def update_project(
    project: Path,
    *,
    to: str | None = None,
    template: str | None = None,
    defaults: bool = False,
    pretend: bool = False,
    trust: bool = False,
    move: bool = False,
    assignments: tuple[str, ...] = (),
) -> UpdateReport:
    """Update a generated project to template version `to` (default newest); report the changes.

    `assignments` (`KEY=VALUE`, as `--set` takes them) change recorded answers: the project and
    its resources are rendered again with them and merged like any update, at the same version too.

    With `move`, a `template` other than the recorded one is recorded first, at the project's
    own version (and each resource's), so the update is three-way from that template's render.
    A template that declares the identity the project records (`_template_id`) is the same
    template at another place: it is recorded there without `move`.
    """
    project = project.resolve()
    recorded = check_updatable(project, template, move=move)
    moves: dict[str, str] = {}
    notes = []
    stock = recorded  # before a move: the template and tag the project was rendered from
    if template is not None and not source.same_source(template, recorded.src_path):
        recorded, moves = _moved(project, recorded, source.copier_source(template))
        notes.append(
            f"Moved from template {stock.src_path} to {recorded.src_path}, recorded at its tag"
            f" {recorded.commit}, the version the project was on."
        )
    target, tag = choose_target(recorded, to)
    report = UpdateReport(str(project), str(recorded.version), target, pretend=pretend, notes=notes)
    project_behind = parse_version(target) != recorded.version
    questions = versions.template_questions(recorded.src_path, tag)[0] if assignments else ()
    changes = _answer_changes(recorded, questions, assignments)
    report.notes += [f"Answer {k}: {recorded.answers.get(k)} -> {v}." for k, v in changes.items()]
    if not project_behind and not resources_behind(project, target) and not moves and not changes:
        report.unchanged = _tracked_count(project)
        return report
    report.guide = _porting_guide(recorded, tag) if project_behind else []
    # The bundled template, and the one the user set as their default, are theirs to trust.
    default, _why = chosen_template(None)
    unsafe = trust or source.is_default_source(recorded.src_path)
    unsafe = unsafe or (default is not None and source.same_source(default, recorded.src_path))
    # The defaults file, typed against the target version: only a question never answered takes it.
    path, raw = read_user_defaults()
    presets: dict[str, object] = {}
    if raw:
        questions = questions or versions.template_questions(recorded.src_path, tag)[0]
        presets, presets_notes = user_defaults_for(questions, path, raw, recorded.src_path)
        report.notes.extend(presets_notes)
    package = recorded.answers.get("package_name")
    package = package if isinstance(package, str) else None
    known = migrations.known_revision_ids(project, package)
    with tempfile.TemporaryDirectory(prefix="mvpscaffold-pretend-") as scratch:
        top, where, notes_file = _top(project), project, _notes_file()
        notes_file.unlink(missing_ok=True)  # a note of the last project updated is not this one's
        if pretend:  # the real project is never opened for writing
            git(["clone", "--quiet", "--no-hardlinks", str(top), str(Path(scratch) / top.name)])
            where = Path(scratch) / top.name / project.relative_to(top)
        with _rollback_on_failure(where) as start:
            if moves:
                _record_move(where, recorded.src_path, moves)
                report.notes += _carry_changes(where, stock, recorded, unsafe=unsafe)
                _scratch_commit(where)
            if project_behind or changes:
                defaults = defaults or pretend or not sys.stdin.isatty()  # no one to ask otherwise
                options = {"user_defaults": presets, "data": changes}
                _run_copier(where, tag, defaults=defaults, unsafe=unsafe, **options)
                report.kept = _restore_edited_removals(where, recorded, unsafe=unsafe)
            _update_resources(report, where, tag, unsafe=unsafe, changes=changes)
            if git(["rev-parse", "HEAD"], cwd=where).strip() != start:  # scratch commits
                git(["update-ref", "HEAD", start], cwd=where)
                if not _UNMERGED & set(_status(where).values()):  # unstaged, as copier leaves it
                    git(["reset", "--quiet"], cwd=where)
            noted = notes_file.read_text(encoding="utf-8") if notes_file.is_file() else ""
            for note in map(json.loads, noted.splitlines()):
                found = report.by_hand if note["kind"] == "by hand" else report.done
                found.append(f"{note['path']}: {note['what']}")
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
    if source.is_default_source(src):
        source.publish_history()
    offered = versions.available_versions(src)
    moves = {}
    names = [versions.ANSWERS_FILE, *(p.name for p in sorted(project.glob(RESOURCE_ANSWERS)))]
    for name in names:
        version = read_answers(project, name).version
        same = sorted(v for v in offered if version is not None and v.public == version.public)
        if not same:
            known = ", ".join(offered.values()) or "none"
            raise RefusedError(
                f"Template {src} has no version {version}, the one {name} records (its versions:"
                f" {known}); tag its commit that matches {version} as {version} (a fork: as"
                f" {version}+yourname.0), then move again."
            )
        moves[name] = offered[version if version in same else same[0]]
    return RecordedTemplate(src, moves[versions.ANSWERS_FILE], recorded.answers), moves


def _carry_changes(
    project: Path, before: RecordedTemplate, after: RecordedTemplate, *, unsafe: bool
) -> list[str]:
    """Merge into the project what the template moved onto renders differently at the same
    version (a fork's own files and lines), three-way; a note when some of it could not be.

    copier cannot: it would take the new template's render as the project's base, so a file the
    fork adds would look like one the owner deleted.
    """
    with tempfile.TemporaryDirectory(prefix="mvpscaffold-move-") as tmp:
        old, new = Path(tmp) / "old", Path(tmp) / "new"
        if not (
            _render_recorded_version(before, old, unsafe=unsafe)
            and _render_recorded_version(after, new, unsafe=unsafe)
        ):
            return [
                f"The renders of {before.src_path} and {after.src_path} could not be compared;"
                " the files the new template adds at this version arrive with its next one."
            ]
        for answers in [*old.glob(".copier-answers*.yml"), *new.glob(".copier-answers*.yml")]:
            answers.unlink()
        diff = ["diff", "--no-index", "--binary", "--full-index", "--no-renames", "old", "new"]
        patch = run_git(diff, cwd=Path(tmp)).stdout
        if not patch:
            return []
        # The old side's blobs in the project's objects: what `apply --3way` merges from.
        files = "\n".join(str(path) for path in old.rglob("*") if path.is_file())
        git(["hash-object", "-w", "--stdin-paths", "--no-filters"], cwd=project, data=files)
        where = project.relative_to(_top(project)).as_posix()
        apply = ["apply", "--3way", "-p2", *(["--directory", where] if where != "." else [])]
        applied = run_git([*apply, "-"], cwd=_top(project), data=patch)
    if applied.returncode != 0 and not _UNMERGED & set(_status(project).values()):
        reason = (applied.stderr.strip().splitlines() or ["no message"])[-1]
        return [
            f"What {after.src_path} changes at this version could not be merged ({reason});"
            " it arrives with its next version, or copy it over by hand."
        ]
    return []


def _record_move(project: Path, src: str, moves: dict[str, str]) -> None:
    """Record `src` and its tag in each answers file, in a scratch commit."""
    for name, tag in moves.items():
        text = (project / name).read_text(encoding="utf-8")
        text = re.sub(r"(?m)^_src_path:.*$", f"_src_path: {json.dumps(src)}", text)
        text = re.sub(r"(?m)^_commit:.*$", f"_commit: {json.dumps(tag)}", text)
        (project / name).write_text(text, encoding="utf-8")
    _scratch_commit(project)


def check_updatable(project: Path, template: str | None, *, move: bool = False) -> RecordedTemplate:
    """Refuse a project we could not update safely; return what its answers file recorded."""
    versions.require_folder(project)
    recorded = read_answers(project)
    if not git_ok(["rev-parse", "--show-toplevel"], cwd=project):
        raise RefusedError(
            f"{project} is not a git repository; updates need git to merge and to undo,"
            " so commit it first (git init && git add -A && git commit)."
        )
    if recorded.version is None:
        raise RefusedError(f"{project}: {versions.unversioned_commit(recorded.commit)}")
    identity = recorded.answers.get("_template_id")
    if (
        template is not None
        and not source.same_source(template, recorded.src_path)
        and not move
        and (identity is None or versions.declared_identity(template) != identity)
    ):
        raise RefusedError(
            f"{project} was made from the template {recorded.src_path}, not {template}; to move"
            f" it onto {template} at the version it is on, pass --move as well."
        )
    if dirty := list(_status(project)):
        listed = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise RefusedError(
            f"{project} has uncommitted changes ({listed}); "
            "commit or stash them first so the update can be undone."
        )
    return recorded


def choose_target(recorded: RecordedTemplate, to: str | None) -> tuple[str, str]:
    """Return (version, tag) to update to: `to`, else the newest; refuse unknown or older ones."""
    src = recorded.src_path
    if source.is_default_source(src):
        source.publish_history()
    offered = versions.available_versions(src)
    target = source.newest_for(src, offered, recorded.version) if to is None else parse_version(to)
    if to is None and target is None:
        raise RefusedError(f"Template {src} has no version tags to update to; tag a release.")
    if target is None or target not in offered:
        known = ", ".join(str(v) for v in offered) or "none"
        raise RefusedError(
            f"{to} is not a version of template {src} (known: {known}); pass one of those."
        )
    current = recorded.version
    if current is not None and target < current:
        raise RefusedError(
            f"The project is on {current}, newer than {target}; downgrades are not supported,"
            f" so pass --to {current} or newer."
        )
    base = versions.described_tag(recorded.commit) or ""
    if (tagged := parse_version(base)) and tagged.local and tagged.public == target.public:
        # copier drops a tag's +label: it reads the commit past 1.0.0+acme.1 as newer than
        # 1.0.0+acme.2 (1.0.0), and refuses.
        raise RefusedError(
            f"The project was made from {recorded.commit}, a commit past {base}, and copier"
            f" cannot update it to {offered[target]} (it reads both as {target.public}, ignoring"
            f" the +label); set _commit in .copier-answers.yml to {base}, commit, and update again."
        )
    return str(target), offered[target]


def _answer_changes(
    recorded: RecordedTemplate, questions: tuple[Question, ...], assignments: tuple[str, ...]
) -> dict[str, object]:
    """The answers `assignments` change, typed against the target version's `questions`."""
    given = check_given(questions, dict(map(parse_assignment, assignments)))
    changes = {key: value for key, value in given.items() if recorded.answers.get(key) != value}
    if "package_name" in changes:
        raise UserInputError(
            "package_name names your package and every import of it, so an update cannot change"
            " it; rename the package by hand if you must."
        )
    return changes


def resources_behind(
    project: Path, target: str, *, every: bool = False
) -> dict[str, RecordedTemplate]:
    """What each resource's answers file (`mvpscaffold add resource`) older than `target` (or
    `every` one) records, by the file's name."""
    behind = {}
    for path in sorted(project.glob(RESOURCE_ANSWERS)):
        recorded = read_answers(project, path.name)
        if recorded.version is None:
            raise RefusedError(
                f"{path.name} records no template version (_commit); restore it from git."
            )
        if every or recorded.version < parse_version(target):  # type: ignore[operator]
            behind[path.name] = recorded
    return behind


def _porting_guide(recorded: RecordedTemplate, tag: str) -> list[str]:
    """The sections of the target version's upgrading guide for the releases this update crosses;
    none when the template has no guide."""
    src = recorded.src_path
    where = str(source.cache_dir() / "history.git") if source.is_default_source(src) else src
    guide = versions.template_file(where, tag, GUIDE)
    upto = parse_version(tag)
    if guide is None or upto is None or recorded.version is None:
        return []
    return versions.guide_sections(guide, recorded.version, upto)


def _run_copier(project: Path, tag: str, **options: Any) -> None:
    """copier's update of `project` to `tag` (more options: copier's), conflicts marked inline."""
    # Imported here: copier is slow to import, and an update that refuses never needs it.
    import copier
    from copier.errors import CopierError, TaskError

    try:
        copier.run_update(
            project,
            vcs_ref=tag,
            conflict="inline",
            overwrite=True,
            skip_answered=True,
            quiet=True,
            **options,
        )
    except TaskError as error:  # the step said why on stderr, in one line of its own
        raise ToolError(
            f"An upgrade step of the template failed ({shlex.join(map(str, error.cmd))});"
            " nothing was half-written: the project is back at its last commit."
        ) from error
    except CopierError as error:
        raise ToolError(f"copier could not update {project}: {error}") from error


def _update_resources(
    report: UpdateReport, project: Path, tag: str, *, unsafe: bool, changes: dict[str, object]
) -> None:
    """Update each resource behind the target after the project, three-way like the project;
    every resource when answers `changes`, so that each answers file records them too."""
    for name, before in resources_behind(project, report.to_version, every=bool(changes)).items():
        _as_rendered(project, before, unsafe=unsafe)
        _scratch_commit(project)
        options = {"answers_file": Path(name), "data": changes}
        _run_copier(project, tag, defaults=True, unsafe=unsafe, **options)
        report.kept += _restore_edited_removals(project, before, unsafe=unsafe)
        report.resources.append(name.removeprefix(".copier-answers.resource-").removesuffix(".yml"))


def _scratch_commit(project: Path) -> None:
    """Commit every change under `project` (copier updates only a clean tree); undone at the end."""
    who = ["-c", "user.name=mvpscaffold", "-c", "user.email=mvpscaffold@localhost"]
    scratch = ["commit", "-q", "--no-verify", "--no-gpg-sign", "--allow-empty", "-m", "scratch"]
    git(["add", "--all", "--", "."], cwd=project)
    git([*who, *scratch], cwd=project)


def _as_rendered(project: Path, recorded: RecordedTemplate, *, unsafe: bool) -> None:
    """Put back, as rendered, each file of a resource that `add resource` only formatted with ruff.

    copier merges against the plain render of the old version: formatting alone would count as
    the owner's edit, and clash with the newer version's change of the same lines.
    """
    from mvpscaffold.projects.add import format_python

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


def _restore_edited_removals(
    project: Path, recorded: RecordedTemplate, *, unsafe: bool
) -> list[str]:
    """Put back the files the new version dropped but the owner had edited; return their paths.

    copier deletes every file the template no longer has, edits and all, from the working tree
    only; a deletion already staged was deliberate (a migration's `git mv`) and stays. A file is
    the owner's when its committed blob differs from the old version's render of it (or there is
    no render to tell); git hashes each side in one process, never one a file.
    """
    deleted = [path for path, code in _status(project).items() if code == " D"]
    if not deleted:
        return []
    top = _top(project)
    with tempfile.TemporaryDirectory(prefix="mvpscaffold-old-") as tmp:
        old = Path(tmp) / "old"
        rendered = _render_recorded_version(recorded, old, unsafe=unsafe)
        out = git(["--literal-pathspecs", "ls-tree", "-z", "HEAD", "--", *deleted], cwd=top)
        records = (record.split("\t", 1) for record in out.split("\0") if record)
        committed = {path: meta.split()[2] for meta, path in records}
        files = {path: old / Path(path).relative_to(project.relative_to(top)) for path in deleted}
        present = {path: file for path, file in files.items() if rendered and file.is_file()}
        ids = git(["hash-object", "--", *map(str, present.values())], cwd=top) if present else ""
        template = dict(zip(present, ids.split(), strict=True))
        kept = [path for path in deleted if template.get(path) != committed[path]]
    if kept:
        git(["checkout", "HEAD", "--", *kept], cwd=top)
    return kept


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


def _fill_report(report: UpdateReport, project: Path) -> None:
    """Sort every path the update touched into the report: merged, added, deleted, conflicted."""
    top = _top(project)
    for path, code in _status(project).items():
        if code in _UNMERGED or ("D" not in code and _has_conflict_markers(top / path)):
            report.conflicted.append(path)
        elif "D" in code:
            report.deleted.append(path)
        elif code == "??" or "A" in code:
            report.added.append(path)
        else:
            report.merged.append(path)
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
        moment = datetime.fromtimestamp(int(git(["log", "-1", "--format=%ct"], cwd=project)), UTC)
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

    A lock that cannot be refreshed (a conflict in pyproject.toml, no package index) is left for
    the owner's `make lock`, and the report says so.
    """
    pyproject = (project.relative_to(_top(project)) / "pyproject.toml").as_posix()
    lock = project / "uv.lock"
    if not lock.is_file() or pyproject not in report.merged + report.added + report.conflicted:
        return
    before = lock.read_bytes()
    if pyproject in report.conflicted:
        report.lock = "stale"
    elif problem := uv_lock(project):
        report.lock = "stale"
        report.notes.append(problem)
    elif lock.read_bytes() != before:  # with pretend, in the throw-away clone
        report.lock = "refreshed" if write else "to refresh"


@functools.cache
def _notes_file() -> Path:
    """The file the upgrade steps append their notes to, one for the whole process.

    It is named in the environment once, before copier is first imported: copier runs its tasks
    with a copy of the environment taken then, so a path changed later (for the next of several
    projects) would never reach them.
    """
    folder = Path(tempfile.mkdtemp(prefix="mvpscaffold-notes-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ[NOTES] = str(folder / "notes.jsonl")
    return folder / "notes.jsonl"


@contextmanager
def _rollback_on_failure(project: Path) -> Iterator[str]:
    """Yield the (clean) project's commit; go back to it if the body fails or is interrupted
    (Ctrl-C, or SIGTERM that the CLI turns into one)."""
    start = git(["rev-parse", "HEAD"], cwd=project).strip()
    try:
        yield start
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


def _status(project: Path) -> dict[str, str]:
    """Two-letter code of every changed, untracked or unmerged path of the repository, by path."""
    args = ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"]
    records = git(args, cwd=project).split("\0")
    return dict(sorted((record[3:], record[:2]) for record in records if record))


def _top(project: Path) -> Path:
    """The root of the git repository that holds the project."""
    return Path(git(["rev-parse", "--show-toplevel"], cwd=project).strip())


def _tracked_count(project: Path) -> int:
    return len([p for p in git(["ls-files", "-z", "--", "."], cwd=project).split("\0") if p])


def _has_conflict_markers(path: Path) -> bool:
    try:
        return re.search(r"(?m)^<<<<<<< ", path.read_text(encoding="utf-8")) is not None
    except (OSError, UnicodeDecodeError):
        return False
