"""Load benchmark: generated projects under `make serve` and their own `make loadtest`, vs /ping.

    python benchmarks/run.py                      # the full run: 1,000 connections, 30 s per app
    python benchmarks/run.py --duration 2 --connections 50 --variants sqlite   # a smoke run

For each variant it generates a project with `mvpscaffold new --defaults` (plus `--set` answers),
installs it (`make install`), starts it the way its README says to run production (`make serve`:
one uvicorn worker per core, ENVIRONMENT=production, our JSON access log), and runs the project's
own `make loadtest` against it (seed 1,000 accounts x 100 notes, then wrk with loadtest/notes.lua).
The ceiling is benchmarks/ping_app.py served by the same uvicorn command line. It samples the RSS
of every server process during the run, prints a table and writes JSON (benchmarks/results/).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # the folder is not a package: imported by path
    RssSampler,
    cpu_model,
    create_postgres_database,
    delete_redis_keys,
    drop_postgres_database,
    print_table,
    python_loop_seconds,
    wait_for_http,
)

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
VARIANTS: dict[str, list[str]] = {
    "sqlite": [],  # the defaults: SQLite, jobs embedded in a SQLite file
    "postgresql-redis": ["--set", "database=postgresql", "--set", "jobs=redis"],
}
POSTGRES_ADMIN_URL = os.environ.get(
    "MVPSCAFFOLD_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MVPSCAFFOLD_BENCH_REDIS", "redis://127.0.0.1:6379/0")
DEFAULT_VENV = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mvpscaffold-bench" / "venv"
)
TARGETS = {"p99_ms_max": 1000.0, "ratio_to_ping_min": 0.10}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark: 0 when it ran (targets are reported, not enforced), 2 when it cannot."""
    args = parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "wrk is not installed: apt-get update && apt-get install -y wrk (Debian, Ubuntu),"
            " brew install wrk (macOS)"
        )
        return 2
    raise_open_files_limit(args.connections)
    work = Path(tempfile.mkdtemp(prefix="mvpscaffold-bench-"))
    started = time.monotonic()
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "connections": args.connections,
            "duration_s": args.duration,
            "timeout_s": 10,
            "wrk_threads": os.cpu_count() or 1,
            "server_workers": os.cpu_count() or 1,
            "mix": "80% GET /api/notes?limit=20, 15% GET /api/notes/{id}, 5% POST /api/notes",
            "seed": "1,000 accounts x 100 notes",
        },
        "git_commit": git_commit(),
        "apps": {},
    }
    try:
        # Installs first, so nothing but the measured app runs during a measurement.
        installed = {name: prepare_variant(name, args, work) for name in args.variants}
        report["apps"]["ping"] = run_ping(args, work)
        for name in args.variants:
            report["apps"][name] = load_variant(name, args, work) | {"install_s": installed[name]}
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    ping_rps = report["apps"]["ping"]["wrk"]["requests_per_s"]
    for name in args.variants:
        app = report["apps"][name]
        app["ratio_to_ping"] = (
            round(app["wrk"]["requests_per_s"] / ping_rps, 4) if ping_rps else None
        )
        app["targets_met"] = targets_met(app)
    report["machine"]["load_average_after"] = list(os.getloadavg())
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    print_table(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nJSON written to {args.output}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--duration", type=int, default=30, help="seconds of load per app (default 30)"
    )
    parser.add_argument(
        "--connections", type=int, default=1000, help="concurrent connections (default 1000)"
    )
    parser.add_argument(
        "--variants",
        type=lambda text: text.split(","),
        default=list(VARIANTS),
        help=f"comma-separated, from {', '.join(VARIANTS)} (default: all)",
    )
    parser.add_argument(
        "--venv",
        type=Path,
        default=DEFAULT_VENV,
        help="virtual environment for the generated apps (created on first use)",
    )
    parser.add_argument(
        "--skip-install",
        action="store_true",
        help="use --venv as it is (it already has the apps' dependencies) instead of make install",
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / f"load-{stamp}.json")
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated projects (path printed)"
    )
    args = parser.parse_args(argv)
    unknown = set(args.variants) - VARIANTS.keys()
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; choose from {list(VARIANTS)}")
    return args


def raise_open_files_limit(connections: int) -> None:
    """Each connection is a file descriptor in wrk and the server: lift the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if wanted < connections + 100:
        raise SystemExit(
            f"open-files hard limit {hard} is too low for {connections} connections (ulimit -Hn)"
        )


def prepare_variant(name: str, args: argparse.Namespace, work: Path) -> float | None:
    """Generate one answer set's project and `make install` it; return the seconds taken."""
    project = work / name
    print(f"== {name}: generating and installing {project}", flush=True)
    run(
        [
            sys.executable,
            "-m",
            "mvpscaffold",
            "new",
            str(project),
            "--defaults",
            "--no-git",
            "-q",
            *VARIANTS[name],
        ]
    )
    if args.skip_install:
        return None
    args.venv.parent.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    run(["make", "install", f"VENV={args.venv}"], cwd=project, log=work / f"{name}-install.log")
    return round(time.monotonic() - began, 1)


