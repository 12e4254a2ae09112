"""The template's upgrade steps (template/.upgrade) on an owner's files they cannot read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import commit_all

STEPS = Path(__file__).resolve().parents[2] / "template" / ".upgrade"
OLD_TABLES = """from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.base import Base


class InvoiceRow(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
"""
CONFLICTED = """from shop.data.tables import Base, InvoiceRow
<<<<<<< before updating
OWNER = 1
=======
TEMPLATE = 1
>>>>>>> after updating
"""


def _run(step: str, project: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list]:
    notes = project.parent / "notes.jsonl"
    done = subprocess.run(
        [sys.executable, str(STEPS / step), *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={"MVPSCAFFOLD_UPGRADE_NOTES": str(notes), "PATH": "/usr/bin:/bin"},
    )
    lines = notes.read_text().splitlines() if notes.is_file() else []
    return done, [json.loads(line) for line in lines]


def test_the_tables_step_moves_the_owners_table_and_never_parses_a_conflicted_file(
    tmp_path: Path,
) -> None:
    project = tmp_path / "shop-project"
    (project / "shop" / "data").mkdir(parents=True)
    (project / "shop" / "data" / "tables.py").write_text(OLD_TABLES)
    (project / "tests").mkdir()
    commit_all(project, "0.2.0")
    # As the merge leaves it: the module gone, the package there, a file with conflict markers.
    (project / "shop" / "data" / "tables.py").unlink()
    (project / "shop" / "data" / "tables").mkdir()
    (project / "tests" / "conftest.py").write_text(CONFLICTED)

    done, notes = _run("tables_package.py", project, "shop")

    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert (project / "tests" / "conftest.py").read_text() == CONFLICTED  # never rewritten
    moved = project / "shop" / "data" / "tables" / "invoices.py"
    assert "class InvoiceRow(Base):" in moved.read_text()
    kinds = {(note["kind"], note["path"]) for note in notes}
    assert kinds == {("done", "shop/data/tables/invoices.py"), ("by hand", "tests/conftest.py")}
    [todo] = [note["what"] for note in notes if note["kind"] == "by hand"]
    assert "InvoiceRow to data/tables/invoices.py" in todo


def test_a_step_that_fails_says_so_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    project = tmp_path / "shop-project"
    project.mkdir()

    done, notes = _run("child_owner.py", project, "shop", ".copier-answers.resource-none.yml")

    assert done.returncode == 1 and notes == []
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("child_owner.py failed (FileNotFoundError")
    assert done.stderr.count("\n") == 1
