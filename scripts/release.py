"""Cut release X, as docs/RELEASING.md's steps 2 to 4 say, from a clean clone:

    .venv/bin/python scripts/release.py 0.4.0 0.5.0.dev0 [--no-build]

It commits `__version__ = "X"` (that commit, C, is release X), builds dist/ from C with this
Python's `build` (not with --no-build), maps X to C in template-versions.toml and commits the next
development version. Nothing is committed when a check fails; publishing dist/ is left to you.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
INIT = ROOT / "src" / "mvpscaffold" / "__init__.py"
RELEASE_MAP = ROOT / "template-versions.toml"


def git(*args: str) -> str:
    """Run git in the clone and return its output."""
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def set_version(version: str) -> None:
    """Write `__version__ = "version"` into the package."""
    text = INIT.read_text(encoding="utf-8")
    INIT.write_text(
        re.sub(r'^__version__ = ".*"$', f'__version__ = "{version}"', text, count=1, flags=re.M),
        encoding="utf-8",
    )


def problem(release: str, following: str) -> str | None:
    """Why these versions cannot be cut from this clone, or None."""
    try:
        cut, after = Version(release), Version(following)
    except InvalidVersion as error:
        return f"{error}; give versions such as 0.4.0 0.5.0.dev0."
    if cut.is_devrelease or str(cut) != release:
        return f"{release} is not a release in PEP 440's normal form (such as 0.4.0)."
    if not after.is_devrelease or after <= cut:
        return f"{following} must be a development version after {release} (such as 0.5.0.dev0)."
    if git("status", "--porcelain"):
        return "The clone has uncommitted changes; commit or stash them first."
    if re.search(rf'^"{re.escape(release)}" =', RELEASE_MAP.read_text(), re.M):
        return f"{release} is already in {RELEASE_MAP.name}; a release is never cut twice."
    return None


def main() -> int:
    """Cut the release; one sentence and exit 2 when the clone or the versions do not allow it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release")
    parser.add_argument("following", metavar="next")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if why := problem(args.release, args.following):
        print(f"Error: {why}", file=sys.stderr)
        return 2
    set_version(args.release)
    git("commit", "-qam", f"Release {args.release}: the template at this commit is {args.release}")
    commit = git("rev-parse", "HEAD")
    if not args.no_build:
        built = subprocess.run([sys.executable, "-m", "build", "--outdir", "dist", str(ROOT)])
        if built.returncode:
            print(
                f"Error: the build of {commit} failed; fix it, build again, then map it (step 4)."
            )
            return 3
    RELEASE_MAP.write_text(
        RELEASE_MAP.read_text().rstrip("\n") + f'\n"{args.release}" = "{commit}"\n',
        encoding="utf-8",
    )
    set_version(args.following)
    git("commit", "-qam", f"{args.release} is mapped to {commit[:12]}; {args.following} is next")
    print(f"Release {args.release} is {commit}; publish dist/*{args.release}*.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
