"""Where templates come from: every form of source copier takes, and the default template's history.

The default template travels as a git bundle with one commit and tag per release of copier.yml,
template/ and resource/, made with fixed authors and dates so every build of a release has the
same hash. template-versions.toml maps each release to its commit of this repository; the working
tree is the current version. The wheel ships the bundle (hatch_build.py), a source checkout builds
it. Its tags are fetched into ~/.cache/mvpscaffold/history.git, so the versions of several
installations add up, and exported as ~/.cache/mvpscaffold/template.bundle: the literal,
machine-independent `_src_path` every project records, which plain `copier update` reads too.

Standard library, packaging and tools only: the build hook imports this module.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
import tomllib
from contextlib import suppress
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.version import InvalidVersion, Version

from mvpscaffold import TEMPLATE_NAME, __version__
from mvpscaffold.errors import ToolError
from mvpscaffold.tools import git, run_git

SHORTCUTS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
# Sources copier itself reads as git URLs; any other URL needs "git+" in front for copier.
COPIER_GIT_PREFIXES = ("git@", "git://", "git+", *SHORTCUTS.values(), *SHORTCUTS)
# Stock mvpscaffold's projects record ~/.cache/mvpscaffold/template.bundle, a fork's wheel its own.
CACHE_LITERAL = f"~/.cache/{TEMPLATE_NAME}"
BUNDLE_LITERAL = f"{CACHE_LITERAL}/template.bundle"
SHIPPED_BUNDLE = Path(__file__).parents[1] / "template.bundle"
RELEASE_MAP_FILE = "template-versions.toml"
TEMPLATE_PATHS = ("copier.yml", "template", "resource")
AUTHOR = {"NAME": "mvpscaffold release", "EMAIL": "release@mvpscaffold.invalid"}
EPOCH = 1_577_836_800  # 2020-01-01T00:00:00Z; a release's commit date adds minutes to it


# --- Sources in every form copier takes ------------------------------------------------------


def git_url(src: str) -> str:
    """The URL or path git takes for a copier source (shortcuts expanded, `git+` dropped)."""
    for alias, base in SHORTCUTS.items():
        if src.startswith(alias):
            path = src[len(alias) :].lstrip("/")
            return base + (path if path.endswith(".git") else f"{path}.git")
    if src.startswith("git+"):
        return src[len("git+") :]
    return src if "://" in src or src.startswith("git@") else os.path.expanduser(src)


def local_path(src: str) -> Path | None:
    """The file or folder a source names on this machine (file:// included); None when remote."""
    url = git_url(src)
    if url.startswith("file://"):
        return Path(unquote(urlsplit(url).path))
    return None if "://" in url or url.startswith("git@") else Path(url)


def copier_source(src: str) -> str:
    """The form of `src` a project records as `_src_path`: one copier reads on any later update.

    A relative path becomes absolute (an update may run from another folder); `~/...` paths (but
    `~/x.git`, which copier would not expand) and URLs stay as written, so they mean the same on
    another machine. Forms copier alone would not read as git (file:// URLs, a bare repository's
    path, other hosts' https URLs) get `git+`.
    """
    path = local_path(src)
    if path is None or src.startswith("git+"):
        return src if src.startswith(COPIER_GIT_PREFIXES) or src.endswith(".git") else f"git+{src}"
    if src.startswith("file://"):
        return f"git+{src}"
    if (path / "HEAD").is_file() and (path / "objects").is_dir() and not src.endswith(".git"):
        return f"git+file://{path.resolve()}"  # a bare repository, which copier reads as git
    # copier expands `~` in a path, but takes one ending in .git for a URL, which it does not.
    return src if src.startswith("~") and not src.endswith(".git") else str(path.resolve())


def is_default_source(src: str) -> bool:
    """Whether a source is this installation's own template history."""
    return os.path.expanduser(src) == os.path.expanduser(BUNDLE_LITERAL)


def newest_for(
    src: str, versions: dict[Version, str], current: Version | None = None
) -> Version | None:
    """This installation's own version of its own template (a .dev one too), else the newest
    for a project on `current`."""
    from mvpscaffold.templates.versions import newest_version

    ours = Version(__version__)
    if is_default_source(src) and ours in versions:
        return ours
    return newest_version(versions, current)


def same_source(one: str, other: str) -> bool:
    """Whether two sources name the same template (same URL, or the same folder or file)."""
    if one == other or git_url(one) == git_url(other):
        return True
    first, second = local_path(one), local_path(other)
    return first is not None and second is not None and first.resolve() == second.resolve()


# --- The default template's release history -------------------------------------------------


def release_key(version: str) -> Version:
    """A release's version as PEP 440 orders it; only its normal form names a release (1.0.0rc1)."""
    with suppress(InvalidVersion):
        if str(parsed := Version(version)) == version:
            return parsed
    raise ValueError(f"{version!r} is not a version number in PEP 440's normal form")


def commit_timestamp(version: str) -> int:
    """The commit date of a version, derived from its number so it is the same on every machine."""
    major, minor, patch = (*release_key(version).release, 0, 0)[:3]
    return EPOCH + 60 * (major * 1_000_000 + minor * 1_000 + patch)


def read_release_map(root: Path) -> dict[str, str]:
    """The release map (version -> commit) of the repository at `root`, oldest version first."""
    path = root / RELEASE_MAP_FILE
    releases = tomllib.loads(path.read_text(encoding="utf-8"))["releases"] if path.is_file() else {}
    return {str(v): str(c) for v, c in sorted(releases.items(), key=lambda kv: release_key(kv[0]))}


def template_is_dirty(root: Path) -> bool:
    """Whether the template's files differ from the last commit (or git cannot tell)."""
    status = run_git(
        ["status", "--porcelain", "--untracked-files=all", "--", *TEMPLATE_PATHS], cwd=root
    )
    return status.returncode != 0 or bool(status.stdout.strip())


def build_bundle(root: Path, version: str, folder: Path, *, worktree_wins: bool = False) -> Path:
    """Write the bundle of every release plus the working tree as `version` into `folder`.

    Its name is a hash of its content, so a bundle already there is reused. When `version` is a
    mapped release whose template the working tree has changed, a release build stops (bump
    __version__ first); a development run (`worktree_wins`) ships the working tree instead.
    """
    releases = read_release_map(root)
    if development := [v for v in releases if release_key(v).is_devrelease]:
        raise RuntimeError(
            f"{RELEASE_MAP_FILE} maps development version {development[0]}; only releases"
            " belong there (docs/RELEASING.md)"
        )
    if releases and release_key(version) < release_key(next(reversed(releases))):
        raise RuntimeError(f"version {version} is older than the newest release in the map")
    with tempfile.TemporaryDirectory(prefix="mvpscaffold-history-") as scratch:
        repo = Path(scratch) / "history.git"
        git(["init", "--quiet", "--bare", "--initial-branch=main", str(repo)])
        # The repository's objects are read in place; only the new trees and commits are written.
        common = git(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=root).strip()
        (repo / "objects" / "info" / "alternates").write_text(f"{common}/objects\n")
        trees = {v: _release_tree(repo, commit) for v, commit in releases.items()}
        # The template's paths as the working tree has them (what the next commit holds).
        env = {"GIT_INDEX_FILE": str(repo / "worktree.index"), "GIT_WORK_TREE": str(root)}
        paths = [path for path in TEMPLATE_PATHS if (root / path).exists()]
        git(["--git-dir", str(repo), "add", "--all", "--", *paths], cwd=root, env=env)
        worktree = git(["--git-dir", str(repo), "write-tree"], cwd=root, env=env).strip()
        if version in trees and trees[version] != worktree and not worktree_wins:
            raise RuntimeError(
                f"copier.yml or template/ changed since release {version}"
                f" ({releases[version][:12]}); bump __version__ (docs/RELEASING.md)"
            )
        trees[version] = worktree
        # The map is oldest first and `version` is no older than its newest: trees are in order.
        key = hashlib.sha256(repr(list(trees.items())).encode()).hexdigest()[:24]
        bundle = folder / f"{key}.bundle"
        if not bundle.is_file():
            _commit_releases(repo, trees)
            folder.mkdir(parents=True, exist_ok=True)
            _write_bundle(repo, bundle)
    return bundle


def _release_tree(repo: Path, commit: str) -> str:
    """A tree of the template's paths alone, as they were at `commit` of the repository."""
    entries = git(["ls-tree", commit, "--", *TEMPLATE_PATHS], cwd=repo)
    if "\tcopier.yml\n" not in entries:
        raise RuntimeError(f"commit {commit} has no copier.yml: it cannot be a template release")
    return git(["mktree"], cwd=repo, data=entries).strip()


def _commit_releases(repo: Path, trees: dict[str, str]) -> None:
    """One commit per release (oldest first), each on the one before: the tags and branch main."""
    parent: list[str] = []
    for version, tree in trees.items():
        env = {
            f"GIT_{who}_{what}": value
            for who in ("AUTHOR", "COMMITTER")
            for what, value in {**AUTHOR, "DATE": f"{commit_timestamp(version)} +0000"}.items()
        }
        message = f"mvpscaffold template {version}"
        commit = git(["commit-tree", tree, *parent, "-m", message], cwd=repo, env=env).strip()
        git(["update-ref", f"refs/tags/{version}", commit], cwd=repo)
        parent = ["-p", commit]
    git(["update-ref", "refs/heads/main", parent[-1]], cwd=repo)


# --- Published for copier under ~/.cache ----------------------------------------------------


def cache_dir() -> Path:
    """The cache directory, resolved for this user (HOME decides, as it does for copier's `~`)."""
    return Path(os.path.expanduser(CACHE_LITERAL))


def source_checkout_root() -> Path | None:
    """The repository root when mvpscaffold runs from a source checkout (editable, tests)."""
    root = Path(__file__).resolve().parents[3]
    return root if (root / ".git").exists() and (root / "copier.yml").is_file() else None


def default_template() -> tuple[str, str]:
    """The copier source and version tag `mvpscaffold new` renders by default (published first)."""
    publish_history()
    return BUNDLE_LITERAL, __version__


def packaged_bundle() -> Path:
    """This installation's release bundle: the wheel's, or a source checkout's (built, cached)."""
    checkout = source_checkout_root()
    if checkout is None:
        if not SHIPPED_BUNDLE.is_file():
            raise ToolError(
                "This mvpscaffold installation has no template history (no template.bundle)."
            )
        return SHIPPED_BUNDLE
    builds = cache_dir() / "builds"
    try:
        bundle = build_bundle(checkout, __version__, builds, worktree_wins=True)
    except RuntimeError as error:
        raise ToolError(f"Cannot read the template history of {checkout}: {error}") from error
    for old in builds.glob("*.bundle"):  # another checkout may still use a bundle of today
        if old != bundle and old.stat().st_mtime < time.time() - 86_400:
            old.unlink(missing_ok=True)
    return bundle


def publish_history() -> Path:
    """Fetch this installation's releases into the cache and export the shared bundle."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        # Two mvpscaffold processes publishing at once must not interleave their git writes.
        fcntl.flock(lock, fcntl.LOCK_EX)
        bundle = packaged_bundle()
        exported, last = root / "template.bundle", root / "template.source"
        identity = f"{bundle} {bundle.stat().st_size} {bundle.stat().st_mtime_ns}"
        # Only the last publisher counts: a development build may have re-tagged its version since.
        if exported.is_file() and last.is_file() and last.read_text() == identity:
            return exported
        union = root / "history.git"
        if not (union / "HEAD").is_file():
            git(["init", "--quiet", "--bare", "--initial-branch=main", str(union)])
        _refuse_rewritten_releases(union, bundle)
        # --force: a development version is tagged again each time its content changes.
        git(["fetch", "--quiet", "--force", str(bundle), "+refs/tags/*:refs/tags/*"], cwd=union)
        tags = {Version(t): t for t in git(["tag", "--list"], cwd=union).split()}
        git(["update-ref", "refs/heads/main", f"refs/tags/{tags[max(tags)]}^{{commit}}"], cwd=union)
        _write_bundle(union, exported)
        last.write_text(identity)
        return exported


def _write_bundle(repo: Path, bundle: Path) -> None:
    """Write every ref of `repo` into `bundle`, whole or not at all (builds may race)."""
    partial = bundle.with_suffix(f".{os.getpid()}.partial")
    # One packing thread: the same commits give the same bundle bytes.
    git(["-c", "pack.threads=1", "bundle", "create", "--quiet", str(partial), "--all"], cwd=repo)
    partial.replace(bundle)


def _refuse_rewritten_releases(union: Path, bundle: Path) -> None:
    """Refuse to replace a release the cache holds with other content.

    Every build of one template rebuilds each release byte for byte, so other content means
    another template published under the same name (a fork's wheel that kept TEMPLATE_NAME). A
    development version may change, as may this checkout's own version while it is worked on.
    """

    def tags(repo: Path) -> dict[str, str]:
        listed = git(["ls-remote", "--tags", "--refs", str(repo)]).splitlines()
        return {ref.removeprefix("refs/tags/"): sha for sha, ref in (t.split("\t") for t in listed)}

    cached = tags(union)
    for tag, commit in tags(bundle).items():
        mutable = Version(tag).is_devrelease or (tag == __version__ and source_checkout_root())
        if cached.get(tag, commit) != commit and not mutable:
            raise ToolError(
                f"{CACHE_LITERAL} already holds template {tag} with other content than this"
                f" installation's: another build of the template is named {TEMPLATE_NAME!r} too;"
                " give a fork's distribution and its TEMPLATE_NAME a name of their own"
                " (docs/FORKS.md)."
            )
