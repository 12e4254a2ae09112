"""A/B runs in alternating pairs: two ASGI servers, or two versions of a generated project.

    python benchmarks/ab.py                      # uvicorn vs granian, 5 pairs, 20 s per scenario
    python benchmarks/ab.py --pairs 7 --duration 30
    python benchmarks/ab.py --projects OLD NEW   # two generated projects, both under uvicorn

Servers: uvicorn (what `make serve` runs) against granian on the default project
(`mvpscaffold new --defaults`), one worker per core, uvloop, no server access log (the app writes
its own). granian is installed into the benchmark environment only: the project does not use it.
Projects: two folders made by `mvpscaffold new` from two commits of this repository with the same
answers (say, before and after a change to the template), both served by `make serve`'s command
line; a PostgreSQL database and a Redis queue are made for them when their answers ask for one.

Each run measures the closed-loop throughput (the project's `make loadtest`: wrk, 1,000
connections) and, at a fixed open-loop rate, p99 from the due time (`loadtest/open_loop.py`).
Pairs alternate which arm goes first, so a machine that gets busier or quieter during the run does
not favour one of them. It prints each pair's ratios (B / A) and their medians, and writes JSON
(benchmarks/results/).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # the folder is not a package: imported by path
    PRODUCTION_MAIL,
    create_postgres_database,
    delete_redis_keys,
    drop_postgres_database,
    wait_for_http,
    write_report,
)
from run import (
    BENCH_DIR,
    DEFAULT_VENV,
    POSTGRES_ADMIN_URL,
    REDIS_URL,
    free_port,
    git_commit,
    locust,
    machine_info,
    prepare_variant,
    raise_open_files_limit,
    run,
    stop,
    wrk_summary,
)

SERVERS = ("uvicorn", "granian")


@dataclass(frozen=True)
class Arm:
    """One side of the comparison: a generated project served by one server."""

    label: str
    project: Path
    server: str


def server_command(name: str, venv: Path, package: str, port: int) -> list[str]:
    """The production command line of each server, as alike as their options allow."""
    workers = str(os.cpu_count() or 1)
    target = f"{package}.web.app:create_app"
    if name == "uvicorn":  # `make serve`'s command line
        return [
            str(venv / "bin" / "uvicorn"), target, "--factory", "--host", "0.0.0.0",
            "--port", str(port), "--workers", workers, "--proxy-headers",
            "--forwarded-allow-ips", "127.0.0.1", "--no-access-log", "--no-server-header",
        ]  # fmt: skip
    return [
        str(venv / "bin" / "granian"), "--interface", "asgi", "--factory", "--host", "0.0.0.0",
        "--port", str(port), "--workers", workers, "--loop", "uvloop", "--no-ws",
        "--no-access-log", target,
    ]  # fmt: skip


def measure(arm: Arm, args: argparse.Namespace, env: dict[str, str], log: Path) -> dict[str, Any]:
    """Serve one arm; closed-loop throughput, then open-loop p99 at the fixed rate."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    package = next(path.parent.parent.name for path in arm.project.glob("*/web/app.py"))
    production = env | PRODUCTION_MAIL
    production |= {"ENVIRONMENT": "production", "SECRET_KEY": secrets.token_urlsafe(48)}
    with log.open("ab") as output:
        server = subprocess.Popen(
            server_command(arm.server, args.venv, package, port),
            cwd=arm.project,
            env=production,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # The seed refuses production: the load tests run as development against the same database.
    development = env | {"ENVIRONMENT": "development"}
    try:
        wait_for_http(f"{url}/healthz", server, log)
        stress = [
            "make", "loadtest", f"VENV={args.venv}", f"LOADTEST_URL={url}",
            f"LOADTEST_CONNECTIONS={args.connections}", f"LOADTEST_DURATION={args.duration}s",
        ]  # fmt: skip
        wrk = wrk_summary(run(stress, cwd=arm.project, env=development))
        locustfile = arm.project / "loadtest" / "open_loop.py"
        open_loop = locust(args.venv, locustfile, url, args.rate, args.duration, arm.project)
        return {"wrk": wrk, "open_loop": open_loop, "load_average": os.getloadavg()[0]}
    finally:
        stop(server)


def ratios(pairs: list[dict[str, Any]], a: str, b: str) -> dict[str, Any]:
    """b / a per pair and their median: throughput, and p99 at the fixed rate."""
    throughput = [
        pair[b]["wrk"]["requests_per_s"] / pair[a]["wrk"]["requests_per_s"] for pair in pairs
    ]
    p99 = [
        pair[b]["open_loop"]["latency_ms"]["p99"]
        / max(pair[a]["open_loop"]["latency_ms"]["p99"], 1)
        for pair in pairs
    ]
    return {
        "ratio": f"{b} / {a}",
        "throughput_ratios": [round(value, 3) for value in throughput],
        "throughput_ratio_median": round(statistics.median(throughput), 3),
        "open_p99_ratios": [round(value, 3) for value in p99],
        "open_p99_ratio_median": round(statistics.median(p99), 3),
    }


def server_arms(args: argparse.Namespace, work: Path, report: dict[str, Any]) -> list[Arm]:
    """The default project, once per server (granian installed next to uvicorn)."""
    report["install_s"] = prepare_variant("sqlite", args, work)
    project = work / "sqlite"
    python = str(args.venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "granian[uvloop]"], check=True)
    versions = run(
        [python, "-c",
         "import importlib.metadata as m; print(m.version('uvicorn'), m.version('granian'))"],
    ).split()  # fmt: skip
    report["versions"] = dict(zip(SERVERS, versions, strict=True))
    return [Arm(name, project, name) for name in SERVERS]


