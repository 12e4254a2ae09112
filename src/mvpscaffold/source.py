"""Where the default template comes from: the offline release history under ~/.cache/mvpscaffold.

An installed mvpscaffold ships `template.bundle` (every release of copier.yml + template/, built by
hatch_build.py). A source checkout builds the same bundle from the repository (cached by content).
Either way its tags are fetched into one cache repository, so several installed versions add up, and
that repository is exported as ~/.cache/mvpscaffold/template.bundle: the literal,
machine-independent `_src_path` every generated project records.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from packaging.version import Version

from mvpscaffold import TEMPLATE_NAME, __version__, history
from mvpscaffold.errors import ToolError
from mvpscaffold.tools import git
from mvpscaffold.versions import newest_version, parse_version

# Stock mvpscaffold's projects record ~/.cache/mvpscaffold/template.bundle, a fork's wheel its own.
CACHE_LITERAL = f"~/.cache/{TEMPLATE_NAME}"
BUNDLE_LITERAL = f"{CACHE_LITERAL}/template.bundle"
SHIPPED_BUNDLE = Path(__file__).with_name("template.bundle")


def cache_dir() -> Path:
    """The cache directory, resolved for this user (HOME decides, as it does for copier's `~`)."""
    return Path(os.path.expanduser(CACHE_LITERAL))


def is_default_source(src: str) -> bool:
    """Whether a recorded `_src_path` is this installation's own template history."""
    return src == BUNDLE_LITERAL or os.path.expanduser(src) == os.path.expanduser(BUNDLE_LITERAL)


def newest_for(src: str, versions: dict[Version, str]) -> Version | None:
    """This installation's own version for its own template (even a .dev one), else the newest."""
    ours = parse_version(__version__)
    if is_default_source(src) and ours in versions:
        return ours
    return newest_version(versions)


def bundle_literal() -> str:
    """The `_src_path` projects made by this installation record."""
    return BUNDLE_LITERAL


def default_template() -> tuple[str, str]:
    """Return (copier source, vcs ref) of the template `mvpscaffold new` renders by default."""
    publish_history()
    return BUNDLE_LITERAL, __version__


def source_checkout_root() -> Path | None:
    """The repository root when mvpscaffold runs from a source checkout (editable, tests)."""
    root = Path(__file__).resolve().parents[2]
    if (root / ".git").exists() and (root / "copier.yml").is_file():
        return root
    return None


@contextmanager
def _cache_lock() -> Iterator[Path]:
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        # Two mvpscaffold processes publishing at once must not interleave their git writes.
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield root


def packaged_bundle() -> tuple[Path, str]:
    """This installation's release bundle and an identity that changes when its content does."""
    with _cache_lock():
        return _packaged_bundle()


def _packaged_bundle() -> tuple[Path, str]:
    checkout = source_checkout_root()
    if checkout is not None:
        try:
            snapshots = history.release_snapshots(checkout, __version__, worktree_wins=True)
        except RuntimeError as error:
            raise ToolError(f"Cannot read the template history of {checkout}: {error}") from error
        key = history.content_key(snapshots)
        builds = cache_dir() / "builds"
        bundle = builds / f"{key}.bundle"
        if not bundle.is_file():
            history.write_bundle(snapshots, bundle)
            _prune(builds, keep=bundle)
        return bundle, f"build {key}"
    if SHIPPED_BUNDLE.is_file():
        stat = SHIPPED_BUNDLE.stat()
        return SHIPPED_BUNDLE, f"shipped {SHIPPED_BUNDLE} {stat.st_size} {stat.st_mtime_ns}"
    raise ToolError(
        "This mvpscaffold installation has no template history (template.bundle is missing)."
    )


def _prune(builds: Path, keep: Path) -> None:
    """Drop development bundles unused for a day (other checkouts may still be using newer ones)."""
    stale_before = time.time() - 86_400
    for old in builds.glob("*.bundle"):
        if old != keep and old.stat().st_mtime < stale_before:
            old.unlink(missing_ok=True)


def publish_history() -> Path:
    """Merge this installation's releases into the cache and export the shared bundle."""
    with _cache_lock() as root:
        bundle, identity = _packaged_bundle()
        exported = root / "template.bundle"
        last = root / "template.source"
        # Only the last publisher counts: a development build may have re-tagged its version since.
        if exported.is_file() and last.is_file() and last.read_text() == identity:
            return exported
        union = root / "history.git"
        if not (union / "HEAD").is_file():
            git(["init", "--quiet", "--bare", "--initial-branch=main", str(union)])
        # --force: an unreleased (development) version is re-tagged each time its content changes.
        fetch = [
            "fetch",
            "--quiet",
            "--force",
            "--no-tags",
            str(bundle),
            "+refs/tags/*:refs/tags/*",
        ]
        _refuse_rewritten_releases(union, bundle)
        git(fetch, cwd=union)
        tags = {parse_version(t): t for t in git(["tag", "--list"], cwd=union).split()}
        newest = tags[max(version for version in tags if version is not None)]
        git(["update-ref", "refs/heads/main", f"refs/tags/{newest}^{{commit}}"], cwd=union)
        partial = root / "template.bundle.partial"
        # One packing thread: the same tags give the same bundle bytes.
        git(
            ["-c", "pack.threads=1", "bundle", "create", "--quiet", str(partial), "--all"],
            cwd=union,
        )
        partial.replace(exported)
        last.write_text(identity)
        return exported


def _tag_commits(args: list[str], cwd: Path) -> dict[str, str]:
    """tag -> commit, from `git show-ref`-shaped output (`bundle list-heads`, `for-each-ref`)."""
    pairs = (line.split(" ", 1) for line in git(args, cwd=cwd).splitlines() if " " in line)
    return {
        ref.removeprefix("refs/tags/"): sha for sha, ref in pairs if ref.startswith("refs/tags/")
    }


def _refuse_rewritten_releases(union: Path, bundle: Path) -> None:
    """Refuse to replace a release the cache holds with other content.

    Every build of one template rebuilds each release byte for byte, so other content means
    another template published under the same name (a fork's wheel that kept TEMPLATE_NAME).
    A development version may change, as may this checkout's own version while it is worked on.
    """
    cached = _tag_commits(["for-each-ref", "--format=%(objectname) %(refname)", "refs/tags"], union)
    offered = _tag_commits(["bundle", "list-heads", str(bundle)], union)
    for tag, commit in offered.items():
        version = parse_version(tag)
        if tag not in cached or cached[tag] == commit or version is None:
            continue
        if version.is_devrelease or (tag == __version__ and source_checkout_root()):
            continue
        raise ToolError(
            f"{CACHE_LITERAL} already holds template {tag} with other content than this"
            f" installation's: another build of the template is named {TEMPLATE_NAME!r} too;"
            " give a fork's distribution and its TEMPLATE_NAME a name of their own (docs/FORKS.md)."
        )