def load_variant(name: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Serve and load-test one generated project; clean up its database and Redis keys."""
    print(f"\n== {name}: make serve + make loadtest", flush=True)
    project, venv = work / name, args.venv
    port = free_port()
    unique = f"bench_{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "PORT": str(port), "JOBS_QUEUE_NAME": unique}
    env.pop("VIRTUAL_ENV", None)
    database = None
    if "postgresql" in name:
        database = create_postgres_database(venv, POSTGRES_ADMIN_URL, unique)
        env["DATABASE_URL"] = database
    if "redis" in name:
        env["REDIS_URL"] = REDIS_URL
    try:
        return serve_and_load(project, venv, env, args, work / f"{name}-server.log")
    finally:
        if database is not None:
            drop_postgres_database(venv, POSTGRES_ADMIN_URL, unique)
        if "redis" in name:
            delete_redis_keys(venv, REDIS_URL, unique)


def serve_and_load(
    project: Path, venv: Path, env: dict[str, str], args: argparse.Namespace, server_log: Path
) -> dict[str, Any]:
    """`make serve` in production mode, then the project's `make loadtest` against it."""
    production = env | {"ENVIRONMENT": "production", "SECRET_KEY": secrets.token_urlsafe(48)}
    with server_log.open("wb") as log:
        server = subprocess.Popen(
            ["make", "serve", f"VENV={venv}"],
            cwd=project,
            env=production,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{env['PORT']}/healthz", server, server_log)
        # The seed refuses production: it runs as development against the same DATABASE_URL.
        loadtest = [
            "make",
            "loadtest",
            f"VENV={venv}",
            f"LOADTEST_URL=http://127.0.0.1:{env['PORT']}",
            f"LOADTEST_CONNECTIONS={args.connections}",
            f"LOADTEST_DURATION={args.duration}s",
        ]
        with RssSampler(server.pid) as sampler:
            output = run(loadtest, cwd=project, env=env | {"ENVIRONMENT": "development"})
        return {
            "wrk": wrk_summary(output),
            "memory": sampler.report(),
            "access_log_lines": count_lines(server_log),
        }
    finally:
        stop(server)


def run_ping(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The ceiling: ping_app.py under `make serve`'s uvicorn command line, wrk on GET /ping."""
    print("\n== ping: bare FastAPI /ping", flush=True)
    port = free_port()
    uvicorn = str(args.venv / "bin" / "uvicorn")
    if not Path(uvicorn).exists():
        raise SystemExit(f"{uvicorn} is missing: run once without --skip-install, or pass --venv")
    command = [
        uvicorn,
        "ping_app:create_app",
        "--factory",
        "--host",
        "0.0.0.0",
        "--port",
        str(port),
        "--workers",
        str(os.cpu_count() or 1),
        "--proxy-headers",
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--no-access-log",
    ]
    log_path = work / "ping-server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=BENCH_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/ping", server, log_path)
        wrk = [
            "wrk",
            "--threads",
            str(os.cpu_count() or 1),
            "--connections",
            str(args.connections),
            "--duration",
            f"{args.duration}s",
            "--timeout",
            "10s",
            "--script",
            str(BENCH_DIR / "ping.lua"),
            f"http://127.0.0.1:{port}",
        ]
        with RssSampler(server.pid) as sampler:
            output = run(wrk)
        return {"wrk": wrk_summary(output), "memory": sampler.report()}
    finally:
        stop(server)


def wrk_summary(output: str) -> dict[str, Any]:
    """The `{"loadtest": ...}` line that loadtest/notes.lua (and ping.lua) print at the end."""
    for line in reversed(output.splitlines()):
        if line.startswith('{"loadtest"'):
            summary: dict[str, Any] = json.loads(line)["loadtest"]
            return summary
    raise SystemExit(f"wrk printed no summary line:\n{output[-2000:]}")


def targets_met(app: dict[str, Any]) -> dict[str, bool]:
    """The issue's targets, as booleans next to the figures."""
    wrk = app["wrk"]
    errors = wrk["errors"]
    return {
        "no_connection_errors": errors["connect"] + errors["read"] + errors["write"] == 0,
        "no_timeouts": errors["timeout"] == 0,
        "no_non_2xx": wrk["non_2xx"] == 0,
        "p99_within_1s": wrk["latency_ms"]["p99"] <= TARGETS["p99_ms_max"],
        "at_least_10_percent_of_ping": (app["ratio_to_ping"] or 0) >= TARGETS["ratio_to_ping_min"],
    }


def run(
    command: list[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> str:
    """Run a command and return its output (also written to `log`); stop on failure."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if log is not None:
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed ({done.returncode}):\n"
            f"{(done.stdout + done.stderr)[-3000:]}"
        )
    sys.stdout.write(
        "".join(
            f"   {line}\n" for line in done.stdout.splitlines() if line.startswith("requests/s")
        )
    )
    return done.stdout


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (make, uvicorn and its workers); SIGKILL after 15 s."""
    try:
        os.killpg(server.pid, 15)
        server.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
        server.wait()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def count_lines(path: Path) -> int:
    """Lines in a file (the access log, to show it was written)."""
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def git_commit() -> str | None:
    """The commit of this checkout, if it is one."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None


def machine_info() -> dict[str, Any]:
    """What the figures depend on: cores, load, versions."""
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python_loop_10M_s": python_loop_seconds(),
        "load_average_before": list(os.getloadavg()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": (wrk_version.stdout or wrk_version.stderr).splitlines()[0].strip(),
    }


if __name__ == "__main__":
    sys.exit(main())
