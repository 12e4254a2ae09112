"""Write template/uv.lock.jinja: uv's own lock of this template release, for any answer set.

The template's pyproject.toml declares every optional feature as an extra, so one `uv lock` covers
every answer set and a new project starts from the versions the template's tests ran against (the
project's name becomes a template variable). Run it after changing the dependencies in
template/pyproject.toml.jinja (test_release_lock.py fails until you do), and with --upgrade before
a release to move every pin to its newest version:

    .venv/bin/python scripts/lock_template.py [--upgrade]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

try:
    from copier import run_copy

    from mvpscaffold.tools import uv_lock
except ImportError as missing:
    sys.exit(
        f"{missing.name} is not installed here: run this with the environment of the README's"
        " step 2 (.venv/bin/python scripts/lock_template.py)."
    )

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "template" / "uv.lock.jinja"
PLACEHOLDER = "lock-root"
FEATURES = {"database": "postgresql", "jobs": "redis", "error_tracking": True, "metrics": True}


def main(argv: list[str] | None = None) -> int:
    """Render the template, lock it with uv (from the current pins unless --upgrade), write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="move every pin to its newest")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lock-template-") as work:
        project = Path(work) / PLACEHOLDER
        # Every feature on: the lock the template shipped before then holds every package's pin.
        data = {"project_slug": PLACEHOLDER, **FEATURES}
        run_copy(str(ROOT), project, data=data, defaults=True, quiet=True, vcs_ref="HEAD")
        problem = uv_lock(project, "--upgrade" if args.upgrade else "")
        if problem is not None:
            sys.exit(problem)
        lock = (project / "uv.lock").read_text(encoding="utf-8")
    if any(mark in lock for mark in ("{{", "{%", "{#")):
        sys.exit("uv.lock holds Jinja syntax; escape it before writing the template.")
    OUTPUT.write_text(lock.replace(f'"{PLACEHOLDER}"', '"{{ project_slug }}"'), encoding="utf-8")
    print(f"{OUTPUT.relative_to(ROOT)}: {lock.count('[[package]]') - 1} packages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
