"""Security of the generated app, from the outside.

No secrets in the files; an API fuzzer finds no server error or schema break; production refuses
unsafe settings; a database outage is a clean 503 from which the app recovers by itself.
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from app_server import (
    PrivatePostgres,
    admin_sql,
    app_env,
    run_in_app_venv,
    serve,
    sign_up_and_log_in,
)
from generated import ANSWER_SETS, Renders, render


FUZZ_ANSWER_SETS = {"defaults": {}, "funded-startup": ANSWER_SETS["funded-startup"]}
MAX_EXAMPLES = 25  # per operation and generation mode: ~600 requests, well under a minute
# Revokes the token the fuzzer uses, so it runs last.
FUZZED_LAST = "DELETE /api/sessions/current"

# Secret-looking values the generated files may contain, each a documented placeholder.
PLACEHOLDERS = {
    "development-only-secret-change-me": "the settings default, refused in production",
    "postgres": "the compose / CI throw-away database password",
    "correct horse battery": "the test suite's password",
    "short": "a test's too-short password",
    "pw-never-logged-7f3a9c": "the password the security tests look for in the logs",
    "pw-in-a-local-variable": "the local variable a logged traceback must leave out",
    "loadtest-password": "the load-test accounts' password (seeding refuses production)",
}
SECRET_ASSIGNMENT = re.compile(
    r"""(?ix)\b[\w.-]*(password|passwd|secret|secret_key|api_key|apikey|token|dsn)\b["']?
    [ \t]*[:=][ \t]*(?P<quote>["']?)(?P<value>[^\s"',#)}]{4,})(?P=quote)"""
)
CREDENTIALS_IN_URL = re.compile(r"\w+://[\w.-]+:(?P<value>[^@/\s]+)@")
# Values that say where a secret comes from instead of being one.
REFERENCES = ("$", "{", "<", "settings.", "os.environ", "secrets.", "None")
KEY_SHAPES = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|sk_live_\w+|ghp_\w{30,}|xox[bp]-\w+"
)


def _secret_findings(project: Path) -> list[str]:
    findings = []
    for path in sorted(p for p in project.rglob("*") if p.is_file() and ".git" not in p.parts):
        text = path.read_text(encoding="utf-8", errors="replace")
        where = path.relative_to(project)
        findings += [f"{where}: key-shaped {m.group(0)[:12]}..." for m in KEY_SHAPES.finditer(text)]
        for match in [*SECRET_ASSIGNMENT.finditer(text), *CREDENTIALS_IN_URL.finditer(text)]:
            value = match.group("value")
            value = value.removeprefix("-")  # ${NAME:-default}: the default is the value
            # In code an unquoted right-hand side is an expression (a name, a call), not a literal.
            expression = path.suffix in {".py", ".lua"} and not match.groupdict().get("quote", "x")
            if value in PLACEHOLDERS or expression or value.startswith(REFERENCES):
                continue
            findings.append(f"{where}: {match.group(0)[:60]!r}")
    return findings


@pytest.mark.parametrize("answers", ANSWER_SETS.values(), ids=ANSWER_SETS.keys())
def test_generated_projects_hold_no_secrets(renders: Renders, answers: dict[str, Any]) -> None:
    project = renders.copy(answers)
    assert _secret_findings(project) == []
    ignored = (project / ".gitignore").read_text().splitlines()
    assert ".env" in ignored, ".env (real settings) must be git-ignored"


def test_the_secret_scan_finds_planted_secrets(tmp_path: Path) -> None:
    planted = {
        ".env": "SECRET_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0\n",
        "deploy.yml": "url: postgresql://app:s3cr3t-pw@db.example.com/app\n",
        "settings.py": 'smtp_password = "hunter2-real"\n',
        "key.pem": "-----BEGIN RSA PRIVATE KEY-----\n",
    }
    for name, text in planted.items():
        (tmp_path / name).write_text(text)
    assert len(_secret_findings(tmp_path)) == len(planted)


def _package(answers: dict[str, Any]) -> str:
    return str(answers.get("package_name", "my_app"))


@pytest.fixture
def database_url_for(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[dict[str, Any]], str]]:
    """A fresh database URL for an answer set: a SQLite file, or a scratch PostgreSQL database."""
    created: list[str] = []

    def make(answers: dict[str, Any]) -> str:
        if answers.get("database") != "postgresql":
            return f"sqlite:///{tmp_path / 'data' / 'fuzz.sqlite3'}"
        admin = request.getfixturevalue("postgres_admin_url")
        name = f"mvps_fuzz_{uuid.uuid4().hex[:10]}"
        admin_sql(request.getfixturevalue("app_venv"), admin, f'CREATE DATABASE "{name}"')
        created.append(name)
        return admin.rsplit("/", 1)[0] + f"/{name}"

    yield make
    for name in created:
        admin = request.getfixturevalue("postgres_admin_url")
        admin_sql(
            request.getfixturevalue("app_venv"),
            admin,
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        )


