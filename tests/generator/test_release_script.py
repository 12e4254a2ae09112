"""scripts/release.py: RELEASING.md's steps 2 to 4, run from a clean clone."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from helpers import commit_all, git

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "release.py"


def _clone(root: Path) -> Path:
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "scripts" / "release.py")
    (root / "src" / "mvpscaffold").mkdir(parents=True)
    (root / "src" / "mvpscaffold" / "__init__.py").write_text('__version__ = "0.4.0.dev0"\n')
    (root / "template-versions.toml").write_text('[releases]\n"0.3.0" = "abc"\n')
    commit_all(root, "main")
    return root


def _release(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    identity = {"GIT_AUTHOR_NAME": "R", "GIT_AUTHOR_EMAIL": "r@x", "GIT_COMMITTER_NAME": "R"}
    env = {"PATH": "/usr/bin:/bin", "GIT_COMMITTER_EMAIL": "r@x", **identity}
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "release.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_a_release_is_committed_mapped_and_followed_by_the_next_development_version(
    tmp_path: Path,
) -> None:
    root = _clone(tmp_path / "clone")

    done = _release(root, "0.4.0", "0.5.0.dev0", "--no-build")

    assert done.returncode == 0, done.stderr
    release = git(["rev-parse", "HEAD~1"], root).strip()
    assert git(["show", "HEAD~1:src/mvpscaffold/__init__.py"], root) == '__version__ = "0.4.0"\n'
    mapped = (root / "template-versions.toml").read_text()
    assert mapped == f'[releases]\n"0.3.0" = "abc"\n"0.4.0" = "{release}"\n'
    assert (root / "src" / "mvpscaffold" / "__init__.py").read_text() == (
        '__version__ = "0.5.0.dev0"\n'
    )
    assert git(["status", "--porcelain"], root) == ""


def test_a_release_is_never_cut_twice_nor_from_a_dirty_clone(tmp_path: Path) -> None:
    root = _clone(tmp_path / "clone")
    assert _release(root, "0.4.0", "0.5.0.dev0", "--no-build").returncode == 0
    head = git(["rev-parse", "HEAD"], root)

    again = _release(root, "0.4.0", "0.6.0.dev0", "--no-build")
    (root / "stray.txt").write_text("x")
    dirty = _release(root, "0.5.0", "0.6.0.dev0", "--no-build")

    assert (again.returncode, dirty.returncode) == (2, 2)
    assert "0.4.0 is already in template-versions.toml" in again.stderr
    assert "uncommitted changes" in dirty.stderr
    assert git(["rev-parse", "HEAD"], root) == head  # nothing committed


def test_the_actions_are_pinned_to_their_newest_release_commit(tmp_path: Path) -> None:
    server = tmp_path / "server"
    checkout = server / "actions" / "checkout"
    checkout.mkdir(parents=True)
    for tag in ("v6.0.3", "v6.1.0", "v7.0.0-beta"):
        (checkout / "file").write_text(tag)
        commit_all(checkout, tag)
        git(["tag", "-a", "-m", tag, tag], checkout)
    newest = git(["rev-parse", "v6.1.0^{commit}"], checkout).strip()
    root = tmp_path / "clone"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT.with_name("bump_actions.py"), root / "scripts")
    workflow = root / "template" / "ci.yml.jinja"
    workflow.parent.mkdir()
    old = "      - uses: actions/checkout@" + "a" * 40 + " # v6.0.3\n"
    workflow.write_text(f"steps:\n{old}{old}")

    done = subprocess.run(
        [sys.executable, str(root / "scripts" / "bump_actions.py"), "--server", server.as_uri()],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    pinned = f"      - uses: actions/checkout@{newest} # v6.1.0\n"
    assert workflow.read_text() == f"steps:\n{pinned}{pinned}"
    assert done.stdout == ("template/ci.yml.jinja: actions/checkout v6.0.3 -> v6.1.0\n" * 2)
