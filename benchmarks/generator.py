"""Generator speed: `mvpscaffold new --defaults`, `update` (idle and real), zero-to-green.

    python benchmarks/generator.py                  # median of 5, plus one zero-to-green run
    python benchmarks/generator.py --runs 3 --skip-zero-to-green

The generator is measured as users install it (README step 1: `pip install .`, not editable: an
editable install checks the working tree on every run to keep its template bundle fresh), in
~/.cache/mvpscaffold-bench/generator-venv, refreshed from this checkout on every run. A real
update is timed too: a project made at the latest release in template-versions.toml (`--update-from`
for another), one owner edit, then `update` to this checkout's version (median of 3).

Zero-to-green is what a new user waits for: `new`, then `make install` (the project's own .venv,
from a package cache an untimed install has warmed) and `make check` passing. `make install` uses
uv when it is on PATH and pip otherwise, so zero-to-green is measured both ways when uv is found
(on PATH or next to this interpreter). Then the generated project's own test suite alone (median
of 3), both as the terminal waits for it and as pytest reports it (after its start-up and conftest
imports). It prints the figures and writes JSON.

Commands run as on a user's machine: with PYTHONDONTWRITEBYTECODE removed from their environment
(some sandboxes and CI images set it; then every run compiles every imported module again, which
made a generated suite here take 23 s instead of 15 s). The JSON says whether the caller had it set.
The time of a fixed pure-Python loop is recorded too, to compare machines.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # the folder is not a package: imported by path
    cpu_model,
    python_loop_seconds,
    write_report,
)

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
GENERATOR_VENV = Path.home() / ".cache" / "mvpscaffold-bench" / "generator-venv"
TARGETS_S = {"new_defaults_median": 2.0, "zero_to_green": 30.0, "generated_suite": 10.0}
# What users have by default: Python writes the bytecode of what it imports and reuses it next time.
USER_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path | None = None) -> float:
    """Run a command that must succeed; return its wall-clock seconds."""
    began = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=USER_ENV, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return elapsed


def install_generator(venv: Path) -> None:
    """`pip install .` of this checkout into `venv` (made once; mvpscaffold replaced each run)."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # Dependencies as pyproject.toml pins them now (an older venv may hold another copier), then
    # mvpscaffold itself rebuilt from this checkout even when its version number did not change.
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(REPO_ROOT)], check=True)
    refresh = ["install", "-q", "--no-deps", "--force-reinstall", str(REPO_ROOT)]
    subprocess.run([str(python), "-m", "pip", *refresh], check=True)


def cli(*args: str) -> list[str]:
    """The installed generator's command."""
    return [str(GENERATOR_VENV / "bin" / "mvpscaffold"), *args]


def measure_new(work: Path, runs: int) -> list[float]:
    """`new --defaults` into a fresh folder, `runs` times (git init and first commit included)."""
    return [timed(cli("new", str(work / f"new-{run}"), "--defaults", "-q")) for run in range(runs)]


def measure_update(project: Path, runs: int) -> list[float]:
    """`update` on a project already on the newest template: the check users run most."""
    return [timed(cli("update", str(project))) for _ in range(runs)]


def latest_release() -> str:
    """The newest released template version (template-versions.toml): the one before this tree."""
    with (REPO_ROOT / "template-versions.toml").open("rb") as releases:
        versions = tomllib.load(releases)["releases"]
    return str(max(versions, key=lambda version: tuple(int(part) for part in version.split("."))))


def measure_real_update(work: Path, runs: int, oldest: str) -> tuple[str, list[float]]:
    """`update` from release `oldest` to this checkout, one owner edit to merge, `runs` times."""
    seconds = []
    for run in range(runs):
        project = work / f"update-{run}"
        timed(cli("new", str(project), "--defaults", "-q", "--ref", oldest))
        readme = project / "README.md"
        edited = readme.read_text(encoding="utf-8") + "\nOwner's notes.\n"
        readme.write_text(edited, encoding="utf-8")
        owner = ["-c", "user.name=Bench", "-c", "user.email=bench@localhost"]
        timed(["git", *owner, "commit", "-qam", "owner edit"], cwd=project)
        seconds.append(timed(cli("update", str(project)), cwd=project))
    return oldest, seconds


def version() -> str:
    """The version of the installed generator: the template version `update` moves to."""
    done = subprocess.run(cli("--version"), capture_output=True, text=True, check=True)
    return done.stdout.split()[1]  # "mvpscaffold 0.3.0 (copier 9.19.1)"


