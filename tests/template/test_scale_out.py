"""Scale-out: two instances of a generated app behind nginx, against one PostgreSQL and one Redis.

The PostgreSQL + Redis project runs as its image would (the Dockerfile's ENTRYPOINT script and CMD,
in production mode), twice, on two ports, behind nginx configured by the project's own
docker/nginx.conf (docs/deployment.md), with two job workers. The test proves what the deployment
guide promises: a token issued by one instance works on the other, one rate-limit budget per
client and per account across both, forged requests in a loop that cost other users nothing, each
enqueued job run exactly once, and no GET lost when an instance stops.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from base64 import urlsafe_b64encode
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from app_server import (
    admin_sql,
    app_env,
    free_port,
    production_mail,
    run_in_app_venv,
)
from conftest import IN_CI
from generated import ANSWER_SETS, render

pytestmark = [pytest.mark.slow, pytest.mark.services]

ANSWERS = ANSWER_SETS["funded-startup"]
PACKAGE = ANSWERS["package_name"]
LIMIT = 4  # log-in and sign-up attempts per client and minute
PASSWORD = "scale-out password 1"
SIGN_UPS = 8


@dataclass
class Process:
    """A child process whose output goes to a log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Everything it printed so far."""
        return self.log.read_text(errors="replace")

    def events(self) -> list[dict[str, Any]]:
        """Its JSON log lines."""
        lines = self.output().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it if it still runs, and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, command: list[str], cwd: Path, env: dict[str, str], logs: Path) -> Process:
    """Start `command`, its output in logs/<name>.log."""
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Process(name, process, log)


def wait_for(
    condition: Callable[[], bool], what: str, watched: Process, timeout: float = 30
) -> None:
    """Poll `condition`; fail with the watched process's output if it exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError, requests.RequestException):
            if condition():
                return
        if watched.process.poll() is not None:
            raise AssertionError(f"{watched.name} exited:\n{watched.output()[-4000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s:\n{watched.output()[-4000:]}")
        time.sleep(0.1)


def image_command(project: Path) -> list[str]:
    """The image's ENTRYPOINT (docker/entrypoint.sh) and CMD, as the container runs them."""
    lines = (project / "Dockerfile").read_text().splitlines()
    entrypoint = json.loads(next(line for line in lines if line.startswith("ENTRYPOINT "))[11:])
    cmd = json.loads([line for line in lines if line.startswith("CMD ")][-1][4:])
    assert entrypoint == ["entrypoint"], entrypoint  # COPY docker/entrypoint.sh .../entrypoint
    return ["sh", str(project / "docker" / "entrypoint.sh"), *cmd]


def nginx_binary() -> str:
    """Debian's nginx (in /usr/sbin, often not on PATH)."""
    found = shutil.which("nginx", path=f"{os.environ['PATH']}{os.pathsep}/usr/sbin")
    if found is None:
        message = "nginx is not installed (apt-get install nginx)"
        if IN_CI:
            pytest.fail(f"{message}; .ci/run installs it")
        pytest.skip(message)
    return found


def nginx_config(project: Path, folder: Path, port: int, app_ports: list[int]) -> Path:
    """The project's docker/nginx.conf with local addresses, in a main file of a private nginx."""
    site = (project / "docker" / "nginx.conf").read_text()
    upstreams = re.findall(r"server app-\d+:8000", site)
    assert len(upstreams) == len(app_ports), upstreams
    for upstream, app_port in zip(upstreams, app_ports, strict=True):
        site = site.replace(upstream, f"server 127.0.0.1:{app_port}")
    assert "listen 80;" in site
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (folder / "site.conf").write_text(site)
    temp_paths = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = f"""
daemon off;
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    access_log {folder / "access.log"};
{temp_paths}
    include {folder / "site.conf"};
}}
"""
    (folder / "nginx.conf").write_text(main)
    return folder / "nginx.conf"


