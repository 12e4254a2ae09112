"""A generated project's Alembic revisions, read without Alembic: their heads and their merge.

The template's revisions and the owner's live in separate version folders (alembic.ini's
`version_locations`) and form one history; an update that adds template revisions beside the
owner's own leaves two heads, which a merge revision written into the owner's folder joins again.
Files are parsed with `ast`, never imported: an update runs before the project is installed (and
mvpscaffold depends on neither Alembic nor SQLAlchemy), and a file it merged may hold conflict
markers.
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import textwrap
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mvpscaffold.errors import MigrationHistoryError

OWNER_FOLDER = "versions"
TEMPLATE_FOLDER = "template"
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
_UNREADABLE = object()  # a value that is no Python literal
_ID_FORMAT = "%Y%m%d_%H%M%S"  # a revision id: its UTC time


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
    config = configparser.ConfigParser(defaults={"here": project.as_posix()})
    try:
        config.read(project / "alembic.ini", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        config = configparser.ConfigParser()  # a conflicted alembic.ini: assume the template's

    def option(name: str) -> str:
        try:
            return (config.get("alembic", name, fallback="") or "").strip()
        except configparser.Error:
            return ""

    listed: list[str] = []
    if locations := option("version_locations"):
        separator = option("path_separator") or option("version_path_separator")
        if separator in _SEPARATORS:
            listed = locations.split(_SEPARATORS[separator])
        else:  # Alembic's legacy rule: spaces or commas
            listed = locations.replace(",", " ").split()
    else:
        try:
            tool = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            tool = {}
        found = tool.get("tool", {}).get("alembic", {}).get("version_locations")
        if isinstance(found, list):
            listed = [str(item).replace("%(here)s", project.as_posix()) for item in found]
    if listed := [entry.strip() for entry in listed if entry.strip()]:
        return [project / Path(entry).expanduser() for entry in listed]  # relative to make's folder
    script = option("script_location")
    if script and ":" not in script:
        base = project / Path(script).expanduser()
    elif package:
        base = project / package / "data" / "migrations"
    else:
        return []
    return [base / TEMPLATE_FOLDER, base / OWNER_FOLDER]


def _revision_files(folders: list[Path]) -> list[Path]:
    """The .py files Alembic would read in `folders` (no `__init__.py`, each file once)."""
    found: dict[Path, Path] = {}
    for path in (path for folder in folders for path in sorted(folder.glob("*.py"))):
        if not path.name.startswith(("__init__", ".#")) and path.is_file():
            found.setdefault(path.resolve(), path)
    return list(found.values())


def revision_id(path: Path) -> str | None:
    """The `revision` a file assigns, or None when it assigns none or cannot be parsed."""
    try:
        value = _assignments(path, path.parent).get("revision")
    except MigrationHistoryError:
        return None
    return value if isinstance(value, str) else None


def known_revision_ids(project: Path, package: str | None) -> set[str]:
    """The ids the project's revision files declare (files that cannot be read are skipped)."""
    files = _revision_files(version_folders(project, package))
    return {revision for path in files if (revision := revision_id(path)) is not None}


def read_history(project: Path, folders: list[Path]) -> dict[str, Revision]:
    """Every revision in `folders` by id; refuse a file that cannot be read, or an id used twice."""
    revisions: dict[str, Revision] = {}
    for path in _revision_files(folders):
        values = _assignments(path, project)
        if "revision" not in values:
            continue  # a helper module of the revisions, no revision itself
        rev, down = values["revision"], values.get("down_revision")
        if not isinstance(rev, str) or not rev:
            raise MigrationHistoryError(
                f"{_shown(path, project)} does not set `revision` to a plain string, so the history"
                " cannot be read; make it one."
            )
        down = (down,) if isinstance(down, str) else (() if down is None else down)
        if not isinstance(down, tuple | list) or not all(isinstance(d, str) for d in down):
            raise MigrationHistoryError(
                f"{_shown(path, project)} does not set `down_revision` to a string, a tuple of"
                " strings or None, so the history cannot be read; make it one."
            )
        if twin := revisions.get(rev):
            raise MigrationHistoryError(
                f"Revision id {rev} is declared by two files,"
                f" {_shown(twin.path, project)} and {_shown(path, project)}, and Alembic would"
                " silently run only one of them; before you migrate, delete the one that copies the"
                " other, or else give your own a new id (and the down_revision naming it)."
            )
        revisions[rev] = Revision(rev, tuple(down), path)
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


