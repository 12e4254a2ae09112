"""Pin every GitHub Action the template's workflows use to its newest release (docs/RELEASING.md):

    .venv/bin/python scripts/bump_actions.py [--server https://github.com]

Each `uses: OWNER/REPO@<40-hex commit> # vX.Y.Z` becomes the commit of the newest vX.Y.Z tag
`git ls-remote` lists for that repository on the server, with its tag in the comment; each change
is printed. Needs the network (or a mirror given with --server).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"uses: (?P<repo>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # (?P<tag>v[\w.]+)")


def newest(server: str, repo: str) -> tuple[str, str]:
    """(commit, tag) of the newest release tag (vX.Y.Z) of `repo`, peeled to its commit."""
    listed = subprocess.run(
        ["git", "ls-remote", "--tags", f"{server.rstrip('/')}/{repo}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commits = {}
    for line in listed.splitlines():  # an annotated tag's "^{}" line, after it, names its commit
        sha, ref = line.split("\t")
        commits[ref.removeprefix("refs/tags/").removesuffix("^{}")] = sha
    releases = [tag for tag in commits if re.fullmatch(r"v\d+(\.\d+)*", tag)]
    tag = max(releases, key=Version)
    return commits[tag], tag


def main() -> int:
    """Rewrite the pins in place; print each change."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="https://github.com")
    server = parser.parse_args().server
    found: dict[str, tuple[str, str]] = {}
    for path in sorted((ROOT / "template").rglob("*.yml*")):
        text = path.read_text(encoding="utf-8")
        for match in PIN.finditer(text):
            repo = match["repo"]
            sha, tag = found[repo] = found.get(repo) or newest(server, repo)
            if (sha, tag) != (match["sha"], match["tag"]):
                print(f"{path.relative_to(ROOT)}: {repo} {match['tag']} -> {tag}")
                text = text.replace(match[0], f"uses: {repo}@{sha} # {tag}")
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