def call(
    port: int,
    method: str,
    path: str,
    *,
    source: str = "127.0.0.1",
    body: dict[str, Any] | str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    """One request from a chosen loopback address (a client of its own): status, headers, body."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=15, source_address=(source, 0)
    )
    try:
        all_headers = dict(headers or {})
        payload: str | None = None
        if isinstance(body, dict):
            payload = json.dumps(body)
            all_headers["Content-Type"] = "application/json"
        elif body is not None:
            payload = body
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        text = response.read().decode()
        answer: dict[str, str] = {}
        for key, value in response.getheaders():  # several Set-Cookie headers are joined
            answer[key.lower()] = (
                f"{answer[key.lower()]}, {value}" if key.lower() in answer else value
            )
        return response.status, answer, text
    finally:
        connection.close()


def cookie(headers: dict[str, str], name: str) -> str:
    """A cookie's value from a Set-Cookie header (http.client joins several with ', ')."""
    match = re.search(rf"(?:^|, ){name}=([^;]+)", headers.get("set-cookie", ""))
    assert match, f"no {name} cookie in {headers.get('set-cookie')!r}"
    return match.group(1)


def requests_seen(instance: Process, method: str, path: str) -> int:
    """How many `method path` requests the instance's access log shows."""
    return sum(
        1
        for event in instance.events()
        if event.get("event") == "request"
        and event.get("method") == method
        and event.get("path") == path
    )


@dataclass
class Stack:
    """The running deployment: the instances, the workers, and the ports to reach them by."""

    instances: list[Process]
    instance_ports: list[int]
    workers: list[Process]
    proxy_port: int
    database_url: str
    app_venv: Path
    mailbox: Any  # the SMTP server the workers deliver to (a LocalSmtpServer)


@pytest.fixture
def stack(
    copie: Any,
    app_venv: Path,
    tmp_path: Path,
    postgres_admin_url: str,
    redis_url: str,
    mailbox: Any,
) -> Iterator[Stack]:
    """Migrations once, then two instances, two workers and nginx; stopped and cleaned up after."""
    nginx = nginx_binary()
    project = render(copie, ANSWERS)
    name = f"mvps_scale_{uuid.uuid4().hex[:10]}"
    database_url = postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    logs = tmp_path / "logs"
    logs.mkdir()
    admin_sql(app_venv, postgres_admin_url, f'CREATE DATABASE "{name}"')
    processes: list[Process] = []
    try:
        shared = app_env(
            app_venv,
            ENVIRONMENT="production",
            SECRET_KEY=uuid.uuid4().hex * 2,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            JOBS_QUEUE_NAME=name,  # the queue, and the rate limiter's key prefix
            JOBS_IMMEDIATE="false",
            FORWARDED_ALLOW_IPS="127.0.0.1",  # nginx connects from there
            AUTH_RATE_LIMIT_PER_MINUTE=str(LIMIT),
            LOG_LEVEL="INFO",
            LOG_FORMAT="json",
            **production_mail(mailbox.port),
        )
        run_in_app_venv(project, app_venv, shared, "python", "-m", f"{PACKAGE}.cli", "release")
        ports = [free_port(), free_port()]
        instances = []
        for number, port in enumerate(ports, start=1):
            env = {
                **shared,
                "UVICORN_HOST": "127.0.0.1",
                "UVICORN_PORT": str(port),
                "WEB_CONCURRENCY": "1",
                "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"metrics-{number}"),
            }
            instance = start(f"app-{number}", image_command(project), project, env, logs)
            processes.append(instance)
            instances.append(instance)
        for instance, port in zip(instances, ports, strict=True):
            url = f"http://127.0.0.1:{port}/readyz"
            wait_for(lambda url=url: requests.get(url, timeout=2).ok, "not ready", instance)
        worker_command = [str(app_venv / "bin" / "python"), "-m", f"{PACKAGE}.jobs.worker"]
        workers = [
            start(f"worker-{n}", worker_command, project, {**shared, "JOBS_WORKERS": "2"}, logs)
            for n in (1, 2)
        ]
        processes += workers
        proxy_port = free_port()
        folder = tmp_path / "nginx"
        folder.mkdir()
        config = nginx_config(project, folder, proxy_port, ports)
        proxy = start(
            "nginx",
            [nginx, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
            folder,
            dict(os.environ),
            logs,
        )
        processes.append(proxy)
        wait_for(
            lambda: requests.get(f"http://127.0.0.1:{proxy_port}/healthz", timeout=2).ok,
            "nginx did not answer",
            proxy,
        )
        yield Stack(instances, ports, workers, proxy_port, database_url, app_venv, mailbox)
    finally:
        for process in reversed(processes):
            process.stop()
        _delete_redis_keys(app_venv, redis_url, f"*{name}*")
        admin_sql(app_venv, postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _delete_redis_keys(app_venv: Path, redis_url: str, pattern: str) -> None:
    """Delete the keys matching `pattern` with the app venv's client (ours has none)."""
    script = (
        "import sys, redis\n"
        "client = redis.Redis.from_url(sys.argv[1])\n"
        "keys = list(client.scan_iter(match=sys.argv[2]))\n"
        "if keys: client.delete(*keys)\n"
    )
    subprocess.run(
        [str(app_venv / "bin" / "python"), "-c", script, redis_url, pattern], check=True, timeout=60
    )


def test_two_instances_behind_nginx_share_one_database_and_one_redis(stack: Stack) -> None:
    bearer = a_token_from_one_instance_works_on_the_other(stack)
    each_client_has_one_log_in_budget_on_the_whole_site(stack)
    each_account_has_one_log_in_budget_on_the_whole_site(stack)
    each_welcome_email_job_runs_exactly_once(stack)
    forged_requests_in_a_loop_cost_other_users_nothing(stack, bearer)
    nginx_hides_its_version_and_its_own_answers_carry_the_security_headers(stack)
    no_get_fails_when_an_instance_stops(stack, bearer)


def a_token_from_one_instance_works_on_the_other(stack: Stack) -> dict[str, str]:
    """An API token and a page session; returns headers that authenticate with the token."""
    one, two = stack.instance_ports
    credentials = {"email": "ada@example.com", "password": PASSWORD}
    assert call(one, "POST", "/api/accounts", body=credentials)[0] == 201
    status, _, text = call(one, "POST", "/api/sessions", body=credentials)
    assert status == 201, text
    bearer = {"Authorization": f"Bearer {json.loads(text)['access_token']}"}
    note = {"title": "written on two", "body": "Read on one."}
    status, _, text = call(two, "POST", "/api/notes", body=note, headers=bearer)
    assert status == 201, text
    status, _, text = call(one, "GET", "/api/notes", headers=bearer)
    assert status == 200 and "written on two" in text, text

    # A form served by one instance posts to the other (one SECRET_KEY signs the CSRF tokens).
    status, headers, page = call(one, "GET", "/login")
    assert status == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    form = urlencode({**credentials, "csrf_token": csrf.group(1)})
    # Production cookies: __Host- names, which browsers take only from this host over HTTPS.
    browser = {"Cookie": f"__Host-csrf={cookie(headers, '__Host-csrf')}"}
    status, headers, text = call(two, "POST", "/login", body=form, headers=browser)
    assert status == 303, text
    session = {"Cookie": f"__Host-session={cookie(headers, '__Host-session')}"}
    status, _, text = call(one, "GET", "/notes", headers=session)
    assert status == 200 and "written on two" in text
    return bearer


def wrong_log_ins(
    port: int, source: str, claimed_network: str | None = None, email: str = "eve@example.com"
) -> list[int]:
    """LIMIT + 1 wrong-password log-ins from `source`, each claiming another address if asked."""
    wrong = {"email": email, "password": "not the password"}
    statuses = []
    for n in range(LIMIT + 1):
        claim = {"X-Forwarded-For": f"{claimed_network}.{n}"} if claimed_network else {}
        statuses.append(
            call(port, "POST", "/api/sessions", source=source, body=wrong, headers=claim)[0]
        )
    return statuses


def each_client_has_one_log_in_budget_on_the_whole_site(stack: Stack) -> None:
    """Through nginx, whichever instance answers; told apart by the address nginx saw."""
    assert wrong_log_ins(stack.proxy_port, "127.0.0.2", "10.9.9") == [401] * LIMIT + [429]
    seen = [requests_seen(instance, "POST", "/api/sessions") for instance in stack.instances]
    assert all(count >= 2 for count in seen), seen  # nginx spread them over both
    # Another client, its own budget (into another account: eve's own budget is used up).
    assert wrong_log_ins(stack.proxy_port, "127.0.0.3", email="eve2@example.com")[0] == 401
    # Straight to an instance, a forged header counts against the address that connected.
    straight = wrong_log_ins(
        stack.instance_ports[1], "127.0.0.4", "10.8.8", email="eve3@example.com"
    )
    assert straight == [401] * LIMIT + [429]


def each_account_has_one_log_in_budget_on_the_whole_site(stack: Stack) -> None:
    """Guesses at one account from a new address each, through nginx: its budget runs out."""
    statuses = [
        call(
            stack.proxy_port,
            "POST",
            "/api/sessions",
            source=f"127.0.2.{n + 1}",
            body={"email": "mallory-target@example.com", "password": f"guess {n}"},
        )[0]
        for n in range(LIMIT + 1)
    ]
    assert statuses == [401] * LIMIT + [429]


def forged(raw: str) -> str:
    """A pagination cursor as a client could forge one."""
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# Cursors no database query can take: unchecked, each would be a 500.
FORGED_CURSORS = [
    forged(f"2025-01-01T00:00:00+00:00|{2**31}"),
    forged(f"2025-01-01T00:00:00+00:00|{2**63}"),
    forged("2025-01-01T00:00:00|5"),
    forged("0001-01-01T00:00:00+05:00|5"),
    forged("9999-12-31T23:59:59-05:00|5"),
]
# A note the database refuses with an error the app does not expect: a 500 on demand, like a bug.
SERVER_ERROR_TITLE = "a title the database refuses"
REFUSE_IN_THE_DATABASE = [
    f"""CREATE FUNCTION refuse_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF NEW.title = '{SERVER_ERROR_TITLE}' THEN RAISE EXCEPTION 'a bug'; END IF;
    RETURN NEW; END $$""",
    "CREATE TRIGGER refuse_note BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION refuse_note()",
]
FORGED_PER_SECOND = 20
OTHERS_PER_SECOND = 10  # each of two other users: 40 requests a second in all
SCENARIO_SECONDS = 6


def paced(rate: float, stop: threading.Event, one: Callable[[int], None]) -> None:
    """Call `one(n)` `rate` times a second, n counting up, until `stop` is set."""
    started = time.monotonic()
    n = 0
    while not stop.is_set():
        one(n)
        n += 1
        time.sleep(max(0.0, started + n / rate - time.monotonic()))


def forged_requests_in_a_loop_cost_other_users_nothing(
    stack: Stack, bearer: dict[str, str]
) -> None:
    """An attacker loops forged cursors and server errors while two other users read and write.

    Through nginx, at 40 requests a second in all: every forged cursor is a 422, every server error
    a 500 that nginx neither retries nor holds against the instance; the others never see a 5xx.
    """
    for statement in REFUSE_IN_THE_DATABASE:
        admin_sql(stack.app_venv, stack.database_url, statement)
    # An instance's 500 says it closes the connection, so nginx never sends another request down it.
    refused = {"title": SERVER_ERROR_TITLE, "body": "Refused."}
    status, headers, _ = call(
        stack.instance_ports[0], "POST", "/api/notes", body=refused, headers=bearer
    )
    assert (status, headers.get("connection")) == (500, "close")
    base = f"http://127.0.0.1:{stack.proxy_port}"
    others = []
    for n in (1, 2):
        credentials = {"email": f"other{n}@example.com", "password": PASSWORD}
        source = f"127.0.3.{n}"
        assert (
            call(stack.proxy_port, "POST", "/api/accounts", source=source, body=credentials)[0]
            == 201
        )
        status, _, text = call(
            stack.proxy_port, "POST", "/api/sessions", source=source, body=credentials
        )
        assert status == 201, text
        others.append({"Authorization": f"Bearer {json.loads(text)['access_token']}"})
    attacker_answers: Counter[tuple[str, int]] = Counter()
    other_answers: Counter[int] = Counter()
    stop = threading.Event()

    def attack(n: int) -> None:
        session = attacker_session
        if n % 2:
            refused_note = {"title": SERVER_ERROR_TITLE, "body": "Refused."}
            response = session.post(f"{base}/api/notes", json=refused_note, headers=bearer, timeout=15)
            attacker_answers["server error", response.status_code] += 1
        else:
            cursor = {"cursor": FORGED_CURSORS[n // 2 % len(FORGED_CURSORS)]}
            response = session.get(f"{base}/api/notes", params=cursor, headers=bearer, timeout=15)
            attacker_answers["forged cursor", response.status_code] += 1

    def use(headers: dict[str, str]) -> Callable[[int], None]:
        session = requests.Session()

        def one(n: int) -> None:
            if n % 2:
                note = {"title": f"note {n}", "body": "Written by another user."}
                response = session.post(f"{base}/api/notes", json=note, headers=headers, timeout=15)
            else:
                response = session.get(f"{base}/api/notes", headers=headers, timeout=15)
            other_answers[response.status_code] += 1

        return one

    attacker_session = requests.Session()
    threads = [
        threading.Thread(target=paced, args=(FORGED_PER_SECOND, stop, attack)),
        *(threading.Thread(target=paced, args=(OTHERS_PER_SECOND, stop, use(h))) for h in others),
    ]
    for thread in threads:
        thread.start()
    time.sleep(SCENARIO_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    print(f"attacker: {dict(attacker_answers)}, other users: {dict(other_answers)}")
    assert {status for kind, status in attacker_answers if kind == "forged cursor"} == {422}
    assert {status for kind, status in attacker_answers if kind == "server error"} == {500}
    assert set(other_answers) <= {200, 201}, other_answers
    assert sum(other_answers.values()) >= SCENARIO_SECONDS * OTHERS_PER_SECOND  # answered all along
    # nginx sent each of them to one instance, once: a POST that got an answer is never sent again.
    server_errors = sum(
        1
        for instance in stack.instances
        for event in instance.events()
        if event.get("event") == "request" and event.get("status") == 500
    )
    assert server_errors == attacker_answers["server error", 500] + 1  # and the one sent straight


def each_welcome_email_job_runs_exactly_once(stack: Stack) -> None:
    """Sign-ups spread over both instances; every job runs on one of the two workers, once.

    Runs are counted, not e-mails: the e-mail use case sends nothing twice, so a job run twice
    would still deliver one message.
    """
    emails = [f"user{n}@example.com" for n in range(SIGN_UPS)]
    for n, email in enumerate(emails):  # one client each: sign-ups are rate limited too
        body = {"email": email, "password": PASSWORD}
        status, _, text = call(
            stack.proxy_port, "POST", "/api/accounts", source=f"127.0.1.{n + 1}", body=body
        )
        assert status == 201, text
    seen = [requests_seen(instance, "POST", "/api/accounts") for instance in stack.instances]
    assert all(count >= 2 for count in seen), seen

    def runs() -> Counter[int]:
        return Counter(
            event["account_id"]
            for worker in stack.workers
            for event in worker.events()
            if event.get("event") in {"welcome_email.sent", "welcome_email.skipped"}
        )

    accounts = SIGN_UPS + 1  # and ada's
    wait_for(lambda: len(runs()) == accounts, "not every welcome e-mail job ran", stack.workers[0])
    time.sleep(2)  # a second run of any job would show by now
    assert set(runs().values()) == {1}, runs()
    delivered = Counter(to for message in stack.mailbox.recorder.recipients for to in message)
    assert all(delivered[email] == 1 for email in [*emails, "ada@example.com"]), delivered


def nginx_hides_its_version_and_its_own_answers_carry_the_security_headers(stack: Stack) -> None:
    """The app's answers keep their headers (once); nginx's own, such as a 413, get the same."""
    status, headers, _ = call(stack.proxy_port, "GET", "/healthz")
    assert status == 200
    assert headers["server"] == "nginx"  # no version
    assert headers["x-frame-options"] == "DENY"  # the app's, not doubled by nginx's
    assert "default-src 'self'" in headers["content-security-policy"]
    connection = http.client.HTTPConnection("127.0.0.1", stack.proxy_port, timeout=15)
    try:  # a body over client_max_body_size: nginx answers from the declared length
        connection.putrequest("POST", "/api/notes")
        connection.putheader("Content-Length", str(2 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        page = response.read().decode()
    finally:
        connection.close()
    assert response.status == 413
    assert "nginx/" not in page
    assert response.getheader("x-content-type-options") == "nosniff"
    assert response.getheader("x-frame-options") == "DENY"
    assert (
        response.getheader("content-security-policy")
        == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.getheader("cache-control") == "no-store"


def no_get_fails_when_an_instance_stops(stack: Stack, bearer: dict[str, str]) -> None:
    """Four clients read through nginx while one instance is killed: nginx retries on the other."""
    failures: list[str] = []
    answered = Counter[str]()
    killed, stop = threading.Event(), threading.Event()

    def read_notes() -> None:
        session = requests.Session()
        url = f"http://127.0.0.1:{stack.proxy_port}/api/notes"
        while not stop.is_set():
            try:
                response = session.get(url, headers=bearer, timeout=15)
            except requests.RequestException as error:
                failures.append(repr(error))
                continue
            if response.status_code == 200:
                answered["after" if killed.is_set() else "before"] += 1
            else:
                failures.append(f"{response.status_code} {response.text[:200]}")

    readers = [threading.Thread(target=read_notes) for _ in range(4)]
    for reader in readers:
        reader.start()
    time.sleep(1.5)
    stack.instances[0].process.kill()  # a crash: no time to finish what it has
    killed.set()
    time.sleep(2)
    stop.set()
    for reader in readers:
        reader.join(timeout=30)
    print(f"GETs answered before the kill: {answered['before']}, after: {answered['after']}")
    assert failures == []
    assert answered["before"] > 20 and answered["after"] > 20, answered
