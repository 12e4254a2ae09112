"""Upgrade step of 0.3.0: `<package>/data/tables.py` became the package `<package>/data/tables/`.

Run by copier after an update from an earlier release (copier.yml, `_migrations`), in the project's
folder, with the package name as its argument. Standard library only: it runs with copier's Python.

The template's own tables moved to `tables/base.py`, `tables/accounts.py` and `tables/notes.py`.
Tables the owner had added to `tables.py` would be lost with it, so each moves to a module of its
own, `tables/<table name>.py`, and imports of them elsewhere in the project follow. The old
`tables.py` is then removed from git's index, so the package is what Python imports.
A file that holds conflict markers, or code Python cannot parse, is never read or rewritten: it
is named, with where its imports must point once it is resolved (owner_notes.py).
"""

from __future__ import annotations

import ast
import hashlib
import re
import subprocess
import sys
from pathlib import Path

from owner_notes import by_hand, done, readable, run

# What 0.1.0 and 0.2.0 wrote in tables.py: the SHA-256 (first 16 hex digits) of `ast.unparse` of each
# top-level definition, to tell the template's unchanged definitions from ones the owner edited.
TEMPLATE_DEFINITIONS = {
    "NAMING_CONVENTION": "bf90d74154929c1e",
    "UtcDateTime": "154485d9f5144125",
    "Base": "abe21e226a7414cb",
    "AccountRow": "1e46706d7eb0a867",
    "ApiTokenRow": "0b29dd72bc686c74",
    "NoteRow": "6fe855dc426286b7",
}
# Where each name of the old module lives now, relative to the tables package.
NEW_HOMES = {"UtcDateTime": "", "Base": "", "Owned": "", "NAMING_CONVENTION": ".base"}
NEW_HOMES |= {"AccountRow": ".accounts", "ApiTokenRow": ".accounts", "NoteRow": ".notes"}


def git(*args: str) -> subprocess.CompletedProcess[str]:
    """Run git in the project, capturing its output."""
    return subprocess.run(["git", *args], capture_output=True, text=True, check=False)  # noqa: S603, S607


def import_key(name: str) -> tuple[int, str]:
    """ruff's isort order inside one import: CONSTANTS, then Classes, then the rest."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def module_name(node: ast.ClassDef, taken: set[str]) -> str:
    """The module a moved table goes to: its table name, or its class name without `Row`."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", node.name.removesuffix("Row")).lower()
    for statement in node.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(statement.value, ast.Constant):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in targets):
                name = re.sub(r"\W", "_", str(statement.value.value))
    candidate, number = name, 2
    while candidate in taken or candidate in {"base", "accounts", "notes", "__init__"}:
        candidate, number = f"{name}_{number}", number + 1
    taken.add(candidate)
    return candidate


def module_source(node: ast.ClassDef, lines: list[str], imported: dict[str, tuple[str, str]], homes: dict[str, str]) -> str:
    """A module holding one moved class, with the imports it uses, in ruff's isort order."""
    table = homes[node.name].lstrip(".")
    sections: list[dict[str, set[str]]] = [{}, {}, {}]  # standard library, third party, this project
    for name in sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)}):
        if name in imported:
            module, original = imported[name]
            section = sections[0 if module.split(".")[0] in sys.stdlib_module_names else 1]
            section.setdefault(module, set()).add(original if original == name else f"{original} as {name}")
        elif name in homes and homes[name] != f".{table}":
            sections[2].setdefault(homes[name] or ".base", set()).add(name)
    header = [f'"""The `{table}` table (moved from data/tables.py when the project updated to 0.3.0)."""', ""]
    for section in sections:
        header += [f"from {module} import {', '.join(sorted(names, key=import_key))}" for module, names in sorted(section.items())]
        header += [""] if section else []
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    body = "".join(lines[start : node.end_lineno])
    return "\n".join(header) + "\n\n" + body.rstrip() + "\n"


def imported_module(path: Path, node: ast.ImportFrom) -> str:
    """The absolute name of the module `from ... import` names in `path` (relative to the project)."""
    if node.level == 0:
        return node.module or ""
    package = list(path.with_suffix("").parts[:-1])  # the package holding the importing module
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *(node.module or "").split(".")])