def single_head(project: Path, package: str) -> tuple[str, set[str]]:
    """The one head a new revision follows, and every id in use; refuse several heads."""
    revisions = read_history(project, version_folders(project, package))
    tips = heads(revisions)
    if len(tips) != 1:
        raise MigrationHistoryError(
            f"The migrations have {len(tips)} heads ({', '.join(tips) or 'none'}); join them with"
            " `make migrations-merge` and commit, then add the resource."
        )
    return tips[0], set(revisions)


def new_revision_id(taken: set[str], now: datetime) -> str:
    """A revision id in the project's scheme (its UTC time), one second later while it is taken."""
    while (revision := now.strftime(_ID_FORMAT)) in taken:
        now += timedelta(seconds=1)
    return revision


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
    owners = [f for f in folders if f.name == OWNER_FOLDER]
    owners = owners or [f for f in folders if f.name != TEMPLATE_FOLDER]
    if not owners:
        raise MigrationHistoryError(
            f"The project's revisions have {len(tips)} heads ({', '.join(tips)}), but alembic.ini"
            " lists no folder for your own revisions to write their merge into; run"
            " `alembic merge heads` yourself."
        )
    # An id is taken when a revision declares it or a file of the owner's folder starts with it.
    taken = set(revisions) | {p.name[:15] for p in owners[0].glob("*") if p.name[15:16] == "_"}
    rev = new_revision_id(taken, now or datetime.now(UTC))
    slug = "merge_template_" + "".join(c if c.isalnum() else "_" for c in template_version)
    text = merge_revision_text(
        rev, tuple(tips), template_version, datetime.strptime(rev, _ID_FORMAT)
    )
    return MergePlan(owners[0] / f"{rev}_{slug}.py", rev, tuple(tips), text)


def merge_revision_text(
    revision: str, parents: tuple[str, ...], template_version: str, created: datetime
) -> str:
    """The source of a merge revision, as `ruff format` leaves it (line length 120 or more)."""
    revises = textwrap.fill(
        ", ".join(parents), 100, initial_indent="Revises: ", subsequent_indent=" " * 9
    )
    quoted = [json.dumps(parent) for parent in parents]
    down = f"down_revision: str | Sequence[str] | None = ({', '.join(quoted)})"
    if len(down) > 120:
        down = "down_revision: str | Sequence[str] | None = (\n"
        down += "".join(f"    {parent},\n" for parent in quoted) + ")"
    return (
        f'"""Merge template {template_version}\'s migrations with this project\'s own.\n\n'
        f"Revision ID: {revision}\n{revises}\nCreate Date: {created:%Y-%m-%d %H:%M:%S}\n"
        '"""\n\n'
        "from collections.abc import Sequence\n\n"
        f"revision: str = {json.dumps(revision)}\n"
        f"{down}\n"
        "branch_labels: str | Sequence[str] | None = None\n"
        "depends_on: str | Sequence[str] | None = None\n\n\n"
        "def upgrade() -> None:\n"
        '    """Nothing to apply: this revision joins the template\'s migrations and the'
        ' project\'s own."""\n\n\n'
        "def downgrade() -> None:\n"
        '    """Nothing to revert."""\n'
    )


def _assignments(path: Path, project: Path) -> dict[str, object]:
    """The literal each module-level name is last assigned (`_UNREADABLE` when it is no literal)."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as error:
        raise MigrationHistoryError(
            f"{_shown(path, project)} is not valid Python (line {error.lineno}: {error.msg}), so"
            " its revision cannot be read; fix it (a leftover conflict marker?) and update again."
        ) from None
    except (OSError, ValueError) as error:
        raise MigrationHistoryError(
            f"{_shown(path, project)} cannot be read ({error}); fix it."
        ) from None
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            values |= {t.id: _literal(node.value) for t in targets if isinstance(t, ast.Name)}
    return values


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError):
        return _UNREADABLE


def _shown(path: Path, project: Path) -> str:
    return path.relative_to(project).as_posix() if path.is_relative_to(project) else str(path)
