"""Benchmark helpers: machine speed, memory sampling, scratch services, the printed table."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

SAMPLE_EVERY_S = 0.25
# What production refuses to start without, besides SECRET_KEY: an SMTP server (nobody listens on
# port 9 here; a benchmark sends no e-mail) and the https:// address the e-mails' links start with.
PRODUCTION_MAIL = {
    "EMAIL_BACKEND": "smtp",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": "9",
    "SMTP_USE_TLS": "false",
    "APP_URL": "https://bench.example.com",
}


def python_loop_seconds() -> float:
    """Seconds for 10 million additions in a fresh interpreter: this machine's pure-Python speed."""
    probe = "import time\nt = time.perf_counter()\ns = 0\nfor i in range(10_000_000): s += i\n"
    probe += "print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return round(float(done.stdout), 2)


def cpu_model() -> str | None:
    """The processor's name from /proc/cpuinfo (Linux); None elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


class RssSampler:
    """Samples the RSS of a process and all its descendants in a background thread (Linux /proc)."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self.peaks: dict[int, tuple[str, int]] = {}  # pid -> (role, peak RSS in KiB)
        self.peak_total_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_EVERY_S)

    def sample(self) -> None:
        """Read the RSS of every Python process in the tree once."""
        total = 0
        for pid in descendants(self.root_pid):
            role, rss = process_role(pid), rss_kib(pid)
            if role is None or rss is None:
                continue
            total += rss
            previous = self.peaks.get(pid, (role, 0))[1]
            self.peaks[pid] = (role, max(previous, rss))
        self.peak_total_kib = max(self.peak_total_kib, total)

    def report(self) -> dict[str, Any]:
        """Peak RSS per server process (MiB), the largest, and the peak of their sum."""
        processes: list[dict[str, Any]] = [
            {"pid": pid, "role": role, "peak_rss_mib": round(kib / 1024, 1)}
            for pid, (role, kib) in sorted(self.peaks.items())
        ]
        workers = [p["peak_rss_mib"] for p in processes if p["role"] == "worker"]
        return {
            "processes": processes,
            "peak_rss_per_worker_mib": max(workers, default=None),
            "peak_rss_total_mib": round(self.peak_total_kib / 1024, 1),
        }


def descendants(root: int) -> list[int]:
    """`root` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def process_role(pid: int) -> str | None:
    """'worker', 'supervisor' (uvicorn's parent), other Python helpers; None for make and sh."""
    try:
        command = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return None
    if "python" not in command:
        return None
    if "spawn_main" in command:
        return "worker"
    if "resource_tracker" in command:
        return "resource_tracker"
    return "supervisor" if "uvicorn" in command else "python"


def rss_kib(pid: int) -> int | None:
    """VmRSS of a process in KiB, None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def wait_for_http(
    url: str, server: subprocess.Popen[bytes], log: Path, timeout_s: float = 60
) -> None:
    """Poll `url` until it answers 200; fail with the server's log if it exits or never answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout_s} s:\n{log.read_text()[-3000:]}")


def _venv_python(venv: Path, code: str, *args: str) -> None:
    subprocess.run([str(venv / "bin" / "python"), "-c", code, *args], check=True)


_CREATE_DB = """
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as connection:
    connection.execute(text(f'{sys.argv[2]} DATABASE "{sys.argv[3]}"' + sys.argv[4]))
engine.dispose()
"""


def create_postgres_database(venv: Path, admin_url: str, name: str) -> str:
    """Create a uniquely named database; return its URL."""
    _venv_python(venv, _CREATE_DB, admin_url, "CREATE", name, "")
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(venv: Path, admin_url: str, name: str) -> None:
    """Drop the benchmark's database (ending its sessions)."""
    _venv_python(venv, _CREATE_DB, admin_url, "DROP", name, " WITH (FORCE)")


_DELETE_KEYS = """
import sys
import redis
client = redis.Redis.from_url(sys.argv[1])
keys = list(client.scan_iter(match=f"*{sys.argv[2]}*", count=1000))
if keys:
    client.delete(*keys)
print(f"deleted {len(keys)} Redis keys")
"""


def delete_redis_keys(venv: Path, redis_url: str, unique: str) -> None:
    """Delete every key that names the benchmark's unique queue."""
    _venv_python(venv, _DELETE_KEYS, redis_url, unique)


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write a benchmark's JSON report (benchmarks/results/ by default) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"JSON written to {path}")


def print_table(report: dict[str, Any]) -> None:
    """The figures: the open-loop table, then the closed-loop one, one line per app."""
    settings = report["settings"]
    machine = report["machine"]
    print(
        f"\n{machine['cpus']} cores shared by the load generators and the servers; load average"
        f" before {machine['load_average_before'][0]:.2f}, after"
        f" {machine['load_average_after'][0]:.2f}; 10 M Python additions in"
        f" {machine['python_loop_10M_s']:.2f} s"
    )
    print(
        f"\nOpen loop (locust): {settings['open_rate_per_s']:g} req/s for"
        f" {settings['open_duration_s']} s; capacity = highest rate with p99 <="
        f" {settings['capacity']['p99_ms_max']:g} ms and no error"
        f" ({settings['capacity']['step_duration_s']} s per rate)"
    )
    header = (
        f"{'app':<18}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}{'errors':>8}"
        f"{'capacity':>10}{'vs ping':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, app in report["apps"].items():
        capacity = app["capacity"]
        ratio = capacity.get("ratio_to_ping")
        columns = f"{'-':>8}" * 5
        if "open_200" in app:
            latency = app["open_200"]["latency_ms"]
            errors = app["open_200"]["errors"] + app["open_200"]["unanswered"]
            columns = (
                f"{latency['p50']:>8.0f}{latency['p95']:>8.0f}{latency['p99']:>8.0f}"
                f"{latency['max']:>8.0f}{errors:>8}"
            )
        print(
            f"{name:<18}{columns}{capacity['rate_per_s']:>10.0f}"
            f"{(f'{ratio:.1%}' if ratio is not None else '-'):>9}"
        )
    print(
        f"\nClosed loop (wrk): {settings['connections']} connections, {settings['duration_s']} s"
        " per app"
    )
    header = (
        f"{'app':<18}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'timeouts':>9}{'non-2xx':>8}{'vs ping':>9}{'RSS/worker MiB':>16}{'RSS total MiB':>15}"
    )
    print(header)
    print("-" * len(header))
    for name, app in report["apps"].items():
        wrk, memory = app["wrk"], app["memory"]
        errors = wrk["errors"]
        ratio = app.get("ratio_to_ping")
        print(
            f"{name:<18}{wrk['requests_per_s']:>9.0f}{wrk['latency_ms']['p50']:>9.1f}"
            f"{wrk['latency_ms']['p95']:>9.1f}{wrk['latency_ms']['p99']:>9.1f}"
            f"{errors['connect'] + errors['read'] + errors['write']:>8}"
            f"{errors['timeout']:>9}{wrk['non_2xx']:>8}"
            f"{(f'{ratio:.1%}' if ratio is not None else '-'):>9}"
            f"{memory['peak_rss_per_worker_mib'] or 0:>16.1f}{memory['peak_rss_total_mib']:>15.1f}"
        )