def main(argv: list[str] | None = None) -> int:
    """Alternate the arms, print the ratios, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pairs", type=int, default=5, help="alternating pairs (default 5)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=1000, help="wrk connections")
    parser.add_argument("--rate", type=float, default=300.0, help="open-loop requests/s")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--skip-install", action="store_true")
    parser.add_argument(
        "--projects",
        type=Path,
        nargs=2,
        metavar=("A", "B"),
        help="compare two generated projects (same answers) instead of the servers",
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / f"ab-{stamp}.json")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (Debian, Ubuntu), brew install wrk")
        return 2
    raise_open_files_limit(args.connections)
    work = Path(tempfile.mkdtemp(prefix="mvpscaffold-ab-"))
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "pairs": args.pairs,
            "duration_s": args.duration,
            "connections": args.connections,
            "open_rate_per_s": args.rate,
            "workers": os.cpu_count() or 1,
        },
        "git_commit": git_commit(),
    }
    unique = f"bench_{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "JOBS_QUEUE_NAME": unique}
    env.pop("VIRTUAL_ENV", None)
    database = None
    try:
        if args.projects:
            arms = [Arm(path.name, path.resolve(), "uvicorn") for path in args.projects]
            answers = (args.projects[0] / ".copier-answers.yml").read_text(encoding="utf-8")
            if "database: postgresql" in answers:
                database = create_postgres_database(args.venv, POSTGRES_ADMIN_URL, unique)
                env["DATABASE_URL"] = database
            if "jobs: redis" in answers:
                env["REDIS_URL"] = REDIS_URL
        else:
            arms = server_arms(args, work, report)
        for arm in arms:
            run(["make", "migrate", f"VENV={args.venv}"], cwd=arm.project, env=env)
        report["arms"] = [{"label": arm.label, "server": arm.server} for arm in arms]
        pairs = []
        for number in range(args.pairs):
            order = arms if number % 2 == 0 else arms[::-1]
            pair: dict[str, Any] = {"first": order[0].label}
            for arm in order:
                print(f"== pair {number + 1}/{args.pairs}: {arm.label}", flush=True)
                pair[arm.label] = measure(arm, args, env, work / f"{arm.label}.log")
            pairs.append(pair)
            print_pair(number, pair, [arm.label for arm in arms])
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if database is not None:
            drop_postgres_database(args.venv, POSTGRES_ADMIN_URL, unique)
        if "REDIS_URL" in env:
            delete_redis_keys(args.venv, REDIS_URL, unique)
    report["pairs"] = pairs
    labels = [arm.label for arm in arms]
    report["summary"] = ratios(pairs, labels[0], labels[1])
    report["machine"]["load_average_after"] = list(os.getloadavg())
    summary = report["summary"]
    print(
        f"\n{summary['ratio']} over {args.pairs} pairs: closed-loop throughput median"
        f" {summary['throughput_ratio_median']:.2f} ({summary['throughput_ratios']}),"
        f" open-loop p99 at {args.rate:g} req/s median {summary['open_p99_ratio_median']:.2f}"
        f" ({summary['open_p99_ratios']}); 10 M Python additions in"
        f" {report['machine']['python_loop_10M_s']:.2f} s"
    )
    write_report(report, args.output)
    return 0


def print_pair(number: int, pair: dict[str, Any], labels: list[str]) -> None:
    """One line per arm of a pair."""
    for name in labels:
        result = pair[name]
        wrk, latency = result["wrk"], result["open_loop"]["latency_ms"]
        errors = sum(wrk["errors"].values()) - wrk["errors"].get("status_4xx_5xx", 0)
        print(
            f"   pair {number + 1} {name:<12} {wrk['requests_per_s']:>7.0f} req/s closed"
            f" (errors {errors}, non-2xx {wrk['non_2xx']}) | open p99 {latency['p99']:.0f} ms,"
            f" errors {result['open_loop']['errors']} | load {result['load_average']:.2f}"
        )


if __name__ == "__main__":
    sys.exit(main())
