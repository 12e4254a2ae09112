"""Load benchmark: generated projects under `make serve`, open loop and closed loop, vs /ping.

    python benchmarks/run.py                      # the full run (see benchmarks/README.md)
    python benchmarks/run.py --duration 2 --connections 50 --open-duration 2 --step-duration 2 \
        --variants sqlite                         # a smoke run

For each variant it generates a project with `mvpscaffold new --defaults` (plus `--set` answers),
installs it (`make install`), starts it the way its README says to run production (`make serve`:
one uvicorn worker per core, ENVIRONMENT=production, our JSON access log), and runs the project's
own load tests against it: `make loadtest-open` at 200 requests/s (locust, open loop, latency from
each request's due time), a capacity search with the same locustfile (the highest rate with p99 <=
500 ms), and `make loadtest` (wrk, 1,000 connections, closed loop). The ceiling is
benchmarks/ping_app.py served by the same uvicorn command line, its capacity searched the same way
(benchmarks/ping_open.py) and driven by the same wrk. It samples the RSS of every server process,
prints the tables and writes JSON (benchmarks/results/).
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
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # the folder is not a package: imported by path
    PRODUCTION_MAIL,
    RssSampler,
    cpu_model,
    create_postgres_database,
    delete_redis_keys,
    drop_postgres_database,
    print_table,
    python_loop_seconds,
    wait_for_http,
    write_report,
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
# The targets: 200 req/s of the mix with p99 <= 100 ms and no error (1,000 active users);
# capacity = the highest open-loop rate with p99 <= 500 ms; 1,000 connections with no error.
OPEN_RATE = 200.0
OPEN_P99_MS_MAX = 100.0
CAPACITY_P99_MS_MAX = 500.0
WARMUP_RATE = 50.0
MIN_RATE = 10.0  # the capacity search stops halving here
LOCUST_TOKENS = "data/loadtest-tokens.txt"


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
            "open_rate_per_s": OPEN_RATE,
            "open_duration_s": args.open_duration,
            "warmup_s": args.warmup,
            "capacity": {
                "p99_ms_max": CAPACITY_P99_MS_MAX,
                "step_duration_s": args.step_duration,
                "start_per_s": args.capacity_start,
                "bisections": args.capacity_bisections,
            },
            "mix": "80% GET /api/notes?limit=20, 15% GET /api/notes/{id}, 5% POST /api/notes",
            "seed": "1,000 accounts x 100 notes",
        },
        "git_commit": git_commit(),
        "apps": {},
    }
    try:
        # Installs first, so nothing but the measured app runs during a measurement.
        installed = {name: prepare_variant(name, args, work) for name in args.variants}
        report["apps"]["ping"] = run_ping(args, work, work / args.variants[0])
        for name in args.variants:
            report["apps"][name] = load_variant(name, args, work) | {"install_s": installed[name]}
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    ping = report["apps"]["ping"]
    for name in args.variants:
        app = report["apps"][name]
        app["ratio_to_ping"] = ratio(app["wrk"]["requests_per_s"], ping["wrk"]["requests_per_s"])
        app["capacity"]["ratio_to_ping"] = ratio(
            app["capacity"]["rate_per_s"], ping["capacity"]["rate_per_s"]
        )
        app["targets_met"] = targets_met(app)
    report["machine"]["load_average_after"] = list(os.getloadavg())
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    print_table(report)
    print()
    write_report(report, args.output)
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
        "--open-duration",
        type=int,
        default=30,
        help="seconds of the open-loop run at 200 req/s (default 30)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=10,
        help="seconds at 50 req/s before the measured open-loop run, 0 for none (default 10)",
    )
    parser.add_argument(
        "--step-duration",
        type=int,
        default=15,
        help="seconds per rate of the capacity search (default 15)",
    )
    parser.add_argument(
        "--capacity-start",
        type=float,
        default=200.0,
        help="first rate of the capacity search, doubled until p99 > 500 ms (default 200)",
    )
    parser.add_argument(
        "--capacity-bisections",
        type=int,
        default=3,
        help="halvings of the interval between the last rate that held and the first that did not",
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
    """`make serve` in production mode; the open-loop scenarios, then the closed-loop stress."""
    production = env | PRODUCTION_MAIL
    production |= {"ENVIRONMENT": "production", "SECRET_KEY": secrets.token_urlsafe(48)}
    with server_log.open("wb") as log:
        server = subprocess.Popen(
            ["make", "serve", f"VENV={venv}"],
            cwd=project,
            env=production,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{env['PORT']}"
    # The seed refuses production: the load tests run as development against the same DATABASE_URL.
    development = env | {"ENVIRONMENT": "development"}
    try:
        wait_for_http(f"{url}/healthz", server, server_log)
        with RssSampler(server.pid) as sampler:
            results = load_app(project, venv, url, development, args)
        return results | {"memory": sampler.report(), "access_log_lines": count_lines(server_log)}
    finally:
        stop(server)


def load_app(
    project: Path, venv: Path, url: str, env: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """The project's own `make loadtest-open` at 200 req/s, the capacity search, `make loadtest`."""
    make = ["make", f"VENV={venv}", f"LOADTEST_URL={url}"]
    summary = project / "data" / "bench-open.json"

    def loadtest_open(rate: float, duration: int) -> dict[str, Any]:
        command = [
            *make,
            "loadtest-open",
            f"LOADTEST_RATE={rate:g}",
            f"LOADTEST_DURATION={duration}s",
            f"LOADTEST_SUMMARY={summary}",
        ]
        run(command, cwd=project, env=env, check=False)
        result: dict[str, Any] = json.loads(summary.read_text(encoding="utf-8"))["loadtest_open"]
        return result

    # A server that has just started imports and compiles on its first requests: a light load
    # first, so the figures are those of a running app.
    warmup = loadtest_open(WARMUP_RATE, args.warmup) if args.warmup else None
    open_200 = loadtest_open(OPEN_RATE, args.open_duration)
    locustfile = project / "loadtest" / "open_loop.py"
    capacity = find_capacity(
        lambda rate: locust(venv, locustfile, url, rate, args.step_duration, cwd=project), args
    )
    stress = [
        *make,
        "loadtest",
        f"LOADTEST_CONNECTIONS={args.connections}",
        f"LOADTEST_DURATION={args.duration}s",
    ]
    wrk = wrk_summary(run(stress, cwd=project, env=env))
    return {"warmup": warmup, "open_200": open_200, "capacity": capacity, "wrk": wrk}


