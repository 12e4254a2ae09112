"""Read a template's own copier.yml into the questions the generator asks and validates.

A local folder is read directly; a git repository (local, bundle or remote) is read at the same
ref copier will use: the one given, else the newest PEP 440 tag, else HEAD.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from packaging.version import InvalidVersion, Version

from mvpscaffold.answers import Question
from mvpscaffold.errors import UserInputError
from mvpscaffold.gitutil import git, git_ok, git_output

CONFIG_NAMES = ("copier.yml", "copier.yaml")
TYPE_OF_DEFAULT = {bool: "bool", int: "int", float: "float", str: "str"}


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """The questions of a template, and where its files live when that is a local folder."""

    questions: tuple[Question, ...]
    vcs_ref: str | None
    local_root: Path | None


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
    """Read the questions of the template at `src` (folder, bundle or git URL) at `vcs_ref`."""
    path = Path(src).expanduser()
    if path.is_dir() and not (path / ".git").exists():
        if vcs_ref:
            raise UserInputError(f"--ref needs a git template, but {src} is a plain folder.")
        return TemplateSpec(_read_local(path), None, path.resolve())
    if path.is_dir():
        ref = vcs_ref or _latest_tag(path)
        if ref is None:  # no tags: copier renders HEAD plus uncommitted changes, as on disk
            return TemplateSpec(_read_local(path), "HEAD", path.resolve())
        return TemplateSpec(_read_at_ref(path, ref, src), ref, path.resolve())
    if path.exists() or "://" in src or src.startswith(("git@", "gh:", "gl:", "git+")):
        return _load_by_cloning(src, path if path.exists() else None, vcs_ref)
    raise UserInputError(f"Template {src!r} not found; give a folder or a git URL to --template.")


def _read_local(folder: Path) -> tuple[Question, ...]:
    for name in CONFIG_NAMES:
        config = folder / name
        if config.is_file():
            return parse_spec(config.read_text(encoding="utf-8"), name)
    raise UserInputError(f"{folder} is not a copier template (no copier.yml); check --template.")


def _read_at_ref(repo: Path, ref: str, src: str) -> tuple[Question, ...]:
    for name in CONFIG_NAMES:
        found, text = git_output(["show", f"{ref}:{name}"], cwd=repo)
        if found:
            return parse_spec(text, name)
    if not git_ok(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=repo):
        raise UserInputError(
            f"The template {src} has no tag, branch or commit {ref!r}; check --ref."
        )
    raise UserInputError(f"{src} at {ref} is not a copier template (no copier.yml).")


def _latest_tag(repo: Path) -> str | None:
    """The newest non-prerelease PEP 440 tag, as copier picks it when no ref is given."""
    versions = []
    for tag in git(["tag", "--list"], cwd=repo).split():
        try:
            version = Version(tag)
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            versions.append((version, tag))
    return max(versions)[1] if versions else None


def _load_by_cloning(src: str, local: Path | None, vcs_ref: str | None) -> TemplateSpec:
    url = str(local.resolve()) if local else _expand_shortcut(src)
    scratch = Path(tempfile.mkdtemp(prefix="mvpscaffold-spec-"))
    try:
        clone = scratch / "template"
        if not git_ok(["clone", "--quiet", "--no-checkout", url, str(clone)], cwd=scratch):
            raise UserInputError(
                f"Could not read the template {src!r}; check the URL and your access."
            )
        ref = vcs_ref or _latest_tag(clone) or "HEAD"
        return TemplateSpec(_read_at_ref(clone, ref, src), vcs_ref or ref, None)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _expand_shortcut(src: str) -> str:
    """copier's gh:/gl: shortcuts and git+ prefix, enough for a one-off clone."""
    if src.startswith("gh:"):
        return f"https://github.com/{src[3:]}.git"
    if src.startswith("gl:"):
        return f"https://gitlab.com/{src[3:]}.git"
    return src.removeprefix("git+")


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
