"""Write template/uv.lock.jinja: the uv.lock of this template release, for every answer set.

A generated project starts from the versions the template's own tests ran against, so `new` needs
no package index and two projects of one release install the same packages. Run this after a
change to template/pyproject.toml.jinja's dependencies (tests/template/test_release_lock.py fails
until you do), and with --upgrade before a release to move every pin to its newest version:

    .venv/bin/python scripts/lock_template.py [--upgrade]

How: the template is rendered once per combination of the answers that change the dependencies.
The combination that adds the most is locked first (keeping the current pins unless --upgrade);
every other one starts from that lock, so a package has one version in every answer set. The
locks are then merged into one template: a package block is kept under the condition of the
answer sets that have it, and the project's own block is placed where uv sorts its name.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

try:
    import jinja2
    from copier import run_copy

    from mvpscaffold.lockfile import uv_binary
except ImportError as missing:
    sys.exit(
        f"{missing.name} is not installed here: run this with the environment of the README's"
        " step 2 (.venv/bin/python scripts/lock_template.py)."
    )

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "template" / "uv.lock.jinja"

# The answers that change pyproject.toml's dependencies, each with its values, the value that adds
# dependencies last. tests/template/test_release_lock.py checks this against copier.yml.
DEPENDENCY_ANSWERS: Mapping[str, tuple[object, ...]] = {
    "database": ("sqlite", "postgresql"),
    "jobs": ("embedded", "redis"),
    "error_tracking": (False, True),
    "metrics": (False, True),
}
# The slug every combination is rendered with; its block is cut out and placed per project.
PLACEHOLDER = "lock-root"
HEADER = """\
{#- The uv.lock of this template release for every answer set: the package versions its tests ran
    against. Written by scripts/lock_template.py; run it again rather than editing this file.
    A package's block sits under the answers that need it; the project's own block goes where
    uv sorts the project's name. -#}
"""

Combination = tuple[tuple[str, object], ...]


def combinations() -> list[Combination]:
    """Every combination of the dependency answers, the one that adds the most first."""
    names = list(DEPENDENCY_ANSWERS)
    values = [tuple(reversed(DEPENDENCY_ANSWERS[name])) for name in names]
    return [tuple(zip(names, chosen, strict=True)) for chosen in itertools.product(*values)]


def render(combination: Combination, dest: Path) -> None:
    """Render the template's working tree (tracked files) with these answers into `dest`."""
    data = {"project_name": "Lock Root", "project_slug": PLACEHOLDER, **dict(combination)}
    run_copy(str(ROOT), dest, data=data, defaults=True, quiet=True, unsafe=True, vcs_ref="HEAD")


def uv_lock(project: Path, *args: str) -> None:
    uv = uv_binary()
    if uv is None:
        sys.exit("uv is not installed; install mvpscaffold's dependencies first.")
    env = {**os.environ, "UV_NO_PROGRESS": "1"}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [uv, "lock", "--quiet", "--no-python-downloads", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"`uv lock` failed in {project}:\n{done.stderr}")


def lock_all(work: Path, upgrade: bool) -> dict[Combination, str]:
    """The uv.lock text of every combination, all pinned alike."""
    locks: dict[Combination, str] = {}
    first: Path | None = None
    for combination in combinations():
        project = work / "-".join(str(value) for _, value in combination)
        render(combination, project)
        if first is None:
            uv_lock(project, *(["--upgrade"] if upgrade else []))
            first = project
        else:
            shutil.copyfile(first / "uv.lock", project / "uv.lock")
            uv_lock(project)
        locks[combination] = (project / "uv.lock").read_text(encoding="utf-8")
    return locks


SEPARATOR = "\n[[package]]\n"


def split(lock: str) -> tuple[str, list[str]]:
    """The header and the package blocks of a uv.lock, each block as written, blank line first."""
    header, *rest = lock.split(SEPARATOR)
    blocks = [SEPARATOR + block for block in rest]
    if header + "".join(blocks) != lock:
        sys.exit("uv.lock is not laid out as expected; update scripts/lock_template.py.")
    return header, blocks


def block_name(block: str) -> str:
    return block.split("\n", 3)[2].removeprefix('name = "').removesuffix('"')


def condition(present: set[Combination], every: list[Combination]) -> str | None:
    """A Jinja condition true for exactly the combinations in `present` (None: always)."""
    if len(present) == len(every):
        return None
    literals = [(name, value) for name, values in DEPENDENCY_ANSWERS.items() for value in values]
    for size in (1, 2, 3):
        for chosen in itertools.combinations(literals, size):
            matching = {combo for combo in every if all(pair in combo for pair in chosen)}
            if matching == present:
                return " and ".join(_literal(name, value) for name, value in chosen)
    sys.exit(f"No simple condition for {sorted(present)}; extend scripts/lock_template.py.")


def _literal(name: str, value: object) -> str:
    if isinstance(value, bool):
        return name if value else f"not {name}"
    return f'{name} == "{value}"'


def merge(locks: dict[Combination, str]) -> str:
    """One Jinja template that renders each combination's lock for any project slug."""
    every = list(locks)
    parts = {combo: split(text) for combo, text in locks.items()}
    headers = {header for header, _ in parts.values()}
    if len(headers) != 1:
        sys.exit("The answer sets' locks differ in their headers; lock them one by one instead.")
    root_blocks: dict[Combination, list[str]] = {}
    packages: dict[str, set[Combination]] = {}
    order: list[str] = []
    for combo, (_, blocks) in parts.items():
        for block in blocks:
            if block_name(block) == PLACEHOLDER:
                root_blocks[combo] = block.splitlines(keepends=True)
                continue
            if block not in packages:
                order.append(block)
            packages.setdefault(block, set()).add(combo)
    order.sort(key=block_name)  # stable: several versions of a package keep uv's order
    for block in order:
        if "{{" in block or "{%" in block or "{#" in block:
            sys.exit(f"A lock block holds Jinja syntax; escape it:\n{block}")

    out = [HEADER, _root_macro(root_blocks, every), next(iter(headers))]
    names = [block_name(block) for block in order]
    previous = ""
    for block, name in zip(order, names, strict=True):
        if name != previous:
            out.append(_root_between(previous, name))
            previous = name
        out.append(_guarded(block, condition(packages[block], every)))
    out.append(_root_between(previous, None))
    return "".join(out)


def _root_macro(root_blocks: dict[Combination, list[str]], every: list[Combination]) -> str:
    """The project's own block, its lines guarded by the answers that need them."""
    fullest = max(root_blocks.values(), key=len)
    present: list[set[Combination]] = [set() for _ in fullest]
    for combo, lines in root_blocks.items():
        matcher = difflib.SequenceMatcher(a=fullest, b=lines, autojunk=False)
        for tag, a1, a2, _, _ in matcher.get_opcodes():
            if tag not in ("equal", "delete"):
                sys.exit("An answer set's project block is not a subset of the fullest one.")
            if tag == "equal":
                for index in range(a1, a2):
                    present[index].add(combo)
    body: list[str] = []
    for guard, run in itertools.groupby(
        zip(fullest, present, strict=True), key=lambda pair: condition(pair[1], every)
    ):
        text = "".join(line for line, _ in run)
        body.append(_guarded(text, guard))
    text = "".join(body).replace(f'name = "{PLACEHOLDER}"', 'name = "{{ project_slug }}"', 1)
    return "{% macro project_block() %}" + text + "{% endmacro -%}\n"


def _guarded(text: str, guard: str | None) -> str:
    return text if guard is None else f"{{% if {guard} %}}{text}{{% endif %}}"


def _root_between(previous: str, following: str | None) -> str:
    """The project's block, when its name sorts between these two packages' names."""
    if following is None:
        test = f'project_slug > "{previous}"'
    elif not previous:
        test = f'project_slug < "{following}"'
    else:
        test = f'"{previous}" < project_slug < "{following}"'
    return f"{{% if {test} %}}{{{{ project_block() }}}}{{% endif %}}"


def check(template: str, locks: dict[Combination, str]) -> None:
    """Render the merged template for every combination and some slugs; uv's text must come back."""
    env = jinja2.Environment(keep_trailing_newline=True, autoescape=False)
    compiled = env.from_string(template)
    for combo, lock in locks.items():
        header, blocks = split(lock)
        root = next(block for block in blocks if block_name(block) == PLACEHOLDER)
        others = [block for block in blocks if block is not root]
        for slug in (PLACEHOLDER, "aaa", "my-app", "zzz", "pytest-app", "uvx"):
            mine = root.replace(f'name = "{PLACEHOLDER}"', f'name = "{slug}"', 1)
            expected = header + "".join(sorted([*others, mine], key=block_name))
            got = compiled.render(project_slug=slug, **dict(combo))
            if got != expected:
                sys.exit(f"The merged template does not give uv's lock for {combo}, slug {slug}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="move every pin to its newest")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lock-template-") as work:
        locks = lock_all(Path(work), args.upgrade)
    template = merge(locks)
    check(template, locks)
    OUTPUT.write_text(template, encoding="utf-8")
    packages = {block_name(block) for lock in locks.values() for block in split(lock)[1]}
    print(f"{OUTPUT.relative_to(ROOT)}: {len(locks)} answer sets, {len(packages) - 1} packages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
