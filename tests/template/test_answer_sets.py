"""The template renders on every answer set, and every generated project passes its own checks."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from generated import ANSWER_SETS, Renders, check_env, lock, run_make
from helpers import template_leftovers

@pytest.mark.parametrize("answers", ANSWER_SETS.values(), ids=ANSWER_SETS.keys())
def test_answers_shape_the_project_and_leave_no_template_syntax(
    renders: Renders, answers: dict[str, Any]
) -> None:
    project = renders.copy(answers)
    assert template_leftovers(project) == []
    recorded = (project / ".copier-answers.yml").read_text()
    named_after = answers.get("project_slug") or answers.get("project_name", "My App")
    derived = re.sub(r"[^a-z0-9]+", "_", named_after.lower()).strip("_")
    package = answers.get("package_name") or derived
    assert (project / package / "__init__.py").is_file()
    installs = re.search(r"^APP_EXTRAS \?=(.*)$", (project / "Makefile").read_text(), re.M)
    assert installs is not None
    assert sorted(installs[1].split()) == sorted(
        extra
        for extra, chosen in (
            ("postgresql", answers.get("database") == "postgresql"),
            ("redis", answers.get("jobs") == "redis"),
            ("error-tracking", answers.get("error_tracking")),
            ("metrics", answers.get("metrics")),
        )
        if chosen
    )
    ci = answers.get("ci", "github")
    assert (project / ".github" / "workflows").is_dir() == (ci == "github")
    assert (project / ".gitlab-ci.yml").is_file() == (ci == "gitlab")
    for key in ("database", "jobs", "ci", "license"):
        if key in answers:
            assert f"{key}: {answers[key]}" in recorded


@pytest.mark.slow  # reads .env.example with the installed project's python-dotenv
def test_free_text_comes_back_unchanged_from_every_file_it_is_written_to(
    renders: Renders, app_venv: Path
) -> None:
    answers = ANSWER_SETS["sqlite-redis-noci"]
    name, description = answers["project_name"], answers["description"]
    project = renders.copy(answers)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert pyproject["description"] == description
    assert pyproject["authors"][0]["name"] == answers["author_name"]
    module = ast.parse((project / "side_project" / "__init__.py").read_text())
    constants = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in module.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert (constants["PROJECT_NAME"], constants["DESCRIPTION"]) == (name, description)
    docstring = ast.get_docstring(module) or ""
    assert " ".join(docstring.split()) == f"{name}: {description}"
    read_env = "import sys, dotenv; print(dotenv.dotenv_values(sys.argv[1])['EMAIL_FROM'])"
    env_file = str(project / ".env.example")
    done = subprocess.run(
        [str(app_venv / "bin" / "python"), "-c", read_env, env_file],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout == f"{name} <no-reply@example.com>\n"


@pytest.mark.slow
@pytest.mark.parametrize("answers", ANSWER_SETS.values(), ids=ANSWER_SETS.keys())
def test_generated_project_passes_make_check(
    renders: Renders,
    answers: dict[str, Any],
    app_venv: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    postgres = redis = None
    if answers.get("database") == "postgresql":
        postgres = request.getfixturevalue("postgres_admin_url")
    if answers.get("jobs") == "redis":
        redis = request.getfixturevalue("redis_url")
    project = renders.copy(answers)
    lock(project)
    result = run_make(project, "check", app_venv, check_env(app_venv, tmp_path, postgres, redis))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]


@pytest.mark.slow
def test_domain_importing_sqlalchemy_fails_make_check(
    renders: Renders, app_venv: Path, tmp_path: Path
) -> None:
    project = renders.copy({})
    domain = project / "my_app" / "domain"
    module = sorted(p for p in domain.glob("*.py") if p.name != "__init__.py")[0]
    module.write_text(
        module.read_text()
        + "\n\nimport os  # noqa: E402 (and unused: the lint step, which runs first, fails)\n"
        + "import sqlalchemy  # noqa: E402\n\n\n"
        + "def leak() -> object:\n"
        + '    """Reach the database from the domain: the boundary under test."""\n'
        + '    return sqlalchemy.text("select 1")\n'
    )
    result = run_make(project, "check", app_venv, check_env(app_venv, tmp_path, None, None))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "BROKEN" in output and "sqlalchemy" in output, output[-4000:]
    # A failing step does not stop the later ones: one run reports both problems.
    assert "F401" in output, output[-4000:]


# Answers every HTTP request of pip-audit with a 404, as a mirror without PyPI's JSON API does:
# each dependency is then "not found on PyPI and could not be audited".
UNREACHABLE_ADVISORIES = """
import requests


def _not_found(self, request, **kwargs):
    response = requests.models.Response()
    response.status_code, response.url, response.request = 404, request.url, request
    response._content = b'{"message": "Not Found"}'
    return response


requests.Session.send = _not_found
"""


@pytest.mark.slow
def test_make_audit_fails_when_it_could_not_audit(
    renders: Renders, app_venv: Path, tmp_path: Path
) -> None:
    """An audit that looked nothing up is a failure, never a silent pass."""
    project = renders.copy({})
    (tmp_path / "offline").mkdir()
    (tmp_path / "offline" / "sitecustomize.py").write_text(UNREACHABLE_ADVISORIES)
    env = check_env(app_venv, tmp_path, None, None) | {"PYTHONPATH": str(tmp_path / "offline")}
    result = run_make(project, "audit", app_venv, env)
    output = result.stdout + result.stderr
    assert "could not be audited" in output, output[-3000:]
    assert result.returncode != 0