def rewrite_imports(path: Path, package: str, homes: dict[str, str]) -> bool:
    """Point `from ...tables import X` at X's new module; True when the file changed.

    A file with conflict markers, or that does not parse, is left as it is: when it imports from
    the old module, the owner is told where the names live now.
    """
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    tree = readable(path, source)
    if tree is None:
        if re.search(r"\btables import\b", source):
            moved = ", ".join(f"{name} to data/tables/{home.lstrip('.') or '__init__'}.py"
                              for name, home in sorted(homes.items()) if home)
            by_hand(path, "not read (conflict markers, or code Python cannot parse); once it is"
                    f" resolved, import the tables from their new modules: {moved}.")
        return False
    lines = source.splitlines(keepends=True)
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module or imported_module(path, node) != f"{package}.data.tables":
            continue  # no import of the old module
        if all(homes.get(alias.name, "") == "" for alias in node.names):
            continue  # every name it imports is still in the package itself
        prefix = "." * node.level + node.module
        targets: dict[str, list[str]] = {}
        for alias in node.names:
            target = prefix + homes.get(alias.name, "")
            targets.setdefault(target, []).append(
                alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
            )
        indent = lines[node.lineno - 1][: node.col_offset]
        replacement = "".join(
            f"{indent}from {target} import {', '.join(sorted(names, key=import_key))}\n"
            for target, names in sorted(targets.items())
        )
        edits.append((node.lineno - 1, node.end_lineno or node.lineno, replacement))
    for start, end, replacement in sorted(edits, reverse=True):
        lines[start:end] = [replacement]
    if edits:
        path.write_text("".join(lines), encoding="utf-8")
    return bool(edits)


def edited_template_definitions(tree: ast.Module) -> list[str]:
    """The template's definitions in the old module that the owner changed."""
    edited = []
    for node in tree.body:
        names = [node.name] if isinstance(node, ast.ClassDef) else []
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        for name in names:
            digest = hashlib.sha256(ast.unparse(node).encode()).hexdigest()[:16]
            if name in TEMPLATE_DEFINITIONS and digest != TEMPLATE_DEFINITIONS[name]:
                edited.append(name)
    return edited


def main(package: str) -> int:
    """Move the owner's tables out of the old `tables.py`; report what moved."""
    old_path = Path(package, "data", "tables.py")
    shown = git("show", f"HEAD:./{old_path.as_posix()}")
    if shown.returncode != 0 or old_path.exists() or not Path(package, "data", "tables").is_dir():
        return 0
    source = shown.stdout
    tree = readable(old_path, source)
    if tree is None:
        Path(f"{old_path}.orig").write_text(source, encoding="utf-8")
        by_hand(f"{old_path}.orig", f"your committed {old_path} does not parse, so its tables were"
                " not moved; move each table class of yours to a module of data/tables/, then"
                " delete this file.")
        git("rm", "--cached", "--quiet", "--ignore-unmatch", "--", old_path.as_posix())
        return 0
    lines = source.splitlines(keepends=True)
    owners = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name not in TEMPLATE_DEFINITIONS]
    edited = edited_template_definitions(tree)
    if not owners and not edited:
        return 0  # the template's file, unchanged: the update removed it as it should
    taken: set[str] = set()
    homes = NEW_HOMES | {node.name: f".{module_name(node, taken)}" for node in owners}
    # Every name the old module imported: name -> (module, imported name).
    imported = {
        alias.asname or alias.name: (node.module, alias.name)
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        for alias in node.names
    }
    for node in owners:
        target = Path(package, "data", "tables", f"{homes[node.name][1:]}.py")
        target.write_text(module_source(node, lines, imported, homes), encoding="utf-8")
        done(target, f"{node.name} moved here from {old_path} ({old_path} became a package in 0.3.0)")
    if owners:
        for path in sorted([*Path(package).rglob("*.py"), *Path("tests").rglob("*.py")]):
            if rewrite_imports(path, package, homes):
                done(path, "its table imports point at their new modules (`make format` sorts them)")
    if edited:
        # Changes to the template's own tables cannot move by themselves: keep the old file beside
        # the package for the owner to carry them over (Python imports the package, not this file).
        Path(f"{old_path}.orig").write_text(source, encoding="utf-8")
        by_hand(f"{old_path}.orig", f"you had changed {', '.join(edited)} in {old_path}: your version"
                " is kept here; carry those changes over to data/tables/, then delete it.")
    git("rm", "--cached", "--quiet", "--ignore-unmatch", "--", old_path.as_posix())
    return 0


if __name__ == "__main__":
    run(lambda: main(sys.argv[1]))
