"""Resources end to end: six added to a project pass its `make check`, and update with it.

On SQLite and PostgreSQL: a project made from a template release, six resources added (one with
every field type, required and optional; one that refers to another; one with bounded numbers,
the child of another; one the child of the example notes; one whose only fields are two references
to the same resource), `make check`; then a newer release that
changes the project's and the resources' templates, `mvpscaffold update`, which merges the
resources too and keeps the owner's edit of one, and `make check` again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from generated import check_env, run_make
from template_repos import generate, run

from mvpscaffold.projects.add import add_resource
from mvpscaffold.projects.resource_spec import parse_field
from mvpscaffold.projects.update import update_project

REPO_ROOT = Path(__file__).resolve().parents[2]
EVERY_TYPE = [
    "title:str:80",
    "body:text",
    "count:int",
    "price:decimal",
    "active:bool",
    "day:date",
    "starts_at:datetime",
    "subtitle:str?",
    "notes:text?",
    "rank:int?",
    "cost:decimal?",
    "flag:bool?",
    "until:date?",
    "ends_at:datetime?",
]
RESOURCES = [
    ("customers", ["name:str:80", "email:str?"], None),
    (
        "invoices",
        ["number:str:40", "amount:decimal(min=0)", "due:date?", "customer:ref(customers)"],
        None,
    ),
    (
        "invoice_lines",
        ["label:str", "quantity:int(min=1,max=999)", "price:decimal(min=0.5)?"],
        "invoices",
    ),
    ("events", [*EVERY_TYPE, "customer:ref(customers)?"], None),
    ("comments", ["text:text"], "notes"),
    # References only; two to one resource, one to a resource with dates (page tests make 100+).
    ("referrals", ["referrer:ref(customers)", "referred:ref(customers)", "event:ref(events)"], None),
]
OWNER_EDIT = (
    "\n\ndef is_overdue(due: date | None, today: date) -> bool:\n"
    "    return due is not None and due < today\n"
)


def _releases(root: Path) -> Path:
    """This template as release 1.0.0, then 1.1.0: a change to the project and to every resource."""
    repo = root / "template-repo"
    repo.mkdir()
    shutil.copy(REPO_ROOT / "copier.yml", repo / "copier.yml")
    for folder in ("template", "resource"):
        shutil.copytree(
            REPO_ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "1.0.0")
    run(repo, "git", "tag", "1.0.0")
    readme = repo / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nRelease 1.1.0 of the template.\n")
    pages = (
        repo
        / "resource"
        / "{{package_name}}"
        / "web"
        / "templates"
        / "{{resource.name}}.html.jinja"
    )
    pages.write_text(
        pages.read_text().replace(" Your {{ r.plural_label }}:", " All your {{ r.plural_label }}:")
    )
    migration = "{{resource.revision}}_add_{{resource.name}}.py.jinja"
    migration_template = (
        repo / "resource" / "{{package_name}}" / "data" / "migrations" / "versions" / migration
    )
    migration_template.write_text(migration_template.read_text().replace('"""Add ', '"""Create '))
    run(repo, "git", "commit", "-qam", "1.1.0")
    run(repo, "git", "tag", "1.1.0")
    return repo


def _check(project: Path, venv: Path, postgres: str | None) -> None:
    result = run_make(project, "check", venv, check_env(venv, project, postgres, None))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_three_resources_pass_make_check_and_update_with_the_project(
    database: str, app_venv: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    postgres = request.getfixturevalue("postgres_admin_url") if database == "postgresql" else None
    repo = _releases(tmp_path)
    project = generate(
        str(repo), tmp_path / "shop", "1.0.0", {"project_name": "Shop", "database": database}
    )
    for name, fields, parent in RESOURCES:
        add_resource(project, name, [parse_field(text) for text in fields], parent, commit=True)
    assert run(project, "git", "status", "--porcelain") == ""
    _check(project, app_venv, postgres)

    domain = project / "shop" / "domain" / "invoices.py"
    domain.write_text(domain.read_text() + OWNER_EDIT)
    run(project, "git", "commit", "-qam", "owner: invoices can be overdue")

    report = update_project(project, defaults=True, trust=True)

    assert (report.from_version, report.to_version) == ("1.0.0", "1.1.0")
    assert report.resources == sorted(name for name, _fields, _parent in RESOURCES)
    assert not report.conflicted, report.conflicted
    assert "Release 1.1.0 of the template." in (project / "README.md").read_text()
    for name, _fields, _parent in RESOURCES:
        page = (project / "shop" / "web" / "templates" / f"{name}.html").read_text()
        assert f"All your {name.replace('_', ' ')}:" in page
        answers = (project / f".copier-answers.resource-{name}.yml").read_text()
        assert "_commit: 1.1.0" in answers
    assert OWNER_EDIT in domain.read_text()
    versions = project / "shop" / "data" / "migrations" / "versions"
    for migration in versions.glob("*_add_*.py"):  # written once: databases already ran them
        assert migration.read_text().startswith('"""Add '), migration.name
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "update to 1.1.0")
    _check(project, app_venv, postgres)
