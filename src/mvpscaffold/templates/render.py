"""`mvpscaffold new`: render a template with copier into a new project, all or nothing.

copier asks the questions and evaluates copier.yml; this module gathers what the user gave
(--data-file, --set, the defaults file, git's identity), renders, locks (uv.lock) and commits the
project in a hidden sibling of the destination (same filesystem), then renames it into place: on
any error or interrupt the destination is left as it was. The only caller of copier's copy.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mvpscaffold.errors import Interrupted, MvpScaffoldError, ToolError, UserInputError, first_line
from mvpscaffold.templates.answers import (
    check_given,
    chosen_template,
    parse_assignment,
    read_data_file,
    read_user_defaults,
    refusal,
    user_defaults_for,
)
from mvpscaffold.templates.source import (
    copier_source,
    default_template,
    local_path,
    source_checkout_root,
)
from mvpscaffold.templates.versions import (
    ANSWERS_FILE,
    parse_version,
    template_questions,
    untagged_warning,
)
from mvpscaffold.tools import git, git_config, signals_interrupt, uv_lock


@dataclass(frozen=True, slots=True)
class NewResult:
    """What `mvpscaffold new` produced."""

    project_name: str
    destination: Path
    files: int
    committed: bool
    notes: tuple[str, ...]
    answers: dict[str, object]  # as the answers file records them (secret ones never are)
    lock_stale: bool = False  # uv.lock may not match pyproject.toml: `make lock` comes first
    template: str = ""  # which template and version, and why that one


def generate(
    dest: Path,
    *,
    use_defaults: bool,
    data_file: Path | None,
    assignments: tuple[str, ...],
    template: str | None,
    ref: str | None,
    trust: bool,
    init_git: bool,
    interactive: bool,
) -> NewResult:
    """Check everything we can before writing anything, then render, lock, commit, move in place."""
    ask = interactive and not use_defaults and data_file is None
    if not ask and not use_defaults and data_file is None:
        raise UserInputError("No terminal to ask the questions in; pass --defaults or --data-file.")
    template, origin = chosen_template(template)
    src, default_ref = (copier_source(template), None) if template else default_template()
    local = local_path(src)  # never render into the generator's checkout or a local template
    roots = (source_checkout_root(), local.resolve() if local and local.is_dir() else None)
    check_destination(dest, tuple(root for root in roots if root))
    given = read_data_file(data_file) if data_file else {}
    given.update(parse_assignment(item) for item in assignments)
    presets_file, raw_presets = read_user_defaults()
    questions, tag = template_questions(src, ref or default_ref)
    questions = tuple(question for question in questions if question.name != "resource")
    presets, notes = user_defaults_for(questions, presets_file, raw_presets, src)
    if parse_version(tag) is None:
        notes = (untagged_warning(src, tag), *notes)
    data = check_given(questions, given)
    asked = {question.name for question in questions}
    identity = {"author_name": git_config("user.name"), "author_email": git_config("user.email")}
    guessed = {key: value for key, value in identity.items() if value and key in asked}
    origins = {key: "your git configuration" for key in guessed}
    origins |= {key: f"your defaults file {presets_file}" for key in presets}
    # The bundled template, and one the user named as their default, are theirs to trust.
    options = {"vcs_ref": tag, "unsafe": trust or origin != "--template", "defaults": not ask}
    dest = dest.absolute()
    missing = [folder for folder in dest.parents if not folder.exists()]  # gone again on failure
    staging = _make_staging(dest, missing)
    project = staging / dest.name  # copier names the project after its folder (_folder_name)
    placed = False
    try:
        with signals_interrupt(signal.SIGINT, signal.SIGTERM, stop_children=True):
            notes += _copy(src, project, data, origins, user_defaults=guessed | presets, **options)
            path = project / ANSWERS_FILE  # what it records (secret answers never are)
            recorded = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
            answers = {q.name: recorded[q.name] for q in questions if q.name in recorded}
            lock_note, lock_stale = _lock(project)
            notes += (lock_note,) if lock_note else ()
            files = sum(1 for path in project.rglob("*") if path.is_file())
            if init_git:  # the user's git identity, else the project's author
                name = identity["author_name"] or str(answers.get("author_name") or "mvpscaffold")
                email = identity["author_email"] or str(answers.get("author_email") or "")
                _commit(project, name, email or "mvpscaffold@localhost")
            check_destination(dest, ())
            _move_into_place(project, dest)
            placed = True
    except BaseException as error:
        if placed:  # the signal came after the project was complete: keep it, say so
            raise Interrupted(f"Interrupted, but {dest} was already complete.") from error
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if missing and not placed:
            shutil.rmtree(missing[-1], ignore_errors=True)
    name = str(answers.get("project_name") or dest.name)
    used = f"{src} {tag} ({origin})"
    return NewResult(name, dest, files, init_git, notes, answers, lock_stale, used)


def render_files(
    *, src: str, vcs_ref: str | None, answers: Mapping[str, object], dest: Path, trusted: bool
) -> tuple[str, ...]:
    """Render `src` into the empty folder `dest`, nothing more (a part of an existing project)."""
    return _copy(src, dest, answers, {}, vcs_ref=vcs_ref, unsafe=trusted, defaults=True)


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
    parent = next(folder for folder in (resolved, *resolved.parents) if folder.exists())
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UserInputError(f"Cannot write in {parent}; choose a destination you can write to.")


def _make_staging(dest: Path, missing: list[Path]) -> Path:
    """Make dest's missing parents and the hidden sibling we render in; refuse if we cannot.

    Some folders pass os.access but refuse a new entry (/proc, /sys, for root).
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{dest.name}.mvpscaffold-", dir=dest.parent))
    except OSError as error:
        if missing:
            shutil.rmtree(missing[-1], ignore_errors=True)
        if error.errno == errno.ENAMETOOLONG:
            raise UserInputError(
                f"The folder name {dest.name[:40]}... is too long; choose a shorter one."
            ) from None
        parent = next(folder for folder in dest.parents if folder.exists())
        raise UserInputError(
            f"Cannot write in {parent}; choose a destination you can write to."
        ) from None


