"""A generated project's Alembic revisions, read without Alembic: their heads and their merge.

The template's revisions and the owner's live in separate version folders (alembic.ini's
`version_locations`) and form one history; an update that adds template revisions beside the
owner's own leaves two heads, which a merge revision written into the owner's folder joins again.
Files are parsed with `ast` (never imported): mvpscaffold does not depend on Alembic or SQLAlchemy.
"""

from __future__ import annotations

import ast
import configparser
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mvpscaffold.errors import MigrationHistoryError

OWNER_FOLDER = "versions"
TEMPLATE_FOLDER = "template"
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}


@dataclass(frozen=True, slots=True)
class Revision:
    """One revision file: its id, the ids it revises (none for a root) and where it is."""

    id: str
    down: tuple[str, ...]
    path: Path


@dataclass(frozen=True, slots=True)
class MergePlan:
    """The merge revision that joins the heads: where it goes and what it says."""

    path: Path
    revision: str
    heads: tuple[str, ...]
    text: str


def version_folders(project: Path, package: str | None) -> list[Path]:
    """The folders Alembic reads revisions from, as the project's alembic.ini names them.

    Without `version_locations` the template's layout is assumed: `versions/` and `template/`
    under the script location (`<package>/data/migrations` when alembic.ini does not say).
    """
    config = _alembic_config(project)
    listed = _listed_locations(project, config)
    if listed:
        return [_absolute(project, entry) for entry in listed]
    script = _option(config, "script_location")
    if script is not None and ":" not in script:
        base = _absolute(project, script)
    elif package:
        base = project / package / "data" / "migrations"
    else:
        return []
    return [base / TEMPLATE_FOLDER, base / OWNER_FOLDER]


