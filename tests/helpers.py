"""Small helpers for the generator's tests: file-tree snapshots, tiny templates, running the CLI."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

import yaml
from typer.testing import CliRunner, Result

from mvpscaffold.cli import app

# A small but complete contract: the generator's own rules apply to these keys in any template.
TINY_QUESTIONS: dict[str, object] = {
    "project_name": {"type": "str", "help": "Name", "default": "{{ _folder_name | title }}"},
    "project_slug": {"type": "str", "help": "Slug", "default": "{{ project_name | lower }}"},
    "package_name": {"type": "str", "help": "Package", "default": "{{ project_slug }}"},
    "flavour": {"type": "str", "help": "Style", "choices": ["plain", "fancy"], "default": "plain"},
    "loud": {"type": "bool", "help": "Shout", "default": False},
}


# `${{ ... }}` is GitHub Actions syntax, not a Jinja leftover.
_LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%")


def template_leftovers(project: Path) -> list[str]:
    """Files of a rendered project that still hold template syntax (or a .jinja suffix).

    The generated app's own page templates (`templates/*.html`) keep their Jinja tags on purpose.
    """
    found = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if not path.is_file() or ".git" in relative.parts:
            continue
        if path.name.endswith(".jinja"):
            found.append(f"{relative}: .jinja suffix")
            continue
        if "templates" in relative.parts and path.suffix == ".html":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        match = _LEFTOVER.search(text)
        if match:
            found.append(f"{relative}: {text[match.start() : match.start() + 40]!r}")
    return found


def snapshot(root: Path) -> dict[str, str]:
    """Map every path under `root` to a fingerprint: 'dir', 'link -> target' or a content hash."""
    tree: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for name in dirnames + filenames:
            path = base / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                tree[key] = f"link -> {os.readlink(path)}"
            elif path.is_dir():
                tree[key] = "dir"
            else:
                tree[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return tree


def make_template(
    root: Path,
    *,
    questions: Mapping[str, object] | None = None,
    files: Mapping[str, str] | None = None,
    settings: Mapping[str, object] | None = None,
) -> Path:
    """Write a tiny copier template (copier.yml + template/ subdirectory) into `root`."""
    config: dict[str, object] = {"_subdirectory": "template", "_templates_suffix": ".jinja"}
    config.update(settings or {})
    config.update(questions if questions is not None else TINY_QUESTIONS)
    root.mkdir(parents=True, exist_ok=True)
    (root / "copier.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    default_files = {
        "README.md.jinja": "# {{ project_name }} ({{ flavour }})\n",
        "{{package_name}}/__init__.py.jinja": '"""{{ project_name }}."""\nLOUD = {{ loud }}\n',
        "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
    }
    for relative, text in (files if files is not None else default_files).items():
        path = root / "template" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def make_release(root: Path, tag: str = "1.0.0", **kwargs: object) -> Path:
    """A tiny template (see make_template) committed in git and tagged as release `tag`."""
    make_template(root, **kwargs)  # type: ignore[arg-type]
    commit_all(root, f"template {tag}", tag=tag)
    return root


def git(args: list[str], cwd: Path) -> str:
    """Run git with a fixed identity (tests must not depend on the machine's git config)."""
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout


def commit_all(repo: Path, message: str, tag: str | None = None) -> None:
    """Make `repo` a git repository if needed, commit everything, and optionally tag it."""
    if not (repo / ".git").exists():
        git(["init", "--quiet"], repo)
    git(["add", "--all"], repo)
    git(["commit", "--quiet", "-m", message], repo)
    if tag:
        git(["tag", tag], repo)


def run_cli(args: list[str], cwd: Path | None = None) -> Result:
    """Invoke the CLI in-process (stdin is not a terminal), optionally from `cwd`."""
    previous = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(app, args)
    finally:
        os.chdir(previous)


def read_answers(project: Path) -> dict[str, object]:
    """The answers file copier wrote into a generated project."""
    data = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