def find_uv() -> str | None:
    """The uv executable on PATH or next to this interpreter, if any."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    return shutil.which("uv", path=search)


def project_env(uv: str | None) -> dict[str, str]:
    """The user's environment, with `uv` the only uv on PATH (None: no uv at all)."""
    path = os.environ["PATH"].split(os.pathsep)
    folders = [folder for folder in path if not (Path(folder) / "uv").exists()]
    if uv:
        folders.insert(0, str(Path(uv).parent))
    env = {key: value for key, value in USER_ENV.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(folders)
    return env


def warm_caches(work: Path) -> None:
    """One untimed `new` and `make install` without uv: pip's and uv's caches hold every package."""
    project = work / "warm-up"
    timed(cli("new", str(project), "--defaults", "-q"))
    done = subprocess.run(
        ["make", "install"], cwd=project, env=project_env(None), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"make install failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def measure_zero_to_green(work: Path, uv: str | None) -> dict[str, float]:
    """new, make install (uv when given, else pip), make check; seconds per step and in total."""
    project = work / f"zero-to-green-{'uv' if uv else 'pip'}"
    env = project_env(uv)
    steps = {"new": timed(cli("new", str(project), "--defaults", "-q"))}
    for target in ("install", "check"):
        began = time.perf_counter()
        done = subprocess.run(
            ["make", target], cwd=project, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"make {target} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        steps[f"make_{target}"] = time.perf_counter() - began
    steps["total"] = sum(steps.values())
    return {name: round(seconds, 2) for name, seconds in steps.items()}


def measure_suite(project: Path, runs: int) -> dict[str, list[float]]:
    """The generated project's tests alone: wall-clock seconds, and pytest's own figure."""
    wall, reported = [], []
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(
            [str(project / ".venv" / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"],
            cwd=project, env=USER_ENV, capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall.append(round(time.perf_counter() - began, 2))
        found = re.search(r" in ([0-9.]+)s", done.stdout.splitlines()[-1] if done.stdout else "")
        if done.returncode != 0 or not found:
            output = done.stdout[-3000:] + done.stderr[-3000:]
            raise SystemExit(f"the generated suite failed:\n{output}")
        reported.append(float(found.group(1)))
    return {"wall": wall, "pytest_reported": reported}


def main(argv: list[str] | None = None) -> int:
    """Measure, print, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--runs", type=int, default=5, help="runs of new and update (median reported)"
    )
    parser.add_argument("--skip-zero-to-green", action="store_true")
    parser.add_argument(
        "--update-from",
        default=latest_release(),
        help="release to update from (default: the latest in template-versions.toml)",
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    parser.add_argument(
        "--output", type=Path, default=BENCH_DIR / "results" / f"generator-{stamp}.json"
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="mvpscaffold-gen-bench-"))
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_before": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python_loop_10M_s": python_loop_seconds(),
        "caller_had_PYTHONDONTWRITEBYTECODE": "PYTHONDONTWRITEBYTECODE" in os.environ,
    }
    try:
        install_generator(GENERATOR_VENV)
        new = measure_new(work, args.runs)
        update = measure_update(work / "new-0", args.runs)
        report["new_defaults_s"] = {
            "median": round(statistics.median(new), 3),
            "runs": [round(s, 3) for s in new],
        }
        report["update_unchanged_s"] = {
            "median": round(statistics.median(update), 3),
            "runs": [round(s, 3) for s in update],
        }
        oldest, real_update = measure_real_update(work, min(3, args.runs), args.update_from)
        report["update_from_oldest_s"] = {
            "from": oldest,
            "to": version(),
            "median": round(statistics.median(real_update), 3),
            "runs": [round(s, 3) for s in real_update],
        }
        if not args.skip_zero_to_green:
            warm_caches(work)
            report["zero_to_green_s"] = {"pip": measure_zero_to_green(work, None)}
            uv = find_uv()
            if uv:
                report["zero_to_green_s"]["uv"] = measure_zero_to_green(work, uv)
            suite = measure_suite(work / "zero-to-green-pip", 3)
            report["generated_suite_s"] = {
                "median": round(statistics.median(suite["wall"]), 2),
                "runs": suite["wall"],
                "pytest_reported_median": round(statistics.median(suite["pytest_reported"]), 2),
                "pytest_reported_runs": suite["pytest_reported"],
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["load_average_after"] = list(os.getloadavg())
    report["targets_s"] = TARGETS_S
    print(
        f"new --defaults      median {report['new_defaults_s']['median']:.2f} s of {args.runs}"
        " (target < 2 s)"
    )
    print(
        f"update (no change)  median {report['update_unchanged_s']['median']:.2f} s of {args.runs}"
    )
    real = report["update_from_oldest_s"]
    print(
        f"update {real['from']} -> {real['to']}  median {real['median']:.2f} s"
        f" of {len(real['runs'])}"
        " (an owner edit merged)"
    )
    for installer, steps in report.get("zero_to_green_s", {}).items():
        print(
            f"zero-to-green ({installer}) {steps['total']:.1f} s (new {steps['new']:.1f},"
            f" make install {steps['make_install']:.1f}, make check {steps['make_check']:.1f};"
            " target < 30 s)"
        )
    if "generated_suite_s" in report:
        suite_s = report["generated_suite_s"]
        print(
            f"generated suite     median {suite_s['median']:.1f} s of 3 (pytest reports"
            f" {suite_s['pytest_reported_median']:.1f} s after its start-up; target < 10 s)"
        )
    print(f"this machine: 10 M Python additions in {report['python_loop_10M_s']:.2f} s")
    print(
        f"load average before {report['load_average_before'][0]:.2f},"
        f" after {report['load_average_after'][0]:.2f}"
    )
    write_report(report, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
