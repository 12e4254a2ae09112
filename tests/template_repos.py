"""Synthetic copier templates (git repositories with version tags) and projects made from them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ANSWERS_TEMPLATE = "{{ _copier_answers | to_nice_yaml -}}\n"

V1: dict[str, str] = {
    "copier.yml": "_subdirectory: template\nproject_name:\n  type: str\n  default: Demo\n",
    "template/{{_copier_conf.answers_file}}.jinja": ANSWERS_TEMPLATE,
    "template/app/settings.py.jinja": (
        'NAME = "{{ project_name }}"\nTIMEOUT = 10\nRETRIES = 3\nPAGE_SIZE = 50\n'
    ),
    "template/README.md.jinja": (
        "# {{ project_name }}\n\nIntro.\n\n## Usage\n\nRun it.\n\n## Notes\n\nNone.\n"
    ),
    "template/pyproject.toml.jinja": (
        '[project]\nname = "demo"\nrequires-python = ">=3.10"\ndependencies = [\n'
        '    "fastapi>=0.110",\n]\n\n[tool.ruff]\nline-length = 100\n'
    ),
    "template/app/obsolete.py": "OLD = True\n",
    "template/app/extras.py": "EXTRA = 1\n",
}

V2: dict[str, str] = {
    **{k: v for k, v in V1.items() if k != "template/app/obsolete.py"},
    "copier.yml": V1["copier.yml"] + "metrics:\n  type: bool\n  default: false\n",
    "template/app/settings.py.jinja": (
        'NAME = "{{ project_name }}"\nTIMEOUT = 30\nRETRIES = 3\nPAGE_SIZE = 50\n'
        "METRICS = {{ metrics }}\n"
    ),
    "template/README.md.jinja": (
        "# {{ project_name }}\n\nIntro, now longer.\n\n## Usage\n\nRun it.\n\n## Notes\n\nNone.\n"
    ),
    "template/pyproject.toml.jinja": (
        '[project]\nname = "demo"\nrequires-python = ">=3.10"\ndependencies = [\n'
        '    "fastapi>=0.110",\n]\n\n[tool.ruff]\nline-length = 110\n'
    ),
    "template/app/health.py": "def healthy() -> bool:\n    return True\n",
}


# Who commits the template repositories and owner changes tests make, on a machine whose git has
# no identity configured (a test's own identity, set in the environment, wins).
TEST_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Template Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}


def run(cwd: Path, *args: str) -> str:
    """Run a command in `cwd`, failing the test with its output if it fails."""
    env = {**TEST_IDENTITY, **os.environ}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{args} failed: {result.stdout}{result.stderr}"
    return result.stdout


def write_tree(root: Path, files: dict[str, str]) -> None:
    """Replace the copier.yml + template/ content of `root` with `files`."""
    run(root, "git", "rm", "-rq", "--ignore-unmatch", ".")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


# Where make_template_repo keeps the repositories it built in this process (set by conftest.py).
BUILT: dict[str, Path] = {}
built_root: Path | None = None


def _build_template_repo(root: Path, versions: dict[str, dict[str, str]]) -> None:
    root.mkdir(parents=True)

    def git(*args: str) -> None:
        # The template author's identity, whatever the asking test set: every copy is the same.
        env = {**os.environ, **TEST_IDENTITY}
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    for tag, files in versions.items():
        write_tree(root, files)
        git("add", "-A")
        git("commit", "-qm", f"template {tag}", "--allow-empty")
        git("tag", tag)


def make_template_repo(root: Path, versions: dict[str, dict[str, str]]) -> Path:
    """A git repository at `root` with one commit and tag per version (insertion order).

    Each history is built once per process and copied: a copy costs a fraction of the dozen git
    commands that build it.
    """
    if built_root is None:
        _build_template_repo(root, versions)
        return root
    key = hashlib.sha256(json.dumps(list(versions.items())).encode()).hexdigest()[:16]
    if key not in BUILT:
        _build_template_repo(built_root / key, versions)
        BUILT[key] = built_root / key
    root.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(BUILT[key], root, symlinks=True)
    return root


def bundle_of(versions: dict[str, dict[str, str]], out: Path) -> Path:
    """A template history as an installation ships it: a git bundle, one tag per version."""
    repo = make_template_repo(out.with_name(out.name + ".repo"), versions)
    run(repo, "git", "bundle", "create", "-q", str(out), "--all")
    return out


# Who commits a project's own changes in tests that isolate HOME.
OWNER_IDENTITY = {
    "GIT_AUTHOR_NAME": "Owner",
    "GIT_AUTHOR_EMAIL": "owner@example.com",
    "GIT_COMMITTER_NAME": "Owner",
    "GIT_COMMITTER_EMAIL": "owner@example.com",
}


@pytest.fixture
def isolated_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checkout_builds: Path | None
) -> Path:
    """HOME (and so ~/.cache/mvpscaffold) inside the test's tmp dir, plus a git identity.

    The cache starts with nothing published, but with this checkout's release bundle already
    built (see checkout_builds): the stand-in for the bundle a wheel ships.
    """
    home = tmp_path / "home"
    home.mkdir()
    if checkout_builds is not None:
        shutil.copytree(checkout_builds, home / ".cache" / "mvpscaffold" / "builds")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for key, value in OWNER_IDENTITY.items():
        monkeypatch.setenv(key, value)
    return home


def generate(src: str, dest: Path, ref: str, data: dict[str, object] | None = None) -> Path:
    """Render `src` at `ref` into `dest`, lock it and commit it, as `mvpscaffold new` does."""
    from copier import run_copy

    from mvpscaffold.tools import uv_lock

    run_copy(src, dest, data=data or {}, vcs_ref=ref, defaults=True, unsafe=True, quiet=True)
    if (dest / "pyproject.toml").is_file():
        uv_lock(dest)  # as with `new`, a project that cannot be locked is committed without uv.lock
    run(dest, "git", "init", "-q", "-b", "main")
    run(dest, "git", "add", "-A")
    run(dest, "git", "commit", "-qm", "generated")
    return dest
