"""Render a template into a new project, all or nothing: the only module that copies with copier.

The project is rendered, locked (uv.lock) and committed in a hidden sibling of the destination
(same filesystem), then renamed into place; on any error or interrupt the sibling is removed and
the destination is left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mvpscaffold.errors import Interrupted, MvpScaffoldError, ToolError, UserInputError
from mvpscaffold.tools import git, signals_interrupt, uv_lock

COMMIT_MESSAGE = "Initial commit from mvpscaffold"


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What a successful render wrote."""

    destination: Path
    files: int
    committed: bool
    notes: tuple[str, ...] = field(default=())
    lock_stale: bool = False  # uv.lock may not match pyproject.toml: `make lock` comes first


def check_destination(dest: Path, forbidden_roots: tuple[Path, ...]) -> None:
    """Refuse a destination that is a file, a non-empty folder, or inside a template's tree."""
    if dest.is_symlink() and not dest.exists():
        raise UserInputError(f"{dest} is a broken symbolic link; choose another destination.")
    if dest.exists() and not dest.is_dir():
        raise UserInputError(f"{dest} is a file, not a folder; choose a new folder name.")
    if dest.is_dir() and any(dest.iterdir()):
        raise UserInputError(f"{dest} is not empty; choose a new or empty folder.")
    resolved = dest.resolve()
    for root in forbidden_roots:
        if resolved == root or resolved.is_relative_to(root):
            raise UserInputError(
                f"{dest} is inside the template's own folder {root}; choose a folder outside it."
            )
    parent = _first_existing_ancestor(resolved)
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UserInputError(f"Cannot write in {parent}; choose a destination you can write to.")


def render_project(
    *,
    src: str,
    vcs_ref: str | None,
    answers: Mapping[str, object],
    dest: Path,
    trusted: bool,
    init_git: bool,
    committer: tuple[str, str] = ("mvpscaffold", "mvpscaffold@localhost"),
    lock: bool = True,
) -> RenderResult:
    """Render `src` with `answers` into `dest` (new or empty), commit it, and return a summary.

    `committer` (name, e-mail) signs the first commit: pass the user's git identity when set.
    With `lock`, a project with a pyproject.toml gets its uv.lock before that commit; a lock that
    cannot be made (offline) becomes a note, never a failure.
    """
    dest = dest.absolute()
    first_created = None if dest.parent.exists() else _first_missing_ancestor(dest.parent)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.mvpscaffold-", dir=dest.parent))
    placed = False
    try:
        with signals_interrupt(signal.SIGINT, signal.SIGTERM, stop_children=True):
            notes = _copy(src, vcs_ref, dict(answers), staging, trusted)
            lock_note, lock_stale = _lock(staging) if lock else (None, False)
            notes += (lock_note,) if lock_note else ()
            files = sum(1 for path in staging.rglob("*") if path.is_file())
            if init_git:
                _commit(staging, committer)
            check_destination(dest, ())
            _move_into_place(staging, dest)
            placed = True
    except BaseException as error:
        if placed:  # the signal came after the project was complete: keep it, say so
            raise Interrupted(f"Interrupted, but {dest} was already complete.") from error
        shutil.rmtree(staging, ignore_errors=True)
        if first_created is not None:
            shutil.rmtree(first_created, ignore_errors=True)
        raise
    return RenderResult(dest, files, init_git, notes, lock_stale)


def render_files(
    *, src: str, vcs_ref: str | None, answers: Mapping[str, object], dest: Path, trusted: bool
) -> tuple[str, ...]:
    """Render `src` into the empty folder `dest`, nothing more (a part of an existing project)."""
    return _copy(src, vcs_ref, dict(answers), dest, trusted)


def _copy(
    src: str, vcs_ref: str | None, data: dict[str, object], staging: Path, trusted: bool
) -> tuple[str, ...]:
    """Copy with copier's run_copy, translating its exceptions into our one-sentence errors."""
    from copier import errors as copier_errors
    from copier import run_copy

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", copier_errors.CopierWarning)
        try:
            run_copy(
                src,
                staging,
                data=data,
                vcs_ref=vcs_ref,
                defaults=True,
                quiet=True,
                unsafe=trusted,
                cleanup_on_error=False,
            )
        except KeyboardInterrupt:
            raise Interrupted("Interrupted; nothing was written.") from None
        except copier_errors.UnsafeTemplateError:
            raise UserInputError(
                "This template runs tasks or migrations; pass --trust if you trust its author."
            ) from None
        except copier_errors.TaskError as error:
            raise ToolError(
                f"The template's task {error.cmd!r} failed with exit code {error.returncode};"
                " fix the template or its requirements and try again."
            ) from None
        except (MvpScaffoldError, SystemExit):
            raise
        except ValueError as error:
            raise UserInputError(f"The template refused the answers: {_one_line(error)}.") from None
        except Exception as error:
            raise ToolError(
                f"Rendering the template failed ({type(error).__name__}: {_one_line(error)});"
                " check the template and --ref."
            ) from None
    return tuple(
        _one_line(item.message)
        for item in caught
        if issubclass(item.category, copier_errors.CopierWarning)
    )


def _lock(project: Path) -> tuple[str | None, bool]:
    """Check the lock the template shipped, or write one: (a note for the user, lock still stale).

    A shipped lock that matches pyproject.toml stays byte for byte; one that does not is locked
    again (the template's pins kept where they fit), and the user hears of it.
    """
    if not (project / "pyproject.toml").is_file():
        return None, False
    lock = project / "uv.lock"
    shipped = lock.read_bytes() if lock.is_file() else None
    problem = uv_lock(project)
    if problem is not None:
        return problem, True
    if shipped is not None and lock.read_bytes() != shipped:
        return (
            "The template's uv.lock did not match its pyproject.toml, so uv locked the project"
            " again from the package index, keeping the template's pins where it could; its"
            " maintainer should refresh it."
        ), False
    return None, False


def _commit(project: Path, committer: tuple[str, str]) -> None:
    """git init + add + first commit, with an identity even on a machine that has none set."""
    name, email = committer
    git(["init", "--quiet"], cwd=project)
    git(["add", "--all"], cwd=project)
    identity = [f"user.name={name}", f"user.email={email}", "commit.gpgsign=false"]
    git(
        [
            *(arg for setting in identity for arg in ("-c", setting)),
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            COMMIT_MESSAGE,
        ],
        cwd=project,
    )


def _move_into_place(staging: Path, dest: Path) -> None:
    """Rename the staging folder to dest; into an existing empty dest, move its entries instead.

    Moving entries keeps an existing folder (maybe the user's current directory) in place.
    """
    umask = os.umask(0)
    os.umask(umask)
    if not dest.exists():
        staging.chmod(0o777 & ~umask)  # mkdtemp made it private; a project folder is not
        staging.rename(dest)
        return
    moved: list[Path] = []
    try:
        for entry in sorted(staging.iterdir()):
            target = dest / entry.name
            entry.rename(target)
            moved.append(target)
    except BaseException:
        for target in moved:
            _remove(target)
        raise
    staging.rmdir()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _first_missing_ancestor(path: Path) -> Path:
    while not path.parent.exists():
        path = path.parent
    return path


def _first_existing_ancestor(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path


def _one_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0].rstrip(".") if text else type(error).__name__


__all__ = ["RenderResult", "check_destination", "render_files", "render_project"]
