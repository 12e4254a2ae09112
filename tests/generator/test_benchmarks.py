"""The benchmark harness works end to end (tiny load, no figures judged: CI machines vary)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import IN_CI, REPO_ROOT

OPEN_FIELDS = {"scheduled", "requests", "achieved_per_s", "latency_ms", "errors", "unanswered"}
WRK_FIELDS = {"requests", "duration_s", "requests_per_s", "latency_ms", "errors", "non_2xx"}


@pytest.mark.slow
@pytest.mark.services
def test_load_benchmark_produces_its_json(
    app_venv: Path, tmp_path: Path, postgres_admin_url: str, redis_url: str
) -> None:
    if shutil.which("wrk") is None:
        message = "wrk is not installed (apt-get install wrk)"
        if IN_CI:
            pytest.fail(f"{message}; .ci/run installs it")
        pytest.skip(message)
    output = tmp_path / "load.json"
    env = {
        **os.environ,
        "MVPSCAFFOLD_BENCH_POSTGRES": postgres_admin_url,
        "MVPSCAFFOLD_BENCH_REDIS": redis_url,
    }
    command = [
        sys.executable, str(REPO_ROOT / "benchmarks" / "run.py"), "--duration", "2",
        "--connections", "50", "--warmup", "1", "--open-duration", "2", "--step-duration", "2",
        "--capacity-bisections", "0", "--venv", str(app_venv), "--skip-install",
        "--output", str(output),
    ]  # fmt: skip
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    report = json.loads(output.read_text())
    assert set(report["apps"]) == {"ping", "sqlite", "postgresql-redis"}
    assert report["machine"]["python_loop_10M_s"] > 0
    for name, app in report["apps"].items():
        assert app["wrk"].keys() >= WRK_FIELDS, name
        assert {"p50", "p95", "p99"} <= app["wrk"]["latency_ms"].keys(), name
        assert {"connect", "read", "write", "timeout"} <= app["wrk"]["errors"].keys(), name
        assert app["wrk"]["requests"] > 0, name
        assert app["memory"]["peak_rss_per_worker_mib"] > 0, name
        capacity = app["capacity"]
        assert capacity["steps"], name
        assert all(step["requests"] > 0 for step in capacity["steps"]), name
        assert capacity["rate_per_s"] < capacity["first_rate_that_failed"], name
    for name in ("sqlite", "postgresql-redis"):
        app = report["apps"][name]
        assert app["warmup"]["requests"] > 0, name
        assert app["open_200"].keys() >= OPEN_FIELDS, name
        assert app["open_200"]["requests"] == app["open_200"]["scheduled"] == 400, name
        assert {"p50", "p95", "p99", "max"} <= app["open_200"]["latency_ms"].keys(), name
        assert app["ratio_to_ping"] is not None
        assert "ratio_to_ping" in app["capacity"]
        assert set(app["targets_met"]) >= {"open_200_p99_within_100ms", "stress_no_timeouts"}
    assert (
        "open loop: 200 req/s" in done.stdout
        and "capacity" in done.stdout
        and "vs ping" in done.stdout
        and "10 M Python additions" in done.stdout
    )


@pytest.mark.slow
def test_generator_benchmark_produces_its_json(tmp_path: Path) -> None:
    output = tmp_path / "generator.json"
    command = [
        sys.executable, str(REPO_ROOT / "benchmarks" / "generator.py"), "--runs", "1",
        "--skip-zero-to-green", "--output", str(output),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    report = json.loads(output.read_text())
    assert report["new_defaults_s"]["runs"][0] > 0
    assert report["update_unchanged_s"]["runs"][0] > 0
    assert report["update_from_oldest_s"]["runs"][0] > 0
    real_update = report["update_from_oldest_s"]
    assert real_update["from"] != real_update["to"]  # a real version change
    assert report["python_loop_10M_s"] > 0
    assert report["caller_had_PYTHONDONTWRITEBYTECODE"] is True
    assert "new --defaults" in done.stdout and "10 M Python additions" in done.stdout
