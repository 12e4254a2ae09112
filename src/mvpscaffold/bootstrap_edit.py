"""Register a resource's service in a generated project's bootstrap.py: two lines and two imports.

The insertion points are found in the module's syntax tree (the Container dataclass, the
`Container(...)` call that build_container returns, the relative imports), not by matching text,
so an owner's own edits and formatting around them stay as they are.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from mvpscaffold.errors import RefusedError

LINE_LENGTH = 120  # the generated project's ruff line length


@dataclass(frozen=True, slots=True)
class Registration:
    """What one resource adds to the composition root."""

    name: str  # the Container field: invoices
    service: str  # InvoiceService
    repository: str  # SqlInvoiceRepository

    @property
    def imports(self) -> tuple[tuple[str, str], ...]:
        """(module, name) of the two relative imports."""
        return (
            (f"data.repositories.{self.name}", self.repository),
            (f"services.{self.name}", self.service),
        )


def register(source: str, registration: Registration, path: str = "bootstrap.py") -> str:
    """Return bootstrap.py's text with the resource's field, wiring and imports added."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise RefusedError(
            f"{path} does not parse (line {error.lineno}); fix it, then add the resource."
        ) from None
    lines = source.splitlines(keepends=True)
    inserts: list[tuple[int, str]] = [
        _field_insert(tree, registration, path),
        _wiring_insert(tree, lines, registration, path),
        *_import_inserts(tree, registration, path),
    ]
    # Insert from the bottom up, so earlier line numbers stay valid.
    for index, text in sorted(inserts, key=lambda item: item[0], reverse=True):
        lines.insert(index, text)
    return "".join(lines)


def _field_insert(tree: ast.Module, registration: Registration, path: str) -> tuple[int, str]:
    """After the last field of `class Container`."""
    container = next(
        (node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Container"),
        None,
    )
    fields = [
        node for node in (container.body if container else []) if isinstance(node, ast.AnnAssign)
    ]
    if not fields:
        raise RefusedError(
            f"{path} has no `class Container` with fields; add the resource's service by hand."
        )
    names = {node.target.id for node in fields if isinstance(node.target, ast.Name)}
    if registration.name in names:
        raise RefusedError(f"{path} already has a Container field {registration.name!r}.")
    last = fields[-1]
    indent = " " * last.col_offset
    return _end(last), f"{indent}{registration.name}: {registration.service}\n"


def _wiring_insert(
    tree: ast.Module, lines: list[str], registration: Registration, path: str
) -> tuple[int, str]:
    """After the last keyword of the `Container(...)` call that build_container returns."""
    function = next(
        (
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == "build_container"
        ),
        None,
    )
    calls = [
        node
        for node in (ast.walk(function) if function is not None else ())
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Container"
    ]
    if len(calls) != 1 or not calls[0].keywords:
        raise RefusedError(
            f"{path}: build_container does not return one Container(...) of keywords;"
            " wire the service by hand."
        )
    last = calls[0].keywords[-1]
    end_line = _end(last)
    if not lines[end_line - 1].rstrip().endswith(","):
        raise RefusedError(
            f"{path}: the Container(...) call is not one keyword per line;"
            " wire the service by hand."
        )
    indent = " " * last.col_offset
    value = f"{registration.service}(SqlUnitOfWorkFactory(engine, {registration.repository}))"
    line = f"{indent}{registration.name}={value},\n"
    if len(line) - 1 > LINE_LENGTH:  # as the formatter splits it
        line = (
            f"{indent}{registration.name}={registration.service}(\n"
            f"{indent}    SqlUnitOfWorkFactory(engine, {registration.repository})\n"
            f"{indent}),\n"
        )
    return end_line, line


def _import_inserts(
    tree: ast.Module, registration: Registration, path: str
) -> list[tuple[int, str]]:
    """Each relative import where isort puts it: among the `from .x import y` lines, by module."""
    relative = [
        node
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    ]
    if not relative:
        raise RefusedError(
            f"{path} has no relative imports to sort the resource's among; import it by hand."
        )
    inserts = []
    for module, name in registration.imports:
        after = [node for node in relative if _module_key(node.module or "") < _module_key(module)]
        index = _end(after[-1]) if after else relative[0].lineno - 1
        inserts.append((index, f"from .{module} import {name}\n"))
    return inserts


def _module_key(module: str) -> tuple[str, ...]:
    """isort's order of relative modules (ruff's default: by name, case-insensitively)."""
    return tuple(part.lower() for part in module.split("."))


def _end(node: ast.stmt | ast.keyword) -> int:
    """The line number (1-based) of the node's last line."""
    end = node.end_lineno
    assert end is not None  # parsed from source: every node has its position
    return end
