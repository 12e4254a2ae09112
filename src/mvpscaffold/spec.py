"""Read a template's own copier.yml into the questions the generator asks and validates.

Any source copier takes is read at the version tag copier will render: the one given, else the
newest PEP 440 release.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from mvpscaffold.answers import Question
from mvpscaffold.errors import ToolError, UserInputError
from mvpscaffold.locations import git_dir_kind, git_url, local_path
from mvpscaffold.tools import git_ok, run_git
from mvpscaffold.versions import available_versions, newest_version, parse_version

CONFIG_NAMES = ("copier.yml", "copier.yaml")
TYPE_OF_DEFAULT = {bool: "bool", int: "int", float: "float", str: "str"}


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """The questions of a template at the version tag copier is to render."""

    questions: tuple[Question, ...]
    vcs_ref: str


def parse_spec(text: str, origin: str) -> tuple[Question, ...]:
    """Parse copier.yml text into questions, in file order; settings (keys with '_') are skipped."""
    try:
        # copier's own `!include` and friends: a tag we do not know is read as plain data.
        data = yaml.load(text, Loader=_TolerantLoader)
    except yaml.YAMLError as error:
        raise UserInputError(
            f"The template's {origin} is not valid YAML ({_first_line(error)})."
        ) from None
    if not isinstance(data, dict):
        raise UserInputError(f"The template's {origin} must be a YAML mapping of questions.")
    secret_names = data.get("_secret_questions") or []
    questions = []
    for name, details in data.items():
        if not isinstance(name, str) or name.startswith("_"):
            continue
        details = details if isinstance(details, dict) else {"default": details}
        if details.get("when") is False:  # computed by the template, never asked
            continue
        questions.append(_question(name, details, name in secret_names))
    return tuple(questions)


def _question(name: str, details: dict[object, object], listed_secret: bool) -> Question:
    default = details.get("default")
    kind = details.get("type")
    if not isinstance(kind, str):
        kind = TYPE_OF_DEFAULT.get(type(default), "yaml") if default is not None else "str"
    return Question(
        name=name,
        type=kind,
        help=str(details.get("help") or "").strip(),
        default=default,
        choices=_choices(details.get("choices")),
        secret=listed_secret or details.get("secret") is True,
    )


def _choices(raw: object) -> tuple[tuple[str, object], ...]:
    if isinstance(raw, dict):
        return tuple(
            (str(label), value.get("value") if isinstance(value, dict) else value)
            for label, value in raw.items()
        )
    if isinstance(raw, list):
        return tuple(
            (str(item[0]), item[1])
            if isinstance(item, list) and len(item) == 2
            else (str(item), item)
            for item in raw
        )
    return ()


def load_spec(src: str, vcs_ref: str | None) -> TemplateSpec:
    """Read the questions of the template at `src` (any form copier takes) at a version tag.

    The tag is `vcs_ref`, else the newest release. A plain folder, a template without version
    tags and a ref that is no version tag are refused: copier would record no version (or one
    nothing can compare), and `check` and `update` could never handle the project.
    """
    local = local_path(src)
    kind = None
    if local is not None:
        if not local.exists():
            raise UserInputError(
                f"Template {src!r} not found; give a folder or a git URL to --template."
            )
        kind = git_dir_kind(local)
        if kind is None:
            raise UserInputError(
                f"{src} is a plain folder, not a git repository, so a project made from it could"
                " never be updated; make it one and tag a release (git init && git add -A &&"
                " git commit -m 1.0.0 && git tag 1.0.0)."
            )
    tag = release_tag(src, vcs_ref)
    if local is not None and kind in ("worktree", "bare"):
        return TemplateSpec(_read_at_ref(local, tag, src), tag)
    scratch = Path(tempfile.mkdtemp(prefix="mvpscaffold-spec-"))
    try:
        clone = scratch / "template"
        url = str(local.resolve()) if local is not None else git_url(src)
        if not git_ok(["clone", "--quiet", "--no-checkout", url, str(clone)], cwd=scratch):
            raise UserInputError(
                f"Could not read the template {src!r}; check the URL and your access."
            )
        return TemplateSpec(_read_at_ref(clone, tag, src), tag)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def release_tag(src: str, wanted: str | None) -> str:
    """The version tag of `src` to render: `wanted` (a tag or its version), else the newest."""
    try:
        versions = available_versions(src)
    except ToolError:
        raise UserInputError(
            f"Could not read the template {src!r}; check the URL and your access."
        ) from None
    if wanted is None:
        newest = newest_version(versions)
        if newest is None:
            raise UserInputError(
                f"The template {src} has no version tag (PEP 440, such as 1.0.0 or v1.0.0), so a"
                " project made from it could never be updated; tag a release of it first"
                " (git tag 1.0.0)."
            )
        return versions[newest]
    if wanted in versions.values():
        return wanted
    version = parse_version(wanted)
    if version is not None and version in versions:
        return versions[version]
    known = ", ".join(versions.values()) or "none"
    raise UserInputError(
        f"--ref {wanted} is not a version tag of the template {src} (its version tags: {known});"
        " check and update follow version tags, so tag the commit you want (git tag 1.0.0) and"
        " pass that tag."
    )


def _read_at_ref(repo: Path, ref: str, src: str) -> tuple[Question, ...]:
    for name in CONFIG_NAMES:
        shown = run_git(["show", f"{ref}:{name}"], cwd=repo)
        if shown.returncode == 0:
            return parse_spec(shown.stdout, name)
    raise UserInputError(f"{src} at {ref} is not a copier template (no copier.yml).")


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class _TolerantLoader(yaml.SafeLoader):
    """SafeLoader that reads unknown tags (copier's !include) as plain values."""


def _tag_as_plain_value(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


_TolerantLoader.add_multi_constructor(
    "!", lambda loader, _suffix, node: _tag_as_plain_value(loader, node)
)
# Registered by name too: a plugin that adds `!include` to SafeLoader itself (pytest-copie does)
# would otherwise win over the multi-constructor above and try to open the file.
_TolerantLoader.add_constructor("!include", _tag_as_plain_value)
