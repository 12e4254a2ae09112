"""The `add resource` use case: check the project, render the resource into it, all or nothing.

The resource is rendered from the project's own template at the project's own version (its
`resource/` folder, see docs/RELEASING.md) into a scratch folder, with its own answers file, then
copied into the project. It edits no file it did not write: the app finds the new tables, services,
routes and pages by module. Any failure removes what was written: the project was clean before, so
nothing of the owner's is lost.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from mvpscaffold import migrations
from mvpscaffold.errors import MigrationHistoryError, RefusedError, UserInputError
from mvpscaffold.resource_spec import FieldSpec, ParentSpec, ResourceSpec, build_spec, singular_of
from mvpscaffold.source import is_default_source, publish_history
from mvpscaffold.tools import git, git_config, git_ok
from mvpscaffold.versions import RecordedTemplate, read_answers, require_folder

RESOURCE_ANSWERS = ".copier-answers.resource-{name}.yml"


@dataclass(frozen=True, slots=True)
class AddResult:
    """What `add resource` wrote into the project."""

    spec: ResourceSpec
    written: tuple[str, ...]
    committed: bool
    formatted: bool


def resource_answers_files(project: Path) -> list[Path]:
    """The answers file of every resource added to the project, by name."""
    return sorted(project.glob(RESOURCE_ANSWERS.format(name="*")))


def read_resource(project: Path, name: str) -> dict[str, object] | None:
    """The `resource` answer recorded for one resource, or None when there is no such resource."""
    path = project / RESOURCE_ANSWERS.format(name=name)
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    resource = data.get("resource") if isinstance(data, dict) else None
    if not isinstance(resource, dict):
        raise RefusedError(
            f"{path.name} records no resource; restore it from git before adding another."
        )
    return resource


def check_project(project: Path) -> tuple[RecordedTemplate, str]:
    """Refuse a folder we may not add to; return its answers and its package name."""
    require_folder(project)
    recorded = read_answers(project)
    package = recorded.answers.get("package_name")
    if not isinstance(package, str) or not (project / package / "bootstrap.py").is_file():
        raise RefusedError(
            f"{project} has no package with a bootstrap.py;"
            " add resources to projects made by mvpscaffold new."
        )
    if recorded.version is None:
        raise RefusedError(
            f"{project} records no template version (_commit); it cannot take a resource."
        )
    if not git_ok(["rev-parse", "--show-toplevel"], cwd=project):
        raise RefusedError(
            f"{project} is not a git repository;"
            " commit it first (git init && git add -A && git commit)."
        )
    dirty = git(
        ["status", "--porcelain", "--untracked-files=all", "--", "."], cwd=project
    ).splitlines()
    if dirty:
        listed = ", ".join(line[3:] for line in dirty[:5]) + (", ..." if len(dirty) > 5 else "")
        raise RefusedError(
            f"{project} has uncommitted changes ({listed});"
            " commit or stash them first, so the new files stand alone."
        )
    return recorded, package


def owned_resources(project: Path, package: str) -> set[str]:
    """The owned resources of the project, added or written by hand (notes included).

    Each is a module of data/tables/ whose table has an owner: built with `owned_table`, or a class
    with the `Owned` mixin (as releases before 0.4.0 wrote them).
    """
    tables = project / package / "data" / "tables"
    owned = re.compile(r"owned_table\(|\bOwned\b")
    return {
        path.stem
        for path in tables.glob("*.py")
        if path.stem not in ("__init__", "base") and owned.search(path.read_text(encoding="utf-8"))
    }


def parent_spec(project: Path, package: str, name: str) -> ParentSpec:
    """The parent resource, named as every owned resource is; refuse an unknown or nested one."""
    known = owned_resources(project, package)
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise UserInputError(
            f"There is no resource {name!r} to be the parent (resources: {listed})."
        )
    recorded = read_resource(project, name)
    if recorded is not None and recorded.get("parent"):
        raise UserInputError(
            f"{name!r} is itself a child resource; a parent must be a top-level resource."
        )
    singular = singular_of(name)
    return ParentSpec(
        name=name,
        singular=singular,
        entity="".join(part.capitalize() for part in singular.split("_")),
        label=singular.replace("_", " "),
        plural_label=name.replace("_", " "),
        entity_plural_title=name.replace("_", " ").capitalize(),
        segment=name.replace("_", "-"),
    )


def check_references(project: Path, package: str, spec: ResourceSpec) -> None:
    """Refuse a reference to anything but an owned resource of the project (or the new one)."""
    known = owned_resources(project, package) | {spec.name}
    for field in spec.fields:
        if field.to is not None and field.to not in known:
            raise UserInputError(
                f"The field {field.name!r} refers to {field.to!r},"
                " which is no resource of this project"
                f" (resources: {', '.join(sorted(known))})."
            )


def single_head(project: Path, package: str) -> tuple[str, set[str]]:
    """The one head revision the new migration follows, and every id in use."""
    try:
        revisions = migrations.read_history(project, migrations.version_folders(project, package))
        heads = migrations.heads(revisions)
    except MigrationHistoryError as error:
        raise RefusedError(error.message) from None
    if len(heads) != 1:
        raise RefusedError(
            f"The migrations have {len(heads)} heads ({', '.join(heads) or 'none'}); join them with"
            " `make migrations-merge` and commit, then add the resource."
        )
    return heads[0], set(revisions)


def new_revision_id(taken: set[str], now: datetime) -> str:
    """A revision id in the project's scheme (its UTC time), one second later while it is taken."""
    while (revision := now.strftime("%Y%m%d_%H%M%S")) in taken:
        now += timedelta(seconds=1)
    return revision


