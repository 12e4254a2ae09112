"""Template sources in every form copier takes, and the one git URL each of them stands for.

copier accepts a git working tree or bundle path, `~/...`, `gh:`/`gl:` shortcuts and `git+`, `git@`,
`git://` URLs. `new`, `check` and `update` read every source through `git_url` (what git itself
takes) and record it as `copier_source` (what copier takes back on every later update).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mvpscaffold.tools import run_git

SHORTCUTS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
# Sources copier itself reads as git URLs; any other URL needs "git+" in front for copier.
COPIER_GIT_PREFIXES = ("git@", "git://", "git+", "https://github.com/", "https://gitlab.com/")


def git_url(src: str) -> str:
    """The URL or path git takes for a copier source (shortcuts expanded, `git+` dropped)."""
    for alias, base in SHORTCUTS.items():
        if src.startswith(alias):
            path = src[len(alias) :].lstrip("/")
            return base + (path if path.endswith(".git") else f"{path}.git")
    if src.startswith("git+"):
        return src[len("git+") :]
    if is_url(src):
        return src
    return os.path.expanduser(src)


def is_url(src: str) -> bool:
    """Whether a source names a remote (or file://) location rather than a path."""
    return "://" in src or src.startswith(("git@", *SHORTCUTS))


def local_path(src: str) -> Path | None:
    """The file or folder a source names on this machine (file:// included); None when remote."""
    url = git_url(src)
    if url.startswith("file://"):
        return Path(unquote(urlsplit(url).path))
    if is_url(url):
        return None
    return Path(url)


def git_dir_kind(path: Path) -> str | None:
    """ "worktree" (the root of a working tree), "bare", "bundle", or None for anything else."""
    if path.is_file():
        listed = run_git(["bundle", "list-heads", str(path.resolve())], cwd=path.parent)
        return "bundle" if listed.returncode == 0 else None
    if not path.is_dir():
        return None
    found = run_git(["rev-parse", "--is-bare-repository", "--absolute-git-dir"], cwd=path)
    lines = found.stdout.split("\n")
    if found.returncode != 0 or len(lines) < 2:
        return None
    if lines[0] == "true":
        return "bare" if Path(lines[1]).resolve() == path.resolve() else None
    top = run_git(["rev-parse", "--show-toplevel"], cwd=path).stdout.strip()
    return "worktree" if top and Path(top).resolve() == path.resolve() else None


def copier_source(src: str) -> str:
    """The form of `src` a project records as `_src_path`: one copier reads on any later update.

    A relative path becomes absolute (an update may run from another folder); `~/...` paths and
    URLs stay as written, so they mean the same on another machine. Forms copier alone would not
    read as git (file:// URLs, a bare repository's path, other hosts' https URLs) get `git+`.
    """
    path = local_path(src)
    if path is None:
        if src.startswith(COPIER_GIT_PREFIXES) or src.startswith(tuple(SHORTCUTS)):
            return src
        return src if src.endswith(".git") else f"git+{src}"
    if src.startswith(("file://", "git+")):
        return src if src.startswith("git+") else f"git+{src}"
    if git_dir_kind(path) == "bare" and not src.endswith(".git"):
        return f"git+file://{path.resolve()}"
    if src.startswith("~"):
        return src
    return str(path.resolve())


def same_source(one: str, other: str) -> bool:
    """Whether two sources name the same template (same URL, or the same folder or file)."""
    if one == other or git_url(one) == git_url(other):
        return True
    first, second = local_path(one), local_path(other)
    return first is not None and second is not None and first.resolve() == second.resolve()
