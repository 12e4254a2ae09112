"""Log-in flood: how much a flood of log-ins slows everyone else's requests.

Runs a generated project the way production does (`make serve`: one uvicorn worker per core,
ENVIRONMENT=production, the default Argon2 cost), signs one account up, then sends its
`GET /api/notes` open loop (request n leaves at start + n / rate, its latency counted from then) for
`--duration` seconds twice: alone, then while `--flooders` clients send wrong-password log-ins as
fast as the server answers them (the rate limit off, as for an attack from many addresses). Prints
the p50 and p99 of the reads in both phases and their ratio; writes nothing and asserts nothing.

    VENV/bin/python benchmarks/login_flood.py PROJECT --venv VENV [--rate 50] [--duration 20]

PROJECT is a generated project on SQLite (`mvpscaffold new --defaults`), VENV the environment of its
dependencies (`make install` makes PROJECT/.venv); the script runs in it for its httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import PRODUCTION_MAIL  # the folder is not a package: imported by path

PASSWORD = "flood-benchmark password 1"


def main(argv: list[str] | None = None) -> int:
    """Run both phases against one server and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("project", type=Path)
    parser.add_argument("--venv", type=Path, required=True)
    parser.add_argument("--rate", type=float, default=50.0, help="reads per second (default 50)")
    parser.add_argument(
        "--duration", type=float, default=20.0, help="seconds per phase (default 20)"
    )
    parser.add_argument(
        "--flooders", type=int, default=64, help="concurrent log-in clients (default 64)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        env = {
            **os.environ,
            **PRODUCTION_MAIL,
            "ENVIRONMENT": "production",
            "SECRET_KEY": "flood-benchmark-" + "s" * 32,
            # Inside data/, as production requires; removed first, so each run starts empty.
            "DATABASE_URL": "sqlite:///data/flood.sqlite3",
            "JOBS_SQLITE_PATH": "data/flood-jobs.sqlite3",
            "AUTH_RATE_LIMIT_PER_MINUTE": "0",
            "LOG_LEVEL": "WARNING",
        }
        for stale in ("flood.sqlite3", "flood-jobs.sqlite3"):
            (args.project / "data" / stale).unlink(missing_ok=True)
        command = ["make", "serve", f"VENV={args.venv}", f"PORT={port}", f"WORKERS={args.workers}"]
        log = Path(scratch) / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                command,
                cwd=args.project,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url, server, log)
            quiet, flooded, log_ins = asyncio.run(measure(url, args))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print(f"reads at {args.rate:g}/s for {args.duration:g} s, {args.workers} workers,", end=" ")
    print(f"{args.flooders} flooders")
    print(f"{'phase':<10}{'reads':>7}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for name, (latencies, errors) in (("quiet", quiet), ("flooded", flooded)):
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        print(f"{name:<10}{len(latencies):>7}{errors:>8}{p50:>9.1f}{p99:>9.1f}")
    ratio = percentile(flooded[0], 99) / max(percentile(quiet[0], 99), 0.001)
    print(f"p99 flooded / quiet: {ratio:.1f}; log-ins answered during the flood: {log_ins}")
    return 0


def free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for /healthz; exit with the server's output if it stops first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    sys.exit("the server did not answer /healthz within 60 s")


async def measure(
    url: str, args: argparse.Namespace
) -> tuple[tuple[list[float], int], tuple[list[float], int], int]:
    """The reads alone, then with the flood; and how many log-ins the flood got answered.

    The flood runs in a process of its own, so its work never delays the reads' own client.
    """
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        credentials = {"email": "reader@example.com", "password": PASSWORD}
        assert (await client.post("/api/accounts", json=credentials)).status_code == 201
        token = (await client.post("/api/sessions", json=credentials)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for n in range(20):
            await client.post("/api/notes", json={"title": f"note {n}"}, headers=headers)
        await reads(client, headers, args.rate, 3.0)  # warm-up
        quiet = await reads(client, headers, args.rate, args.duration)
        stop, answered = multiprocessing.Event(), multiprocessing.Value("i", 0)
        flooder = multiprocessing.Process(target=flood, args=(url, args.flooders, stop, answered))
        flooder.start()
        await asyncio.sleep(2.0)  # let the flood build up
        flooded = await reads(client, headers, args.rate, args.duration)
        stop.set()
        flooder.join()
    return quiet, flooded, int(answered.value)


async def reads(
    client: httpx.AsyncClient, headers: dict[str, str], rate: float, duration: float
) -> tuple[list[float], int]:
    """Open loop: GET /api/notes `rate` times a second; latencies in ms from each due time."""
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()

    async def one(due: float) -> None:
        nonlocal errors
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        try:
            response = await client.get("/api/notes", headers=headers)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        if ok:
            latencies.append((time.perf_counter() - due) * 1000)
        else:
            errors += 1

    await asyncio.gather(*(one(start + n / rate) for n in range(int(rate * duration))))
    return latencies, errors


def flood(url: str, clients: int, stop: Any, answered: Any) -> None:
    """In a process of its own: `clients` loops of wrong-password log-ins until `stop` is set."""

    async def one_client(client: httpx.AsyncClient) -> None:
        wrong = {"email": "reader@example.com", "password": "not the password"}
        while not stop.is_set():
            try:
                await client.post("/api/sessions", json=wrong)
                with answered.get_lock():
                    answered.value += 1
            except httpx.HTTPError:
                await asyncio.sleep(0.05)

    async def run() -> None:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            await asyncio.gather(*(one_client(client) for _ in range(clients)))

    asyncio.run(run())


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


if __name__ == "__main__":
    sys.exit(main())