def add_resource(
    project: Path, name: str, fields: list[FieldSpec], parent: str | None, *, commit: bool
) -> AddResult:
    """Add one resource to the project; nothing is left behind when anything fails."""
    project = project.resolve()
    recorded, package = check_project(project)
    spec = build_spec(name, fields, parent_spec(project, package, parent) if parent else None)
    check_references(project, package, spec)
    head, taken = single_head(project, package)
    now = datetime.now(UTC)
    answer = spec.answer(new_revision_id(taken, now), head, now.strftime("%Y-%m-%d %H:%M:%S"))
    data = {key: value for key, value in recorded.answers.items() if not key.startswith("_")}
    data["resource"] = answer
    with tempfile.TemporaryDirectory(prefix="mvpscaffold-resource-") as scratch:
        rendered = Path(scratch)
        _render(recorded, data, rendered)
        _refuse_existing(rendered, project)
        written: list[Path] = []
        try:
            written = _copy_into(rendered, project)
            formatted = format_python(project, [path for path in written if path.suffix == ".py"])
            relative = tuple(sorted(path.relative_to(project).as_posix() for path in written))
            if commit:
                message = f"Add the {spec.name} resource (mvpscaffold add)"
                git(["add", "--", *relative], cwd=project)
                identity = _identity(recorded)
                git([*identity, "commit", "--quiet", "--no-verify", "-m", message], cwd=project)
        except BaseException:
            # The tree was clean before: unstaging everything unstages only what this call staged.
            git(["reset", "--quiet"], cwd=project)
            for stale in written:
                stale.unlink(missing_ok=True)
            raise
    return AddResult(spec, relative, commit, formatted)


def _identity(recorded: RecordedTemplate) -> list[str]:
    """`-c` options giving git an author where the machine has none: the project's own answers."""
    options = []
    for key, answer, fallback in (
        ("user.name", "author_name", "mvpscaffold"),
        ("user.email", "author_email", "mvpscaffold@localhost"),
    ):
        if git_config(key) is None:
            options += ["-c", f"{key}={recorded.answers.get(answer) or fallback}"]
    return options


def _render(recorded: RecordedTemplate, data: dict[str, object], scratch: Path) -> None:
    """Render the resource from the template and version the project records."""
    from mvpscaffold.render import render_files

    default = is_default_source(recorded.src_path)
    if default:
        cache = publish_history().with_name("history.git")
        if not git_ok(["cat-file", "-e", f"{recorded.commit}:resource"], cwd=cache):
            raise RefusedError(
                f"The project's template version {recorded.commit} cannot add resources;"
                " run `mvpscaffold update` first, then add the resource."
            )
    render_files(
        src=recorded.src_path, vcs_ref=recorded.commit, answers=data, dest=scratch, trusted=default
    )


def _refuse_existing(rendered: Path, project: Path) -> None:
    """Refuse a resource whose files, or one of them, the project has already."""
    for source in sorted(path for path in rendered.rglob("*") if path.is_file()):
        relative = source.relative_to(rendered).as_posix()
        if (project / relative).exists():
            raise UserInputError(
                f"{relative} already exists, so the name is taken; choose another."
            )


def _copy_into(rendered: Path, project: Path) -> list[Path]:
    """Copy every rendered file into the project; return their paths there."""
    written: list[Path] = []
    try:
        for source in sorted(path for path in rendered.rglob("*") if path.is_file()):
            target = project / source.relative_to(rendered)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def format_python(project: Path, files: list[Path]) -> bool:
    """Format modules with the project's ruff settings, imports sorted; False without a ruff."""
    ruff = _ruff(project)
    if ruff is None or not files:
        return False
    paths = [str(path) for path in files]
    config = ["--config", str(project / "pyproject.toml")]  # also for files outside the project
    for args in (
        ["check", *config, "--fix", "--select", "I", "--quiet", *paths],
        ["format", *config, "--quiet", *paths],
    ):
        result = subprocess.run(
            [*ruff, *args], cwd=project, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            return False
    return True


def _ruff(project: Path) -> list[str] | None:
    """The project's own ruff when it is installed, else mvpscaffold's own (a dependency)."""
    for candidate in (project / ".venv" / "bin" / "ruff", Path(sys.executable).with_name("ruff")):
        if candidate.is_file():
            return [str(candidate)]
    found = shutil.which("ruff")
    return [found] if found else None
