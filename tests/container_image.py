"""Build and run a generated project's container image with buildah, where no Docker engine runs.

buildah (Debian's package) keeps its images under ~/.cache/mvpscaffold-tests/containers with the
vfs storage driver, which needs no overlay or FUSE support, and runs every step and container with
chroot isolation on the host's network: the build downloads from PyPI, and a server started in a
container listens on the host's ports.

The Dockerfile's base image, the official python:X-slim, would come from Docker Hub; the tests pass
`--build-arg BASE_IMAGE=` a stand-in instead: a minimal Debian made with debootstrap from the mirror
this machine's apt uses, with python3 and its venv module, `python` in /usr/local/bin as in the
official image, and this machine's certificate authorities (downloads may pass a TLS-inspecting
proxy). debootstrap takes minutes, so the stand-in is built once per recipe and kept in storage.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

# Part of the stand-in's tag: change it when the recipe below changes, so caches rebuild.
STAND_IN_RECIPE = "debootstrap-minbase-python3-venv-1"
STAND_IN_PACKAGES = ["python3", "python3-venv", "ca-certificates"]
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SUITE = "bookworm"


class Buildah:
    """buildah with this test suite's own storage: vfs driver, chroot isolation."""

    def __init__(self, storage: Path) -> None:
        self.storage = storage
        self.command = [
            "buildah",
            "--storage-driver=vfs",
            f"--root={storage / 'root'}",
            f"--runroot={storage / 'run'}",
        ]

    def __call__(self, *args: str, timeout: float = 300) -> str:
        """Run one buildah command; fail with its output if it fails; return its stdout."""
        done = subprocess.run(
            [*self.command, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, (
            f"buildah {' '.join(args)} failed ({done.returncode}):\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
        return done.stdout

    def run_args(self, container: str, env: dict[str, str]) -> list[str]:
        """The start of a `buildah run` command line in `container`, `env` added to its own."""
        settings = [f"--env={key}={value}" for key, value in env.items()]
        return [*self.command, "run", "--isolation=chroot", *settings, container, "--"]

    def image_config(self, image: str) -> dict[str, Any]:
        """The image's Docker-format configuration (Entrypoint, Cmd, User, Healthcheck, ...)."""
        inspected = json.loads(self("inspect", "--type=image", image))
        config: dict[str, Any] = inspected["Docker"]["config"]
        return config


def debian_mirror_and_suite() -> tuple[str, str]:
    """The Debian mirror and release this machine's apt uses, or deb.debian.org and bookworm."""
    suite = DEFAULT_SUITE
    os_release = Path("/etc/os-release")
    if os_release.exists():
        fields = dict(
            line.split("=", 1) for line in os_release.read_text().splitlines() if "=" in line
        )
        if fields.get("ID") == "debian" and fields.get("VERSION_CODENAME"):
            suite = fields["VERSION_CODENAME"].strip('"')
    sources = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for path in sources:  # deb822 format: "URIs:" and "Suites:" fields per stanza
        for stanza in path.read_text().split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.MULTILINE)
            suites = re.search(r"^Suites:(.*)$", stanza, re.MULTILINE)
            if uris and suites and suite in suites.group(1).split():
                return uris.group(1).rstrip("/"), suite
    sources_list = Path("/etc/apt/sources.list")
    if sources_list.exists():
        for line in sources_list.read_text().splitlines():
            match = re.match(rf"deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+{re.escape(suite)}\s", line + " ")
            if match:
                return match.group(1).rstrip("/"), suite
    return DEFAULT_MIRROR, suite


def stand_in_base_image(buildah: Buildah) -> str:
    """The stand-in for python:X-slim in buildah's storage, built first if it is not there."""
    mirror, suite = debian_mirror_and_suite()
    digest = hashlib.sha256(f"{STAND_IN_RECIPE} {mirror} {suite}".encode())
    if HOST_CA_BUNDLE.exists():
        digest.update(HOST_CA_BUNDLE.read_bytes())
    image = f"localhost/mvpscaffold-stand-in-python:{suite}-{digest.hexdigest()[:12]}"
    buildah.storage.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers build it once between them.
    with (buildah.storage / "stand-in.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not json.loads(buildah("images", "--json", "--filter", f"reference={image}") or "[]"):
            _build_stand_in(buildah, image, mirror, suite)
    return image


def _build_stand_in(buildah: Buildah, image: str, mirror: str, suite: str) -> None:
    with tempfile.TemporaryDirectory(dir=buildah.storage, prefix="rootfs-") as scratch:
        rootfs = Path(scratch) / "rootfs"
        done = subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(STAND_IN_PACKAGES)}",
                suite,
                str(rootfs),
                mirror,
            ],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        assert done.returncode == 0, f"debootstrap failed:\n{done.stdout[-4000:]}\n{done.stderr}"
        for name in ("python", "python3"):  # where the official image has them
            (rootfs / "usr/local/bin" / name).symlink_to("/usr/bin/python3")
        if HOST_CA_BUNDLE.exists():
            shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
        for leftovers in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for path in (rootfs / leftovers).glob("*"):
                if path.is_file():
                    path.unlink()
        container = buildah("from", "scratch").strip()
        try:
            mountpoint = buildah("mount", container).strip()
            subprocess.run(["cp", "-a", f"{rootfs}/.", f"{mountpoint}/"], check=True)
            buildah("umount", container)
            buildah(
                "config",
                "--env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--env=LANG=C.UTF-8",
                # uv and other tools that bring their own root certificates read this one.
                f"--env=SSL_CERT_FILE={HOST_CA_BUNDLE}",
                "--cmd=python3",
                container,
            )
            buildah("commit", "--format=docker", container, image)
        finally:
            with contextlib.suppress(AssertionError):
                buildah("rm", container)


def build_image(
    buildah: Buildah,
    project: Path,
    base_image: str,
    tag: str,
    build_args: dict[str, str] | None = None,
) -> None:
    """Build `project`'s Dockerfile as `tag` on `base_image`, HEALTHCHECK kept."""
    arguments = {"BASE_IMAGE": base_image, **(build_args or {})}
    buildah(
        "build",
        "--isolation=chroot",
        "--format=docker",  # the OCI format has no HEALTHCHECK and drops it
        *(f"--build-arg={key}={value}" for key, value in arguments.items()),
        f"--tag={tag}",
        str(project),
        timeout=1200,
    )


def processes_under(pid: int) -> list[int]:
    """Every descendant of process `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # Fields after the command name, which sits in parentheses and may hold spaces.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether process `pid` exists and has not exited (a zombie has)."""
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def in_container(pid: int) -> bool:
    """Whether process `pid` runs chrooted, inside a container's file system."""
    with contextlib.suppress(OSError):
        return os.readlink(f"/proc/{pid}/root") != "/"
    return False


def user_ids(pid: int) -> tuple[set[int], set[int]]:
    """The real, effective, saved and file-system user ids, and the same group ids, of `pid`."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return {int(n) for n in status["Uid"].split()}, {int(n) for n in status["Gid"].split()}


def healthcheck_command(config: dict[str, Any]) -> list[str]:
    """The argv of the image's HEALTHCHECK (exec or shell form); fails when the image has none."""
    test = (config.get("Healthcheck") or {}).get("Test") or []
    assert test and test[0] in {"CMD", "CMD-SHELL"}, f"no HEALTHCHECK in the image: {test}"
    return list(test[1:]) if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]


class Started:
    """A command started by `running`, its output going to a file."""

    def __init__(self, command: list[str], log: IO[str]) -> None:
        self.log = log
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)

    def output(self) -> str:
        """What the command has written so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        """Stop the command with SIGTERM, or SIGKILL if it lingers, and wait for all it started.

        buildah passes SIGTERM on to the container and exits, possibly before the container's
        processes have finished shutting down (uvicorn's supervisor keeps its socket open until its
        workers are done), so those are waited for one by one.
        """
        started = processes_under(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        deadline = time.monotonic() + 20
        for pid in started:
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running(command: list[str]) -> Iterator[Started]:
    """Start `command` (a `buildah run ...`) in the background; stop it on the way out."""
    with tempfile.TemporaryFile("w+") as log:
        started = Started(command, log)
        try:
            yield started
        finally:
            started.stop()