def revision_files(folders: list[Path]) -> list[Path]:
    """The .py files Alembic would read in `folders` (no `__init__.py`, each file once)."""
    found: dict[Path, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.py")):
            if not path.name.startswith(("__init__", ".#")) and path.is_file():
                found.setdefault(path.resolve(), path)
    return list(found.values())


def revision_id(path: Path) -> str | None:
    """The `revision` a file assigns, or None when it assigns none or cannot be parsed."""
    try:
        values = _module_assignments(path)
    except MigrationHistoryError:
        return None
    value = values.get("revision")
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None


def known_revision_ids(project: Path, package: str | None) -> set[str]:
    """The ids the project's revision files declare (files that cannot be read are skipped)."""
    files = revision_files(version_folders(project, package))
    return {revision for path in files if (revision := revision_id(path)) is not None}


def read_revision(path: Path, project: Path) -> Revision | None:
    """The revision a file declares, None when it declares none; refuse one that cannot be read."""
    values = _module_assignments(path, project)
    if "revision" not in values:
        return None
    rev = values["revision"]
    if not (isinstance(rev, ast.Constant) and isinstance(rev.value, str) and rev.value):
        raise MigrationHistoryError(
            f"{_shown(path, project)} does not set `revision` to a plain string, so the history"
            " cannot be read; make it one."
        )
    down = _ids(values.get("down_revision", ast.Constant(None)))
    if down is None:
        raise MigrationHistoryError(
            f"{_shown(path, project)} does not set `down_revision` to a string, a tuple of"
            " strings or None, so the history cannot be read; make it one."
        )
    return Revision(rev.value, down, path)


def read_history(project: Path, folders: list[Path]) -> dict[str, Revision]:
    """Every revision in `folders` by id; refuse an id that two files declare."""
    revisions: dict[str, Revision] = {}
    for path in revision_files(folders):
        revision = read_revision(path, project)
        if revision is None:
            continue
        twin = revisions.get(revision.id)
        if twin is not None:
            raise MigrationHistoryError(
                f"Revision id {revision.id} is declared by two files,"
                f" {_shown(twin.path, project)} and {_shown(path, project)}, and Alembic would"
                " silently run only one of them; before you migrate, delete the one that copies the"
                " other, or else give your own a new id (and the down_revision naming it)."
            )
        revisions[revision.id] = revision
    return revisions


def heads(revisions: dict[str, Revision]) -> list[str]:
    """The ids no other revision revises, sorted; refuse a reference to a missing revision."""
    revised: set[str] = set()
    for revision in revisions.values():
        for parent in revision.down:
            if parent not in revisions:
                raise MigrationHistoryError(
                    f"{revision.path.name} revises {parent}, which no revision file declares;"
                    " restore that revision or correct its down_revision."
                )
            revised.add(parent)
    return sorted(set(revisions) - revised)


def plan_merge(
    project: Path,
    package: str | None,
    template_version: str,
    now: datetime | None = None,
) -> MergePlan | None:
    """The merge revision the project needs to have one head again, or None when it has one."""
    folders = version_folders(project, package)
    revisions = read_history(project, folders)
    tips = heads(revisions)
    if len(tips) < 2:
        return None
    owner = next((f for f in folders if f.name == OWNER_FOLDER), None)
    if owner is None:
        owner = next((f for f in folders if f.name != TEMPLATE_FOLDER), None)
    if owner is None:
        raise MigrationHistoryError(
            f"The project's revisions have {len(tips)} heads ({', '.join(tips)}), but alembic.ini"
            " lists no folder for your own revisions to write their merge into; run"
            " `alembic merge heads` yourself."
        )
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    # An id is taken when a revision declares it or a file of the owner's folder starts with it.
    while (rev := moment.strftime("%Y%m%d_%H%M%S")) in revisions or any(owner.glob(f"{rev}_*")):
        moment += timedelta(seconds=1)
    slug = "merge_template_" + "".join(c if c.isalnum() else "_" for c in template_version)
    text = merge_revision_text(rev, tuple(tips), template_version, moment)
    return MergePlan(owner / f"{rev}_{slug}.py", rev, tuple(tips), text)


def merge_revision_text(
    revision: str, parents: tuple[str, ...], template_version: str, created: datetime
) -> str:
    """The source of a merge revision, as `ruff format` leaves it (line length 120 or more)."""
    revises = _wrapped("Revises: ", ", ".join(parents))
    one_line = f"down_revision: str | Sequence[str] | None = ({', '.join(map(_quoted, parents))})"
    if len(one_line) > 120:
        items = "".join(f"    {_quoted(p)},\n" for p in parents)
        one_line = f"down_revision: str | Sequence[str] | None = (\n{items})"
    return (
        f'"""Merge template {template_version}\'s migrations with this project\'s own.\n\n'
        f"Revision ID: {revision}\n{revises}\nCreate Date: {created:%Y-%m-%d %H:%M:%S}\n"
        '"""\n\n'
        "from collections.abc import Sequence\n\n"
        f"revision: str = {_quoted(revision)}\n"
        f"{one_line}\n"
        "branch_labels: str | Sequence[str] | None = None\n"
        "depends_on: str | Sequence[str] | None = None\n\n\n"
        "def upgrade() -> None:\n"
        '    """Nothing to apply: this revision joins the template\'s migrations and the'
        ' project\'s own."""\n\n\n'
        "def downgrade() -> None:\n"
        '    """Nothing to revert."""\n'
    )


def _wrapped(label: str, text: str, width: int = 100) -> str:
    """`label` + text, continued on indented lines so no docstring line grows past `width`."""
    lines, line = [], label
    for word in text.split(" "):
        if len(line) + len(word) > width and line.strip() != label.strip():
            lines.append(line.rstrip())
            line = " " * len(label)
        line += word + " "
    lines.append(line.rstrip())
    return "\n".join(lines)


def _quoted(text: str) -> str:
    """A double-quoted Python string literal, as ruff format writes one."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _module_assignments(path: Path, project: Path | None = None) -> dict[str, ast.expr]:
    """The last value each module-level name is assigned (plain or annotated assignment)."""
    shown = _shown(path, project) if project is not None else str(path)
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as error:
        raise MigrationHistoryError(
            f"{shown} is not valid Python (line {error.lineno}: {error.msg}), so its revision"
            " cannot be read; fix it (a leftover conflict marker?) and update again."
        ) from None
    except (OSError, ValueError) as error:
        raise MigrationHistoryError(f"{shown} cannot be read ({error}); fix it.") from None
    values: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            values[node.target.id] = node.value
    return values


def _ids(node: ast.expr) -> tuple[str, ...] | None:
    """The ids of a down_revision value: None, a string, or a tuple or list of strings."""
    if isinstance(node, ast.Constant) and node.value is None:
        return ()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(items) == len(node.elts) and all(isinstance(i, str) for i in items):
            return tuple(str(i) for i in items)
    return None


def _alembic_config(project: Path) -> configparser.ConfigParser | None:
    path = project / "alembic.ini"
    if not path.is_file():
        return None
    config = configparser.ConfigParser(defaults={"here": project.as_posix()})
    try:
        config.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None  # a conflicted alembic.ini: the template's layout is the best guess
    return config


def _option(config: configparser.ConfigParser | None, name: str) -> str | None:
    if config is None:
        return None
    try:
        value = config.get("alembic", name, fallback=None)
    except configparser.Error:
        return None
    return value.strip() if value and value.strip() else None


def _listed_locations(project: Path, config: configparser.ConfigParser | None) -> list[str]:
    """alembic.ini's version_locations split as Alembic splits them, else pyproject.toml's."""
    raw = _option(config, "version_locations")
    if raw is not None:
        separator = _option(config, "path_separator") or _option(config, "version_path_separator")
        if separator in _SEPARATORS:
            parts = raw.split(_SEPARATORS[separator])
        else:  # Alembic's legacy rule: spaces or commas
            parts = raw.replace(",", " ").split()
        return [part.strip() for part in parts if part.strip()]
    pyproject = project / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    listed = data.get("tool", {}).get("alembic", {}).get("version_locations")
    if not isinstance(listed, list):
        return []
    return [str(item).replace("%(here)s", project.as_posix()) for item in listed]


def _absolute(project: Path, entry: str) -> Path:
    """A location as Alembic resolves it when run from the project's root (make's directory)."""
    path = Path(entry).expanduser()
    return path if path.is_absolute() else project / path


def _shown(path: Path, project: Path | None) -> str:
    if project is None:
        return str(path)
    try:
        return path.relative_to(project).as_posix()
    except ValueError:
        return str(path)
