"""The `add resource` use case: check the project, render the resource into it, all or nothing.

The resource is rendered from the project's own template at the project's own version (its
`resource/` folder, see docs/RELEASING.md) into a scratch folder, with its own answers file, then
copied into the project. It edits no file it did not write: the app finds the new tables, services,
routes and pages by module. Any failure removes what was written: the project was clean before, so
nothing of the owner's is lost.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.version import Version

from mvpscaffold.errors import MigrationHistoryError, RefusedError, UserInputError
from mvpscaffold.projects import migrations
from mvpscaffold.projects.resource_spec import ResourceSpec, build_spec, resource_names
from mvpscaffold.templates.source import is_default_source, publish_history
from mvpscaffold.templates.versions import RecordedTemplate, read_answers, require_folder
from mvpscaffold.tools import git, git_config, git_ok

RESOURCE_ANSWERS = ".copier-answers.resource-{name}.yml"
# The bundled template's first version whose resources the app finds by module, with no edit to
# bootstrap.py: older ones had no resource/ folder (0.1.0, 0.2.0) or needed that edit (0.3.0).
FIRST_ADDABLE = Version("0.4.0.dev0")


@dataclass(frozen=True, slots=True)
class AddResult:
    """What `add resource` wrote into the project."""

    spec: ResourceSpec
    written: tuple[str, ...]
    committed: bool
    formatted: bool


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


def parent_names(project: Path, package: str, name: str) -> dict[str, str]:
    """The parent resource's names, as every resource's; refuse an unknown or nested one."""
    known = owned_resources(project, package)
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise UserInputError(
            f"There is no resource {name!r} to be the parent (resources: {listed})."
        )
    answers = RESOURCE_ANSWERS.format(name=name)
    singular = None  # an owned resource written by hand has no answers: the usual rule's
    if (project / answers).is_file():
        recorded = read_answers(project, answers).answers.get("resource")
        if not isinstance(recorded, dict):
            raise RefusedError(
                f"{answers} records no resource; restore it from git before adding another."
            )
        if recorded.get("parent"):
            raise UserInputError(
                f"{name!r} is itself a child resource; a parent must be a top-level resource."
            )
        singular = recorded.get("singular") if isinstance(recorded.get("singular"), str) else None
    return resource_names(name, name, singular)


def add_resource(
    project: Path,
    name: str,
    fields: list[dict[str, Any]],
    parent: str | None,
    *,
    commit: bool,
    singular: str | None = None,
) -> AddResult:
    """Add one resource to the project; nothing is left behind when anything fails."""
    project = project.resolve()
    recorded, package = check_project(project)
    parent_spec = parent_names(project, package, parent) if parent else None
    spec = build_spec(name, fields, parent_spec, singular)
    known = owned_resources(project, package) | {spec.name}
    for field in fields:
        if "to" in field and field["to"] not in known:
            raise UserInputError(
                f"The field {field['name']!r} refers to {field['to']!r},"
                f" which is no resource of this project (resources: {', '.join(sorted(known))})."
            )
    try:
        head, taken = migrations.single_head(project, package)
    except MigrationHistoryError as error:
        raise RefusedError(error.message) from None
    now = datetime.now(UTC)
    data = {key: value for key, value in recorded.answers.items() if not key.startswith("_")}
    data["resource"] = spec.answer | {
        "revision": migrations.new_revision_id(taken, now),
        "down_revision": head,
        "created": now.strftime("%Y-%m-%d %H:%M:%S"),
    }
    with tempfile.TemporaryDirectory(prefix="mvpscaffold-resource-") as folder:
        scratch = Path(folder)
        _render(recorded, data, scratch)
        files = sorted(path.relative_to(scratch) for path in scratch.rglob("*") if path.is_file())
        for relative in files:
            if (project / relative).exists():
                raise UserInputError(
                    f"{relative.as_posix()} already exists, so the name is taken; choose another."
                )
        written = tuple(sorted(relative.as_posix() for relative in files))
        try:
            for relative in files:
                (project / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(scratch / relative, project / relative)
            modules = [project / relative for relative in files if relative.suffix == ".py"]
            formatted = format_python(project, modules)
            if commit:
                message = f"Add the {spec.name} resource (mvpscaffold add)"
                git(["add", "--", *written], cwd=project)
                identity = _identity(recorded)
                git([*identity, "commit", "--quiet", "--no-verify", "-m", message], cwd=project)
        except BaseException:
            # The tree was clean and held none of these files: unstage all, and remove them all.
            git(["reset", "--quiet"], cwd=project)
            for relative in files:
                (project / relative).unlink(missing_ok=True)
            raise
    return AddResult(spec, written, commit, formatted)


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
    from mvpscaffold.templates.render import render_files

    default = is_default_source(recorded.src_path)
    if default and recorded.version is not None and recorded.version < FIRST_ADDABLE:
        raise RefusedError(
            f"The project's template version {recorded.commit} cannot add resources (before"
            f" {FIRST_ADDABLE.base_version} a resource needed edits to bootstrap.py); run"
            " `mvpscaffold update` first, then add the resource."
        )
    if default:
        publish_history()
    render_files(
        src=recorded.src_path, vcs_ref=recorded.commit, answers=data, dest=scratch, trusted=default
    )


def format_python(project: Path, files: list[Path]) -> bool:
    """Format modules with the project's ruff settings, imports sorted; False without a ruff.

    The project's own ruff when it is installed, else mvpscaffold's own (a dependency).
    """
    where = [project / ".venv" / "bin", Path(sys.executable).parent, os.environ.get("PATH", "")]
    ruff = shutil.which("ruff", path=os.pathsep.join(map(str, where)))
    if ruff is None or not files:
        return False
    # --config: the project's settings, also for files outside the project
    paths = ["--config", str(project / "pyproject.toml"), "--quiet", *map(str, files)]
    return all(
        not subprocess.run([ruff, *args, *paths], cwd=project, capture_output=True).returncode
        for args in (["check", "--fix", "--select", "I"], ["format"])
    )
