"""The `new` use case: pick the template, gather and validate answers, render the project."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mvpscaffold.answers import (
    Question,
    check_given,
    folder_name_problem,
    name_from_folder,
    parse_assignment,
    problem,
    resolve,
)
from mvpscaffold.errors import UserInputError
from mvpscaffold.locations import copier_source, local_path
from mvpscaffold.presets import check_user_defaults, read_user_defaults
from mvpscaffold.source import default_template, source_checkout_root
from mvpscaffold.tools import git_config
from mvpscaffold.yamlfiles import read_yaml_mapping

# The template's answer that renders one resource instead of a project (`add resource` sets it).
RESOURCE_QUESTION = "resource"


@dataclass(frozen=True, slots=True)
class NewRequest:
    """Everything `mvpscaffold new` was asked to do."""

    dest: Path
    use_defaults: bool
    data_file: Path | None
    assignments: tuple[str, ...]
    template: str | None
    ref: str | None
    trust: bool
    init_git: bool
    interactive: bool


@dataclass(frozen=True, slots=True)
class NewResult:
    """What `mvpscaffold new` produced."""

    project_name: str
    destination: Path
    files: int
    committed: bool
    notes: tuple[str, ...]
    answers: dict[str, object]  # what was chosen, secret answers left out
    lock_stale: bool = False  # uv.lock may not match pyproject.toml: `make lock` comes first


def generate(request: NewRequest) -> NewResult:
    """Validate everything we can before asking or writing anything, then render."""
    from mvpscaffold.render import check_destination, render_project
    from mvpscaffold.spec import load_spec

    ask = request.interactive and not request.use_defaults and request.data_file is None
    if not ask and not request.use_defaults and request.data_file is None:
        raise UserInputError(
            "No terminal to ask the questions in; pass --defaults or --data-file FILE."
        )
    if request.template:
        src, default_ref = copier_source(request.template), None
    else:
        src, default_ref = default_template()
    vcs_ref = request.ref or default_ref
    check_destination(request.dest, _forbidden_roots(src))
    given = _given_answers(request)
    user_file, user_raw = read_user_defaults()
    spec = load_spec(src, vcs_ref)
    questions = tuple(question for question in spec.questions if question.name != RESOURCE_QUESTION)
    user_defaults, preset_notes = check_user_defaults(questions, user_file, user_raw, src)
    preset = check_given(questions, given)
    configured = (git_config("user.name"), git_config("user.email"))
    folder = request.dest.resolve().name  # `new .` is named after the current folder
    named, unusable = _named_after_folder(questions, folder, preset, user_defaults)
    # The user's own defaults file was written on purpose: it wins over git's identity.
    defaults = {**_git_identity(questions, *configured), **named, **user_defaults}
    if ask:
        from mvpscaffold.prompts import ask_all

        answers = resolve(questions, ask_all(questions, preset, defaults))
    else:
        answers = resolve(questions, preset, defaults)
    notes = preset_notes
    if not ask and unusable is not None:
        notes += (_folder_note(folder, unusable, answers),)
    result = render_project(
        src=src,
        vcs_ref=spec.vcs_ref,
        answers=answers,
        dest=request.dest,
        trusted=request.template is None or request.trust,
        init_git=request.init_git,
        committer=(
            configured[0] or str(answers.get("author_name") or "mvpscaffold"),
            configured[1] or str(answers.get("author_email") or "mvpscaffold@localhost"),
        ),
    )
    name = str(answers.get("project_name") or request.dest.name)
    secret = {question.name for question in questions if question.secret}
    shown = {key: value for key, value in answers.items() if key not in secret}
    return NewResult(
        name,
        result.destination,
        result.files,
        result.committed,
        notes + result.notes,
        shown,
        result.lock_stale,
    )


def _given_answers(request: NewRequest) -> dict[str, object]:
    """Answers from --data-file, then --set on top (raw: typed later against the questions)."""
    given = read_data_file(request.data_file) if request.data_file else {}
    for item in request.assignments:
        key, value = parse_assignment(item)
        given[key] = value
    return given


def read_data_file(path: Path) -> dict[str, object]:
    """Read a YAML mapping of answers; keys starting with '_' (copier metadata) are ignored."""
    if not path.is_file():
        raise UserInputError(f"Data file {path} not found; check the path given to --data-file.")
    data = read_yaml_mapping(path, "Data file", "project_name: My App", "fix it and retry")
    return {key: value for key, value in data.items() if not key.startswith("_")}


def _git_identity(
    questions: tuple[Question, ...], name: str | None, email: str | None
) -> dict[str, object]:
    """Defaults for the author questions from `git config`, when set and acceptable."""
    identity: dict[str, object] = {}
    for question in questions:
        value = {"author_name": name, "author_email": email}.get(question.name)
        if value is not None and problem(question, value) is None:
            identity[question.name] = value
    return identity


def _named_after_folder(
    questions: tuple[Question, ...],
    folder: str,
    given: Mapping[str, object],
    user_defaults: Mapping[str, object],
) -> tuple[dict[str, object], str | None]:
    """The project name the destination folder suggests, or why it cannot serve as one.

    Nothing when the name is answered (--set, --data-file, the defaults file) or the template
    asks no free-text project_name.
    """
    asked = any(q.name == "project_name" and q.type == "str" and not q.choices for q in questions)
    if not asked or "project_name" in given or "project_name" in user_defaults:
        return {}, None
    name = name_from_folder(folder)
    if reason := folder_name_problem(questions, name, given, user_defaults):
        return {}, reason
    return {"project_name": name}, None


def _folder_note(folder: str, reason: str, answers: Mapping[str, object]) -> str:
    """Say why the project is not named after its folder, and how to name it."""
    fallback = answers.get("project_name")
    named = f"it is named {fallback!r}" if fallback else "the template names it"
    return (
        f"The folder name {folder!r} cannot name the project ({reason}), so {named};"
        " choose a name with --set project_name=NAME."
    )


def _forbidden_roots(src: str) -> tuple[Path, ...]:
    """Folders never to render into: the generator's own checkout and a local template."""
    roots = [root] if (root := source_checkout_root()) is not None else []
    local = local_path(src)
    if local is not None and local.is_dir():
        roots.append(local.resolve())
    return tuple(roots)
