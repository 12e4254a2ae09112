"""A/B of ASGI servers on the default project: uvicorn (what `make serve` runs) against granian.

    python benchmarks/servers.py                 # 5 alternating pairs, 20 s of each scenario
    python benchmarks/servers.py --pairs 7 --duration 30

Both serve the same generated project (`mvpscaffold new --defaults`, migrated once) with one worker
per core, uvloop and no server access log (the app writes its own). Each run measures the
closed-loop throughput (the project's `make loadtest`: wrk, 1,000 connections) and, at a fixed
open-loop rate, p99 from the due time (`loadtest/open_loop.py`). Pairs alternate which server goes
first, so a machine that gets busier or quieter during the run does not favour one of them. It
prints each pair's ratio (granian / uvicorn) and the medians, and writes JSON (benchmarks/results/).
granian is installed into the benchmark environment only: the generated project does not use it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import wait_for_http  # the folder is not a package: imported by path
from run import (
    BENCH_DIR,
    DEFAULT_VENV,
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


def measure(
    name: str, project: Path, package: str, args: argparse.Namespace, log: Path
) -> dict[str, Any]:
    """Serve the project with one server; closed-loop throughput, then open-loop p99."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ENVIRONMENT": "production", "SECRET_KEY": secrets.token_urlsafe(48)}
    env.pop("VIRTUAL_ENV", None)
    with log.open("ab") as output:
        server = subprocess.Popen(
            server_command(name, args.venv, package, port),
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    development = env | {"ENVIRONMENT": "development"}
    try:
        wait_for_http(f"{url}/healthz", server, log)
        stress = [
            "make", "loadtest", f"VENV={args.venv}", f"LOADTEST_URL={url}",
            f"LOADTEST_CONNECTIONS={args.connections}", f"LOADTEST_DURATION={args.duration}s",
        ]  # fmt: skip
        wrk = wrk_summary(run(stress, cwd=project, env=development))
        open_loop = locust(
            args.venv, project / "loadtest" / "open_loop.py", url, args.rate, args.duration, project
        )
        return {"wrk": wrk, "open_loop": open_loop, "load_average": os.getloadavg()[0]}
    finally:
        stop(server)


def ratios(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """granian / uvicorn per pair and their median: throughput, and p99 at the fixed rate."""
    throughput = [
        pair["granian"]["wrk"]["requests_per_s"] / pair["uvicorn"]["wrk"]["requests_per_s"]
        for pair in pairs
    ]
    p99 = [
        pair["granian"]["open_loop"]["latency_ms"]["p99"]
        / max(pair["uvicorn"]["open_loop"]["latency_ms"]["p99"], 1)
        for pair in pairs
    ]
    return {
        "throughput_ratios": [round(value, 3) for value in throughput],
        "throughput_ratio_median": round(statistics.median(throughput), 3),
        "open_p99_ratios": [round(value, 3) for value in p99],
        "open_p99_ratio_median": round(statistics.median(p99), 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Alternate the servers, print the ratios, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pairs", type=int, default=5, help="alternating pairs (default 5)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=1000, help="wrk connections")
    parser.add_argument("--rate", type=float, default=300.0, help="open-loop requests/s")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--skip-install", action="store_true")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    parser.add_argument(
        "--output", type=Path, default=BENCH_DIR / "results" / f"servers-{stamp}.json"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (Debian, Ubuntu), brew install wrk")
        return 2
    raise_open_files_limit(args.connections)
    work = Path(tempfile.mkdtemp(prefix="mvpscaffold-servers-"))
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
    try:
        install_s = prepare_variant("sqlite", args, work)
        project = work / "sqlite"
        subprocess.run(
            [str(args.venv / "bin" / "python"), "-m", "pip", "install", "-q", "granian[uvloop]"],
            check=True,
        )
        run(["make", "migrate", f"VENV={args.venv}"], cwd=project)
        package = next(path.parent.parent.name for path in project.glob("*/web/app.py"))
        versions = run(
            [str(args.venv / "bin" / "python"), "-c",
             "import importlib.metadata as m; print(m.version('uvicorn'), m.version('granian'))"],
        ).split()  # fmt: skip
        report["versions"] = dict(zip(SERVERS, versions, strict=True))
        report["install_s"] = install_s
        pairs = []
        for number in range(args.pairs):
            order = SERVERS if number % 2 == 0 else SERVERS[::-1]
            pair = {"first": order[0]}
            for name in order:
                print(f"== pair {number + 1}/{args.pairs}: {name}", flush=True)
                pair[name] = measure(name, project, package, args, work / f"{name}.log")
            pairs.append(pair)
            print_pair(number, pair)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["pairs"] = pairs
    report["summary"] = ratios(pairs)
    report["machine"]["load_average_after"] = list(os.getloadavg())
    summary = report["summary"]
    print(
        f"\ngranian / uvicorn over {args.pairs} pairs: closed-loop throughput median"
        f" {summary['throughput_ratio_median']:.2f} ({summary['throughput_ratios']}),"
        f" open-loop p99 at {args.rate:g} req/s median {summary['open_p99_ratio_median']:.2f}"
        f" ({summary['open_p99_ratios']}); 10 M Python additions in"
        f" {report['machine']['python_loop_10M_s']:.2f} s"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"JSON written to {args.output}")
    return 0


def print_pair(number: int, pair: dict[str, Any]) -> None:
    """One line per server of a pair."""
    for name in SERVERS:
        result = pair[name]
        wrk, latency = result["wrk"], result["open_loop"]["latency_ms"]
        errors = sum(wrk["errors"].values()) - wrk["errors"].get("status_4xx_5xx", 0)
        print(
            f"   pair {number + 1} {name:<8} {wrk['requests_per_s']:>7.0f} req/s closed"
            f" (errors {errors}, non-2xx {wrk['non_2xx']}) | open p99 {latency['p99']:.0f} ms,"
            f" errors {result['open_loop']['errors']} | load {result['load_average']:.2f}"
        )


if __name__ == "__main__":
    sys.exit(main())