def locust(
    venv: Path, locustfile: Path, url: str, rate: float, duration: int, cwd: Path
) -> dict[str, Any]:
    """One open-loop run of a locustfile built on the project's loadtest/open_loop.py."""
    command = [
        str(venv / "bin" / "locust"), "-f", str(locustfile), "--headless", "--only-summary",
        "--loglevel", "WARNING", "--users", "1", "--spawn-rate", "1", "--host", url,
        "--rate", f"{rate:g}", "--duration", str(duration), "--tokens-file", LOCUST_TOKENS,
    ]  # fmt: skip
    # PYTHONPATH: benchmarks/ping_open.py imports the project's loadtest package.
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    output = run(command, cwd=cwd, env=env, check=False)
    for line in reversed(output.splitlines()):
        if line.startswith('{"loadtest_open"'):
            summary: dict[str, Any] = json.loads(line)["loadtest_open"]
            return summary
    raise SystemExit(f"locust printed no summary line:\n{output[-2000:]}")


def holds(summary: dict[str, Any]) -> bool:
    """A rate the app sustains: every request answered without error, p99 within 500 ms."""
    return bool(
        summary["errors"] == 0
        and summary["unanswered"] == 0
        and summary["latency_ms"]["p99"] <= CAPACITY_P99_MS_MAX
    )


def find_capacity(
    at_rate: Callable[[float], dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    """From the start rate, double (or halve) until the outcome flips, then bisect the interval."""
    steps: list[dict[str, Any]] = []

    def attempt(rate: float) -> bool:
        summary = at_rate(rate)
        steps.append(summary | {"holds": holds(summary)})
        return bool(steps[-1]["holds"])

    rate = args.capacity_start
    if attempt(rate):
        low = rate
        while attempt(low * 2):
            low *= 2
        high = low * 2
    else:
        high = rate
        low = rate / 2
        while low >= MIN_RATE and not attempt(low):
            high, low = low, low / 2
        if low < MIN_RATE:
            low = 0.0
    for _ in range(args.capacity_bisections if low else 0):
        rate = round((low + high) / 2)
        low, high = (rate, high) if attempt(rate) else (low, rate)
    return {"rate_per_s": low, "first_rate_that_failed": high, "steps": steps}


def run_ping(args: argparse.Namespace, work: Path, project: Path) -> dict[str, Any]:
    """The ceiling: ping_app.py under `make serve`'s uvicorn command line, open loop and wrk."""
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
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/ping", server, log_path)
        locustfile = BENCH_DIR / "ping_open.py"
        with RssSampler(server.pid) as sampler:
            capacity = find_capacity(
                lambda rate: locust(
                    args.venv, locustfile, url, rate, args.step_duration, cwd=project
                ),
                args,
            )
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
                url,
            ]
            output = run(wrk)
        return {"capacity": capacity, "wrk": wrk_summary(output), "memory": sampler.report()}
    finally:
        stop(server)


def ratio(value: float, ceiling: float) -> float | None:
    """`value` as a share of /ping's figure."""
    return round(value / ceiling, 4) if ceiling else None


def wrk_summary(output: str) -> dict[str, Any]:
    """The `{"loadtest": ...}` line that loadtest/notes.lua (and ping.lua) print at the end."""
    for line in reversed(output.splitlines()):
        if line.startswith('{"loadtest"'):
            summary: dict[str, Any] = json.loads(line)["loadtest"]
            return summary
    raise SystemExit(f"wrk printed no summary line:\n{output[-2000:]}")


def targets_met(app: dict[str, Any]) -> dict[str, bool]:
    """The issue's targets, as booleans next to the figures."""
    wrk, open_200 = app["wrk"], app["open_200"]
    errors = wrk["errors"]
    return {
        "open_200_p99_within_100ms": open_200["latency_ms"]["p99"] <= OPEN_P99_MS_MAX,
        "open_200_no_errors": open_200["errors"] == 0 and open_200["unanswered"] == 0,
        "stress_no_connection_errors": errors["connect"] + errors["read"] + errors["write"] == 0,
        "stress_no_timeouts": errors["timeout"] == 0,
        "stress_no_non_2xx": wrk["non_2xx"] == 0,
    }


def run(
    command: list[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    check: bool = True,
) -> str:
    """Run a command and return its output (also written to `log`); stop on failure if `check`.

    Locust exits with 1 when a request failed: the failures are figures, not a broken run.
    """
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if log is not None:
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
    if check and done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed ({done.returncode}):\n"
            f"{(done.stdout + done.stderr)[-3000:]}"
        )
    sys.stdout.write(
        "".join(
            f"   {line}\n"
            for line in done.stdout.splitlines()
            if line.startswith(("requests/s", "open loop:"))
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