def fuzz(base_url: str, headers: dict[str, str], note_id: int) -> tuple[int, list[str]]:
    """Run schemathesis over every operation, valid and invalid inputs; return (cases, failures)."""
    # Imported here, not at the top: they take a second to import, which every run of the fast
    # tests would pay when it collects this module.
    import hypothesis
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    # Every answer: no 5xx, a documented status and content type, a body that fits its schema.
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: op.label == FUZZED_LAST,
    )
    cases = 0
    failures: list[str] = []
    for operation in operations:
        owned = {"note_id": note_id} if "{note_id}" in operation.path else None
        runs: list[tuple[GenerationMode, dict[str, int] | None]] = [
            (GenerationMode.POSITIVE, None),
            (GenerationMode.NEGATIVE, None),
        ]
        if owned:
            # On a record the account owns, not only on random ids.
            runs.append((GenerationMode.POSITIVE, owned))
        for mode, path_parameters in runs:

            @hypothesis.settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            )
            @given(
                case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            )
            def run(case: Any) -> None:
                nonlocal cases
                cases += 1
                case.headers = {**headers, **(case.headers or {})}
                response = case.call(base_url=base_url, timeout=10)
                case.validate_response(response, checks=checks)

            try:
                run()
            except Unsatisfiable:
                pass  # no invalid input exists for an operation without parameters
            except (Exception, BaseExceptionGroup) as error:  # schemathesis groups its failures
                failures.append(f"{operation.label} ({mode.value}): {str(error)[:2000]}")
    return cases, failures


@pytest.mark.slow
@pytest.mark.parametrize("answers", FUZZ_ANSWER_SETS.values(), ids=FUZZ_ANSWER_SETS.keys())
def test_fuzzing_the_api_finds_no_server_error_or_schema_break(
    copie: Any,
    answers: dict[str, Any],
    app_venv: Path,
    database_url_for: Callable[[dict[str, Any]], str],
) -> None:
    project = render(copie, answers)
    env = app_env(app_venv, DATABASE_URL=database_url_for(answers), AUTH_RATE_LIMIT_PER_MINUTE="0")
    run_in_app_venv(project, app_venv, env, "alembic", "upgrade", "head")
    with serve(project, _package(answers), app_venv, env) as base_url:
        headers = sign_up_and_log_in(base_url, "fuzzer@example.com")
        note = requests.post(
            f"{base_url}/api/notes", json={"title": "mine", "body": "Only mine."}, headers=headers, timeout=10
        )
        assert note.status_code == 201, note.text
        cases, failures = fuzz(base_url, headers, note.json()["id"])
    print(f"fuzzed {cases} cases, {len(failures)} failures")  # shown with -s
    assert failures == []
    assert cases > 300, f"only {cases} cases ran: is the fuzzer still reaching the operations?"


@pytest.mark.slow
def test_production_refuses_to_start_with_unsafe_settings(
    copie: Any, app_venv: Path, tmp_path: Path
) -> None:
    project = render(copie, {})
    env = app_env(
        app_venv, ENVIRONMENT="production", DEBUG="true", SECRET_KEY="too-short-secret-value"
    )
    done = subprocess.run(
        [
            str(app_venv / "bin" / "uvicorn"),
            "my_app.web.app:create_app",
            "--factory",
            "--port",
            "1",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line.startswith("Invalid configuration: SECRET_KEY"), done.stderr[-2000:]
    assert "DEBUG" in last_line
    # The defaults would log every e-mail (password-reset links too), with links to localhost.
    assert "EMAIL_BACKEND must be smtp in production" in last_line
    assert "APP_URL must be the site's public https:// address" in last_line
    assert "too-short-secret-value" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own, which it may stop (never the shared server)."""
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.mark.slow
def test_a_database_outage_is_a_503_and_the_app_recovers_without_restart(
    copie: Any, app_venv: Path, private_postgres: PrivatePostgres
) -> None:
    answers = ANSWER_SETS["agency-client"]
    project = render(copie, answers)
    env = app_env(app_venv, DATABASE_URL=private_postgres.url, DB_POOL_TIMEOUT="3")
    run_in_app_venv(project, app_venv, env, "alembic", "upgrade", "head")
    with serve(project, _package(answers), app_venv, env) as base_url:
        headers = sign_up_and_log_in(base_url, "outage@example.com")
        assert requests.get(f"{base_url}/api/notes", headers=headers, timeout=10).status_code == 200

        private_postgres.stop()
        ready = requests.get(f"{base_url}/readyz", timeout=10)
        assert ready.status_code == 503
        for _ in range(3):  # the pooled connections are dead, then new ones are refused
            response = requests.get(
                f"{base_url}/api/notes", headers={**headers, "X-Request-ID": "outage"}, timeout=10
            )
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["request_id"] == "outage"
            assert response.headers["retry-after"]
            assert "Traceback" not in response.text

        private_postgres.start()
        statuses = [
            requests.get(f"{base_url}/api/notes", headers=headers, timeout=10).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 200]
        assert requests.get(f"{base_url}/readyz", timeout=10).status_code == 200

        # A restart between two requests: the pooled connections died unseen. Each is pinged at
        # checkout (pool_pre_ping), found dead and replaced.
        private_postgres.stop()
        time.sleep(1.2)
        private_postgres.start()
        statuses = [
            requests.get(f"{base_url}/api/notes", headers=headers, timeout=10).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 200]