def _copy(
    src: str, dest: Path, data: Mapping[str, object], origins: Mapping[str, str], **options: Any
) -> tuple[str, ...]:
    """copier's run_copy with `options`, its errors as our one-sentence ones; its warnings as notes.

    A refused answer names where it came from: given, `origins` (for defaults), or the template.
    """
    from copier import errors, run_copy

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", errors.CopierWarning)
        try:
            run_copy(src, dest, dict(data), quiet=True, cleanup_on_error=False, **options)
        except (KeyboardInterrupt, errors.InteractiveSessionError):  # Ctrl-C, Ctrl-D at a question
            raise Interrupted("Interrupted; nothing was written.") from None
        except errors.UnsafeTemplateError:
            raise UserInputError(
                "This template runs tasks or migrations; pass --trust if you trust its author."
            ) from None
        except errors.TaskError as error:
            raise ToolError(
                f"The template's task {error.cmd!r} failed with exit code {error.returncode};"
                " fix the template or its requirements and try again."
            ) from None
        except ValueError as error:  # copier refused an answer or a default
            raise refusal(error, data, origins) from None
        except (MvpScaffoldError, SystemExit):
            raise
        except Exception as error:
            raise ToolError(
                f"Rendering the template failed ({type(error).__name__}: {first_line(error)});"
                " check the template and --ref."
            ) from None
    return tuple(
        first_line(item.message)
        for item in caught
        if issubclass(item.category, errors.CopierWarning)
    )


def _lock(project: Path) -> tuple[str | None, bool]:
    """Check the lock the template shipped, or write one: (a note for the user, lock still stale).

    A shipped lock that matches pyproject.toml stays byte for byte; one that does not is locked
    again (the template's pins kept where they fit), and the user hears of it.
    """
    lock = project / "uv.lock"
    shipped = lock.read_bytes() if lock.is_file() else None
    if not (project / "pyproject.toml").is_file():
        return None, False
    if problem := uv_lock(project):
        return problem, True
    if shipped is None or lock.read_bytes() == shipped:
        return None, False
    return (
        "The template's uv.lock did not match its pyproject.toml, so uv locked the project again,"
        " keeping the template's pins where it could; its maintainer should refresh it."
    ), False


def _commit(project: Path, name: str, email: str) -> None:
    """git init + add + first commit, with an identity even on a machine that has none set."""
    git(["init", "--quiet"], cwd=project)
    git(["add", "--all"], cwd=project)
    config = [f"user.name={name}", f"user.email={email}", "commit.gpgsign=false"]
    options = [arg for item in config for arg in ("-c", item)]
    message = "Initial commit from mvpscaffold"
    git([*options, "commit", "--quiet", "--no-verify", "-m", message], cwd=project)


def _move_into_place(project: Path, dest: Path) -> None:
    """Rename the rendered project to dest; into an existing empty dest, move its entries instead.

    Moving entries keeps an existing folder (maybe the user's current directory) in place; a
    failure midway moves them back, to be removed with the staging folder.
    """
    if not dest.exists():
        project.rename(dest)
        return
    moved: list[Path] = []
    try:
        for entry in sorted(project.iterdir()):
            moved.append(entry.rename(dest / entry.name))
    except BaseException:
        for target in moved:
            target.rename(project / target.name)
        raise
